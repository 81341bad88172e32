#!/usr/bin/env bash
# Real Go and Rust library sources for the "context on real code" benchmark (benchmarks/context_real.py) and
# its test: two small Debian packages without dependencies. Idempotent; skipped (the benchmark then notes the
# languages it could not measure) where apt-get is missing or we are not root.
set -euo pipefail
PACKAGES=(golang-github-spf13-pflag-dev librust-semver-dev)
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
    echo "install-benchmark-sources: skipped (needs apt-get as root): ${missing[*]}"
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "install-benchmark-sources: installed ${missing[*]}"
