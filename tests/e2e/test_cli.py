"""The one-shot commands end to end: ``python -m arb_lsp <command>`` as a real subprocess against the fake
OpenRouter, checking stdout, stderr, exit statuses (0 ok, 1 failure, 2 usage error, 130 interrupted),
what was sent upstream, and what was written to disk."""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import server_env
from fake_openrouter import DEFAULT_API_KEY, FREE_MODEL, PAID_MODEL, FakeOpenRouter, Reply

from arb_lsp.commands import run_subcommand

WRONG_KEY = "sk-or-v1-" + "0" * 40
COMMAND = [sys.executable, "-m", "arb_lsp"]


def environment(fake: FakeOpenRouter, data: Path, key: str | None, extra: dict[str, str] | None) -> dict[str, str]:
    env = server_env(fake, str(data), key=key)
    env.update(extra or {})
    return env


def check_output(result_out: str, result_err: str, key: str | None) -> None:
    """What every run must respect: no traceback for expected failures, the key never printed."""
    assert "Traceback" not in result_err, result_err
    for secret in {DEFAULT_API_KEY, WRONG_KEY, key or DEFAULT_API_KEY}:
        assert secret not in result_out and secret not in result_err


def arb(
    fake: FakeOpenRouter,
    data: Path,
    *args: str,
    cwd: Path | None = None,
    key: str | None = DEFAULT_API_KEY,
    env: dict[str, str] | None = None,
    status: int | None = 0,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*COMMAND, *args],
        env=environment(fake, data, key, env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    check_output(result.stdout, result.stderr, key)
    if status is not None:
        assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    return result


ADD = "def add(a, b):\n    return a + b\n"


def named_doc(request: dict[str, Any]) -> Reply:
    """A docstring naming the definition the prompt asks about (``... function `name` ...``)."""
    match = re.search(r"(?:function|method|class) `([^`]+)`", json.dumps(request.get("messages")))
    return Reply.text(f"Document {match[1] if match else 'it'}.")


def sent_text(fake: FakeOpenRouter) -> str:
    return "\n".join(json.dumps(r.messages) for r in fake.chat_requests())


# -- models ---------------------------------------------------------------------------------------


def test_models_table_json_free_and_search(fake: FakeOpenRouter, data: Path) -> None:
    table = arb(fake, data, "models").stdout
    header = table.splitlines()[0]
    assert header.split() == ["ID", "NAME", "CONTEXT", "PROMPT", "$/M", "COMPLETION", "$/M", "FREE"]
    codestral = next(line for line in table.splitlines() if line.startswith(PAID_MODEL))
    assert "256,000" in codestral and "0.30" in codestral and "0.90" in codestral and "free" not in codestral
    assert any(line.startswith(FREE_MODEL) and line.endswith("free") for line in table.splitlines())
    assert f"{len(fake.models)} models, 3 free." in table

    free = json.loads(arb(fake, data, "models", "--free", "--json").stdout)
    assert {m["id"] for m in free} == {
        FREE_MODEL,
        "meta-llama/llama-3.3-70b-instruct:free",
        "fakeprovider/zero-price-chat",
    }
    assert all(m["free"] and m["promptPrice"] == 0 for m in free)
    assert set(free[0]) == {"id", "name", "contextLength", "promptPrice", "completionPrice", "free"}

    found = json.loads(arb(fake, data, "models", "--search", "CODER", "--json").stdout)
    assert [m["id"] for m in found] == [FREE_MODEL]
    assert fake.chat_requests() == []


# -- complete / explain / docstring at a position ----------------------------------------------------


def test_complete_prints_the_insertion_and_json(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    (work / "calc.py").write_text("def add(a, b):\n    return \n")
    fake.default_reply = Reply.text("a + b", cost=0.0002)
    assert arb(fake, data, "complete", "calc.py:2:12", cwd=work).stdout == "a + b\n"
    result = json.loads(arb(fake, data, "complete", "calc.py:2:12", "--json", cwd=work).stdout)
    assert result == {"text": "a + b", "model": FREE_MODEL, "cost": 0.0002}
    request = fake.chat_requests()[0]
    assert request.model == FREE_MODEL and "calc.py" in json.dumps(request.messages)
    assert str(work) not in json.dumps(request.messages)  # prompts name files relative, never absolute


def test_complete_says_which_closers_its_text_replaces(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    (work / "calc.py").write_text("def main(a):\n    print(max())\n")
    fake.default_reply = Reply.text("a[0], a[1]]))")
    result = json.loads(arb(fake, data, "complete", "calc.py:2:15", "--json", cwd=work).stdout)
    assert (result["text"], result["replace"]) == ("a[0], a[1]))", 2)  # replaces "))": no doubled closer


def test_complete_sends_what_the_file_imports_from_the_working_folder(
    fake: FakeOpenRouter, data: Path, work: Path
) -> None:
    (work / "shop").mkdir()
    (work / "shop" / "__init__.py").write_text("")
    (work / "shop" / "models.py").write_text("class Order:\n    def total(self) -> int:\n        return HIDDEN\n")
    (work / "app.py").write_text("from shop.models import Order\n\norder = Order()\norder.\n")
    arb(fake, data, "complete", "app.py:4:7", cwd=work)
    prompt = fake.chat_requests()[0].messages[-1]["content"]
    assert "# Path: shop/models.py\nclass Order:\n    def total(self) -> int:\n        ..." in prompt
    assert "HIDDEN" not in prompt


def test_complete_honours_model_and_priority(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    (work / "calc.py").write_text("x = 1\n")
    fake.default_reply = Reply.text(" + 1")
    arb(fake, data, "complete", "calc.py:1:6", "--model", f"{PAID_MODEL},{FREE_MODEL}", cwd=work)
    arb(fake, data, "complete", "calc.py:1:5", "--priority", "speed", cwd=work)
    first, second = fake.chat_requests()
    assert first.model == PAID_MODEL and "models" not in first.json, "free and paid models never share a list"
    assert second.model == PAID_MODEL  # the speed chain starts with Codestral


#: How long the fake pauses between the pieces of a streamed explanation: output seen within it was streamed.
STREAM_GAP_S = 3.0


def test_explain_streams_the_answer_then_the_footer(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    (work / "calc.py").write_text(ADD)
    # The fake sends the first piece, then holds the stream open (STREAM_GAP_S) before the rest.
    chunks = ["It adds ", "two numbers together."]
    fake.default_reply = Reply.text(chunks=chunks, ttft=0.0, tps=1 / STREAM_GAP_S, cost=0.00012)
    process = subprocess.Popen(
        [*COMMAND, "explain", "calc.py:2:5"],
        env=environment(fake, data, DEFAULT_API_KEY, None),
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    first = b""
    while len(first) < len("It adds") and (piece := os.read(process.stdout.fileno(), 1024)):
        first += piece
    # Printed while the model still writes: the fake has not finished (nor sent the second piece).
    [record] = fake.chat_requests()
    assert record.finished_at is None and first == b"It adds ", (first, record)
    rest, errors = process.communicate(timeout=30)
    output = (first + rest).decode()
    check_output(output, errors.decode(), None)
    assert process.returncode == 0
    assert output == "It adds two numbers together.\n\n— meta-llama/llama-3.3-70b-instruct:free · $0.00012\n"


def test_docstring_shows_a_diff_and_writes_with_write(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    source = work / "calc.py"
    source.write_text(ADD)
    fake.default_reply = Reply.text("Add two numbers.")
    diff = arb(fake, data, "docstring", "calc.py:1:5", cwd=work).stdout
    assert diff.startswith("--- a/calc.py\n+++ b/calc.py\n")
    assert '+    """Add two numbers."""\n' in diff
    assert source.read_text() == ADD

    result = arb(fake, data, "docstring", "calc.py:2:1", "--write", "--style", "numpy", cwd=work)
    assert result.stdout == "" and "documented function add" in result.stderr
    assert source.read_text() == 'def add(a, b):\n    """Add two numbers."""\n    return a + b\n'
    assert "NumPy" in json.dumps(fake.chat_requests()[-1].messages)


def test_docstring_other_languages(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    source = work / "calc.ts"
    source.write_text("export function add(a: number, b: number): number {\n  return a + b;\n}\n")
    fake.default_reply = Reply.text("Adds two numbers.")
    arb(fake, data, "docstring", "calc.ts:2:3", "--write", cwd=work)
    assert source.read_text().startswith("/** Adds two numbers. */\nexport function add(")


# -- docstring --all --------------------------------------------------------------------------------


def make_project(root: Path) -> dict[str, str]:
    files = {
        "app.py": "def first_fn(x):\n    return x\n\n\nclass Shape:\n    def area(self):\n        return 0\n",
        "pkg/util.py": 'def helper_fn():\n    """Already documented."""\n\n\ndef second_fn(y):\n    return y * 2\n',
        "pkg/web.js": "function third_fn(a) {\n  return a;\n}\n",
        "build/gen.py": "def generated_fn():\n    return 1\n",
        "pkg/scratch.py": "def scratch_fn():\n    return 2\n",
        "pkg/keep.py": "def kept_fn():\n    return 3\n",
        "secrets.py": "def secret_fn():\n    return 'hunter2'\n",
        "vendor/lib.py": "def vendor_fn():\n    return 4\n",
        ".venv/site.py": "def hidden_fn():\n    return 5\n",
        "notes.txt": "def text_fn(): not code\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / ".gitignore").write_text("build/\n*scratch*\nkeep.py\n")
    (root / "pkg" / ".gitignore").write_text("!keep.py\n")  # the deeper file wins, as in git
    return files


def test_all_documents_every_undocumented_definition_but_never_sends_ignored_files(
    fake: FakeOpenRouter, data: Path, work: Path
) -> None:
    files = make_project(work)
    fake.responder = named_doc
    result = arb(fake, data, "docstring", ".", "--all", "--write", "--exclude", "vendor/**", cwd=work)
    sent = sent_text(fake)
    for name in ("first_fn", "Shape", "area", "second_fn", "third_fn", "kept_fn"):
        assert name in sent
    never_sent = ("generated_fn", "scratch_fn", "secret_fn", "hunter2", "vendor_fn", "hidden_fn", "text_fn")
    for never in (*never_sent, "helper_fn"):
        assert never not in sent
    assert len(fake.chat_requests()) == 6

    app = (work / "app.py").read_text()
    ast.parse(app)
    assert '"""Document first_fn."""' in app and '"""Document Shape."""' in app and '"""Document area."""' in app
    assert '"""Document second_fn."""' in (work / "pkg/util.py").read_text()
    assert (work / "pkg/web.js").read_text().startswith("/** Document third_fn. */\nfunction third_fn")
    for untouched in ("build/gen.py", "pkg/scratch.py", "secrets.py", "vendor/lib.py", ".venv/site.py", "notes.txt"):
        assert (work / untouched).read_text() == files[untouched]
    assert "\r" not in result.stderr  # no progress bar without a terminal: plain lines
    assert "wrote app.py (3 docstrings)" in result.stderr
    assert "documented 6 of 6 definitions; wrote 4 files" in result.stderr
    assert list(work.rglob("*.arb-lsp")) == []


def test_all_without_write_prints_diffs_only(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    (work / "a.py").write_text(ADD)
    (work / "b.py").write_text("def sub(a, b):\n    return a - b\n")
    fake.responder = named_doc
    result = arb(fake, data, "docstring", "a.py", "b.py", "--all", cwd=work)
    assert "+++ b/a.py" in result.stdout and "+++ b/b.py" in result.stdout
    assert '+    """Document sub."""' in result.stdout
    assert (work / "a.py").read_text() == ADD
    assert "nothing written" in result.stderr


def test_all_stops_at_max_usd(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    originals = {}
    for index in range(4):
        path = work / f"m{index}.py"
        originals[path] = f"def fn_{index}(x):\n    return x + {index}\n"
        path.write_text(originals[path])
    fake.default_reply = Reply.text("Do it.", cost=0.01)
    result = arb(fake, data, "docstring", ".", "--all", "--write", "--max-usd", "0.025", cwd=work, status=1)
    assert len(fake.chat_requests()) == 3  # $0, $0.01, $0.02 spent before each; $0.03 stops the run
    assert "stopped (--max-usd $0.025 reached)" in result.stderr and "cost $0.03 in 3 requests" in result.stderr
    changed = [path for path, text in originals.items() if path.read_text() != text]
    assert len(changed) == 3 and all(ast.parse(path.read_text()) for path in changed)


POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals and SIGINT are POSIX")


@POSIX_ONLY
def test_progress_bar_only_on_a_terminal(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    import pty

    (work / "a.py").write_text(ADD)
    fake.default_reply = Reply.text("Add.")
    leader, follower = pty.openpty()
    try:
        process = subprocess.run(
            [*COMMAND, "docstring", "a.py", "--all"],
            env=environment(fake, data, DEFAULT_API_KEY, None),
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=30,
            check=False,
        )
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert process.returncode == 0
    assert b"\r\x1b[K[" in shown and b"0/1" in shown and b"a.py:1 function add" in shown


# -- Ctrl-C --------------------------------------------------------------------------------------


def wait_until(predicate: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@POSIX_ONLY
def test_ctrl_c_during_all_leaves_each_file_whole_or_untouched(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    originals: dict[Path, str] = {}
    for index in range(3):
        path = work / f"mod{index}.py"
        originals[path] = f"def one_{index}(x):\n    return x\n\n\ndef two_{index}(y):\n    return y\n"
        path.write_text(originals[path])
    fake.default_reply = Reply.text("Slowly written.", ttft=0.4)
    process = subprocess.Popen(
        [*COMMAND, "docstring", ".", "--all", "--write"],
        env=environment(fake, data, DEFAULT_API_KEY, None),
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: any(path.read_text() != text for path, text in originals.items()))
        # Interrupt while the next file's request is in flight (on a loaded machine it may start late).
        wait_until(lambda: len(fake.chat_requests()) >= 3 and fake.chat_requests()[-1].finished_at is None)
        process.send_signal(signal.SIGINT)
        out, errors = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    check_output(out, errors, None)
    assert process.returncode == 130, errors
    written = []
    for path, text in originals.items():
        now = path.read_text()
        if now != text:
            tree = ast.parse(now)  # complete: parses, and both functions got their docstring
            docs = [ast.get_docstring(f) for f in tree.body if isinstance(f, ast.FunctionDef)]
            assert docs == ["Slowly written.", "Slowly written."]
            written.append(path)
    assert written and len(written) < len(originals)
    assert "interrupted:" in errors and all(f"written: {path.name}" in errors for path in written)
    assert list(work.glob(".*.arb-lsp")) == []
    # The request in flight was abandoned (its stream closed), not waited for.
    wait_until(lambda: all(r.finished_at or r.disconnected for r in fake.chat_requests()), timeout=5)
    assert any(r.disconnected for r in fake.chat_requests())


# -- usage and doctor -----------------------------------------------------------------------------


def test_usage_reports_calls_errors_and_json(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    empty = arb(fake, data, "usage")
    assert "No requests recorded" in empty.stdout and not (data / "usage.sqlite3").exists()

    (work / "calc.py").write_text("x = 1\n")
    fake.default_reply = Reply.text(" + 1", cost=0.005)
    arb(fake, data, "complete", "calc.py:1:6", cwd=work)
    arb(fake, data, "complete", "calc.py:1:5", cwd=work)
    fake.default_reply = Reply.error(400, "The request was malformed")  # every model of the list refuses
    failed = arb(fake, data, "complete", "calc.py:1:4", cwd=work, status=1)
    assert "OpenRouter rejected the request (400)" in failed.stderr

    report = json.loads(arb(fake, data, "usage", "--days", "3", "--json").stdout)
    assert report["total"]["requests"] == 3 and report["total"]["errors"] == 1
    assert report["total"]["costUsd"] == pytest.approx(0.01)
    [model] = report["byModel"]
    assert model["model"] == FREE_MODEL and model["requests"] == 3 and model["promptTokens"] > 0
    assert [day["requests"] for day in report["byDay"]] == [3]

    text = arb(fake, data, "usage").stdout
    assert FREE_MODEL in text and "Total: 3 requests" in text and "$0.01" in text and "1 errors" in text


def test_doctor_passes_when_everything_is_usable(fake: FakeOpenRouter, data: Path) -> None:
    result = arb(fake, data, "doctor")
    assert result.stdout.rstrip().endswith("Everything is usable.")
    report = json.loads(arb(fake, data, "doctor", "--json").stdout)
    assert report["ok"] is True
    names = ["endpoint", "key", "completion", "explain", "docstring", "caching", "ledger"]
    assert [c["name"] for c in report["checks"]] == names
    caching = next(c for c in report["checks"] if c["name"] == "caching")
    assert "mistralai/codestral-2508" in caching["detail"]  # Mistral documents no prompt caching
    assert fake.chat_requests() == []  # checking never sends code or costs anything


def test_doctor_fails_on_a_rejected_key(fake: FakeOpenRouter, data: Path) -> None:
    result = arb(fake, data, "doctor", key=WRONG_KEY, status=1)
    assert "FAIL  key" in result.stdout and "rejected" in result.stdout and "fix:" in result.stdout


def test_doctor_fails_without_a_key(fake: FakeOpenRouter, data: Path) -> None:
    result = arb(fake, data, "doctor", key=None, status=1)
    assert "OPENROUTER_API_KEY is not set" in result.stdout and "openrouter.ai/keys" in result.stdout


def test_doctor_fails_on_models_missing_from_the_catalogue(fake: FakeOpenRouter, data: Path) -> None:
    result = arb(fake, data, "doctor", "--model", "nobody/no-such-model", status=1)
    assert result.stdout.count("not in the catalogue: nobody/no-such-model") == 3
    fake.models = [m for m in fake.models if m["id"] != FREE_MODEL]
    warned = json.loads(arb(fake, data, "doctor", "--json").stdout)  # a fallback still answers: a warning
    assert {c["name"]: c["status"] for c in warned["checks"]}["completion"] == "warn"
    fake.models = []
    assert json.loads(arb(fake, data, "doctor", "--json", status=1).stdout)["ok"] is False


def test_doctor_refuses_plain_http_to_a_remote_host(fake: FakeOpenRouter, data: Path) -> None:
    result = arb(fake, data, "doctor", env={"OPENROUTER_BASE_URL": "http://example.com/api/v1"}, status=1)
    assert "plain http to a remote host" in result.stdout and fake.requests == []


# -- failures and exit statuses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["complete", "missing.py:1:1"], "file not found: missing.py"),
        (["complete", "calc.py:9:1"], "line 9 is past the end of calc.py (3 lines)"),
        (["complete", "calc.py:1:99"], "column 99 is past the end of line 1"),
        (["explain", "calc.py"], "expected FILE:LINE:COL"),
        (["explain", "calc.py:3:1"], "nothing to explain there"),
        (["docstring", "notes.rb:1:1"], "docstrings are written for"),
        (["docstring", "calc.py:3:1"], "no function, method or class there"),
        (["docstring", "calc.py:1:1", "--max-usd", "1"], "apply to docstring --all only"),
        (["docstring", "nowhere", "--all"], "no such file or folder: nowhere"),
        (["explain", ".env:1:1"], "matches the exclusion globs"),
        (["usage", "--days", "0"], "must be 1 or more"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(fake: FakeOpenRouter, data: Path, work: Path, args: list[str], message: str) -> None:
    (work / "calc.py").write_text(ADD)
    (work / "notes.rb").write_text("def hello\nend\n")
    (work / ".env").write_text("TOKEN=abc\n")
    result = arb(fake, data, *args, cwd=work, status=2)
    assert message in result.stderr
    assert fake.chat_requests() == []


def test_missing_key_and_unsafe_endpoint_are_usage_errors(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    (work / "calc.py").write_text(ADD)
    no_key = arb(fake, data, "complete", "calc.py:1:1", cwd=work, key=None, status=2)
    assert "no OpenRouter API key" in no_key.stderr and "OPENROUTER_API_KEY" in no_key.stderr
    remote = arb(fake, data, "models", env={"OPENROUTER_BASE_URL": "http://example.com/api/v1"}, status=2)
    assert "OPENROUTER_BASE_URL" in remote.stderr and "plain http" in remote.stderr
    assert fake.requests == []


def test_upstream_failures_exit_1(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    (work / "calc.py").write_text(ADD)
    rejected = arb(fake, data, "explain", "calc.py:1:1", cwd=work, key=WRONG_KEY, status=1)
    assert "rejected the API key (401)" in rejected.stderr

    fake.reject_unknown_models = True
    unknown = arb(fake, data, "complete", "calc.py:2:5", "--model", "nobody/no-such-model", cwd=work, status=1)
    assert "does not know the model nobody/no-such-model" in unknown.stderr

    fake.default_reply = Reply.text("")
    unusable = arb(fake, data, "docstring", "calc.py:1:1", cwd=work, status=1)
    assert "not a usable docstring" in unusable.stderr
    assert (work / "calc.py").read_text() == ADD


@pytest.mark.parametrize("command", ["models", "complete", "explain", "docstring", "usage", "doctor"])
def test_every_command_has_help_with_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_subcommand([command, "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "examples:" in help_text and f"arb-lsp {command}" in help_text and "OPENROUTER_API_KEY" in help_text
    assert "--api-key" not in help_text
