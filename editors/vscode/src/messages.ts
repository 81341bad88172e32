/**
 * What the user reads when the server cannot start: each message says what is missing and what to do.
 * Notifications, not only the Output channel (which users do not open). Pure, so the texts are unit-tested.
 */
import type { RejectedPython } from "./discovery";

export const PYTHON_DOWNLOAD_URL = "https://www.python.org/downloads/";
export const OPENROUTER_KEYS_URL = "https://openrouter.ai/keys";

/** `["3.11", "3.12", "3.13"]` → `"3.11, 3.12 or 3.13"`. */
export function versionList(versions: readonly string[]): string {
  if (versions.length <= 1) {
    return versions.join("");
  }
  return `${versions.slice(0, -1).join(", ")} or ${versions[versions.length - 1]}`;
}

function rejectedPhrase(rejected: RejectedPython): string {
  return rejected.path !== undefined && rejected.path !== rejected.name
    ? `${rejected.name} (${rejected.path}): ${rejected.reason}`
    : `${rejected.name}: ${rejected.reason}`;
}

/** No interpreter can run the bundled server. */
export function noPythonMessage(
  supported: readonly string[],
  rejected: readonly RejectedPython[],
  pythonExtension: boolean,
): string {
  const looked = rejected.length > 0 ? ` Looked for: ${rejected.map(rejectedPhrase).join("; ")}.` : "";
  const select = pythonExtension ? '; or pick one with "Python: Select Interpreter"' : "";
  return (
    `arb-lsp needs Python ${versionList(supported)} (CPython) to run its language server, and found none.${looked} ` +
    `Install Python from ${PYTHON_DOWNLOAD_URL} (or your system's package manager), then run ` +
    `"arb-lsp: Restart Server"${select}.`
  );
}

/** `arbLsp.server.command` names a program that does not exist. */
export function settingNotFoundMessage(command: string): string {
  return (
    `arb-lsp: the language server program "${command}" set in "arbLsp.server.command" was not found. ` +
    "Correct the path, or clear the setting to use the server that comes with the extension."
  );
}

/** A build of the extension without the bundled server (`npm run package`), and no `arb-lsp` anywhere. */
export function missingServerMessage(command: string): string {
  return (
    `arb-lsp: the language server program "${command}" was not found, and this build of the extension ` +
    "carries no server. Install the .vsix built by scripts/release.sh, which has the server inside; " +
    'or install the server from a clone of the arb-lsp repository with "pipx install ." (see the extension\'s README), ' +
    'or point the setting "arbLsp.server.command" at the arb-lsp executable (for example .venv/bin/arb-lsp).'
  );
}

/** Installing the bundled server into its private environment failed. */
export function installFailedMessage(python: string, version: string, step: string, detail: string): string {
  const last = detail.trim().split(/\r?\n/).filter(Boolean).slice(-1)[0] ?? "no output";
  return (
    `arb-lsp: setting up its server with Python ${version} (${python}) failed while ${step}: ${last}. ` +
    'The arb-lsp output has the details. "Retry" tries again; another Python (3.11 or newer, from ' +
    `${PYTHON_DOWNLOAD_URL}) can be picked with "Python: Select Interpreter".`
  );
}

export const API_KEY_OFFER = "arb-lsp needs an OpenRouter API key to reach the models.";
