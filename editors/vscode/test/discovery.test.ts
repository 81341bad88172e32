import { strict as assert } from "node:assert";
import { describe, it } from "node:test";

import { type DiscoveryInput, discoverServer, majorMinor, type PythonInfo, unsupportedReason } from "../src/discovery";

const SUPPORTED = ["3.11", "3.12", "3.13"];

/** A machine: executable files, and what each interpreter says when run. */
function machine(
  files: string[],
  pythons: Record<string, PythonInfo | undefined>,
  overrides: Partial<DiscoveryInput> = {},
): { input: DiscoveryInput; probed: string[] } {
  const present = new Set(files);
  const probed: string[] = [];
  const input: DiscoveryInput = {
    configuredCommand: "",
    configuredArgs: [],
    selectedInterpreter: undefined,
    envPath: "/usr/local/bin:/usr/bin",
    platform: "linux",
    bundledPythonVersions: SUPPORTED,
    isExecutable: (candidate) => present.has(candidate),
    probePython: async (python) => {
      probed.push(python);
      return pythons[python];
    },
    ...overrides,
  };
  return { input, probed };
}

const cpython = (version: string): PythonInfo => ({ implementation: "CPython", version });

describe("discoverServer: the order", () => {
  const everything = [
    "/opt/custom/arb-lsp",
    "/home/me/proj/.venv/bin/python",
    "/home/me/proj/.venv/bin/arb-lsp",
    "/usr/local/bin/arb-lsp",
    "/usr/bin/python3",
  ];
  const pythons = { "/home/me/proj/.venv/bin/python": cpython("3.12.1"), "/usr/bin/python3": cpython("3.11.2") };

  it("1. the setting overrides everything, with its arguments", async () => {
    const { input, probed } = machine(everything, pythons, {
      configuredCommand: "/opt/custom/arb-lsp",
      configuredArgs: ["--log-level", "debug"],
      selectedInterpreter: "/home/me/proj/.venv/bin/python",
    });
    assert.deepEqual(await discoverServer(input), {
      kind: "command",
      source: "setting",
      command: "/opt/custom/arb-lsp",
      args: ["--log-level", "debug"],
    });
    assert.deepEqual(probed, []);
  });

  it("a setting naming a missing program is reported, not silently replaced", async () => {
    const { input } = machine(everything, pythons, { configuredCommand: "/nonexistent/arb-lsp" });
    assert.deepEqual(await discoverServer(input), { kind: "settingNotFound", command: "/nonexistent/arb-lsp" });
  });

  it("2. then arb-lsp next to the selected interpreter", async () => {
    const { input } = machine(everything, pythons, { selectedInterpreter: "/home/me/proj/.venv/bin/python" });
    assert.deepEqual(await discoverServer(input), {
      kind: "command",
      source: "interpreter",
      command: "/home/me/proj/.venv/bin/arb-lsp",
      args: [],
    });
  });

  it("3. then arb-lsp on PATH", async () => {
    const files = everything.filter((file) => file !== "/home/me/proj/.venv/bin/arb-lsp");
    const { input } = machine(files, pythons, { selectedInterpreter: "/home/me/proj/.venv/bin/python" });
    assert.deepEqual(await discoverServer(input), {
      kind: "command",
      source: "path",
      command: "/usr/local/bin/arb-lsp",
      args: [],
    });
  });

  it("4. then the bundled server on the selected interpreter", async () => {
    const files = ["/home/me/proj/.venv/bin/python", "/usr/bin/python3"];
    const { input, probed } = machine(files, pythons, { selectedInterpreter: "/home/me/proj/.venv/bin/python" });
    assert.deepEqual(await discoverServer(input), {
      kind: "bundled",
      source: "interpreter",
      python: "/home/me/proj/.venv/bin/python",
      version: "3.12.1",
    });
    assert.deepEqual(probed, ["/home/me/proj/.venv/bin/python"]);
  });

  it("4. or on python3 from PATH when the selected one is too old, then python", async () => {
    const files = ["/home/me/old/bin/python", "/usr/bin/python3", "/usr/bin/python"];
    const { input, probed } = machine(
      files,
      { "/home/me/old/bin/python": cpython("3.9.18"), "/usr/bin/python3": cpython("3.10.4"), "/usr/bin/python": cpython("3.13.0") },
      { selectedInterpreter: "/home/me/old/bin/python" },
    );
    assert.deepEqual(await discoverServer(input), {
      kind: "bundled",
      source: "path",
      python: "/usr/bin/python",
      version: "3.13.0",
    });
    assert.deepEqual(probed, ["/home/me/old/bin/python", "/usr/bin/python3", "/usr/bin/python"]);
  });

  it("5. else no Python, saying what was tried and why each was refused", async () => {
    const files = ["/usr/bin/python3"];
    const { input } = machine(files, { "/usr/bin/python3": cpython("3.14.0") });
    assert.deepEqual(await discoverServer(input), {
      kind: "noPython",
      supported: SUPPORTED,
      rejected: [
        { name: "python3", path: "/usr/bin/python3", reason: "Python 3.14.0" },
        { name: "python", reason: "not on PATH" },
      ],
    });
  });

  it("a build without the bundle stops after PATH", async () => {
    const { input, probed } = machine(["/usr/bin/python3"], pythons, { bundledPythonVersions: undefined });
    assert.deepEqual(await discoverServer(input), { kind: "noBundle" });
    assert.deepEqual(probed, []);
  });

  it("probes one interpreter once, even when python3 and python are the same file", async () => {
    const { input, probed } = machine(["/usr/bin/python3"], { "/usr/bin/python3": undefined }, {
      envPath: "/usr/bin",
      selectedInterpreter: "/usr/bin/python3",
    });
    const plan = await discoverServer(input);
    assert.equal(plan.kind, "noPython");
    assert.deepEqual(probed, ["/usr/bin/python3"]);
  });

  it("on Windows, looks in the interpreter's folder and its Scripts folder", async () => {
    const { input } = machine(["C:\\Python312\\python.exe", "C:\\Python312\\Scripts\\arb-lsp.exe"], {}, {
      platform: "win32",
      envPath: "",
      selectedInterpreter: "C:\\Python312\\python.exe",
    });
    assert.deepEqual(await discoverServer(input), {
      kind: "command",
      source: "interpreter",
      command: "C:\\Python312\\Scripts\\arb-lsp.exe",
      args: [],
    });
  });
});

describe("unsupportedReason", () => {
  it("accepts CPython of a bundled version only", () => {
    assert.equal(unsupportedReason(cpython("3.11.2"), SUPPORTED), undefined);
    assert.equal(unsupportedReason(cpython("3.10.13"), SUPPORTED), "Python 3.10.13");
    assert.equal(unsupportedReason(cpython("2.7.18"), SUPPORTED), "Python 2.7.18");
    assert.match(unsupportedReason({ implementation: "PyPy", version: "3.11.9" }, SUPPORTED) ?? "", /needs CPython/);
    assert.equal(unsupportedReason(undefined, SUPPORTED), "did not run");
  });

  it("reads major.minor", () => {
    assert.equal(majorMinor("3.12.0rc1"), "3.12");
    assert.equal(majorMinor("nonsense"), undefined);
  });
});
