// The slice of ms-python.python's API (@vscode/python-extension) that arb-lsp reads: which interpreter is
// selected, its executable, and an event when the selection changes. The selection is the setting
// python.defaultInterpreterPath, so a test changes it by writing settings.json.
const vscode = require("vscode");

function activate(context) {
  const changed = new vscode.EventEmitter();
  const selected = () => vscode.workspace.getConfiguration("python").get("defaultInterpreterPath") || "python";
  context.subscriptions.push(
    changed,
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("python.defaultInterpreterPath")) {
        changed.fire({ id: selected(), path: selected(), resource: undefined });
      }
    }),
  );
  return {
    ready: Promise.resolve(),
    environments: {
      getActiveEnvironmentPath: () => ({ id: selected(), path: selected() }),
      resolveEnvironment: async (environment) => {
        const path = typeof environment === "string" ? environment : environment.path;
        return {
          id: path,
          path,
          executable: { uri: vscode.Uri.file(path), bitness: "Unknown", sysPrefix: "" },
          environment: undefined,
          version: undefined,
          tools: [],
        };
      },
      onDidChangeActiveEnvironmentPath: changed.event,
    },
  };
}

module.exports = { activate, deactivate: () => undefined };
