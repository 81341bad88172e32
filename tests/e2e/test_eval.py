"""``arb-lsp eval`` end to end: a real subprocess against the fake OpenRouter in oracle mode (it knows the
text removed at each site), on a generated multi-language workspace and on this repository itself.

The oracle makes the answers known, so the figures are checked, not just printed: a model answering exactly
scores 100% exact, one answering wrapped in a fence too (the editor's cleanup unwraps it), a wrong one 0%;
the cost is what the fake billed and the cost per exact match is that over the exact matches; the free
models' cap and ``--max-usd`` stop the asking; sites files round-trip.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, server_env
from eval_workspace import LANGUAGES, NEVER, make_workspace
from fake_openrouter import FREE_DAILY_MESSAGE, FREE_MODEL, PAID_MODEL, FakeOpenRouter, Oracle, Reply

from arb_lsp.evaluation.sites import BLOCK_KINDS

COMMAND = [sys.executable, "-m", "arb_lsp", "eval"]
WRONG_MODEL = "openai/gpt-5"


def run_eval(
    fake: FakeOpenRouter, data: Path, *args: str, status: int | None = 0, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*COMMAND, *args],
        env=server_env(fake, str(data)),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        input=stdin,
    )
    assert "Traceback" not in result.stderr, result.stderr
    if status is not None:
        assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    return result


def oracle_for(fake: FakeOpenRouter, root: Path, sites: Path, **kwargs: Any) -> Oracle:
    oracle = Oracle(**kwargs)
    oracle.follow(str(root), str(sites))
    fake.responder = oracle
    return oracle


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "workspace")


def by_model(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["model"]: entry for entry in report["byModel"]}


def billed_by_model(fake: FakeOpenRouter) -> dict[str, float]:
    totals: dict[str, float] = {}
    for generation in fake.billed():
        totals[generation["model"]] = totals.get(generation["model"], 0.0) + float(generation["total_cost"])
    return totals


def test_known_answers_on_a_multi_language_workspace(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    sites_file = workspace.parent / "sites.jsonl"
    oracle = oracle_for(
        fake, workspace, sites_file, modes={FREE_MODEL: "exact", PAID_MODEL: "wrapped", WRONG_MODEL: "wrong"}
    )
    models = f"{FREE_MODEL},{PAID_MODEL},{WRONG_MODEL}"
    result = run_eval(
        fake, data, str(workspace), "--models", models, "--sites", "40", "--save-sites", str(sites_file),
        "--yes", "--json",
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert all(truth is not None for _, _, truth in oracle.answered), "every request was placed at its site"
    figures = by_model(report)
    assert figures[FREE_MODEL]["exactMatch"] == 1.0
    assert figures[FREE_MODEL]["editSimilarity"] == 1.0
    assert figures[PAID_MODEL]["exactMatch"] == 1.0  # fences and chatter cleaned up as in the editor
    assert figures[WRONG_MODEL]["exactMatch"] == 0.0
    assert figures[WRONG_MODEL]["editSimilarity"] < 0.5
    for entry in figures.values():
        assert entry["sites"] == 40 and entry["errors"] == 0 and entry["skipped"] == 0
    assert figures[FREE_MODEL]["shownRate"] == 1.0
    # Every language arb-lsp parses, every kind, and never a file that must not leave the machine.
    assert {site["language"] for site in report["sites"]} == LANGUAGES
    assert set(report["kinds"]["picked"]) == set(report["kinds"]["shares"])
    assert not {site["file"] for site in report["sites"]} & set(NEVER)
    # The editor asks for a block (models.completionBlock) on an emptied line, and after an opener that ends the
    # line (a call whose arguments were all removed); the advice follows what the editor asks.
    assert all(site["block"] for site in report["sites"] if site["kind"] in BLOCK_KINDS)
    assert not any(site["block"] for site in report["sites"] if site["kind"] in ("rest_of_line", "condition"))
    sent = json.dumps([request.messages for request in fake.chat_requests()])
    assert "never-sent-secret-value" not in sent and "never sent either" not in sent
    # Each site's expected text is what the sites file's span removes, and the exact model returned it.
    for site in report["sites"]:
        answer = site["models"][FREE_MODEL]
        assert answer["text"].rstrip() == (site["expected"] + answer["replaces"]).rstrip()
        assert site["models"][FREE_MODEL]["exact"] is True
        assert site["models"][WRONG_MODEL]["exact"] is False
    # Cost: what the fake billed, per model; per exact match, that over the exact matches.
    billed = billed_by_model(fake)
    assert figures[FREE_MODEL]["costUsd"] == 0
    assert figures[PAID_MODEL]["costUsd"] == pytest.approx(billed[PAID_MODEL], abs=1e-9)
    assert figures[WRONG_MODEL]["costUsd"] == pytest.approx(billed[WRONG_MODEL], abs=1e-9)
    assert figures[PAID_MODEL]["costPerExactUsd"] == pytest.approx(billed[PAID_MODEL] / 40, abs=1e-9)
    assert figures[WRONG_MODEL]["costPerExactUsd"] is None
    assert report["costUsd"] == pytest.approx(fake.billed_total(), abs=1e-9)
    assert len(fake.chat_requests()) == 120 == report["requests"]


def test_the_run_is_in_the_ledger_as_eval(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    sites_file = workspace.parent / "sites.jsonl"
    oracle_for(fake, workspace, sites_file)
    run_eval(
        fake, data, str(workspace), "--models", PAID_MODEL, "--sites", "6", "--save-sites", str(sites_file), "--yes"
    )
    usage = subprocess.run(
        [sys.executable, "-m", "arb_lsp", "usage", "--json"],
        env=server_env(fake, str(data)), capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    totals = json.loads(usage.stdout)["total"]
    assert totals["requests"] == totals["evalRequests"] == 6
    assert totals["evalCostUsd"] == pytest.approx(fake.billed_total(), abs=1e-9)
    text = subprocess.run(
        [sys.executable, "-m", "arb_lsp", "usage"],
        env=server_env(fake, str(data)), capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    assert "6 requests" in text and "arb-lsp eval" in text


def test_runs_on_this_repository(fake: FakeOpenRouter, data: Path, tmp_path: Path) -> None:
    sites_file = tmp_path / "sites.jsonl"
    oracle_for(fake, ROOT, sites_file)
    result = run_eval(
        fake,
        data,
        str(ROOT),
        "--models",
        FREE_MODEL,
        "--sites",
        "10",
        "--save-sites",
        str(sites_file),
        "--yes",
        "--json",
    )
    report = json.loads(result.stdout)
    assert by_model(report)[FREE_MODEL]["exactMatch"] == 1.0
    tracked = set(
        subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert {site["file"] for site in report["sites"]} <= tracked
    assert len(report["sites"]) == 10


def test_sites_files_round_trip(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    first, second = workspace.parent / "first.jsonl", workspace.parent / "second.jsonl"
    oracle_for(fake, workspace, first)
    picked = run_eval(
        fake,
        data,
        str(workspace),
        "--models",
        FREE_MODEL,
        "--sites",
        "8",
        "--seed",
        "7",
        "--save-sites",
        str(first),
        "--yes",
        "--json",
    )
    again = run_eval(
        fake,
        data,
        str(workspace),
        "--models",
        FREE_MODEL,
        "--sites-file",
        str(first),
        "--save-sites",
        str(second),
        "--yes",
        "--json",
    )
    assert first.read_text() == second.read_text()
    sites = [json.loads(line) for line in first.read_text().splitlines()]
    assert len(sites) == 8 and all({"file", "line", "column", "endLine", "endColumn", "kind"} <= set(s) for s in sites)

    def spans(output: str) -> list[tuple[Any, ...]]:
        return [(s["file"], s["line"], s["column"], s["kind"], s["expected"]) for s in json.loads(output)["sites"]]

    assert spans(picked.stdout) == spans(again.stdout)
    # The same seed picks the same sites; another seed others.
    same = workspace.parent / "same.jsonl"
    other = workspace.parent / "other.jsonl"
    oracle_for(fake, workspace, same)
    run_eval(
        fake,
        data,
        str(workspace),
        "--models",
        FREE_MODEL,
        "--sites",
        "8",
        "--seed",
        "7",
        "--save-sites",
        str(same),
        "--yes",
    )
    oracle_for(fake, workspace, other)
    run_eval(
        fake,
        data,
        str(workspace),
        "--models",
        FREE_MODEL,
        "--sites",
        "8",
        "--seed",
        "8",
        "--save-sites",
        str(other),
        "--yes",
    )
    assert same.read_text() == first.read_text() != other.read_text()


def test_a_handwritten_site_removes_to_the_end_of_its_line(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    sites_file = workspace.parent / "mine.jsonl"
    # py/inventory.py line 12 is "    amount = 0.0"; the Go file's line 14 is "\t\tif item.Count > 0 {".
    sites_file.write_text(
        '{"file": "py/inventory.py", "line": 12, "column": 14}\n'
        '{"file": "go/inventory.go", "line": 14, "column": 6, "endLine": 14, "endColumn": 20}\n'
    )
    oracle_for(fake, workspace, sites_file)
    report = json.loads(
        run_eval(
            fake, data, str(workspace), "--models", FREE_MODEL, "--sites-file", str(sites_file), "--yes", "--json"
        ).stdout
    )
    assert [site["expected"] for site in report["sites"]] == ["0.0", "item.Count > 0"]
    assert [site["kind"] for site in report["sites"]] == ["given", "given"]
    assert by_model(report)[FREE_MODEL]["exactMatch"] == 1.0


def test_bad_sites_files_are_refused_before_anything_is_asked(
    fake: FakeOpenRouter, data: Path, workspace: Path
) -> None:
    bad = workspace.parent / "bad.jsonl"
    for line, said in (
        ('{"file": ".env", "line": 1}', "exclusion globs"),
        ('{"file": "py/inventory.py", "line": 999}', "past the end"),
        ('{"file": "py/inventory.py"}', "'line' is required"),
        ("not json", "bad.jsonl:1"),
    ):
        bad.write_text(line + "\n")
        result = run_eval(
            fake, data, str(workspace), "--models", FREE_MODEL, "--sites-file", str(bad), "--yes", status=2
        )
        assert said in result.stderr
    assert not fake.chat_requests()


def test_asks_before_spending_and_refuses_without_a_terminal(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    result = run_eval(
        fake, data, str(workspace), "--models", f"{FREE_MODEL},{PAID_MODEL}", "--sites", "5", status=2, stdin=""
    )
    assert "10 requests" in result.stderr and "at most $" in result.stderr
    assert "--yes" in result.stderr
    assert not fake.chat_requests()
    unknown = run_eval(fake, data, str(workspace), "--models", "nobody/no-such-model", "--yes", status=2)
    assert "not in OpenRouter's catalogue: nobody/no-such-model" in unknown.stderr
    assert not fake.chat_requests()


def test_the_free_models_daily_cap_stops_them(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    sites_file = workspace.parent / "sites.jsonl"
    oracle_for(fake, workspace, sites_file)
    fake.free_daily_limit = 10
    fake.free_requests_today = 7
    result = run_eval(
        fake, data, str(workspace), "--models", f"{FREE_MODEL},{PAID_MODEL}", "--sites", "6",
        "--save-sites", str(sites_file), "--yes", "--json", status=1,
    )  # fmt: skip
    assert "free models: 3 of 10 requests left today, 6 planned; they stop after 3." in result.stderr
    free_requests = [r for r in fake.chat_requests() if r.model == FREE_MODEL]
    assert len(free_requests) == 3 and all(r.status == 200 for r in free_requests)  # none sent to be refused
    figures = by_model(json.loads(result.stdout))
    assert figures[FREE_MODEL]["sites"] == 3 and figures[FREE_MODEL]["skipped"] == 3
    assert figures[PAID_MODEL]["sites"] == 6  # paid models go on


def test_max_usd_stops_the_paid_requests(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    sites_file = workspace.parent / "sites.jsonl"
    oracle_for(fake, workspace, sites_file)
    result = run_eval(
        fake, data, str(workspace), "--models", PAID_MODEL, "--sites", "12", "--save-sites", str(sites_file),
        "--concurrency", "1", "--max-usd", "0.001", "--yes", "--json", status=1,
    )  # fmt: skip
    report = json.loads(result.stdout)
    costs = [float(g["total_cost"]) for g in fake.billed()]
    assert 1 <= len(costs) < 12
    assert sum(costs) >= 0.001 > sum(costs[:-1])  # it stopped at the first request past the limit
    assert report["stopped"].startswith("--max-usd")
    assert by_model(report)[PAID_MODEL]["skipped"] == 12 - len(costs)


def test_advice_names_the_cheapest_and_the_faster_model(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    sites_file = workspace.parent / "sites.jsonl"
    oracle_for(fake, workspace, sites_file, ttft={FREE_MODEL: 0.15})
    result = run_eval(
        fake, data, str(workspace), "--models", f"{FREE_MODEL},{PAID_MODEL}", "--sites", "8", "--save-sites",
        str(sites_file), "--yes",
    )  # fmt: skip
    advice = result.stdout.strip().splitlines()[-1]
    assert advice.startswith('Advice: single-line sites: set models.completion to "qwen/qwen3-coder:free"')
    assert '"mistralai/codestral-2508" is faster' in advice
    assert "models.completionBlock" in advice
    assert "MODEL" in result.stdout and "By language" in result.stdout and "By kind of site" in result.stdout
    markdown = run_eval(
        fake, data, str(workspace), "--models", FREE_MODEL, "--sites-file", str(sites_file), "--yes", "--markdown"
    )
    assert "| Model | Sites | Exact |" in markdown.stdout and markdown.stdout.rstrip().splitlines()[-1].startswith(
        "Advice:"
    )


def test_ctrl_c_prints_the_partial_table(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    sites_file = workspace.parent / "sites.jsonl"
    oracle_for(fake, workspace, sites_file, ttft={FREE_MODEL: 0.2})
    process = subprocess.Popen(
        [*COMMAND, str(workspace), "--models", FREE_MODEL, "--sites", "30", "--concurrency", "1",
         "--save-sites", str(sites_file), "--yes"],
        env=server_env(fake, str(data)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while len(fake.chat_requests()) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr
    assert "Interrupted: the figures cover the sites asked before Ctrl-C." in stdout
    row = next(line for line in stdout.splitlines() if line.startswith(FREE_MODEL))
    asked = int(row.split()[1])
    assert 3 <= asked < 30 and "100%" in row


def test_help_explains_every_option() -> None:
    result = subprocess.run([*COMMAND, "--help"], capture_output=True, text=True, check=True, timeout=30)
    for option in ("PATH", "--models", "--sites N", "--seed", "--sites-file", "--save-sites", "--yes", "--max-usd",
                   "--concurrency", "--json", "--markdown", "models.completionBlock", "exact match"):  # fmt: skip
        assert option in result.stdout, option


def test_without_the_eval_extra_it_says_how_to_install_it(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    """rapidfuzz is the ``eval`` extra (the bundled editor server goes without it): its absence is one clear line."""
    blocked = "import sys; sys.modules['rapidfuzz'] = None; from arb_lsp.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", blocked, "eval", str(workspace), "--models", "m", "--yes"],
        env=server_env(fake, str(data)), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "pip install 'arb-lsp[eval]'" in result.stderr and "Traceback" not in result.stderr
    assert fake.requests == []  # nothing asked, not even /models


def test_a_refusal_for_the_daily_cap_stops_the_free_models(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    """OpenRouter may not say what is left (``GET /key``): the first 429 ``free-models-per-day`` stops them."""
    sites_file = workspace.parent / "sites.jsonl"
    oracle = oracle_for(fake, workspace, sites_file)
    headers = {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(fake.free_reset())}
    answered: list[str] = []

    def capped_after_two(body: dict[str, Any]) -> Reply | None:
        if body.get("model") == FREE_MODEL:
            answered.append(FREE_MODEL)
            if len(answered) > 2:
                metadata = {"headers": headers, "error_type": "rate_limit_exceeded"}
                return Reply.error(429, FREE_DAILY_MESSAGE, metadata=metadata, headers=headers)
        return oracle(body)

    fake.responder = capped_after_two
    result = run_eval(
        fake, data, str(workspace), "--models", f"{FREE_MODEL},{PAID_MODEL}", "--sites", "6", "--concurrency", "1",
        "--save-sites", str(sites_file), "--yes", "--json", status=1,
    )  # fmt: skip
    assert len(answered) == 3  # two answers, one refusal, then no more requests to free models
    figures = by_model(json.loads(result.stdout))
    assert (figures[FREE_MODEL]["sites"], figures[FREE_MODEL]["errors"], figures[FREE_MODEL]["skipped"]) == (3, 1, 3)
    assert figures[PAID_MODEL]["sites"] == 6 and figures[PAID_MODEL]["exactMatch"] == 1.0


def test_a_rate_limited_site_is_asked_again(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    sites_file = workspace.parent / "sites.jsonl"
    oracle = oracle_for(fake, workspace, sites_file)
    refusals = [Reply.error(429, "Rate limit exceeded: free-models-per-min.", retry_after=0.2) for _ in range(3)]

    def limited(body: dict[str, Any]) -> Reply | None:
        return refusals.pop() if refusals else oracle(body)

    fake.responder = limited
    result = run_eval(
        fake, data, str(workspace), "--models", FREE_MODEL, "--sites", "3", "--concurrency", "1",
        "--save-sites", str(sites_file), "--yes", "--json",
    )  # fmt: skip
    figures = by_model(json.loads(result.stdout))
    assert (figures[FREE_MODEL]["errors"], figures[FREE_MODEL]["exactMatch"]) == (0, 1.0)
    assert not refusals


def test_streams_closed_early_cost_what_openrouter_billed(fake: FakeOpenRouter, data: Path, workspace: Path) -> None:
    """The client stops reading once the answer is decided: the ledger's estimate is replaced by OpenRouter's
    figure (Mistral bills the whole answer), and that is what the report counts."""
    sites_file = workspace.parent / "sites.jsonl"
    oracle_for(fake, workspace, sites_file, modes={PAID_MODEL: "rambling"})
    fake.tps = 400.0
    result = run_eval(
        fake, data, str(workspace), "--models", PAID_MODEL, "--sites", "8", "--save-sites", str(sites_file),
        "--yes", "--json",
    )  # fmt: skip
    figures = by_model(json.loads(result.stdout))[PAID_MODEL]
    assert all(request.disconnected for request in fake.chat_requests())  # every stream closed early
    assert figures["estimatedCosts"] == 0
    assert figures["costUsd"] == pytest.approx(fake.billed_total(), abs=1e-9)
    assert figures["exactMatch"] > 0.5


@pytest.mark.parametrize("answer", ["n", "y"])
def test_on_a_terminal_it_asks_before_spending(fake: FakeOpenRouter, data: Path, workspace: Path, answer: str) -> None:
    import pty

    sites_file = workspace.parent / "sites.jsonl"
    oracle_for(fake, workspace, sites_file)
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*COMMAND, str(workspace), "--models", PAID_MODEL, "--sites", "3", "--save-sites", str(sites_file)],
        env=server_env(fake, str(data)), stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    os.close(follower)
    try:
        time.sleep(0.3)
        os.write(leader, f"{answer}\n".encode())
        stdout, stderr = process.communicate(timeout=60)
    finally:
        os.close(leader)
    assert "3 requests" in stderr and "Go ahead? [y/N]" in stderr
    assert process.returncode == 0, stderr
    if answer == "n":
        assert "nothing asked." in stderr and not fake.chat_requests() and not stdout
    else:
        assert len(fake.chat_requests()) == 3 and stdout.startswith("3 sites in ")
