"""VS Code for real: code-server in headless Chromium, the packaged extension, the arb-lsp server.

One session (a module fixture) packages ``editors/vscode`` as a .vsix, installs it into a
throw-away code-server, points it at the fake OpenRouter and lets ``vscode/driver.mjs`` use the
editor with keyboard and mouse: type a function signature and accept the ghost text with Tab,
hover a function, pick "Generate docstring" from the quick-fix menu (Ctrl+.), change a setting
in settings.json, and click the status bar item. The tests below check what the person would
see: the file on disk, the hover's text, the status bar. Two shorter sessions cover a missing
server program and an API key typed into "arb-lsp: Set OpenRouter API Key".

Needs what ``scripts/install-vscode-deps.sh`` installs (Chromium, code-server, playwright-core,
the extension's npm packages); a missing piece fails the test with that instruction.
Screenshots of every step go to ``test-artifacts/vscode/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fake_openrouter import FakeOpenRouter, Reply  # tests/ is on sys.path (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
EXTENSION_DIR = ROOT / "editors" / "vscode"
E2E_TOOLS = EXTENSION_DIR / ".e2e" / "node_modules"
CODE_SERVER = E2E_TOOLS / ".bin" / "code-server"
PLAYWRIGHT_CORE = E2E_TOOLS / "playwright-core"
CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path(__file__).parent / "vscode" / "driver.mjs"
ARTIFACTS = ROOT / "test-artifacts" / "vscode"
INSTALL_HINT = "run `bash scripts/install-vscode-deps.sh` (as root) first"

SAMPLE_NAME = "shapes.py"
SAMPLE = """\
def add(a, b):
    return a + b


def greet(name):
    return "Hello, " + name

