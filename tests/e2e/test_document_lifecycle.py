"""A real server subprocess: documents follow thousands of edits without growing bookkeeping, closing a
document drops its state, and the server warms up after ``initialized`` (only with a key).

Bookkeeping is read through the ``arbLsp.stats`` command; upstream traffic through the fake.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fake_openrouter import FakeOpenRouter, Reply
from hardening_support import session, stats
from lsp_support import complete, cursor, edit, open_document
from lsprotocol import types

EDITS = 2_000


async def _until(condition: object, limit_s: float = 10.0) -> bool:
    for _ in range(int(limit_s / 0.025)):
        if callable(condition) and condition():
            return True
        await asyncio.sleep(0.025)
    return False


def _catalogue_served(fake: FakeOpenRouter) -> bool:
    return any(r.path.endswith("/models") and r.finished_at is not None for r in fake.requests)


async def test_thousands_of_edits_leave_no_pending_bookkeeping_and_the_text_follows(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("compute(items)")
    async with session(fake, tmp_path) as running:
        client = running.client
        text, position = cursor("def f(items):\n    return █\n" + "x = 1\n" * 200)
        uri = open_document(client, text)
        assert await _until(lambda: _catalogue_served(fake))  # the warm-up after `initialized` is done
        await asyncio.sleep(0.3)
        before = await stats(client)
        # 2,000 keystrokes typed at the end of line 1, in utf-8 units (the Neovim profile): "ab…" then "é".
        column = position.character
        for version in range(2, EDITS + 2):
            inserted = "é" if version % 100 == 0 else "a"
            edit(client, uri, version, types.Position(line=1, character=column), inserted)
            column += len(inserted.encode("utf-8"))
        after = await stats(client)
        result = await complete(client, uri, types.Position(line=1, character=column))
    # Only the stats command itself is pending, before and after: no entry per notification handled.
    assert after["pendingMessages"] <= before["pendingMessages"] <= 2, (before, after)
    assert after["openDocuments"] == 1
    typed = "".join("é" if version % 100 == 0 else "a" for version in range(2, EDITS + 2))
    prompt = fake.chat_requests()[0].messages[-1]["content"]
    assert f"return {typed}" in prompt, "the server's text is the editor's after 2,000 ranged edits"
    assert result.items


async def test_closing_a_document_drops_what_the_server_kept_for_it(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text("1")
    async with session(fake, tmp_path) as running:
        client = running.client
        uris = []
        for n in range(3):
            text, position = cursor(f"value_{n} = █\n")
            uri = open_document(client, text)
            uris.append(uri)
            await complete(client, uri, position)
        kept = await stats(client)
        for uri in uris[:2]:
            client.text_document_did_close(
                types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
        closed = await stats(client)
    assert (kept["openDocuments"], kept["documentState"]) == (3, 3), kept
    assert (closed["openDocuments"], closed["documentState"]) == (1, 1), closed


async def test_the_server_warms_up_after_initialized_and_the_first_completion_reuses_its_connection(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("1")
    async with session(fake, tmp_path) as running:
        client = running.client
        assert await _until(lambda: _catalogue_served(fake)), "no catalogue fetched after `initialized`"
        assert fake.chat_requests() == [] and fake.connections_opened == 1
        text, position = cursor("total = █\n")
        uri = open_document(client, text)
        assert (await complete(client, uri, position)).items
        assert len(fake.chat_requests()) == 1
        assert fake.connections_opened == 1, "the first completion opened its own connection"


async def test_without_a_key_the_warm_up_sends_nothing(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with session(fake, tmp_path, key=None) as running:
        client = running.client
        text, position = cursor("total = █\n")
        uri = open_document(client, text)
        assert not (await complete(client, uri, position)).items
        await asyncio.sleep(0.5)
        numbers = await stats(client)
    assert numbers["backgroundTasks"] == 0, numbers
    assert fake.requests == [] and fake.connections_opened == 0
