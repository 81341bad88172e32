/**
 * Finding a program on `PATH` before spawning it, the way the OS would. Pure apart from the
 * injected file check.
 */
import * as path from "node:path";

/** True when `candidate` is an executable file (injected for tests). */
export type IsExecutable = (candidate: string) => boolean;

/** `~/bin/arb-lsp` → `/home/me/bin/arb-lsp`. */
export function expandHome(command: string, home: string | undefined): string {
  if (home !== undefined && home !== "" && (command === "~" || command.startsWith("~/"))) {
    return path.join(home, command.slice(1));
  }
  return command;
}

/**
 * Where `command` would be found when spawned: itself if it names a path
 * (absolute or relative), else the first match on `PATH`. `undefined` if none.
 */
export function resolveExecutable(
  command: string,
  envPath: string | undefined,
  isExecutable: IsExecutable,
  platform: NodeJS.Platform = process.platform,
  pathExt: string | undefined = undefined,
): string | undefined {
  if (command === "") {
    return undefined;
  }
  const extensions =
    platform === "win32" ? ["", ...(pathExt ?? ".EXE;.CMD;.BAT;.COM").split(";").filter(Boolean)] : [""];
  const hasSeparator = command.includes("/") || (platform === "win32" && command.includes("\\"));
  if (hasSeparator) {
    for (const extension of extensions) {
      if (isExecutable(command + extension)) {
        return command + extension;
      }
    }
    return undefined;
  }
  const delimiter = platform === "win32" ? ";" : ":";
  for (const directory of (envPath ?? "").split(delimiter)) {
    if (directory === "") {
      continue;
    }
    for (const extension of extensions) {
      const candidate = path.join(directory, command + extension);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** True for the error node raises when the program to spawn does not exist. */
export function isSpawnNotFound(error: unknown): boolean {
  // vscode-languageclient rejects with a plain string such as
  // "Launching server using command x failed. Error: spawn x ENOENT".
  if (typeof error === "string") {
    return error.includes("ENOENT");
  }
  if (typeof error !== "object" || error === null) {
    return false;
  }
  const record = error as { code?: unknown; message?: unknown };
  if (record.code === "ENOENT") {
    return true;
  }
  return typeof record.message === "string" && record.message.includes("ENOENT");
}
