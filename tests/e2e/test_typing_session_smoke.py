"""The typing-session benchmark still runs: a few keystrokes per model through both servers, and the report
renders. No figure is asserted beyond what caching must show (that is docs/typing-session.md's job)."""

from __future__ import annotations

import sys

from conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import typing_session


async def test_a_short_session_runs_through_both_servers_and_renders() -> None:
    before, after, took = await typing_session.main_async("HEAD", keystrokes=4)
    assert [s.model for s in after] == list(typing_session.MODELS)
    for session in (*before, *after):
        assert session.requests >= 2 and session.prompt_tokens > 0 and session.cost > 0
    claude = after[typing_session.MODELS.index(typing_session.CLAUDE)]
    assert claude.cached_after_first > 0.5  # the breakpoint is sent and read back
    text = typing_session.render(before, after, typing_session.layouts(4), "HEAD", took)
    assert text.startswith("# Cost of a typing session") and "| anthropic/claude-sonnet-4.5 | after |" in text
