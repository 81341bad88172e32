/**
 * arb-lsp for VS Code: starts the `arb-lsp` language server over stdio and lets
 * vscode-languageclient wire completion, inline completion (ghost text), hover and
 * code actions to it. This file owns what the protocol does not: the API key in
 * SecretStorage, restarts, and the status bar item with today's spend.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

import { isSpawnNotFound, expandHome, missingServerMessage, resolveExecutable } from "./serverCommand";
import { buildInitializationOptions, buildServerEnv, redact, withoutClientOnlyKeys } from "./settings";
import { type ClientPhase, parseUsage, statusText, statusTooltip, type UsageReport, usageSummary } from "./status";

const SECTION = "arbLsp";
const API_KEY_SECRET = "arbLsp.openRouterApiKey";
const SHOW_USAGE_COMMAND = "arbLsp.showUsage";
const LANGUAGES = [
  "python",
  "javascript",
  "javascriptreact",
  "typescript",
  "typescriptreact",
  "go",
  "rust",
  "java",
  "c",
  "cpp",
];
/** Wait this long after the last request settles before asking for the spend. */
const USAGE_REFRESH_DEBOUNCE_MS = 1500;
const USAGE_REFRESH_INTERVAL_MS = 3 * 60 * 1000;

function isExecutableFile(candidate: string): boolean {
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return fs.statSync(candidate).isFile();
  } catch {
    return false;
  }
}

/**
 * Wraps a log channel so that the API key never reaches it, even with
 * `arbLsp.trace.server: verbose` (which logs the `initialize` params).
 */
function redactingChannel(channel: vscode.LogOutputChannel, secrets: () => string[]): vscode.LogOutputChannel {
  const writers = new Set(["append", "appendLine", "replace", "trace", "debug", "info", "warn", "error"]);
  return new Proxy(channel, {
    get(target, property, _receiver) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") {
        return value;
      }
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property === "string" && writers.has(property)) {
        return (...args: unknown[]) =>
          method.apply(
            target,
            args.map((arg) => (typeof arg === "string" ? redact(arg, secrets()) : arg)),
          );
      }
      return method.bind(target);
    },
  });
}

