/**
 * The extension's own pieces of UI: the status bar item (phase icon, today's spend, click for a
 * summary) and the output channel, wrapped so the API key never reaches it.
 */
import * as vscode from "vscode";

import { redact } from "./settings";
import { type ClientPhase, statusText, statusTooltip, type UsageReport } from "./status";

/**
 * Wraps a log channel so that the API key never reaches it, even with
 * `arbLsp.trace.server: verbose` (which logs the `initialize` params).
 */
export function redactingChannel(channel: vscode.LogOutputChannel, secrets: () => string[]): vscode.LogOutputChannel {
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
export class StatusItem implements vscode.Disposable {
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
