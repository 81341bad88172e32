#!/usr/bin/env bash
# Builds the VS Code extension for this machine, with the server inside, and installs it, in one command:
#   scripts/release.sh --target host (dist/arb-lsp-VERSION-TARGET.vsix) -> <editor> --install-extension.
#
#   bash scripts/install-vscode-extension.sh                    # VS Code's `code` on the PATH
#   CODE=codium bash scripts/install-vscode-extension.sh        # or any editor CLI: code-insiders, codium,
#   CODE=/path/to/code-server bash scripts/install-vscode-extension.sh --extensions-dir DIR
#
# Extra arguments go to the editor CLI, before --install-extension. Needs Python 3.11+ and Node.js 20+ with
# npm; the first run downloads the server's dependency wheels (later runs reuse them, see release.sh).
# On first use the extension installs the server it carries into a private environment: nothing else to install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CODE="${CODE:-code}"
OUT="${ARB_LSP_DIST:-$ROOT/dist}"

log() { printf '[install-vscode-extension] %s\n' "$*"; }
die() { printf '[install-vscode-extension] error: %s\n' "$*" >&2; exit 1; }

# Checked before building, so a missing editor CLI is reported in a second, not after the build.
command -v "$CODE" >/dev/null 2>&1 || die "'$CODE' not found. Put VS Code's command on the PATH (Command \
Palette: 'Shell Command: Install code command in PATH'), or name the editor CLI: CODE=/path/to/code $0"
command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 or newer (it comes with npm)"

log "scripts/release.sh --target host"
bash "$ROOT/scripts/release.sh" --target host --out "$OUT"
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/arb_lsp/__init__.py")"
# The newest: the one just built for this machine (dist/ may hold other targets from a full release).
vsix="$(ls -t "$OUT"/arb-lsp-"$version"-*.vsix 2>/dev/null | head -1)"
[ -n "$vsix" ] || die "release.sh wrote no arb-lsp-$version-*.vsix into $OUT"
log "$CODE $* --install-extension $vsix --force"
# --force: reinstall over an earlier build of the same version.
"$CODE" "$@" --install-extension "$vsix" --force
log "installed; reload the editor window to start it"
