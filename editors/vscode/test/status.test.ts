import { strict as assert } from "node:assert";
import { describe, it } from "node:test";

import { acceptancePhrase, formatUsd, parseUsage, statusText, statusTooltip, usageSummary } from "../src/status";

describe("formatUsd", () => {
  it("shows four decimals below a dollar and two above", () => {
    assert.equal(formatUsd(0), "$0.00");
    assert.equal(formatUsd(0.0123), "$0.0123");
    assert.equal(formatUsd(0.00004), "$0.0000");
    assert.equal(formatUsd(0.5), "$0.5000");
    assert.equal(formatUsd(1.234), "$1.23");
    assert.equal(formatUsd(12), "$12.00");
  });
});

describe("parseUsage", () => {
  it("reads the server's showUsage answer", () => {
    const usage = parseUsage({ today: { requests: 3, costUsd: 0.0123 }, days: [] });
    assert.deepEqual(usage, { today: { requests: 3, costUsd: 0.0123 }, models: [] });
  });

  it("accepts snake_case, string numbers, tokens and per-model rows", () => {
    const usage = parseUsage({
      today: { requests: "2", cost_usd: "0.5", total_tokens: 40 },
      models: [{ model: "x/y", requests: 2, costUsd: 0.5 }, { notAModel: true }],
    });
    assert.deepEqual(usage, {
      today: { requests: 2, costUsd: 0.5, tokens: 40 },
      models: [{ model: "x/y", requests: 2, costUsd: 0.5 }],
    });
  });

  it("reads per-model usage given as an object", () => {
    const usage = parseUsage({
      today: { requests: 1, costUsd: 0, models: { "a/b:free": { requests: 1, costUsd: 0 } } },
    });
    assert.deepEqual(usage?.models, [{ model: "a/b:free", requests: 1, costUsd: 0 }]);
  });

  it("takes today's per-model rows from the server's `days` list", () => {
    const usage = parseUsage({
      today: { day: "2026-11-25", requests: 3, costUsd: 0.002, tokens: 900 },
      budgetUsd: null,
      days: [
        { day: "2026-11-24", model: "old/model", requests: 9, costUsd: 1 },
        { day: "2026-11-25", model: "a/b:free", requests: 2, costUsd: 0 },
        { day: "2026-11-25", model: "c/d", requests: 1, costUsd: 0.002 },
      ],
    });
    assert.deepEqual(usage, {
      today: { requests: 3, costUsd: 0.002, tokens: 900 },
      models: [
        { model: "a/b:free", requests: 2, costUsd: 0 },
        { model: "c/d", requests: 1, costUsd: 0.002 },
      ],
    });
  });

  it("rejects answers without today's cost", () => {
    assert.equal(parseUsage(null), undefined);
    assert.equal(parseUsage("text"), undefined);
    assert.equal(parseUsage({}), undefined);
    assert.equal(parseUsage({ today: { requests: 1 } }), undefined);
    assert.equal(parseUsage({ today: [] }), undefined);
  });
});

describe("statusText", () => {
  const usage = { today: { requests: 4, costUsd: 0.0123 }, models: [] };

  it("shows the phase icon and today's spend", () => {
    assert.equal(statusText("ready", usage), "$(sparkle) arb-lsp $0.0123");
    assert.equal(statusText("working", usage), "$(sync~spin) arb-lsp $0.0123");
    assert.equal(statusText("error", undefined), "$(error) arb-lsp");
    assert.equal(statusText("starting", undefined), "$(sync~spin) arb-lsp");
  });

  it("explains the state in the tooltip", () => {
    const tooltip = statusTooltip("error", usage, "Server program not found: arb-lsp");
    assert.match(tooltip, /not running/);
    assert.match(tooltip, /Server program not found: arb-lsp/);
    assert.match(tooltip, /Today: 4 requests, \$0\.0123/);
    assert.match(statusTooltip("ready", undefined), /ready/);
  });
});

describe("usageSummary", () => {
  it("summarises today and the costliest models first", () => {
    const text = usageSummary({
      today: { requests: 1, costUsd: 0.02, tokens: 120 },
      models: [
        { model: "cheap/model:free", requests: 5, costUsd: 0 },
        { model: "dear/model", requests: 1, costUsd: 0.02 },
      ],
    });
    assert.equal(
      text,
      "arb-lsp today: 1 request, $0.0200, 120 tokens. dear/model: 1 request, $0.0200; " +
        "cheap/model:free: 5 requests, $0.00.",
    );
  });

  it("caps the model list", () => {
    const models = Array.from({ length: 7 }, (_, index) => ({ model: `m${index}`, requests: 1, costUsd: 0 }));
    assert.match(usageSummary({ today: { requests: 7, costUsd: 0 }, models }), /and 2 more\.$/);
  });
});

describe("acceptance", () => {
  const answer = {
    today: { day: "2026-11-27", requests: 4, costUsd: 0.004, shown: 4, accepted: 1, acceptRate: 0.25, costPerAcceptedUsd: 0.004 },
    days: [{ day: "2026-11-27", model: "m/today", requests: 4, costUsd: 0.004 }],
    byModel: [{ model: "m/week", requests: 40, costUsd: 0.04, shown: 30, accepted: 9 }],
  };

  it("reads today's acceptance and keeps per-model rows to today's", () => {
    const usage = parseUsage(answer);
    assert.deepEqual(usage?.today, { requests: 4, costUsd: 0.004, shown: 4, accepted: 1, costPerAcceptedUsd: 0.004 });
    assert.deepEqual(
      usage?.models.map((row) => row.model),
      ["m/today"],
      "byModel spans 7 days: not today's",
    );
  });

  it("puts today's acceptance rate and cost per accepted suggestion in the tooltip", () => {
    const tooltip = statusTooltip("ready", parseUsage(answer));
    assert.match(tooltip, /^Suggestions today: 1 of 4 accepted \(25%\), \$0\.0040 per accepted$/m);
    assert.match(usageSummary(parseUsage(answer)!), /Suggestions: 1 of 4 accepted \(25%\)/);
  });

  it("says nothing before the first suggestion and no price with nothing accepted", () => {
    assert.equal(acceptancePhrase({ requests: 0, costUsd: 0 }), undefined);
    assert.equal(acceptancePhrase({ requests: 1, costUsd: 0, shown: 0, accepted: 0 }), undefined);
    assert.equal(acceptancePhrase({ requests: 2, costUsd: 0.1, shown: 2, accepted: 0 }), "0 of 2 accepted (0%)");
    assert.doesNotMatch(statusTooltip("ready", parseUsage({ today: { requests: 1, costUsd: 0 } })), /Suggestions/);
  });
});
