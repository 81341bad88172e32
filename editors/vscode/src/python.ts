/**
 * Python interpreters: the one the Python extension has selected (through its API, when that extension is
 * installed; it is optional) and what running an interpreter says about itself.
 */
import { execFile } from "node:child_process";
import { PythonExtension } from "@vscode/python-extension";
import * as vscode from "vscode";

import type { PythonInfo } from "./discovery";

const PYTHON_EXTENSION_ID = "ms-python.python";
const PROBE_TIMEOUT_MS = 15000;
// Valid in Python 2 as well, so an old interpreter reports its version instead of a syntax error.
const PROBE = "import platform; print(platform.python_implementation() + ' ' + platform.python_version())";

/** Runs `python` once and reads its implementation and version. */
export function probePython(python: string): Promise<PythonInfo | undefined> {
  return new Promise((resolve) => {
    execFile(python, ["-c", PROBE], { timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
      const match = /^(\S+) (\d+\.\d+\.\d+\S*)\s*$/m.exec(stdout);
      resolve(error || match === null ? undefined : { implementation: match[1], version: match[2] });
    });
  });
}

/**
 * The Python extension's selected interpreter, and a change event. Without that extension there is no
 * selection, and discovery goes on to `PATH`; installing it later is noticed.
 */
export class SelectedInterpreter implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private hooked = false;

  constructor(private readonly log: (line: string) => void) {
    this.disposables.push(
      vscode.extensions.onDidChange(() => {
        if (!this.hooked && vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined) {
          this.changed.fire();
        }
      }),
    );
  }

  /** The selected interpreter's executable, or `undefined` (no Python extension, nothing selected, invalid). */
  async get(): Promise<string | undefined> {
    if (vscode.extensions.getExtension(PYTHON_EXTENSION_ID) === undefined) {
      return undefined;
    }
    try {
      const api = await PythonExtension.api();
      this.hook(api);
      const resource = vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
      const environment = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(resource));
      return environment?.executable.uri?.fsPath;
    } catch (error) {
      this.log(`The Python extension did not say which interpreter is selected: ${String(error)}`);
      return undefined;
    }
  }

  private hook(api: PythonExtension): void {
    if (this.hooked) {
      return;
    }
    this.hooked = true;
    this.disposables.push(api.environments.onDidChangeActiveEnvironmentPath(() => this.changed.fire()));
  }

  dispose(): void {
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}