/** The status bar item: phase icon, today's spend, click for a usage summary. */
class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private phase: ClientPhase = "starting";
  private detail: string | undefined;
  private usage: UsageReport | undefined;

  constructor(clickCommand: string) {
    this.item = vscode.window.createStatusBarItem("arbLsp.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "arb-lsp";
    this.item.command = clickCommand;
    this.render();
    this.item.show();
  }

  setPhase(phase: ClientPhase, detail?: string): void {
    this.phase = phase;
    this.detail = detail;
    this.render();
  }

  getPhase(): ClientPhase {
    return this.phase;
  }

  setUsage(usage: UsageReport | undefined): void {
    this.usage = usage;
    this.render();
  }

  private render(): void {
    this.item.text = statusText(this.phase, this.usage);
    this.item.tooltip = statusTooltip(this.phase, this.usage, this.detail);
    this.item.backgroundColor =
      this.phase === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

class ArbLspExtension implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly channel: vscode.LogOutputChannel;
  private readonly status: StatusItem;
  private apiKey: string | undefined;
  private inFlight = 0;
  private usageTimer: NodeJS.Timeout | undefined;
  private readonly usageInterval: NodeJS.Timeout;
  /** Serializes start/stop so that quick setting changes cannot interleave restarts. */
  private lifecycle: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(private readonly context: vscode.ExtensionContext) {
    const raw = vscode.window.createOutputChannel("arb-lsp", { log: true });
    context.subscriptions.push(raw);
    this.channel = redactingChannel(raw, () => (this.apiKey !== undefined ? [this.apiKey] : []));
    this.status = new StatusItem("arbLsp.showUsageSummary");
    this.usageInterval = setInterval(() => void this.refreshUsage(), USAGE_REFRESH_INTERVAL_MS);
  }

  activate(): void {
    const { subscriptions } = this.context;
    subscriptions.push(
      this,
      vscode.commands.registerCommand("arbLsp.setApiKey", () => this.setApiKey()),
      vscode.commands.registerCommand("arbLsp.clearApiKey", () => this.clearApiKey()),
      vscode.commands.registerCommand("arbLsp.showUsageSummary", () => this.showUsageSummary()),
      vscode.commands.registerCommand("arbLsp.restartServer", () => this.restart()),
      vscode.commands.registerCommand("arbLsp.showOutput", () => this.channel.show()),
      this.context.secrets.onDidChange((event) => {
        if (event.key === API_KEY_SECRET) {
          this.channel.info("API key changed: restarting the server");
          void this.restart();
        }
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        // Other arbLsp.* settings reach the running server through
        // workspace/didChangeConfiguration; these decide how it is spawned.
        if (
          event.affectsConfiguration(`${SECTION}.server.command`) ||
          event.affectsConfiguration(`${SECTION}.server.args`)
        ) {
          this.channel.info("Server command changed: restarting the server");
          void this.restart();
        }
      }),
    );
    void this.restart();
  }

  /** Stops the running client, if any, and starts a fresh one. */
  restart(): Promise<void> {
    this.lifecycle = this.lifecycle.then(async () => {
      await this.stopClient();
      if (!this.disposed) {
        await this.startClient();
      }
    });
    return this.lifecycle;
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.inFlight = 0;
    if (client === undefined) {
      return;
    }
    try {
      if (client.needsStop()) {
        await client.stop(3000);
      }
    } catch (error) {
      this.channel.warn(`Stopping the server failed: ${String(error)}`);
    }
  }

  private async startClient(): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const configured = (config.get<string>("server.command") ?? "arb-lsp").trim() || "arb-lsp";
    const command = expandHome(configured, os.homedir());
    const args = (config.get<unknown[]>("server.args") ?? []).map(String);

    this.status.setPhase("starting");
    if (resolveExecutable(command, process.env.PATH, isExecutableFile) === undefined) {
      this.reportMissingServer(command);
      return;
    }

    this.apiKey = await this.context.secrets.get(API_KEY_SECRET);
    if (this.apiKey === undefined && !process.env.OPENROUTER_API_KEY) {
      void this.offerToSetKey();
    }

    const serverOptions: ServerOptions = {
      command,
      args,
      transport: TransportKind.stdio,
      options: { env: buildServerEnv(process.env, this.apiKey) },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: LANGUAGES.flatMap((language) => [
        { scheme: "file", language },
        { scheme: "untitled", language },
      ]),
      synchronize: { configurationSection: SECTION },
      initializationOptions: buildInitializationOptions((key) => config.get(key), this.apiKey),
      // Hover Markdown comes from a model: never trusted (no command links), no raw HTML. The server
      // sanitises it too; this is the editor's own refusal, whatever a server sends.
      markdown: { isTrusted: false, supportHtml: false },
      outputChannel: this.channel,
      traceOutputChannel: this.channel,
      middleware: this.middleware(),
      initializationFailedHandler: (error) => {
        this.channel.error(`The server failed to initialize: ${String(error)}`);
        this.status.setPhase("error", "The server failed to initialize: see the arb-lsp output");
        return false;
      },
    };

    const client = new LanguageClient(SECTION, "arb-lsp", serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((event) => {
      if (this.client !== client) {
        return;
      }
      if (event.newState === State.Running) {
        this.status.setPhase("ready");
        void this.refreshUsage();
      } else if (event.newState === State.Stopped) {
        this.status.setPhase("error", "The server stopped: see the arb-lsp output");
      } else {
        this.status.setPhase("starting");
      }
    });

    try {
      await client.start();
      this.channel.info(`Started ${command} ${[...args, "--stdio"].join(" ")}`);
    } catch (error) {
      if (this.client === client) {
        this.client = undefined;
      }
      if (isSpawnNotFound(error)) {
        this.reportMissingServer(command);
      } else {
        this.channel.error(`Starting the server failed: ${String(error)}`);
        this.status.setPhase("error", "Starting the server failed: see the arb-lsp output");
      }
    }
  }

  private reportMissingServer(command: string): void {
    const message = missingServerMessage(command);
    this.channel.error(message);
    this.status.setPhase("error", `Server program not found: ${command}`);
    void vscode.window.showErrorMessage(message, "Open Settings", "Show Output").then((choice) => {
      if (choice === "Open Settings") {
        void vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.server.command`);
      } else if (choice === "Show Output") {
        this.channel.show();
      }
    });
  }

  private async offerToSetKey(): Promise<void> {
    const choice = await vscode.window.showInformationMessage(
      "arb-lsp needs an OpenRouter API key to reach the models.",
      "Set API Key",
    );
    if (choice === "Set API Key") {
      await this.setApiKey();
    }
  }

  /** Marks the status as working while a request the user waits on is in flight. */
  private track<T>(result: vscode.ProviderResult<T>): vscode.ProviderResult<T> {
    if (result === undefined || result === null || typeof (result as Thenable<T>).then !== "function") {
      return result;
    }
    this.requestStarted();
    return Promise.resolve(result as Thenable<T>).finally(() => this.requestSettled());
  }

  private requestStarted(): void {
    this.inFlight += 1;
    if (this.status.getPhase() === "ready") {
      this.status.setPhase("working");
    }
  }

  private requestSettled(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) {
      if (this.status.getPhase() === "working") {
        this.status.setPhase("ready");
      }
      if (this.usageTimer !== undefined) {
        clearTimeout(this.usageTimer);
      }
      this.usageTimer = setTimeout(() => void this.refreshUsage(), USAGE_REFRESH_DEBOUNCE_MS);
    }
  }

  private middleware(): Middleware {
    return {
      provideInlineCompletionItems: (document, position, context, token, next) =>
        this.track(next(document, position, context, token)),
      provideCompletionItem: (document, position, context, token, next) =>
        this.track(next(document, position, context, token)),
      provideHover: (document, position, token, next) => this.track(next(document, position, token)),
      resolveCodeAction: (item, token, next) => this.track(next(item, token)),
      workspace: {
        // The server pulls `arbLsp`; answer with its settings only, not the spawn command.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return result.map((value: unknown, index: number) =>
            params.items[index]?.section === SECTION ? withoutClientOnlyKeys(value) : value,
          );
        },
        // Same for the pushed copy: send the server's settings, nested as it pulls them.
        didChangeConfiguration: async (sections, next) => {
          const client = this.client;
          if (client === undefined || sections === undefined || sections.join() !== SECTION) {
            return next(sections);
          }
          const config = vscode.workspace.getConfiguration(SECTION);
          await client.sendNotification(DidChangeConfigurationNotification.type, {
            settings: { [SECTION]: buildInitializationOptions((key) => config.get(key), undefined) },
          });
        },
      },
    };
  }

  /** Asks the server for today's spend; quiet when the server cannot say. */
  private async fetchUsage(): Promise<UsageReport | undefined> {
    const client = this.client;
    if (client === undefined || !client.isRunning()) {
      return undefined;
    }
    const commands = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    if (!commands.includes(SHOW_USAGE_COMMAND)) {
      return undefined;
    }
    const answer: unknown = await client.sendRequest(ExecuteCommandRequest.type, {
      command: SHOW_USAGE_COMMAND,
      arguments: [],
    });
    return parseUsage(answer);
  }

  private async refreshUsage(): Promise<void> {
    try {
      const usage = await this.fetchUsage();
      if (usage !== undefined) {
        this.status.setUsage(usage);
      }
    } catch (error) {
      this.channel.debug(`Reading usage failed: ${String(error)}`);
    }
  }

  private async showUsageSummary(): Promise<void> {
    if (this.client === undefined || !this.client.isRunning()) {
      const choice = await vscode.window.showWarningMessage(
        "arb-lsp: the server is not running.",
        "Restart Server",
        "Show Output",
      );
      if (choice === "Restart Server") {
        await this.restart();
      } else if (choice === "Show Output") {
        this.channel.show();
      }
      return;
    }
    try {
      const usage = await this.fetchUsage();
      if (usage === undefined) {
        void vscode.window.showInformationMessage("arb-lsp: the server reported no usage yet.");
        return;
      }
      this.status.setUsage(usage);
      void vscode.window.showInformationMessage(usageSummary(usage));
    } catch (error) {
      void vscode.window.showErrorMessage(`arb-lsp: reading usage failed: ${String(error)}`);
    }
  }

  private async setApiKey(): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: "OpenRouter API key",
      prompt: "Stored in VS Code's secret storage and given to the arb-lsp server only.",
      placeHolder: "sk-or-v1-…",
      password: true,
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() === "" ? "The key cannot be empty." : undefined),
    });
    if (value === undefined) {
      return;
    }
    // Storing fires secrets.onDidChange, which restarts the server with the key.
    await this.context.secrets.store(API_KEY_SECRET, value.trim());
    void vscode.window.showInformationMessage("arb-lsp: API key saved; the server restarts with it.");
  }

  private async clearApiKey(): Promise<void> {
    await this.context.secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage("arb-lsp: API key removed from secret storage.");
  }

  /** Stops the server; used on deactivation. */
  async shutdown(): Promise<void> {
    this.disposed = true;
    clearInterval(this.usageInterval);
    if (this.usageTimer !== undefined) {
      clearTimeout(this.usageTimer);
    }
    await this.lifecycle.catch(() => undefined);
    await this.stopClient();
  }

  dispose(): void {
    this.status.dispose();
  }
}

let extension: ArbLspExtension | undefined;

export function activate(context: vscode.ExtensionContext): void {
  extension = new ArbLspExtension(context);
  extension.activate();
}

export async function deactivate(): Promise<void> {
  await extension?.shutdown();
  extension = undefined;
}
