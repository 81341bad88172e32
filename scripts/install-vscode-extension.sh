#!/usr/bin/env bash
# Builds the VS Code extension from this checkout and installs it, in one command:
#   npm ci (editors/vscode/package-lock.json) -> npm run package (arb-lsp.vsix) -> <editor> --install-extension.
#
#   bash scripts/install-vscode-extension.sh                    # VS Code's `code` on the PATH
#   CODE=codium bash scripts/install-vscode-extension.sh        # or any editor CLI: code-insiders, codium,
#   CODE=/path/to/code-server bash scripts/install-vscode-extension.sh --extensions-dir DIR
#
# Extra arguments go to the editor CLI, before --install-extension. Needs Node.js 20+ with npm.
# The server is installed separately (see editors/vscode/README.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXT_DIR="$ROOT/editors/vscode"
CODE="${CODE:-code}"

log() { printf '[install-vscode-extension] %s\n' "$*"; }
die() { printf '[install-vscode-extension] error: %s\n' "$*" >&2; exit 1; }

# Checked before building, so a missing editor CLI is reported in a second, not after the build.
command -v "$CODE" >/dev/null 2>&1 || die "'$CODE' not found. Put VS Code's command on the PATH (Command \
Palette: 'Shell Command: Install code command in PATH'), or name the editor CLI: CODE=/path/to/code $0"
command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 or newer (it comes with npm)"

log "npm ci in editors/vscode"
(cd "$EXT_DIR" && npm ci --ignore-scripts --no-audit --no-fund)
log "npm run package"
(cd "$EXT_DIR" && npm run package)
log "$CODE $* --install-extension $EXT_DIR/arb-lsp.vsix --force"
# --force: reinstall over an earlier build of the same version.
"$CODE" "$@" --install-extension "$EXT_DIR/arb-lsp.vsix" --force
log "installed; reload the editor window to start it"
