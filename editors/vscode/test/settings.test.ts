import { strict as assert } from "node:assert";
import { describe, it } from "node:test";

import {
  buildInitializationOptions,
  buildServerEnv,
  redact,
  SERVER_SETTING_KEYS,
  withoutClientOnlyKeys,
} from "../src/settings";

function reader(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => values[key];
}

describe("buildInitializationOptions", () => {
  it("nests dotted keys the way workspace/configuration answers", () => {
    const options = buildInitializationOptions(
      reader({
        priority: "speed",
        "completion.debounceMs": 0,
        "completion.enabled": true,
        "models.completion": ["a/b:free", "c/d"],
        "docstring.style": "numpy",
      }),
      undefined,
    );
    assert.deepEqual(options, {
      priority: "speed",
      completion: { debounceMs: 0, enabled: true },
      models: { completion: ["a/b:free", "c/d"] },
      docstring: { style: "numpy" },
    });
  });

  it("leaves out unset values so the server's defaults and environment apply", () => {
    const options = buildInitializationOptions(
      reader({ baseUrl: "  ", "budget.dailyUsd": null, exclude: null, "hover.enabled": false }),
      undefined,
    );
    assert.deepEqual(options, { hover: { enabled: false } });
  });

  it("keeps falsy but meaningful values", () => {
    const options = buildInitializationOptions(
      reader({ redactSecrets: false, "budget.dailyUsd": 0, exclude: [] }),
      undefined,
    );
    assert.deepEqual(options, { redactSecrets: false, budget: { dailyUsd: 0 }, exclude: [] });
  });

  it("adds the stored key as apiKey, trimmed, and never an empty one", () => {
    assert.equal(buildInitializationOptions(reader({}), " sk-or-v1-abc \n").apiKey, "sk-or-v1-abc");
    assert.equal("apiKey" in buildInitializationOptions(reader({}), "  "), false);
    assert.equal("apiKey" in buildInitializationOptions(reader({}), undefined), false);
  });

  it("asks only for the server's settings, never for the key or the spawn command", () => {
    const asked: string[] = [];
    buildInitializationOptions((key) => {
      asked.push(key);
      return undefined;
    }, undefined);
    assert.equal(asked.includes("apiKey"), false);
    assert.equal(
      asked.some((key) => key.startsWith("server.")),
      false,
    );
    assert.deepEqual(asked, [...SERVER_SETTING_KEYS]);
  });
});

describe("buildServerEnv", () => {
  it("sets OPENROUTER_API_KEY from the stored key without touching the rest", () => {
    const base = { PATH: "/usr/bin", OPENROUTER_BASE_URL: "http://127.0.0.1:1/api/v1" };
    const env = buildServerEnv(base, "sk-or-v1-xyz");
    assert.equal(env.OPENROUTER_API_KEY, "sk-or-v1-xyz");
    assert.equal(env.OPENROUTER_BASE_URL, "http://127.0.0.1:1/api/v1");
    assert.equal("OPENROUTER_API_KEY" in base, false);
  });

  it("keeps an inherited key when none is stored", () => {
    const env = buildServerEnv({ OPENROUTER_API_KEY: "from-env" }, undefined);
    assert.equal(env.OPENROUTER_API_KEY, "from-env");
  });
});

describe("redact", () => {
  it("replaces every occurrence of the key", () => {
    const key = "sk-or-v1-0123456789";
    const text = `{"apiKey":"${key}","again":"${key}"}`;
    assert.equal(redact(text, [key]), '{"apiKey":"<redacted>","again":"<redacted>"}');
  });

  it("ignores secrets too short to be keys", () => {
    assert.equal(redact("a b c", ["a"]), "a b c");
  });
});

describe("withoutClientOnlyKeys", () => {
  it("drops the spawn and trace settings from the section the server pulls", () => {
    const section = {
      server: { command: "/x/arb-lsp", args: [] },
      trace: { server: "off" },
      priority: "cost",
      completion: { debounceMs: 0 },
    };
    assert.deepEqual(withoutClientOnlyKeys(section), { priority: "cost", completion: { debounceMs: 0 } });
    assert.equal("server" in section, true);
  });

  it("passes anything that is not an object through", () => {
    assert.equal(withoutClientOnlyKeys(null), null);
    assert.deepEqual(withoutClientOnlyKeys([1]), [1]);
  });
});
