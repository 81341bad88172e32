#!/bin/sh
# Install what tests/e2e/test_editor_snippets.py needs to drive Emacs eglot for real:
# Debian's emacs-nox (28) and elpa-eglot (1.9). Idempotent: does nothing when both are present.
# Run as root, non-interactively (no TTY needed).
set -eu

if command -v emacs >/dev/null 2>&1 && ls -d /usr/share/emacs/site-lisp/elpa/eglot-* >/dev/null 2>&1; then
    echo "install-emacs-deps: emacs and eglot already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-emacs-deps: run as root (apt-get install emacs-nox elpa-eglot)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends emacs-nox elpa-eglot </dev/null
echo "install-emacs-deps: installed $(emacs --version | head -n 1)"
