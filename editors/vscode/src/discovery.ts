/**
 * Which server to start, in the order ruff-vscode uses for its binary:
 *
 * 1. `arbLsp.server.command`, when set: it overrides everything (people who run their own server);
 * 2. `arb-lsp` next to the interpreter the Python extension has selected (a project's own virtualenv);
 * 3. `arb-lsp` on `PATH` (pipx, a global install);
 * 4. the server bundled with the extension, run by the selected interpreter or by `python3` / `python` on
 *    `PATH`, whichever is the first CPython of a version the bundle has wheels for;
 * 5. else nothing: the caller tells the user which Python is needed and where to get it.
 *
 * Pure: the file checks and the interpreter probe are injected, so the order is unit-tested.
 */
import * as path from "node:path";

import { type IsExecutable, resolveExecutable } from "./serverCommand";

/** What running an interpreter reported: `platform.python_implementation()` and `platform.python_version()`. */
export interface PythonInfo {
  implementation: string;
  version: string;
}

/** Runs `python` and says what it is; `undefined` when it does not run or answers nonsense. */
export type ProbePython = (python: string) => Promise<PythonInfo | undefined>;

export interface DiscoveryInput {
  /** `arbLsp.server.command`, home expanded; empty means "find one". */
  configuredCommand: string;
  configuredArgs: string[];
  /** The Python extension's selected interpreter, when that extension is installed and has one. */
  selectedInterpreter: string | undefined;
  envPath: string | undefined;
  platform: NodeJS.Platform;
  pathExt?: string | undefined;
  /** `major.minor` versions the bundled wheelhouse serves; `undefined` when the build carries no server. */
  bundledPythonVersions: readonly string[] | undefined;
  isExecutable: IsExecutable;
  probePython: ProbePython;
}

/** An interpreter that was tried for the bundled server and why it was not used. */
export interface RejectedPython {
  /** As looked for: the selected interpreter's path, or `python3` / `python`. */
  name: string;
  /** Where it was found, if it was. */
  path?: string;
  reason: string;
}

export type ServerPlan =
  | { kind: "command"; source: "setting" | "interpreter" | "path"; command: string; args: string[] }
  | { kind: "bundled"; source: "interpreter" | "path"; python: string; version: string }
  | { kind: "settingNotFound"; command: string }
  | { kind: "noBundle" }
  | { kind: "noPython"; supported: readonly string[]; rejected: RejectedPython[] };

export const SERVER_PROGRAM = "arb-lsp";

/** `arb-lsp` installed in the same environment as `interpreter` (its `bin/`, or `Scripts\` on Windows). */
export function serverNextTo(
  interpreter: string,
  platform: NodeJS.Platform,
  isExecutable: IsExecutable,
): string | undefined {
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  const directory = platform === "win32" ? path.win32.dirname(interpreter) : path.posix.dirname(interpreter);
  const candidates =
    platform === "win32"
      ? [join(directory, `${SERVER_PROGRAM}.exe`), join(directory, "Scripts", `${SERVER_PROGRAM}.exe`)]
      : [join(directory, SERVER_PROGRAM)];
  return candidates.find((candidate) => isExecutable(candidate));
}

/** `"3.12.4"` → `"3.12"`. */
export function majorMinor(version: string): string | undefined {
  const match = /^(\d+)\.(\d+)/.exec(version.trim());
  return match === null ? undefined : `${match[1]}.${match[2]}`;
}

/** Why `info` cannot run the bundled server, or `undefined` when it can. */
export function unsupportedReason(info: PythonInfo | undefined, supported: readonly string[]): string | undefined {
  if (info === undefined) {
    return "did not run";
  }
  const version = majorMinor(info.version);
  if (info.implementation.toLowerCase() !== "cpython") {
    return `${info.implementation} ${info.version} (the bundled server needs CPython)`;
  }
  if (version === undefined || !supported.includes(version)) {
    return `Python ${info.version}`;
  }
  return undefined;
}

export async function discoverServer(input: DiscoveryInput): Promise<ServerPlan> {
  const { platform, isExecutable } = input;
  const onPath = (name: string): string | undefined =>
    resolveExecutable(name, input.envPath, isExecutable, platform, input.pathExt);

  if (input.configuredCommand !== "") {
    const found = resolveExecutable(input.configuredCommand, input.envPath, isExecutable, platform, input.pathExt);
    return found === undefined
      ? { kind: "settingNotFound", command: input.configuredCommand }
      : { kind: "command", source: "setting", command: found, args: input.configuredArgs };
  }

  const interpreter = input.selectedInterpreter;
  if (interpreter !== undefined) {
    const nextTo = serverNextTo(interpreter, platform, isExecutable);
    if (nextTo !== undefined) {
      return { kind: "command", source: "interpreter", command: nextTo, args: [] };
    }
  }

  const fromPath = onPath(SERVER_PROGRAM);
  if (fromPath !== undefined) {
    return { kind: "command", source: "path", command: fromPath, args: [] };
  }

  const supported = input.bundledPythonVersions;
  if (supported === undefined) {
    return { kind: "noBundle" };
  }
  const candidates: { name: string; path: string | undefined; source: "interpreter" | "path" }[] = [];
  if (interpreter !== undefined) {
    candidates.push({ name: interpreter, path: isExecutable(interpreter) ? interpreter : undefined, source: "interpreter" });
  }
  for (const name of ["python3", "python"]) {
    candidates.push({ name, path: onPath(name), source: "path" });
  }
  const rejected: RejectedPython[] = [];
  const tried = new Set<string>();
  for (const candidate of candidates) {
    if (candidate.path === undefined) {
      rejected.push({ name: candidate.name, reason: candidate.source === "path" ? "not on PATH" : "not found" });
      continue;
    }
    if (tried.has(candidate.path)) {
      continue;
    }
    tried.add(candidate.path);
    const info = await input.probePython(candidate.path);
    const reason = unsupportedReason(info, supported);
    if (reason === undefined && info !== undefined) {
      return { kind: "bundled", source: candidate.source, python: candidate.path, version: info.version };
    }
    rejected.push({ name: candidate.name, path: candidate.path, reason: reason ?? "did not run" });
  }
  return { kind: "noPython", supported, rejected };
}
