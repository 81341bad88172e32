"""The typing-session benchmark still runs: a few completions per model through both servers, and the report
renders. No figure is asserted beyond what caching must show (that is docs/typing-session.md's job)."""

from __future__ import annotations

import sys

from conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import typing_session


async def test_a_short_session_runs_through_both_servers_and_renders() -> None:
    before, after, took = await typing_session.main_async("HEAD", completions=4)
    assert [s.model for s in after] == list(typing_session.MODELS)
    for session in (*before, *after):
        assert session.requests >= 2 and session.prompt_tokens > 0 and session.cost > 0
    claude = after[typing_session.MODELS.index(typing_session.CLAUDE)]
    # The breakpoint is sent and read back (how much is cached depends on the context found within its time
    # budget, which a loaded machine can change between requests: docs/typing-session.md has the figures).
    assert claude.cached_after_first > 0
    for session in after:  # the trace: one step per request, each placed in a part of the prompt
        assert len(session.steps) == session.requests and session.steps[0].part == "first request"
        assert all(step.part in typing_session.PARTS for step in session.steps[1:])
    text = typing_session.render(before, after, typing_session.layouts(4), "HEAD", took)
    assert text.startswith("# Cost of a typing session") and "| anthropic/claude-sonnet-4.5 | after |" in text
    assert "## Where each prompt first differs from the previous one" in text


def test_the_session_asks_for_both_one_line_and_block_completions() -> None:
    asked = [i for i, (_, ask) in enumerate(typing_session.keystrokes()) if ask]
    assert len(asked) == typing_session.COMPLETIONS
    typed = typing_session.TYPED
    lines_at = [typed[: i + 1].rpartition("\n")[2] for i in asked]
    assert any(not line.strip() for line in lines_at)  # on an empty or indented new line: block requests
    assert any(line.strip() for line in lines_at)  # at a word's end: one-line requests
    assert typed.count("\n") >= 10 and "\n\n" in typed
