"""Prompt caching end to end: the one-shot ``complete`` command (the editor's own pipeline) against the fake
OpenRouter, which caches and bills as OpenRouter documents; the ledger and ``usage --json`` agree with its bill."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openrouter import FakeOpenRouter, Reply
from lsp_support import cursor, edit, inline, lsp_session, open_document
from lsprotocol import types
from test_cli import arb

CLAUDE = "anthropic/claude-sonnet-4.5"
OPENAI = "openai/gpt-5"


def long_file(work: Path) -> None:
    """A file long enough that the stable part of the prompt passes every family's minimum."""
    body = "".join(f"def helper_{i}(values):\n    return sum(values) * {i}\n\n\n" for i in range(600))
    (work / "calc.py").write_text(body + "def total(items):\n    result = \n")


@pytest.mark.parametrize("model", [CLAUDE, OPENAI])
def test_the_ledger_bills_what_the_fake_billed_with_caching(
    fake: FakeOpenRouter, data: Path, work: Path, model: str
) -> None:
    long_file(work)
    line = (work / "calc.py").read_text().count("\n")
    fake.default_reply = Reply.text("sum(items)")
    for column in (14, 14, 14):  # the same spot three times: a write (Anthropic), then reads
        arb(fake, data, "complete", f"calc.py:{line}:{column}", "--model", model, cwd=work)
    requests = fake.chat_requests()
    assert len(requests) == 3
    assert all(r.json["session_id"] == requests[0].json["session_id"] for r in requests)
    assert "provider" not in requests[0].json or "order" not in requests[0].json["provider"]

    report = json.loads(arb(fake, data, "usage", "--json").stdout)
    [row] = report["byModel"]
    assert row["model"] == model
    assert row["costUsd"] == pytest.approx(fake.billed_total())
    assert row["cachedTokens"] == sum(g["native_tokens_cached"] for g in fake.billed()) > 0
    assert 0 < row["cachedShare"] < 1
    if model == CLAUDE:
        user = requests[0].json["messages"][-1]["content"]
        assert isinstance(user, list) and user[0]["cache_control"] == {"type": "ephemeral"}
        assert row["cacheSavedUsd"] > 0  # one write at 1.25x, then reads at 0.1x
    else:
        assert isinstance(requests[0].json["messages"][-1]["content"], str)  # no breakpoint needed
        assert row["cacheWriteTokens"] == 0
    for field in ("cachedTokens", "cacheWriteTokens", "cachedShare", "cacheSavedUsd"):
        assert field in report["total"]


def test_a_short_prompt_gets_no_breakpoint(fake: FakeOpenRouter, data: Path, work: Path) -> None:
    (work / "calc.py").write_text("x = 1\n")
    fake.default_reply = Reply.text(" + 1")
    arb(fake, data, "complete", "calc.py:1:6", "--model", CLAUDE, cwd=work)
    [request] = fake.chat_requests()
    assert isinstance(request.json["messages"][-1]["content"], str)  # a write would cost 1.25x for nothing


async def test_over_lsp_requests_typed_one_character_apart_share_their_prompt_up_to_the_cursor_line(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("unrelated()")  # never what is typed next: no type-ahead
    body = "".join(f"def helper_{i}(values):\n    return sum(values) * {i}\n\n\n" for i in range(300))
    options = {"models": {"completion": CLAUDE, "completionBlock": CLAUDE}, "completion": {"debounceMs": 0}}
    async with lsp_session(fake, tmp_path, init_options=options) as client:
        text, position = cursor(body + "def total(items):\n    result = sum(it█)\n")
        uri = open_document(client, text)
        await inline(client, uri, position)
        edit(client, uri, 2, position, "e")
        await inline(client, uri, types.Position(line=position.line, character=position.character + 1))
    first, second = (r.json for r in fake.chat_requests())
    assert first["messages"][0] == second["messages"][0]  # one system text
    one, two = ("".join(part["text"] for part in request["messages"][-1]["content"]) for request in (first, second))
    line = one.index("    result = sum(it")
    assert one[:line] == two[:line]
    # The breakpoint marks the same stable part in both, and both belong to one session.
    assert first["messages"][-1]["content"][0] == second["messages"][-1]["content"][0]
    assert first["session_id"] == second["session_id"]
    assert fake.billed()[1]["native_tokens_cached"] > 0
