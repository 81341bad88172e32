"""The one command that builds the VS Code extension (server inside) and installs it: scripts/install-vscode-extension.sh.

Run on a copy of the checkout's sources (so its node_modules and dist/ stay as they are) with code-server as
the editor CLI (``CODE=...``), installing into a throw-away extensions directory. No network: npm runs from
the cache ``scripts/install-vscode-deps.sh`` filled, and ``scripts/release.sh`` (which it calls) offline,
from the build tools and dependency wheels an earlier ``bash scripts/release.sh --target host`` left in
build/release/ (scripts/test.sh runs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from test_vscode import CODE_SERVER, EXTENSION_DIR, INSTALL_HINT, ROOT  # tests/e2e is on sys.path

SCRIPT = Path("scripts") / "install-vscode-extension.sh"
BUILD_OUTPUTS = ("node_modules", ".e2e", "dist", "out", "bundled", "*.vsix", "__pycache__")


def _checkout_copy(base: Path) -> Path:
    """The scripts, the server's and the extension's sources, laid out as in a fresh clone."""
    (base / "scripts").mkdir(parents=True)
    for script in (SCRIPT, Path("scripts") / "release.sh"):
        shutil.copy2(ROOT / script, base / script)
    for name in ("pyproject.toml", "README.md", ".gitignore"):
        shutil.copy2(ROOT / name, base / name)
    shutil.copytree(ROOT / "arb_lsp", base / "arb_lsp", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(EXTENSION_DIR, base / "editors" / "vscode", ignore=shutil.ignore_patterns(*BUILD_OUTPUTS))
    return base


def _run(checkout: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CODE": code,
        "npm_config_offline": "true",
        "ARB_LSP_RELEASE_OFFLINE": "1",
        "ARB_LSP_RELEASE_CACHE": str(ROOT / "build" / "release"),
    }
    return subprocess.run(
        ["bash", str(checkout / SCRIPT), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_one_command_builds_the_vsix_and_installs_it(tmp_path: Path) -> None:
    if not CODE_SERVER.exists():
        pytest.fail(f"code-server missing: {INSTALL_HINT}", pytrace=False)
    checkout = _checkout_copy(tmp_path / "clone")
    dirs = ["--user-data-dir", str(tmp_path / "user-data"), "--extensions-dir", str(tmp_path / "extensions")]

    done = _run(checkout, str(CODE_SERVER), *dirs)

    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    vsixes = list((checkout / "dist").glob("arb-lsp-*-*.vsix"))
    assert len(vsixes) == 1, vsixes
    with zipfile.ZipFile(vsixes[0]) as vsix:
        assert "extension/bundled/manifest.json" in vsix.namelist(), "the .vsix carries no server"
    listed = subprocess.run(
        [str(CODE_SERVER), *dirs, "--list-extensions", "--show-versions"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "arb-lsp.arb-lsp@0.1.0" in listed.stdout.split()


def test_a_missing_editor_cli_is_named_before_anything_is_built(tmp_path: Path) -> None:
    checkout = _checkout_copy(tmp_path / "clone")

    done = _run(checkout, "no-such-editor-cli")

    assert done.returncode != 0
    assert "'no-such-editor-cli' not found" in done.stderr
    assert "CODE=" in done.stderr
    assert not (checkout / "editors" / "vscode" / "node_modules").exists()
