"""The .vsix as a new user gets it: built by ``scripts/release.sh``, installed on a machine where arb-lsp is
not on ``PATH`` and not installed anywhere, with only a plain Python 3.11+ (or none) to run it.

- First run: the extension finds ``python3`` on ``PATH``, installs the server bundled in the .vsix into a
  private virtualenv (offline, from the wheelhouse inside the .vsix) while a progress notification shows,
  then the status bar turns ready and ghost text typed in a Python file is accepted with Tab.
- The walkthrough ("Welcome: Open Walkthrough...") shows its steps: key, priority, ghost text, hover/docstring.
- The Python extension selects an interpreter: its environment's ``arb-lsp`` runs; selecting one without
  arb-lsp restarts the server, now the bundled one on that interpreter. The real Python extension is not
  reachable offline: ``vscode/python-standin`` offers the slice of its API the extension reads
  (``@vscode/python-extension``: the active interpreter, resolving it, the change event).
- No usable Python on ``PATH``: a notification says which Python is needed and where to get it, the item
  turns red, nothing restarts on its own, and the extension still answers "arb-lsp: Restart Server".

The editor's ``PATH`` is a scratch folder holding only ``node`` (code-server is a Node script) and, in the
first test, ``python3``: a Python that cannot import arb_lsp. ``release.sh --offline`` builds the .vsix
from the dependency wheels an earlier ``bash scripts/release.sh --target host`` downloaded (scripts/test.sh
runs it), so this test needs no network.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fake_openrouter import FakeOpenRouter, RecordedRequest  # tests/ is on sys.path (tests/conftest.py)
from test_vscode import (  # tests/e2e is on sys.path
    ARTIFACTS,
    COMPLETION,
    ROOT,
    TYPED_SIGNATURE,
    _require_tools,
    respond,
    run_editor,
)

RELEASE = ROOT / "scripts" / "release.sh"
PYTHON_STANDIN = Path(__file__).parent / "vscode" / "python-standin"
VSCE = ROOT / "editors" / "vscode" / "node_modules" / ".bin" / "vsce"
VERSION = re.search(r'__version__ = "([^"]+)"', (ROOT / "arb_lsp" / "__init__.py").read_text()).group(1)  # type: ignore[union-attr]
FIRST_RUN_TIMEOUT_S = 60
#: Each test drives a whole editor session in its body (install, start, driver): more than the default 120 s
#: when the machine is loaded; the driver's own waits bound it well before this.
SESSION_LIMIT = pytest.mark.timeout(240)
WALKTHROUGH_TITLE = "Get started with arb-lsp"
WALKTHROUGH_STEPS = [
    "Set your OpenRouter API key",
    "Pick a priority",
    "Try ghost text",
    "Explain code, write docstrings",
]


def _python_without_arb_lsp(scratch: Path) -> Path | None:
    """A CPython 3.11+ on this machine that cannot import arb_lsp: the system's, else this venv's base."""
    probe = (
        "import importlib.util, sys; print(sys.version_info >= (3, 11) and importlib.util.find_spec('arb_lsp') is None)"
    )
    base = Path(getattr(sys, "_base_executable", sys.executable))
    for candidate in (Path("/usr/bin/python3"), base, Path(sys.base_prefix) / "bin" / "python3"):
        if not candidate.exists():
            continue
        done = subprocess.run(
            [str(candidate), "-c", probe], cwd=scratch, capture_output=True, text=True, timeout=30, check=False
        )
        if done.stdout.strip() == "True":
            return candidate
    return None


def _scratch_env(base: Path, programs: dict[str, str]) -> dict[str, str]:
    """The editor's PATH: only these programs (name -> real file), as symlinks in one folder.

    ``VSCODE_CLI=1``, as when ``code`` is started from a terminal, keeps the editor from reading PATH from a
    login shell (which would add /usr/bin): the extension sees exactly this PATH.
    """
    folder = base / "bin"
    folder.mkdir(parents=True)
    for name, target in programs.items():
        (folder / name).symlink_to(target)
    return {"PATH": str(folder), "VSCODE_CLI": "1"}


def _plain_python(scratch: Path) -> Path:
    python = _python_without_arb_lsp(scratch)
    if python is None:
        pytest.fail("no CPython 3.11+ without arb_lsp on this machine (/usr/bin/python3 expected)", pytrace=False)
    return python


def _session(
    base: Path,
    vsix: Path,
    name: str,
    settings: dict[str, Any],
    driver_config: dict[str, Any],
    env: dict[str, str],
    other_extensions: tuple[Path, ...] = (),
) -> tuple[dict[str, Any], Path, str, list[RecordedRequest]]:
    """One editor session against the fake OpenRouter: the driver's result, the sample file, the logs and
    the requests the fake received. The result goes to test-artifacts/vscode/<name>/result.json."""
    artifacts = ARTIFACTS / name
    timings: dict[str, float] = {}
    config = {
        "artifacts": str(artifacts),
        "firstRunTimeoutMs": FIRST_RUN_TIMEOUT_S * 1000,
        "driverTimeoutS": FIRST_RUN_TIMEOUT_S + 60,
        **driver_config,
    }
    with FakeOpenRouter() as fake:
        fake.responder = respond
        result, sample, logs = run_editor(
            base, vsix, fake, settings, config, timings, env_overrides=env, other_extensions=other_extensions
        )
        requests = fake.requests
    (artifacts / "result.json").write_text(json.dumps({**result, "pytestTimings": timings}, indent=2))
    return result, sample, logs, requests


@pytest.fixture(scope="module")
def release_vsix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .vsix for this machine, built by the README's command (offline, from the wheel cache)."""
    _require_tools()
    out = tmp_path_factory.mktemp("release")
    done = subprocess.run(
        ["bash", str(RELEASE), "--target", "host", "--offline", "--out", str(out)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"scripts/release.sh --offline failed (run `bash scripts/release.sh --target host` once, with network, "
            f"to fill build/release/):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}",
            pytrace=False,
        )
    vsixes = sorted(out.glob(f"arb-lsp-{VERSION}-*.vsix"))
    assert len(vsixes) == 1, f"{sorted(p.name for p in out.iterdir())}\n{done.stdout}"
    for name in (f"arb_lsp-{VERSION}-py3-none-any.whl", f"arb_lsp-{VERSION}.tar.gz"):
        assert (out / name).is_file(), f"release.sh wrote no {name}"
    return vsixes[0]


@SESSION_LIMIT
def test_first_run_installs_the_bundled_server_and_ghost_text_works(
    release_vsix: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("vscode-bundled")
    python = _plain_python(base)
    env = _scratch_env(base / "path", {"node": shutil.which("node") or "node", "python3": str(python)})
    assert shutil.which("arb-lsp", path=env["PATH"]) is None
    result, sample, logs, requests = _session(
        base,
        release_vsix,
        "bundled",
        {"arbLsp.completion.debounceMs": 0},
        {
            "mode": "bundled",
            "completion": {"typed": TYPED_SIGNATURE, "expect": COMPLETION},
            "walkthrough": {"title": WALKTHROUGH_TITLE, "steps": WALKTHROUGH_STEPS},
        },
        env,
    )
    explain = f"driver: {result.get('errors')}, timings: {result.get('timings')}\nlogs:\n{logs[-4000:]}"
    assert not result["errors"], explain
    progress = result["steps"]["firstRun"]["progress"]
    assert any("arb-lsp: setting up the server (first run)" in text for text in progress), f"{progress}\n{explain}"
    assert result["steps"]["statusAtStart"]["icon"] == "codicon-sparkle", explain
    # Discovery went past the setting and PATH to the bundle, and started it from the private environment.
    python3_on_path = str(Path(env["PATH"]) / "python3")
    assert f"Installed arb-lsp {VERSION} with Python 3." in logs and f"({python3_on_path})" in logs, explain
    started = re.search(r"Started bundled arb-lsp \S+ on Python \S+ \(.*?\): (\S+) -I -m arb_lsp --stdio", logs)
    assert started and "globalStorage" in started.group(1), explain
    written = sample.read_text()
    assert re.search(re.escape(TYPED_SIGNATURE) + r"\n    " + re.escape(COMPLETION) + r"\s*$", written), explain
    assert any(request.is_chat for request in requests)
    # The Welcome page explains the product: the walkthrough opens with its four steps.
    assert result["steps"]["walkthrough"]["text"], explain


@pytest.fixture(scope="module")
def python_standin_vsix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python extension stand-in, packaged as a .vsix (code-server installs no folders)."""
    base = tmp_path_factory.mktemp("python-standin")
    source = shutil.copytree(PYTHON_STANDIN, base / "src")
    vsix = base / "ms-python.python-standin.vsix"
    subprocess.run(
        [str(VSCE), "package", "--allow-missing-repository", "--skip-license", "--out", str(vsix)],
        cwd=source,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return vsix


@SESSION_LIMIT
def test_selected_interpreter_is_used_and_a_change_restarts_the_server(
    release_vsix: Path, python_standin_vsix: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("vscode-interpreter")
    project_python = Path(sys.executable)  # this checkout's venv: arb-lsp is installed next to it
    assert project_python.with_name("arb-lsp").exists()
    plain_python = _plain_python(base)
    env = _scratch_env(base / "path", {"node": shutil.which("node") or "node"})
    result, sample, logs, _ = _session(
        base,
        release_vsix,
        "interpreter",
        {"python.defaultInterpreterPath": str(project_python), "arbLsp.completion.debounceMs": 0},
        {
            "mode": "interpreter",
            "interpreterChange": {"settings": {"python.defaultInterpreterPath": str(plain_python)}},
            "completion": {"typed": TYPED_SIGNATURE, "expect": COMPLETION},
        },
        env,
        other_extensions=(python_standin_vsix,),
    )
    explain = f"driver: {result.get('errors')}, steps: {result.get('steps')}\nlogs:\n{logs[-5000:]}"
    assert not result["errors"], explain
    first = logs.find(f"Server discovery: {project_python.with_name('arb-lsp')} (interpreter)")
    changed = logs.find(f"Selected Python interpreter changed to {plain_python}: restarting the server")
    second = logs.find("Server discovery: the bundled server on Python 3.")
    assert -1 < first < changed < second, explain
    assert f"({plain_python}, interpreter)" in logs[second:], explain
    assert any("setting up the server" in text for text in result["steps"]["interpreterChange"]["progress"]), explain
    written = sample.read_text()
    assert re.search(re.escape(TYPED_SIGNATURE) + r"\n    " + re.escape(COMPLETION) + r"\s*$", written), explain


@SESSION_LIMIT
def test_no_usable_python_says_which_python_is_needed(
    release_vsix: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("vscode-no-python")
    env = _scratch_env(base / "path", {"node": shutil.which("node") or "node"})
    result, _, logs, requests = _session(
        base, release_vsix, "no-python", {}, {"mode": "no-python", "expectNotification": "needs Python"}, env
    )
    explain = f"{result}\nlogs:\n{logs[-4000:]}"
    assert not result["errors"], explain
    step = result["steps"]["noPython"]
    assert re.search(
        r"arb-lsp needs Python 3\.11(, 3\.1\d)* or 3\.1\d \(CPython\) to run its language server, and found none\. "
        r"Looked for: python3: not on PATH; python: not on PATH\. "
        r"Install Python from https://www\.python\.org/downloads/",
        step["notification"],
    ), explain
    assert "Get Python" in step["buttons"], step["buttons"]
    for status in (result["steps"]["statusAtStart"], step["statusLater"], step["statusAfterRestart"]):
        assert status["icon"] == "codicon-error" and "No Python" in (status["label"] or ""), explain
    # Once at start, once for the Restart Server command: no loop, and the extension host answered.
    assert len(re.findall(r"Server discovery: no Python", logs)) == 2, explain
    assert "Extension host terminated" not in logs and "exited with code" not in logs, explain
    assert requests == []
