#!/usr/bin/env bash
# Builds every release file into dist/, in one command:
#   - the server: arb_lsp-VERSION-py3-none-any.whl and arb_lsp-VERSION.tar.gz;
#   - the VS Code extension, one arb-lsp-VERSION-TARGET.vsix per platform target (vsce --target), each
#     carrying a wheelhouse: the server's wheel and every dependency's wheel for that platform and for
#     CPython 3.11 to 3.14, which the extension installs offline into a private virtualenv on first run
#     (editors/vscode/README.md, "How the server is bundled", says why this design).
#
#   bash scripts/release.sh                      # every target below
#   bash scripts/release.sh --target host        # only this machine's target (repeatable: --target win32-x64 ...)
#   bash scripts/release.sh --out DIR            # write into DIR instead of dist/
#   bash scripts/release.sh --offline            # no network: build tools and dependency wheels from an earlier run
#                                                # (ARB_LSP_RELEASE_OFFLINE=1 does the same)
#
# The version is arb_lsp/__init__.py's __version__; editors/vscode/package.json is set to it.
# Dependency wheels are downloaded once per target (pip download, for the target's platform tags) and kept in
# build/release/ (ARB_LSP_RELEASE_CACHE) until the server's dependencies change; later runs need no network.
# Runs on Linux and macOS (bash 3.2+). Needs Python 3.11+ (PYTHON, default python3) and Node.js 20+ with npm.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXT_DIR="$ROOT/editors/vscode"
BUNDLE_DIR="$EXT_DIR/bundled"
CACHE="${ARB_LSP_RELEASE_CACHE:-$ROOT/build/release}"
PYTHON="${PYTHON:-python3}"
OUT="$ROOT/dist"
OFFLINE="${ARB_LSP_RELEASE_OFFLINE:-0}"
PYTHON_VERSIONS=(3.11 3.12 3.13 3.14)
# Targets whose every dependency has wheels on PyPI (linux-armhf and alpine-arm64 lack tree-sitter grammars).
ALL_TARGETS=(linux-x64 linux-arm64 alpine-x64 darwin-x64 darwin-arm64 win32-x64 win32-arm64)
BUILD_TOOLS="build==1.6.1 hatchling==1.33.0"

log() { printf '[release] %s\n' "$*"; }
sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1; else shasum -a 256 | cut -d' ' -f1; fi; }
die() { printf '[release] error: %s\n' "$*" >&2; exit 1; }

host_target() {
    local os arch
    case "$(uname -s)" in
        Linux) if ldd --version 2>&1 | grep -qi musl; then os=alpine; else os=linux; fi ;;
        Darwin) os=darwin ;;
        MINGW* | MSYS* | CYGWIN*) os=win32 ;;
        *) die "unknown system $(uname -s)" ;;
    esac
    case "$(uname -m)" in
        x86_64 | amd64) arch=x64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) die "unsupported architecture $(uname -m)" ;;
    esac
    printf '%s-%s\n' "$os" "$arch"
}

# The wheel platform tags a target's machines accept, newest first (pip download does not widen them itself).
# Linux: glibc 2.28 and older (VS Code itself needs 2.28); macOS: 11 and older.
platform_tags() {
    local arch
    case "$1" in
        linux-x64 | linux-arm64)
            arch=$([ "$1" = linux-x64 ] && echo x86_64 || echo aarch64)
            for minor in $(seq 28 -1 5); do echo "manylinux_2_${minor}_${arch}"; done
            echo "manylinux2014_${arch}"
            if [ "$arch" = x86_64 ]; then echo "manylinux2010_x86_64" "manylinux1_x86_64"; fi
            ;;
        alpine-x64) echo musllinux_1_2_x86_64 musllinux_1_1_x86_64 ;;
        alpine-arm64) echo musllinux_1_2_aarch64 musllinux_1_1_aarch64 ;;
        darwin-x64)
            echo macosx_11_0_x86_64
            for minor in $(seq 16 -1 9); do echo "macosx_10_${minor}_x86_64" "macosx_10_${minor}_universal2" "macosx_10_${minor}_intel"; done
            ;;
        darwin-arm64) echo macosx_11_0_arm64 macosx_11_0_universal2 macosx_10_9_universal2 ;;
        win32-x64) echo win_amd64 ;;
        win32-arm64) echo win_arm64 ;;
        *) die "unknown target '$1' (known: ${ALL_TARGETS[*]} alpine-arm64, or host)" ;;
    esac
}

targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --target) [ $# -ge 2 ] || die "--target needs a value"; targets+=("$2"); shift 2 ;;
        --out) [ $# -ge 2 ] || die "--out needs a value"; OUT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
        --offline) OFFLINE=1; shift ;;
        -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[ "${#targets[@]}" -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for i in "${!targets[@]}"; do
    if [ "${targets[$i]}" = host ]; then targets[i]="$(host_target)"; fi
    platform_tags "${targets[$i]}" >/dev/null
done

command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found: install Python 3.11+ or name it in PYTHON="
command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 or newer (it comes with npm)"
if [ "$OFFLINE" = 1 ]; then
    export PIP_NO_INDEX=1 npm_config_offline=true
fi
start_time=$SECONDS
mkdir -p "$OUT" "$CACHE"

# --- The version, from one place --------------------------------------------------------------
VERSION="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/arb_lsp/__init__.py")"
[ -n "$VERSION" ] || die "no __version__ in arb_lsp/__init__.py"
ext_version="$(cd "$EXT_DIR" && node -p 'require("./package.json").version')"
if [ "$ext_version" != "$VERSION" ]; then
    log "editors/vscode/package.json: version $ext_version -> $VERSION"
    (cd "$EXT_DIR" && npm version "$VERSION" --no-git-tag-version --allow-same-version >/dev/null)
fi
log "arb-lsp $VERSION, targets: ${targets[*]}"

# --- The server's wheel and sdist -------------------------------------------------------------
# A private virtualenv with pinned build tools, so the build needs no network after the first run.
TOOLS="$CACHE/tools"
if [ ! -x "$TOOLS/bin/python" ] || [ "$(cat "$TOOLS/.stamp" 2>/dev/null)" != "$BUILD_TOOLS" ]; then
    [ "$OFFLINE" = 0 ] || die "--offline: no build tools in $TOOLS yet; run once without --offline"
    log "build tools ($BUILD_TOOLS) into ${TOOLS#"$ROOT"/}"
    rm -rf "$TOOLS"
    "$PYTHON" -m venv "$TOOLS"
    # shellcheck disable=SC2086
    "$TOOLS/bin/python" -m pip install -q $BUILD_TOOLS
    printf '%s\n' "$BUILD_TOOLS" >"$TOOLS/.stamp"
fi
rm -f "$OUT/arb_lsp-$VERSION-py3-none-any.whl" "$OUT/arb_lsp-$VERSION.tar.gz"
log "python -m build (sdist, then the wheel from it)"
(cd "$ROOT" && "$TOOLS/bin/python" -m build --no-isolation --outdir "$OUT" . >"$CACHE/build.log" 2>&1) \
    || { tail -30 "$CACHE/build.log" >&2; die "building the wheel and sdist failed (log: $CACHE/build.log)"; }
WHEEL="$OUT/arb_lsp-$VERSION-py3-none-any.whl"
[ -f "$WHEEL" ] || die "python -m build wrote no $WHEEL"

# --- The extension's build tools --------------------------------------------------------------
# Same stamp as scripts/install-vscode-deps.sh, so either script's npm ci serves both.
lock_hash="$(sha256 <"$EXT_DIR/package-lock.json")"
stamp="$EXT_DIR/node_modules/.arb-lsp-install-stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
    log "npm ci in editors/vscode"
    (cd "$EXT_DIR" && npm ci --ignore-scripts --no-audit --no-fund)
    printf '%s\n' "$lock_hash" >"$stamp"
fi