"""
TYPED_SIGNATURE = "def multiply(a, b):"
COMPLETION = "return a * b"
#: Typed last; its ghost text is taken one word (Ctrl+Right), then left (Escape).
PARTIAL_SIGNATURE = "def divide(a, b):"
PARTIAL_COMPLETION = "return a / b"
EXPLANATION = "Adds its two arguments and returns the sum (explained by the fake model)."
DOCSTRING_SUMMARY = "Build a greeting for the given name."
DOCSTRING = f'"""{DOCSTRING_SUMMARY}\n\nArgs:\n    name: Who to greet.\n\nReturns:\n    The greeting text.\n"""'

HOVER_TTFT = 1.0
CHANGED_EXPLAIN_MODEL = "anthropic/claude-sonnet-4.5"

# The server's "fill the hole" marker (arb_lsp/prompts.py).
HOLE = "{{FILL_HERE}}"


def _message_text(request: dict[str, Any]) -> tuple[str, str]:
    """The system and the user text of a chat request."""
    system, user = [], []
    for message in request.get("messages") or []:
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            continue
        (system if message.get("role") == "system" else user).append(message["content"])
    return "\n".join(system), "\n".join(user)


def classify(request: dict[str, Any]) -> str:
    """Which feature a chat request comes from: "completion", "explain", "docstring" or "other"."""
    system, user = _message_text(request)
    if HOLE in user or "completion engine" in system:
        return "completion"
    if "explain" in system.lower():
        return "explain"
    if "documentation" in system.lower() or "docstring" in user.lower():
        return "docstring"
    return "other"


def respond(request: dict[str, Any]) -> Reply:
    """The fake model: one canned answer per feature; completions only where the test types."""
    kind = classify(request)
    if kind == "docstring":
        return Reply.text(DOCSTRING)
    if kind == "explain":
        # Slow enough for the status bar's "working" spinner to be seen.
        return Reply.text(EXPLANATION, ttft=HOVER_TTFT)
    if kind == "other":
        return Reply.text("")
    _, user = _message_text(request)
    before_cursor = user.split(HOLE, 1)[0]
    if re.search(re.escape(TYPED_SIGNATURE) + r"\n[ \t]*$", before_cursor):
        return Reply.text(COMPLETION)
    if re.search(re.escape(PARTIAL_SIGNATURE) + r"\n[ \t]*$", before_cursor):
        return Reply.text(PARTIAL_COMPLETION)
    return Reply.text("")


@dataclass
class VSCodeRun:
    """What one session in the editor produced."""

    result: dict[str, Any]
    final_text: str
    chat_kinds: list[str]
    timings: dict[str, float]
    logs: str
    #: ``arb-lsp usage --json`` over the session's ledger, read after the editor stopped.
    usage: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str) -> dict[str, Any]:
        return dict(self.result.get("steps", {}).get(name) or {})

    def explain(self) -> str:
        """Context for a failed assertion: the driver's errors and the extension's log."""
        return (
            f"driver errors: {self.result.get('errors')}\n"
            f"chat requests by feature: {self.chat_kinds}\n"
            f"screenshots: {ARTIFACTS}\n--- logs (tail) ---\n{self.logs[-4000:]}"
        )


def _require_tools() -> None:
    missing = [
        str(path)
        for path in (CHROMIUM, CODE_SERVER, PLAYWRIGHT_CORE / "package.json", EXTENSION_DIR / "node_modules")
        if not path.exists()
    ]
    if shutil.which("node") is None:
        missing.append("node")
    if missing:
        pytest.fail(f"VS Code e2e tools missing ({', '.join(missing)}): {INSTALL_HINT}", pytrace=False)


def _package_vsix() -> Path:
    """The extension packaged as a .vsix, rebuilt when a source is newer than the last package."""
    vsix = EXTENSION_DIR / "arb-lsp.vsix"
    sources = [
        *(EXTENSION_DIR / name for name in ("package.json", "package-lock.json", "esbuild.mjs", "README.md")),
        *(EXTENSION_DIR / "src").rglob("*.ts"),
    ]
    newest = max(path.stat().st_mtime for path in sources if path.exists())
    if vsix.exists() and vsix.stat().st_mtime >= newest:
        return vsix
    built = subprocess.run(
        ["npm", "run", "package"],
        cwd=EXTENSION_DIR,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if built.returncode != 0 or not vsix.exists():
        pytest.fail(f"packaging the extension failed:\n{built.stdout[-3000:]}\n{built.stderr[-3000:]}")
    return vsix


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_command() -> tuple[str, list[str]]:
    """How a user with this venv would start the server: its console script, else `python -m`."""
    script = Path(sys.executable).with_name("arb-lsp")
    if script.exists():
        return str(script), []
    return sys.executable, ["-m", "arb_lsp"]


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"code-server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"code-server did not answer on {url} within {timeout} s")


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """code-server, its extension host and the arb-lsp server share one process group."""
    try:
        pgid = os.getpgid(process.pid)
    except ProcessLookupError:
        return
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; make sure no child (file watcher, server) outlived it.
        time.sleep(0.2)
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return


def _collect_logs(user_data: Path, code_server_log: Path, artifacts: Path) -> str:
    """The extension's output channel and code-server's own log, copied next to the screenshots."""
    parts = []
    log_dir = artifacts / "logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    candidates = sorted((user_data / "logs").rglob("*arb-lsp*.log")) if (user_data / "logs").exists() else []
    for path in [*candidates, code_server_log]:
        if path.exists():
            text = path.read_text(errors="replace")
            (log_dir / path.name).write_text(text)
            parts.append(f"== {path.name}\n{text}")
    return "\n".join(parts)


EDITOR_SETTINGS: dict[str, Any] = {
    # Only ghost text: with the suggest widget open, Tab would pick a suggestion instead.
    "editor.quickSuggestions": {"other": False, "comments": False, "strings": False},
    "editor.suggestOnTriggerCharacters": False,
    "editor.inlineSuggest.enabled": True,
    "editor.hover.delay": 200,
    "editor.minimap.enabled": False,
    "files.autoSave": "off",
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "extensions.ignoreRecommendations": True,
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "security.workspace.trust.enabled": False,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
}


def run_editor(
    base: Path,
    vsix: Path,
    fake: FakeOpenRouter,
    settings: dict[str, Any],
    driver_config: dict[str, Any],
    timings: dict[str, float],
    *,
    key_in_env: bool = True,
    env_overrides: dict[str, str] | None = None,
    other_extensions: tuple[Path, ...] = (),
) -> tuple[dict[str, Any], Path, str]:
    """Installs the .vsix into a fresh code-server, runs the driver against it, stops everything.

    ``env_overrides`` go last into the editor's environment (``PATH``, for a machine without arb-lsp);
    ``other_extensions`` (.vsix files) are installed first.
    Returns the driver's result, the sample file and the collected logs.
    """
    home, user_data, extensions, workspace = (base / name for name in ("home", "data", "ext", "ws"))
    for folder in (home, user_data / "User", extensions, workspace):
        folder.mkdir(parents=True)
    sample = workspace / SAMPLE_NAME
    sample.write_text(SAMPLE)
    (user_data / "User" / "settings.json").write_text(json.dumps({**EDITOR_SETTINGS, **settings}, indent=2))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OPENROUTER_", "XDG_", "VSCODE_"))}
    env.update(HOME=str(home), ARB_LSP_DATA_DIR=str(base / "arb-lsp-data"), OPENROUTER_BASE_URL=fake.base_url)
    if key_in_env:
        env["OPENROUTER_API_KEY"] = fake.api_key or "sk-or-v1-any"
    env.update(env_overrides or {})
    if "settingsChange" in driver_config:
        driver_config = {
            **driver_config,
            "settingsChange": {
                **driver_config["settingsChange"],
                "settingsFile": str(user_data / "User" / "settings.json"),
            },
        }
    dirs = ["--user-data-dir", str(user_data), "--extensions-dir", str(extensions)]

    started = time.monotonic()
    installed = subprocess.run(
        [
            str(CODE_SERVER),
            *dirs,
            *(f"--install-extension={other}" for other in other_extensions),
            "--install-extension",
            str(vsix),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    timings["installExtension"] = time.monotonic() - started
    if installed.returncode != 0:
        pytest.fail(f"code-server --install-extension failed:\n{installed.stdout}\n{installed.stderr}")

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    code_server_log = base / "code-server.log"
    started = time.monotonic()
    with code_server_log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                str(CODE_SERVER),
                *dirs,
                "--bind-addr",
                f"127.0.0.1:{port}",
                "--auth",
                "none",
                "--disable-telemetry",
                "--disable-update-check",
                "--disable-workspace-trust",
                str(workspace),
            ],
            env=env,
            cwd=workspace,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(url, process, timeout=20)
        timings["codeServerUp"] = time.monotonic() - started
        config = {
            "url": f"{url}/?folder={workspace}",
            "file": str(sample),
            "fileName": SAMPLE_NAME,
            "playwrightCore": str(PLAYWRIGHT_CORE),
            "chromium": str(CHROMIUM),
            "artifacts": str(ARTIFACTS),
            "stepTimeoutMs": 20000,
            "settingsFile": str(user_data / "User" / "settings.json"),
            **driver_config,
        }
        started = time.monotonic()
        driven = subprocess.run(
            ["node", str(DRIVER), json.dumps(config)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=driver_config.get("driverTimeoutS", 150),
        )
        timings["driver"] = time.monotonic() - started
        sys.stderr.write(driven.stderr)
        lines = [line for line in driven.stdout.splitlines() if line.startswith("RESULT ")]
        if not lines:
            pytest.fail(f"the driver reported nothing (exit {driven.returncode}):\n{driven.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    finally:
        _stop_group(process)
    return result, sample, _collect_logs(user_data, code_server_log, Path(driver_config["artifacts"]))


@pytest.fixture(scope="module")
def vsix() -> Path:
    _require_tools()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return _package_vsix()


@pytest.fixture(scope="module")
def vscode_run(vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VSCodeRun]:
    """One real editing session: ghost text, hover, docstring, against the fake OpenRouter.

    Outside the per-test limit (``timeout_func_only``): each step bounds itself instead (packaging 180 s,
    install 60 s, code-server up 20 s, the browser driver 150 s).
    """
    command, args = _server_command()
    settings = {"arbLsp.server.command": command, "arbLsp.server.args": args, "arbLsp.completion.debounceMs": 0}
    driver_config = {
        "artifacts": str(ARTIFACTS),
        # The changed explain model is a paid one in the fake's catalogue: today's spend goes above 0.
        "expectSpend": True,
        "settingsChange": {
            "settings": {"arbLsp.models.explain": CHANGED_EXPLAIN_MODEL},
            "line": TYPED_SIGNATURE,
            "word": "multiply",
            "expect": CHANGED_EXPLAIN_MODEL,
        },
        "completion": {"typed": TYPED_SIGNATURE, "expect": COMPLETION},
        "partial": {"typed": PARTIAL_SIGNATURE, "expect": PARTIAL_COMPLETION},
        "hover": {"line": "def add(a, b):", "word": "add", "expect": EXPLANATION[:40]},
        "docstring": {"line": "def greet(name):", "word": "greet", "expect": DOCSTRING_SUMMARY},
    }
    timings: dict[str, float] = {}
    base = tmp_path_factory.mktemp("vscode")
    with FakeOpenRouter() as fake:
        fake.responder = respond
        result, sample, logs = run_editor(base, vsix, fake, settings, driver_config, timings)
        chats = [
            (classify(request.json), request.model or "")
            for request in fake.chat_requests()
            if isinstance(request.json, dict)
        ]
    chat_kinds = [kind for kind, _ in chats]
    result["pytestTimings"] = timings
    result["chatRequests"] = chats
    (ARTIFACTS / "result.json").write_text(json.dumps(result, indent=2))
    usage = _usage_json(base / "arb-lsp-data")
    yield VSCodeRun(result, sample.read_text(), chat_kinds, timings, logs, usage)


def _usage_json(data_dir: Path) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENROUTER_")}
    done = subprocess.run(
        [sys.executable, "-m", "arb_lsp", "usage", "--json"],
        env={**env, "ARB_LSP_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_extension_starts_the_server(vscode_run: VSCodeRun) -> None:
    status = vscode_run.step("statusAtStart")
    assert status.get("icon") == "codicon-sparkle", f"status bar: {status}\n{vscode_run.explain()}"
    assert not any(error.startswith("setup") for error in vscode_run.result["errors"]), vscode_run.explain()


def test_ghost_text_is_accepted_with_tab(vscode_run: VSCodeRun) -> None:
    step = vscode_run.step("completion")
    assert COMPLETION in step.get("ghostText", ""), f"ghost text: {step}\n{vscode_run.explain()}"
    assert "completion" in vscode_run.chat_kinds, vscode_run.explain()
    written = step.get("file", "")
    assert re.search(re.escape(TYPED_SIGNATURE) + r"\n    " + re.escape(COMPLETION) + r"\s*$", written), (
        f"file after Tab and save:\n{written}\n{vscode_run.explain()}"
    )


def test_ghost_text_accepted_with_tab_is_in_the_ledger_and_the_tooltip(vscode_run: VSCodeRun) -> None:
    """Tab ran the inline item's command: the ledger counts the suggestion as shown and accepted."""
    completions = [model for kind, model in vscode_run.result["chatRequests"] if kind == "completion"]
    rows = {row["model"]: row for row in vscode_run.usage.get("byModel", [])}
    accepted = {model: row["accepted"] for model, row in rows.items() if row.get("accepted")}
    assert accepted and set(accepted) <= set(completions), f"usage: {vscode_run.usage}\n{vscode_run.explain()}"
    total = vscode_run.usage["suggestions"]["total"]
    assert total["accepted"] >= 1 and total["shown"] >= total["accepted"], total
    assert vscode_run.usage["suggestions"]["byLanguage"]["python"]["accepted"] >= 1
    label = vscode_run.step("statusAtEnd").get("label") or ""
    assert re.search(r"Suggestions today: [1-9]\d* of [1-9]\d* accepted \(\d+%\), \$\d", label), label


