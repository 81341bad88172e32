/**
 * What the status bar item says: pure formatting of the client's state and of
 * the server's `arbLsp.showUsage` answer. No `vscode` import, so it is unit-tested.
 */

export type ClientPhase = "starting" | "ready" | "working" | "error";

/** Today's usage as the server reports it. */
export interface UsageToday {
  requests: number;
  costUsd: number;
  tokens?: number;
  /** Suggestions shown and accepted today, and what each accepted one cost (completion spend / accepted). */
  shown?: number;
  accepted?: number;
  costPerAcceptedUsd?: number;
}

export interface ModelUsage {
  model: string;
  requests: number;
  costUsd: number;
}

export interface UsageReport {
  today: UsageToday;
  /** Per model, when the server says so (today's or the report window's). */
  models: ModelUsage[];
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pick(object: Record<string, unknown>, ...names: string[]): number | undefined {
  for (const name of names) {
    const found = asNumber(object[name]);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

function parseModels(value: unknown): ModelUsage[] {
  const rows: ModelUsage[] = [];
  const add = (model: string, entry: unknown): void => {
    if (!isObject(entry)) {
      return;
    }
    rows.push({
      model,
      requests: pick(entry, "requests") ?? 0,
      costUsd: pick(entry, "costUsd", "cost_usd", "cost") ?? 0,
    });
  };
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (isObject(entry) && typeof entry.model === "string") {
        add(entry.model, entry);
      }
    }
  } else if (isObject(value)) {
    for (const [model, entry] of Object.entries(value)) {
      add(model, entry);
    }
  }
  return rows;
}

/**
 * Reads the answer to `arbLsp.showUsage`: `{"today": {"requests": N, "costUsd": X}, ...}`.
 * Returns `undefined` for anything without a usable `today`.
 */
export function parseUsage(answer: unknown): UsageReport | undefined {
  if (!isObject(answer) || !isObject(answer.today)) {
    return undefined;
  }
  const today = answer.today;
  const costUsd = pick(today, "costUsd", "cost_usd", "cost");
  if (costUsd === undefined) {
    return undefined;
  }
  const tokens = pick(today, "tokens", "totalTokens", "total_tokens");
  let models = parseModels(today.models ?? answer.models);
  if (models.length === 0 && Array.isArray(answer.days) && typeof today.day === "string") {
    // `days`: one row per day and model; today's rows are today's per-model usage
    // (`byModel` covers the last 7 days, so it is only the last resort).
    models = parseModels(answer.days.filter((row) => isObject(row) && row.day === today.day));
  }
  if (models.length === 0) {
    models = parseModels(answer.byModel);
  }
  const shown = pick(today, "shown");
  const accepted = pick(today, "accepted");
  const costPerAcceptedUsd = pick(today, "costPerAcceptedUsd");
  return {
    today: {
      requests: pick(today, "requests") ?? 0,
      costUsd,
      ...(tokens !== undefined ? { tokens } : {}),
      ...(shown !== undefined ? { shown } : {}),
      ...(accepted !== undefined ? { accepted } : {}),
      ...(costPerAcceptedUsd !== undefined ? { costPerAcceptedUsd } : {}),
    },
    models,
  };
}

/** `$0.0123` below a dollar (cents of cents matter for cheap models), `$1.23` above. */
export function formatUsd(amount: number): string {
  if (amount === 0) {
    return "$0.00";
  }
  if (Math.abs(amount) < 1) {
    return `$${amount.toFixed(4)}`;
  }
  return `$${amount.toFixed(2)}`;
}

const ICONS: Record<ClientPhase, string> = {
  starting: "$(sync~spin)",
  ready: "$(sparkle)",
  working: "$(sync~spin)",
  error: "$(error)",
};

/** The status bar text, e.g. `$(sparkle) arb-lsp $0.0123`. */
export function statusText(phase: ClientPhase, usage: UsageReport | undefined): string {
  const spend = usage !== undefined ? ` ${formatUsd(usage.today.costUsd)}` : "";
  return `${ICONS[phase]} arb-lsp${spend}`;
}

/** The status bar tooltip: what the state means and today's spend. */
export function statusTooltip(phase: ClientPhase, usage: UsageReport | undefined, detail?: string): string {
  const lines: string[] = [];
  switch (phase) {
    case "starting":
      lines.push("arb-lsp: starting the server");
      break;
    case "ready":
      lines.push("arb-lsp: ready");
      break;
    case "working":
      lines.push("arb-lsp: waiting for the model");
      break;
    case "error":
      lines.push("arb-lsp: the server is not running");
      break;
  }
  if (detail !== undefined && detail !== "") {
    lines.push(detail);
  }
  if (usage !== undefined) {
    lines.push(`Today: ${requestsPhrase(usage.today.requests)}, ${formatUsd(usage.today.costUsd)}`);
    const acceptance = acceptancePhrase(usage.today);
    if (acceptance !== undefined) {
      lines.push(`Suggestions today: ${acceptance}`);
    }
  }
  lines.push("Click for usage details");
  return lines.join("\n");
}

/**
 * Today's acceptance, e.g. `3 of 10 accepted (30%), $0.0012 per accepted`; `undefined` before the
 * first suggestion (or from a server that does not count them).
 */
export function acceptancePhrase(today: UsageToday): string | undefined {
  if (today.shown === undefined || today.shown === 0) {
    return undefined;
  }
  const accepted = today.accepted ?? 0;
  const rate = Math.round((100 * accepted) / today.shown);
  let text = `${accepted} of ${today.shown} accepted (${rate}%)`;
  if (accepted > 0 && today.costPerAcceptedUsd !== undefined) {
    text += `, ${formatUsd(today.costPerAcceptedUsd)} per accepted`;
  }
  return text;
}

function requestsPhrase(count: number): string {
  return count === 1 ? "1 request" : `${count} requests`;
}

/** One-paragraph summary shown when the status bar item is clicked. */
export function usageSummary(usage: UsageReport): string {
  let text = `arb-lsp today: ${requestsPhrase(usage.today.requests)}, ${formatUsd(usage.today.costUsd)}`;
  if (usage.today.tokens !== undefined) {
    text += `, ${usage.today.tokens} tokens`;
  }
  text += ".";
  const acceptance = acceptancePhrase(usage.today);
  if (acceptance !== undefined) {
    text += ` Suggestions: ${acceptance}.`;
  }
  const models = [...usage.models].sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests);
  if (models.length > 0) {
    const parts = models
      .slice(0, 5)
      .map((row) => `${row.model}: ${requestsPhrase(row.requests)}, ${formatUsd(row.costUsd)}`);
    text += ` ${parts.join("; ")}`;
    if (models.length > 5) {
      text += `; and ${models.length - 5} more`;
    }
    text += ".";
  }
  return text;
}
