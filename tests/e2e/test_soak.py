"""A long session: 5,000 requests with edits, then the server must hold what it held at the start.

Eight documents are typed into in turns, as a busy editor does: each keystroke is a ``didChange`` followed
by a completion or inline completion at the new cursor, every twentieth keystroke also hovers, and a
keystroke now and then starts a new line. The fake answers at once. Afterwards ``arbLsp.stats`` must show
no growth with the number of messages handled (pending messages, tasks, progress tokens, memory), the
fake must have seen few connections (they are reused), and the usage ledger must hold one row per
upstream request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_openrouter import FakeOpenRouter, Reply
from hardening_support import hover, session, stats
from lsp_support import complete, edit, inline, open_document
from lsprotocol import types
from pytest_lsp import LanguageClient

REQUESTS = 5_000
DOCUMENTS = 8
HOVER_EVERY = 20
NEW_LINE_EVERY = 30
#: Memory may grow while caches fill; past the first 1,000 requests it must not keep growing.
RSS_GROWTH_LIMIT_KB = 30 * 1024
HEADER = "def helper(values):\n    total = sum(values)\n    return total\n\n\n"


@dataclass
class Typist:
    """One document and where its cursor is (ASCII text: every position encoding counts alike)."""

    uri: str
    line: int
    column: int
    version: int = 1

    def type(self, client: LanguageClient, text: str) -> types.Position:
        self.version += 1
        edit(client, self.uri, self.version, types.Position(line=self.line, character=self.column), text)
        if text.startswith("\n"):
            self.line, self.column = self.line + 1, len(text) - 1
        else:
            self.column += len(text)
        return types.Position(line=self.line, character=self.column)


async def keystroke(client: LanguageClient, typist: Typist, step: int) -> int:
    """One keystroke and the requests an editor sends after it; how many requests that was."""
    text = f"\nvalue_{step} = " if step % NEW_LINE_EVERY == 0 else "abcdefghij"[step % 10]
    position = typist.type(client, text)
    if step % 2:
        await complete(client, typist.uri, position)
    else:
        await inline(client, typist.uri, position)
    if step % HOVER_EVERY == 0:
        await hover(client, typist.uri, position.line, 2)
        return 2
    return 1


#: 50 s on an idle machine, 96 s on a loaded two-core one: a limit with room above that, still catching a hang.
SOAK_LIMIT_S = 300


@pytest.mark.timeout(SOAK_LIMIT_S)
async def test_5000_requests_leave_nothing_behind(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text("_x")
    options = {"hover": {"debounceMs": 0}, "completion": {"debounceMs": 0}}
    started = time.monotonic()
    async with session(fake, tmp_path, init_options=options) as running:
        client = running.client
        typists = []
        for i in range(DOCUMENTS):
            text = HEADER + f"value_{i} = \n"
            typists.append(Typist(open_document(client, text), line=5, column=len(f"value_{i} = ")))
        await asyncio.sleep(0.5)  # the model catalogue loads in the background after `initialized`
        baseline = await stats(client)
        sent = 0
        step = 0
        at_1000: dict[str, Any] | None = None
        while sent < REQUESTS:
            step += 1
            counts = await asyncio.gather(*(keystroke(client, typist, step) for typist in typists))
            sent += sum(counts)
            if at_1000 is None and sent >= 1_000:
                at_1000 = await stats(client)
        await asyncio.sleep(0.5)
        final = await stats(client)
        chat_requests = len(fake.chat_requests())
        connections = fake.connections_opened
    took = time.monotonic() - started
    assert at_1000 is not None
    print(f"\nsoak: {sent} requests, {step * DOCUMENTS} edits, {chat_requests} upstream in {took:.1f} s")
    print(f"soak: stats at start {baseline}\nsoak: after 1,000 {at_1000}\nsoak: at the end {final}")
    assert final["pendingMessages"] <= baseline["pendingMessages"], (baseline, final)
    assert final["asyncioTasks"] <= baseline["asyncioTasks"] + 1, (baseline, final)
    assert final["backgroundTasks"] <= baseline["backgroundTasks"], (baseline, final)
    assert final["progressTokens"] == 0
    assert final["openDocuments"] == DOCUMENTS
    assert final["rssKb"] - at_1000["rssKb"] < RSS_GROWTH_LIMIT_KB, (at_1000["rssKb"], final["rssKb"])
    assert chat_requests > 500, "the session was served from caches: too little upstream traffic to judge"
    assert connections <= 2 * DOCUMENTS, f"{connections} connections for {chat_requests} requests"
    assert final["ledgerRows"] == chat_requests, "one ledger row per upstream request"
