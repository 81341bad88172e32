import { strict as assert } from "node:assert";
import { describe, it } from "node:test";

import { expandHome, isSpawnNotFound, resolveExecutable } from "../src/serverCommand";

describe("resolveExecutable", () => {
  const present = new Set(["/opt/venv/bin/arb-lsp", "/usr/bin/python3", "C:\\tools\\arb-lsp.EXE"]);
  const exists = (candidate: string): boolean => present.has(candidate);

  it("searches PATH in order for a bare name", () => {
    assert.equal(resolveExecutable("arb-lsp", "/usr/local/bin::/opt/venv/bin", exists, "linux"), "/opt/venv/bin/arb-lsp");
    assert.equal(resolveExecutable("arb-lsp", "/usr/bin", exists, "linux"), undefined);
    assert.equal(resolveExecutable("arb-lsp", undefined, exists, "linux"), undefined);
  });

  it("checks a path as given", () => {
    assert.equal(resolveExecutable("/usr/bin/python3", "", exists, "linux"), "/usr/bin/python3");
    assert.equal(resolveExecutable("/missing/arb-lsp", "/opt/venv/bin", exists, "linux"), undefined);
    assert.equal(resolveExecutable("", "/opt/venv/bin", exists, "linux"), undefined);
  });

  it("tries PATHEXT on Windows", () => {
    assert.equal(resolveExecutable("arb-lsp", "C:\\tools", (c) => c === "C:\\tools/arb-lsp.EXE" || present.has(c), "win32"),
      "C:\\tools/arb-lsp.EXE");
  });
});

describe("expandHome", () => {
  it("expands a leading tilde only", () => {
    assert.equal(expandHome("~/bin/arb-lsp", "/home/me"), "/home/me/bin/arb-lsp");
    assert.equal(expandHome("arb-lsp", "/home/me"), "arb-lsp");
    assert.equal(expandHome("/a/~/b", "/home/me"), "/a/~/b");
  });
});

describe("isSpawnNotFound", () => {
  it("recognises node's spawn error and the client's rejection string", () => {
    assert.equal(isSpawnNotFound(Object.assign(new Error("spawn x ENOENT"), { code: "ENOENT" })), true);
    assert.equal(isSpawnNotFound("Launching server using command x failed. Error: spawn x ENOENT"), true);
    assert.equal(isSpawnNotFound(new Error("EACCES")), false);
    assert.equal(isSpawnNotFound(undefined), false);
  });
});
