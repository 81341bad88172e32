"""The server and the CLI against OpenRouter as its documentation describes it (through the stricter fake):
reasoning models, what closed streams really cost, the free models' daily cap, latency-first routing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openrouter import FREE_MODEL, PAID_MODEL, FakeOpenRouter, Reply
from hardening_support import session
from lsp_support import complete, cursor, open_document
from test_cli import arb

CODE = "def add(a, b):\n    return █\n"


async def test_completion_on_reasoning_models_thinks_as_little_as_each_allows(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("a + b")
    chain = ["~anthropic/claude-sonnet-latest", "~openai/gpt-latest"]
    async with session(fake, tmp_path, init_options={"models": {"completion": chain}}) as running:
        text, position = cursor(CODE)
        first = await complete(running.client, open_document(running.client, text), position)
        assert first.items, "Claude answered"
        fake.script(Reply.error(503, "down"))  # Claude fails: GPT answers next
        text, position = cursor(CODE.replace("add", "mul"))
        second = await complete(running.client, open_document(running.client, text), position)
        assert second.items, "GPT answered"
    requests = fake.chat_requests()
    claude, gpt = requests[0], requests[-1]
    assert [r.model for r in requests] == ["~anthropic/claude-sonnet-latest"] * 2 + ["~openai/gpt-latest"]
    assert claude.json["reasoning"] == {"effort": "none"} and claude.json["provider"] == {"sort": "latency"}
    assert gpt.json["reasoning"] == {"effort": "minimal"}, "its reasoning cannot be off: the lowest effort"
    assert gpt.json["max_tokens"] > claude.json["max_tokens"], "room for the answer after the reasoning"
    assert "usage" not in claude.json


async def test_after_the_free_daily_cap_few_requests_and_one_clear_message(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.free_daily_limit, fake.free_requests_today, fake.credits = 50, 50, 0.0
    async with session(fake, tmp_path) as running:
        for i in range(15):
            text, position = cursor(CODE.replace("add", f"add_{i}"))
            await complete(running.client, open_document(running.client, text), position)
        shown = running.shown("free requests a day")
        everything = running.shown()
    assert len(fake.chat_requests()) <= 6, [r.attempted for r in fake.chat_requests()]
    assert 1 <= len(shown) <= 2, shown
    assert "50 free requests a day reached; resets at 00:00 UTC" in shown[0]
    assert not any("use free models" in message for message in everything), everything


def test_cli_completion_closed_early_is_settled_at_what_openrouter_billed(
    fake: FakeOpenRouter, data: Path, work: Path
) -> None:
    (work / "calc.py").write_text("def add(a, b):\n    return \n")
    # Codestral runs at Mistral, which keeps generating (and billing) after the stream is closed.
    fake.default_reply = Reply.text("a + b\n" + "    # more\n" * 40, tps=200)
    assert arb(fake, data, "complete", "calc.py:2:12", "--model", PAID_MODEL, cwd=work).stdout == "a + b\n"
    assert fake.chat_requests()[0].disconnected, "the answer was decided before the model finished"
    report = json.loads(arb(fake, data, "usage", "--json").stdout)
    assert report["total"]["estimated"] == 0
    assert report["total"]["costUsd"] == pytest.approx(fake.billed_total(), rel=1e-6)
    assert report["total"]["completionTokens"] > 40, "the whole answer is billed, not what was read"


def test_cli_doctor_shows_what_is_left_of_the_free_models_daily_limit(fake: FakeOpenRouter, data: Path) -> None:
    fake.free_daily_limit, fake.free_requests_today = 50, 12
    assert "free models: 38 of 50 requests left today" in arb(fake, data, "doctor").stdout
    fake.free_requests_today = 50
    capped = arb(fake, data, "doctor", status=None).stdout
    assert "free models: 0 of 50 requests left today" in capped and "10 credits" in capped


def test_cli_free_cap_message_names_the_numbers_and_never_advises_free_models(
    fake: FakeOpenRouter, data: Path, work: Path
) -> None:
    (work / "calc.py").write_text("x = 1\n")
    fake.free_daily_limit, fake.free_requests_today, fake.credits = 50, 50, 0.0
    failed = arb(fake, data, "complete", "calc.py:1:6", cwd=work, status=1)
    assert "50 free requests a day reached" in failed.stderr and "use free models" not in failed.stderr
    assert [r.attempted for r in fake.chat_requests()] == [
        [FREE_MODEL, "meta-llama/llama-3.3-70b-instruct:free"],
        [PAID_MODEL],
    ]


async def test_a_model_streaming_its_reasoning_is_not_cut_off_as_stalled(fake: FakeOpenRouter, tmp_path: Path) -> None:
    # deepseek-r1 must reason: its tokens in chunks 0.2 s apart, then the answer. The whole takes longer
    # than completion.timeoutMs, but something arrives well within it all along.
    fake.default_reply = Reply.text("a + b", tps=5)
    options = {"models": {"completion": "deepseek/deepseek-r1"}, "completion": {"debounceMs": 0, "timeoutMs": 600}}
    async with session(fake, tmp_path, init_options=options) as running:
        text, position = cursor(CODE)
        result = await complete(running.client, open_document(running.client, text), position)
        assert result.items, running.shown()
        request = fake.chat_requests()[0]
        ended = request.finished_at or request.disconnected_at
        assert ended is not None and ended - request.started_at > 0.6, "longer than the timeout, yet answered"
