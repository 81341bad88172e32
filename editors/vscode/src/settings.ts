/**
 * The `arbLsp.*` settings as the server sees them.
 *
 * Pure (no `vscode` import) so it can be unit-tested with node's test runner.
 * The server gets the same nested object twice: once as `initializationOptions`
 * (so it can route the very first request correctly) and then whenever it pulls
 * `workspace/configuration` for the section `arbLsp`, which VS Code answers with
 * nested objects (`{ completion: { debounceMs: 0 } }`, not dotted keys).
 */

/** Settings the server reads, as dotted keys under `arbLsp`. */
export const SERVER_SETTING_KEYS = [
  "baseUrl",
  "priority",
  "models.completion",
  "models.explain",
  "models.docstring",
  "models.completionBlock",
  "completion.enabled",
  "completion.debounceMs",
  "completion.maxTokens",
  "completion.multiline",
  "hover.enabled",
  "docstring.style",
  "reasoning.completion",
  "reasoning.explain",
  "reasoning.docstring",
  "provider.completion",
  "provider.explain",
  "provider.docstring",
  "budget.dailyUsd",
  "exclude",
  "redactSecrets",
] as const;

export type ServerSettingKey = (typeof SERVER_SETTING_KEYS)[number];

/**
 * Settings under `arbLsp` that only the extension reads (how to spawn and trace the
 * server). They are kept out of what the server is sent.
 */
export const CLIENT_ONLY_KEYS = ["server", "trace"] as const;

/** A copy of the `arbLsp` section as VS Code gives it, without the extension's own keys. */
export function withoutClientOnlyKeys(section: unknown): unknown {
  if (typeof section !== "object" || section === null || Array.isArray(section)) {
    return section;
  }
  const copy: JsonObject = { ...(section as JsonObject) };
  for (const key of CLIENT_ONLY_KEYS) {
    delete copy[key];
  }
  return copy;
}

/** Reads one setting below `arbLsp` (VS Code's `WorkspaceConfiguration.get`). */
export type SettingReader = (key: string) => unknown;

export type JsonObject = { [key: string]: unknown };

/** `true` for the values that mean "not set: let the server use its default". */
function isUnset(value: unknown): boolean {
  if (value === undefined || value === null) {
    return true;
  }
  if (typeof value === "string" && value.trim() === "") {
    return true;
  }
  return false;
}

function setNested(target: JsonObject, dottedKey: string, value: unknown): void {
  const parts = dottedKey.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    if (typeof child !== "object" || child === null || Array.isArray(child)) {
      node[part] = {};
    }
    node = node[part] as JsonObject;
  }
  node[parts[parts.length - 1]] = value;
}

/**
 * Builds `initializationOptions` from the user's settings and the stored key.
 *
 * Unset values (null, undefined, blank strings) are left out so the server falls
 * back to its own defaults and to the environment (`OPENROUTER_BASE_URL`).
 */
export function buildInitializationOptions(read: SettingReader, apiKey: string | undefined): JsonObject {
  const options: JsonObject = {};
  for (const key of SERVER_SETTING_KEYS) {
    const value = read(key);
    if (!isUnset(value)) {
      setNested(options, key, value);
    }
  }
  if (apiKey !== undefined && apiKey.trim() !== "") {
    options.apiKey = apiKey.trim();
  }
  return options;
}

/** Environment of the spawned server: the editor's, plus the stored key if there is one. */
export function buildServerEnv(
  base: NodeJS.ProcessEnv,
  apiKey: string | undefined,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  if (apiKey !== undefined && apiKey.trim() !== "") {
    env.OPENROUTER_API_KEY = apiKey.trim();
  }
  return env;
}

/** Replaces every occurrence of each secret by a placeholder (for trace/log output). */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    // Short strings would mangle ordinary text; real keys are long.
    if (secret.length >= 8) {
      result = result.split(secret).join("<redacted>");
    }
  }
  return result;
}
