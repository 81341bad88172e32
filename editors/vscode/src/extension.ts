/**
 * arb-lsp for VS Code: starts the arb-lsp language server over stdio (found or installed by
 * launcher.ts) and lets vscode-languageclient wire completion, inline completion (ghost text), hover
 * and code actions to it. This file owns what the protocol does not: the API key in SecretStorage,
 * restarts, and the status bar item with today's spend.
 */
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

import { ServerLauncher } from "./launcher";
import { API_KEY_OFFER, OPENROUTER_KEYS_URL } from "./messages";
import { SelectedInterpreter } from "./python";
import { isSpawnNotFound } from "./serverCommand";
import { buildInitializationOptions, buildServerEnv, withoutClientOnlyKeys } from "./settings";
import { parseUsage, type UsageReport, usageSummary } from "./status";
import { redactingChannel, StatusItem } from "./ui";

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

class ArbLspExtension implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly channel: vscode.LogOutputChannel;
  private readonly status: StatusItem;
  private readonly interpreter: SelectedInterpreter;
  private readonly launcher: ServerLauncher;
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
    this.interpreter = new SelectedInterpreter((line) => this.channel.info(line));
    this.launcher = new ServerLauncher(
      context,
      this.channel,
      this.interpreter,
      () => void this.restart(),
      (detail) => this.status.setPhase("starting", detail),
    );
    this.usageInterval = setInterval(() => void this.refreshUsage(), USAGE_REFRESH_INTERVAL_MS);
  }

  activate(): void {
    const { subscriptions } = this.context;
    subscriptions.push(
      this,
      this.interpreter,
      this.interpreter.onDidChange(() => void this.restartIfInterpreterChanged()),
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

  /** The Python extension's selection changed: restart only if the interpreter really is another one. */
  private async restartIfInterpreterChanged(): Promise<void> {
    const selected = await this.interpreter.get();
    if (selected !== this.launcher.lastInterpreter) {
      this.channel.info(`Selected Python interpreter changed to ${selected ?? "none"}: restarting the server`);
      await this.restart();
    }
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
    this.status.setPhase("starting", "Looking for the server");
    const launch = await this.launcher.find();
    if (!launch.ok) {
      this.status.setPhase("error", launch.statusDetail);
      return;
    }
    const { command, args } = launch;
    const config = vscode.workspace.getConfiguration(SECTION);

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
      this.channel.info(`Started ${launch.description}: ${command} ${[...args, "--stdio"].join(" ")}`);
    } catch (error) {
      if (this.client === client) {
        this.client = undefined;
      }
      if (isSpawnNotFound(error)) {
        this.channel.error(`The server program ${command} vanished before it could start: ${String(error)}`);
        this.status.setPhase("error", `Server program not found: ${command}`);
      } else {
        this.channel.error(`Starting the server failed: ${String(error)}`);
        this.status.setPhase("error", "Starting the server failed: see the arb-lsp output");
      }
    }
  }

  private async offerToSetKey(): Promise<void> {
    const choice = await vscode.window.showInformationMessage(API_KEY_OFFER, "Set API Key", "Get a Key");
    if (choice === "Set API Key") {
      await this.setApiKey();
    } else if (choice === "Get a Key") {
      await vscode.env.openExternal(vscode.Uri.parse(OPENROUTER_KEYS_URL));
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
