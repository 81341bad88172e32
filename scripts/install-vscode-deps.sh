#!/usr/bin/env bash
# Installs everything tests/e2e/test_vscode.py needs, on a fresh Debian machine, as root:
#   - Debian packages: Chromium (the browser the test drives) and the headers code-server's
#     native modules build against; ripgrep, whose binary stands in for the one code-server's
#     @vscode/ripgrep would otherwise download from GitHub (unreachable here);
#   - the extension's npm dependencies (npm ci from editors/vscode/package-lock.json);
#   - code-server and playwright-core, into editors/vscode/.e2e/ (gitignored).
# Idempotent: each step is skipped when its result is already there. Needs no TTY.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXT_DIR="$ROOT/editors/vscode"
E2E_DIR="$EXT_DIR/.e2e"
CODE_SERVER_VERSION="4.100.3"
PLAYWRIGHT_CORE_VERSION="1.56.1"
# What code-server 4.100.3's @vscode/ripgrep looks for in its download cache.
RIPGREP_NPM_VERSION="1.15.11"
RIPGREP_PREBUILT_TAG="v13.0.0-10"
APT_PACKAGES=(chromium libkrb5-dev libxkbfile-dev libsecret-1-dev ripgrep)

export DEBIAN_FRONTEND=noninteractive
export npm_config_yes=true
export npm_config_unsafe_perm=true
export npm_config_audit=false
export npm_config_fund=false
export npm_config_update_notifier=false
export npm_config_progress=false

log() { printf '[install-vscode-deps] %s\n' "$*"; }
die() { printf '[install-vscode-deps] error: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "run as root (apt-get install is needed)"
    SUDO=(sudo -n)
fi

start_time=$SECONDS

# --- Debian packages -------------------------------------------------------------------
missing=()
for package in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    log "Debian packages present"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after apt-get install chromium"
RG_BIN="$(command -v rg)" || die "rg is missing after apt-get install ripgrep"

# --- Node.js ---------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node is not installed (code-server ${CODE_SERVER_VERSION} needs Node.js 20)"
command -v npm >/dev/null 2>&1 || die "npm is not installed"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js $(node --version) is too old: code-server ${CODE_SERVER_VERSION} needs 20"

# --- The extension's dependencies ------------------------------------------------------
# Its dependencies need no install scripts (esbuild's binary comes as an optional
# dependency), so none are run.
lock_hash="$(sha256sum "$EXT_DIR/package-lock.json" | cut -d' ' -f1)"
stamp="$EXT_DIR/node_modules/.arb-lsp-install-stamp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
    log "extension npm dependencies up to date"
else
    log "npm ci in editors/vscode"
    (cd "$EXT_DIR" && npm ci --ignore-scripts --no-audit --no-fund)
    printf '%s\n' "$lock_hash" >"$stamp"
fi

# --- code-server and playwright-core ---------------------------------------------------
wanted="code-server@${CODE_SERVER_VERSION} playwright-core@${PLAYWRIGHT_CORE_VERSION}"
e2e_stamp="$E2E_DIR/.install-stamp"
if [ -f "$e2e_stamp" ] && [ "$(cat "$e2e_stamp")" = "$wanted" ] \
    && [ -x "$E2E_DIR/node_modules/.bin/code-server" ] \
    && [ -f "$E2E_DIR/node_modules/playwright-core/package.json" ]; then
    log "code-server ${CODE_SERVER_VERSION} and playwright-core ${PLAYWRIGHT_CORE_VERSION} present"
else
    log "installing ${wanted} into ${E2E_DIR#"$ROOT"/}"
    mkdir -p "$E2E_DIR"
    cat >"$E2E_DIR/package.json" <<EOF
{
  "name": "arb-lsp-vscode-e2e",
  "private": true,
  "description": "Written by scripts/install-vscode-deps.sh: the editor and browser driver for tests/e2e/test_vscode.py",
  "dependencies": {
    "code-server": "${CODE_SERVER_VERSION}",
    "playwright-core": "${PLAYWRIGHT_CORE_VERSION}"
  }
}
EOF
    # @vscode/ripgrep downloads rg from GitHub in its postinstall unless the archive is
    # already in its cache under $TMPDIR: put Debian's rg there, packed the same way.
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    case "$(uname -m)" in
        x86_64) rg_target="x86_64-unknown-linux-musl" ;;
        aarch64) rg_target="aarch64-unknown-linux-musl" ;;
        *) die "unsupported architecture $(uname -m)" ;;
    esac
    rg_cache="$scratch/vscode-ripgrep-cache-${RIPGREP_NPM_VERSION}"
    mkdir -p "$rg_cache" "$scratch/rg"
    cp "$RG_BIN" "$scratch/rg/rg"
    tar -czf "$rg_cache/ripgrep-${RIPGREP_PREBUILT_TAG}-${rg_target}.tar.gz" -C "$scratch/rg" rg
    # code-server's postinstall builds its native modules and sets up the bundled VS Code:
    # its install scripts must run. npm 11 blocks dependency install scripts by default;
    # this setting (unknown to older npm, which runs them anyway) lets them run.
    (
        cd "$E2E_DIR"
        TMPDIR="$scratch" npm_config_dangerously_allow_all_scripts=true \
            npm install --no-audit --no-fund --no-package-lock
    )
    [ -x "$E2E_DIR/node_modules/.bin/code-server" ] || die "code-server did not install"
    [ -x "$E2E_DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] \
        || die "code-server's ripgrep is missing (its version may have changed: see RIPGREP_NPM_VERSION)"
    "$E2E_DIR/node_modules/.bin/code-server" --version >/dev/null || die "code-server does not run"
    printf '%s\n' "$wanted" >"$e2e_stamp"
fi

log "done in $((SECONDS - start_time)) s"