# --- One .vsix per target ---------------------------------------------------------------------
# The dependency wheels depend on the server's requirements, the Python versions and the tags only.
requirements="$("$TOOLS/bin/python" - "$WHEEL" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    print("\n".join(sorted(l for l in wheel.read(name).decode().splitlines() if l.startswith("Requires-Dist:") and "extra ==" not in l)))
EOF
)"

dependency_wheels() { # target -> fills $CACHE/wheelhouse/<target> (and its python-versions file) if stale
    local target="$1" dir="$CACHE/wheelhouse/$1" key tags=() versions=()
    key="$(printf '%s\n' "$requirements" "${PYTHON_VERSIONS[*]}" "$(platform_tags "$target")" | sha256)"
    if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$key" ]; then
        return 0
    fi
    [ "$OFFLINE" = 0 ] || die "--offline: no dependency wheels for $target in $dir yet; run once without --offline"
    log "$target: downloading dependency wheels for CPython ${PYTHON_VERSIONS[*]}"
    rm -rf "$dir" "$dir.partial"
    mkdir -p "$dir.partial"
    for tag in $(platform_tags "$target"); do tags+=(--platform "$tag"); done
    for version in "${PYTHON_VERSIONS[@]}"; do
        if "$TOOLS/bin/python" -m pip download -q --disable-pip-version-check --only-binary=:all: \
            --implementation cp --python-version "$version" "${tags[@]}" --dest "$dir.partial" \
            "$WHEEL" pip >"$dir.partial.log" 2>&1; then
            versions+=("$version")
        else
            log "warning: $target: no wheels for CPython $version: $(grep -m1 ERROR "$dir.partial.log" || tail -1 "$dir.partial.log")"
        fi
    done
    [ "${#versions[@]}" -gt 0 ] || die "$target: no CPython version has wheels for every dependency (see $dir.partial.log)"
    rm -f "$dir.partial"/arb_lsp-*.whl "$dir.partial.log"
    printf '%s\n' "${versions[@]}" >"$dir.partial/.python-versions"
    printf '%s\n' "$key" >"$dir.partial/.stamp"
    mv "$dir.partial" "$dir"
}

trap 'rm -rf "$BUNDLE_DIR"' EXIT
sizes=()
for target in "${targets[@]}"; do
    dependency_wheels "$target"
    deps="$CACHE/wheelhouse/$target"
    versions=()
    while read -r version; do versions+=("$version"); done <"$deps/.python-versions"
    rm -rf "$BUNDLE_DIR"
    mkdir -p "$BUNDLE_DIR/wheelhouse"
    cp "$deps"/*.whl "$WHEEL" "$BUNDLE_DIR/wheelhouse/"
    # What the extension reads to know what it carries (editors/vscode/src/bundle.ts).
    "$TOOLS/bin/python" - "$BUNDLE_DIR/manifest.json" "$VERSION" "$target" "${versions[@]}" <<'EOF'
import json, sys
path, version, target, *pythons = sys.argv[1:]
manifest = {"version": version, "target": target, "pythonVersions": pythons, "requirement": f"arb-lsp=={version}"}
with open(path, "w") as file:
    json.dump(manifest, file, indent=2)
EOF
    vsix="$OUT/arb-lsp-$VERSION-$target.vsix"
    rm -f "$vsix"
    log "vsce package --target $target (CPython ${versions[*]})"
    (cd "$EXT_DIR" && npx --no-install vsce package --no-dependencies --allow-missing-repository \
        --target "$target" --out "$vsix" >"$CACHE/vsce-$target.log" 2>&1) \
        || { tail -30 "$CACHE/vsce-$target.log" >&2; die "vsce package --target $target failed"; }
    sizes+=("$(basename "$vsix"): $(du -k "$vsix" | cut -f1) KiB")
done

log "done in $((SECONDS - start_time)) s; in ${OUT#"$ROOT"/}:"
log "  $(basename "$WHEEL"), arb_lsp-$VERSION.tar.gz"
for line in "${sizes[@]}"; do log "  $line"; done