def test_ghost_text_taken_one_word_is_partial_in_the_ledger(vscode_run: VSCodeRun) -> None:
    """Ctrl+Right then Escape: VS Code asked for the rest of the same suggestion, so the server
    counts it taken in part, not accepted."""
    step = vscode_run.step("partial")
    assert step.get("ghostTextAfterWord") and PARTIAL_COMPLETION not in step["ghostTextAfterWord"], (
        f"{step}\n{vscode_run.explain()}"
    )
    written = step.get("file", "")
    assert re.search(re.escape(PARTIAL_SIGNATURE) + r"\n\s+return\s*$", written), written
    python = vscode_run.usage["suggestions"]["byLanguage"]["python"]
    assert python["partiallyAccepted"] >= 1, f"usage: {vscode_run.usage}\n{vscode_run.explain()}"


def test_hover_shows_the_explanation(vscode_run: VSCodeRun) -> None:
    step = vscode_run.step("hover")
    assert EXPLANATION[:40] in step.get("text", ""), f"hover: {step}\n{vscode_run.explain()}"
    assert "explain" in vscode_run.chat_kinds, vscode_run.explain()
    assert step.get("sawWorking"), f"the status bar never showed the spinner: {step}"


def test_quick_fix_generates_a_docstring(vscode_run: VSCodeRun) -> None:
    step = vscode_run.step("docstring")
    assert re.search("docstring", step.get("chosen", ""), re.IGNORECASE), f"{step}\n{vscode_run.explain()}"
    assert "docstring" in vscode_run.chat_kinds, vscode_run.explain()
    text = vscode_run.final_text
    assert re.search(r'def greet\(name\):\n    """' + re.escape(DOCSTRING_SUMMARY), text), (
        f"file after the code action:\n{text}\n{vscode_run.explain()}"
    )
    # The body and the rest of the file are untouched.
    assert 'return "Hello, " + name' in text and "def add(a, b):\n    return a + b" in text


