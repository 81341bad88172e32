/**
 * Turns discovery's plan into a program to spawn: installs the bundled server on first run (with a
 * progress notification) and, when there is nothing to run, tells the user what is missing in a
 * notification whose buttons offer the fix. Every failure is reported once per start; nothing retries on
 * its own, so there is no restart loop.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";

import {
  type BundleManifest,
  ensureServerInstalled,
  environmentDir,
  InstallError,
  installedPython,
  readBundleManifest,
} from "./bundle";
import { discoverServer, type ServerPlan } from "./discovery";
import {
  installFailedMessage,
  missingServerMessage,
  noPythonMessage,
  PYTHON_DOWNLOAD_URL,
  settingNotFoundMessage,
} from "./messages";
import { probePython, type SelectedInterpreter } from "./python";
import { expandHome } from "./serverCommand";

const SECTION = "arbLsp";

function isExecutableFile(candidate: string): boolean {
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return fs.statSync(candidate).isFile();
  } catch {
    return false;
  }
}

export type Launch =
  | { ok: true; command: string; args: string[]; description: string }
  | { ok: false; statusDetail: string };

export class ServerLauncher {
  /** The selected interpreter the last start looked at: a change of it restarts the server. */
  lastInterpreter: string | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly channel: vscode.LogOutputChannel,
    private readonly interpreter: SelectedInterpreter,
    private readonly restart: () => void,
    /** Says in the status bar item's tooltip what the start is waiting for. */
    private readonly starting: (detail: string) => void,
  ) {}

  async find(): Promise<Launch> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const configured = expandHome((config.get<string>("server.command") ?? "").trim(), os.homedir());
    const manifest = readBundleManifest(this.context.extensionPath);
    this.lastInterpreter = await this.interpreter.get();
    const plan = await discoverServer({
      configuredCommand: configured,
      configuredArgs: (config.get<unknown[]>("server.args") ?? []).map(String),
      selectedInterpreter: this.lastInterpreter,
      envPath: process.env.PATH,
      pathExt: process.env.PATHEXT,
      platform: process.platform,
      bundledPythonVersions: manifest?.pythonVersions,
      isExecutable: isExecutableFile,
      probePython,
    });
    this.channel.info(`Server discovery: ${describe(plan)}`);
    switch (plan.kind) {
      case "command":
        return { ok: true, command: plan.command, args: plan.args, description: `${plan.command} (${plan.source})` };
      case "bundled":
        return manifest === undefined ? { ok: false, statusDetail: "no bundled server" } : this.bundled(plan, manifest);
      case "settingNotFound":
        this.notify(settingNotFoundMessage(plan.command), ["Open Settings", "Show Output"]);
        return { ok: false, statusDetail: `Server program not found: ${plan.command}` };
      case "noBundle":
        this.notify(missingServerMessage("arb-lsp"), ["Open Settings", "Show Output"]);
        return { ok: false, statusDetail: "Server program not found: arb-lsp" };
      case "noPython":
        this.notify(noPythonMessage(plan.supported, plan.rejected, this.selectButton().length > 0), [
          "Get Python",
          ...this.selectButton(),
          "Show Output",
        ]);
        return { ok: false, statusDetail: `No Python ${plan.supported.join("/")} found to run the server` };
    }
  }

  private async bundled(plan: Extract<ServerPlan, { kind: "bundled" }>, manifest: BundleManifest): Promise<Launch> {
    const launch = (python: string): Launch => ({
      ok: true,
      command: python,
      // -I: the user's PYTHONPATH, PYTHONHOME and user site-packages stay out of the private environment.
      args: ["-I", "-m", "arb_lsp"],
      description: `bundled arb-lsp ${manifest.version} on Python ${plan.version} (${plan.python})`,
    });
    const storageDir = this.context.globalStorageUri.fsPath;
    const existing = installedPython(environmentDir(storageDir, manifest.version, plan.python, plan.version), manifest.version);
    if (existing !== undefined) {
      return launch(existing);
    }
    this.starting("Setting up the server (first run)");
    const request = {
      extensionPath: this.context.extensionPath,
      storageDir,
      manifest,
      python: plan.python,
      pythonVersion: plan.version,
      log: (line: string) => this.channel.info(line),
    };
    try {
      const done = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "arb-lsp: setting up the server (first run)" },
        (progress) => ensureServerInstalled({ ...request, report: (message) => progress.report({ message }) }),
      );
      if (done.installed) {
        this.channel.info(`Installed arb-lsp ${manifest.version} with Python ${plan.version} (${plan.python})`);
      }
      return launch(done.python);
    } catch (error) {
      const step = error instanceof InstallError ? error.step : "installing";
      const detail = error instanceof InstallError ? error.detail : String(error);
      this.channel.error(`Installing the bundled server failed while ${step}:\n${detail}`);
      this.notify(installFailedMessage(plan.python, plan.version, step, detail), [
        "Retry",
        ...this.selectButton(),
        "Get Python",
        "Show Output",
      ]);
      return { ok: false, statusDetail: `Setting up the server failed while ${step}` };
    }
  }

  private selectButton(): string[] {
    return vscode.extensions.getExtension("ms-python.python") !== undefined ? ["Select Interpreter"] : [];
  }

  private notify(message: string, buttons: string[]): void {
    this.channel.error(message);
    void vscode.window.showErrorMessage(message, ...buttons).then((choice) => {
      switch (choice) {
        case "Open Settings":
          void vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.server.command`);
          break;
        case "Show Output":
          this.channel.show();
          break;
        case "Get Python":
          void vscode.env.openExternal(vscode.Uri.parse(PYTHON_DOWNLOAD_URL));
          break;
        case "Select Interpreter":
          void vscode.commands.executeCommand("python.setInterpreter");
          break;
        case "Retry":
          this.restart();
          break;
      }
    });
  }
}

function describe(plan: ServerPlan): string {
  switch (plan.kind) {
    case "command":
      return `${plan.command} (${plan.source})`;
    case "bundled":
      return `the bundled server on Python ${plan.version} (${plan.python}, ${plan.source})`;
    case "settingNotFound":
      return `arbLsp.server.command "${plan.command}" not found`;
    case "noBundle":
      return "no arb-lsp found and no bundled server in this build";
    case "noPython":
      return `no Python ${plan.supported.join("/")}: ${plan.rejected.map((r) => `${r.name}: ${r.reason}`).join("; ")}`;
  }
}