def test_status_bar_shows_todays_spend(vscode_run: VSCodeRun) -> None:
    status = vscode_run.step("statusAtEnd")
    assert status.get("icon") == "codicon-sparkle", f"status bar: {status}\n{vscode_run.explain()}"
    assert re.search(r"arb-lsp \$\d+\.\d{2}", status.get("text", "")), f"status bar: {status}"
    # One paid explanation (after the settings change) was billed: the spend is above zero.
    spend = float(re.search(r"\$(\d+\.\d+)", status.get("text", "")).group(1))  # type: ignore[union-attr]
    assert spend > 0, f"status bar: {status}"
    # The tooltip counts today's requests from the server's usage ledger.
    assert re.search(r"Today: [1-9]\d* requests?", status.get("label") or ""), f"status bar: {status}"


def test_missing_server_command_names_the_setting(vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`arbLsp.server.command` naming a missing program: a notification names the program and the
    setting (and how to go back to the bundled server), and the item turns red."""
    artifacts = ARTIFACTS / "missing-server"
    timings: dict[str, float] = {}
    with FakeOpenRouter() as fake:
        result, _, logs = run_editor(
            tmp_path_factory.mktemp("vscode-missing"),
            vsix,
            fake,
            {"arbLsp.server.command": "/nonexistent/arb-lsp"},
            {"artifacts": str(artifacts), "mode": "missing-server", "expectNotification": "was not found"},
            timings,
        )
    assert not result["errors"], f"{result}\n{logs[-3000:]}"
    status = result["steps"].get("statusAtStart") or {}
    assert status.get("icon") == "codicon-error", status
    assert "not found" in (status.get("label") or ""), status
    notification = result["steps"].get("notification", "")
    assert '"/nonexistent/arb-lsp"' in notification and "arbLsp.server.command" in notification, notification
    assert "clear the setting to use the server that comes with the extension" in notification, notification


def test_clicking_the_status_bar_shows_usage(vscode_run: VSCodeRun) -> None:
    summary = vscode_run.result["steps"].get("usageSummary") or ""
    assert re.search(r"arb-lsp today: [1-9]\d* requests?, \$\d", summary), f"notification: {summary!r}"
    assert "qwen/qwen3-coder:free" in summary or ":free" in summary, summary


def test_api_key_set_in_the_editor_reaches_the_server_and_never_the_log(
    vsix: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No key in the environment: the extension offers to set one; the key typed into
    "arb-lsp: Set OpenRouter API Key" is stored, the server restarts and uses it, and the
    extension's log (with the LSP trace on) never shows it."""
    key = "sk-or-v1-e2e-typed-into-the-editor-4242"
    artifacts = ARTIFACTS / "set-key"
    command, args = _server_command()
    settings = {"arbLsp.server.command": command, "arbLsp.server.args": args, "arbLsp.trace.server": "verbose"}
    timings: dict[str, float] = {}
    with FakeOpenRouter(api_key=key) as fake:
        fake.responder = respond
        result, _, logs = run_editor(
            tmp_path_factory.mktemp("vscode-key"),
            vsix,
            fake,
            settings,
            {
                "artifacts": str(artifacts),
                "mode": "set-key",
                "apiKey": key,
                "hover": {"line": "def add(a, b):", "word": "add", "expect": EXPLANATION[:40]},
            },
            timings,
            key_in_env=False,
        )
        authorizations = {request.headers.get("authorization") for request in fake.chat_requests()}
    assert not result["errors"], f"{result}\n{logs[-3000:]}"
    assert {"Set API Key", "Get a Key"} <= set(result["steps"]["setKey"]["offerButtons"]), result["steps"]["setKey"]
    assert EXPLANATION[:40] in result["steps"]["hover"]["text"]
    assert authorizations == {f"Bearer {key}"}, authorizations
    assert "Started" in logs, "the extension's log was not collected"
    assert key not in logs


def test_changed_setting_reaches_the_running_server(vscode_run: VSCodeRun) -> None:
    """settings.json edited mid-session: the next explanation uses the newly configured model."""
    step = vscode_run.step("settingsChange")
    assert CHANGED_EXPLAIN_MODEL in step.get("text", ""), f"{step}\n{vscode_run.explain()}"
    explain_models = [model for kind, model in vscode_run.result["chatRequests"] if kind == "explain"]
    assert explain_models[-1] == CHANGED_EXPLAIN_MODEL, explain_models
    assert explain_models[0] != CHANGED_EXPLAIN_MODEL, explain_models
