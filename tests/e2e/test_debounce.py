"""The completion debounce end to end: the adaptive one follows the typist, ``fixed`` waits the base, and
a client that debounces itself (Neovim 0.12's inline completion) is not made to wait twice.

Behaviour, not timing: what is asserted is how many upstream requests a burst made (counted at the fake,
by the text their prompts carry) and the wait the server decided on (``arbLsp.stats``' ``debounce``).
The sleeps between keystrokes only set the rhythm the server learns, with wide margins to its thresholds.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fake_openrouter import FakeOpenRouter, Reply
from lsp_support import edit, inline, lsp_session, open_document
from lsprotocol import types
from pytest_lsp import LanguageClient


def options(mode: str, base_ms: int) -> dict[str, Any]:
    return {"completion": {"debounceMs": base_ms, "debounce": mode, "contextBudgetMs": 1000}}


async def stats(client: LanguageClient) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="arbLsp.stats"))
    assert isinstance(result, dict)
    return result


def ask(client: LanguageClient, uri: str, line: int, column: int) -> asyncio.Future[Any]:
    """A menu request as Neovim re-triggers it while typing (never cancelled)."""
    return asyncio.ensure_future(
        client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=column),
                context=types.CompletionContext(
                    trigger_kind=types.CompletionTriggerKind.TriggerForIncompleteCompletions
                ),
            )
        )
    )


class Typist:
    """Types at the end of line 0 of a document, one character per keystroke, asking after each."""

    def __init__(self, client: LanguageClient, uri: str, line: str) -> None:
        self.client, self.uri, self.column, self.version = client, uri, len(line), 1
        self.pending: list[asyncio.Future[Any]] = []

    async def type(self, text: str, gap_s: float) -> None:
        for char in text:
            self.version += 1
            edit(self.client, self.uri, self.version, types.Position(line=0, character=self.column), char)
            self.column += 1
            self.pending.append(ask(self.client, self.uri, 0, self.column))
            await asyncio.sleep(gap_s)

    async def settle(self) -> None:
        await asyncio.gather(*self.pending)


def requests_with(fake: FakeOpenRouter, marker: str) -> int:
    return sum(marker in request.messages[-1]["content"] for request in fake.chat_requests())


BASE_MS = 80
#: The rhythm the server learns (slow: a request per keystroke with a fixed 80 ms debounce) ...
LEARNED_GAP_S = 0.3
#: ... and a burst faster than it but slower than the fixed base.
BURST_GAP_S = 0.12


@pytest.mark.parametrize("mode", ["adaptive", "fixed"])
async def test_a_burst_faster_than_the_learned_rhythm_asks_once(
    fake: FakeOpenRouter, tmp_path: Path, mode: str
) -> None:
    fake.default_reply = Reply.text("_done = 1")
    async with lsp_session(fake, tmp_path, init_options=options(mode, BASE_MS)) as client:
        uri = open_document(client, "value\n")
        typist = Typist(client, uri, "value")
        await typist.type("aaaaaa", LEARNED_GAP_S)
        await typist.type("bbbbbbbb", BURST_GAP_S)
        await typist.settle()
        decided = (await stats(client))["debounce"]
    in_burst = requests_with(fake, "ab")
    if mode == "adaptive":
        # The burst's keystrokes came faster than the user's rhythm: the server waited past each of them.
        assert in_burst == 1
        assert decided["reason"] == "burst" and decided["ms"] > BURST_GAP_S * 1000
    else:
        # Today's behaviour: every keystroke slower than the base reaches the upstream.
        assert in_burst > 1
        assert decided == {"ms": BASE_MS, "reason": "fixed"}


@pytest.mark.parametrize("mode", ["adaptive", "fixed"])
async def test_a_pause_after_a_dot_asks_sooner_than_the_base(fake: FakeOpenRouter, tmp_path: Path, mode: str) -> None:
    fake.default_reply = Reply.text("items()")
    async with lsp_session(fake, tmp_path, init_options=options(mode, 400)) as client:
        uri = open_document(client, "data\n")
        typist = Typist(client, uri, "data")
        await typist.type(".", 0)
        await typist.settle()
        after_dot = (await stats(client))["debounce"]
        await typist.type("k", 0)
        await typist.settle()
        mid_word = (await stats(client))["debounce"]
    assert requests_with(fake, "data.") == 2  # both keystrokes were answered (nothing followed them)
    if mode == "adaptive":
        assert after_dot["reason"] == "pause" and after_dot["ms"] < 400
        assert mid_word["ms"] >= 400, "in a word the base is the least it waits"
    else:
        assert after_dot == mid_word == {"ms": 400, "reason": "fixed"}


@pytest.mark.parametrize(
    ("version", "inline_ms"),
    [("0.12.0", 0.0), ("0.13.0-dev+g1234abc", 0.0), ("0.11.4", 150.0)],
    ids=["neovim-0.12", "neovim-0.13-dev", "neovim-0.11"],
)
async def test_neovim_012_inline_requests_are_not_debounced_twice(
    fake: FakeOpenRouter, tmp_path: Path, version: str, inline_ms: float
) -> None:
    """Neovim 0.12's built-in inline completion asks 200 ms after typing stops: the server's own wait
    is shortened by that much; its menu requests (not debounced by Neovim) keep the full wait."""
    fake.default_reply = Reply.text(" = 1")
    neovim = types.ClientInfo(name="Neovim", version=version)
    async with lsp_session(fake, tmp_path, init_options=options("fixed", 150), client_info=neovim) as client:
        uri = open_document(client, "total\n")
        edit(client, uri, 2, types.Position(line=0, character=5), "s")
        ghost = await inline(client, uri, types.Position(line=0, character=6))
        after_inline = (await stats(client))["debounce"]
        edit(client, uri, 3, types.Position(line=0, character=6), "_")
        await ask(client, uri, 0, 7)
        after_menu = (await stats(client))["debounce"]
    assert ghost.items and str(ghost.items[0].insert_text).endswith(" = 1")
    assert after_inline["ms"] == inline_ms
    assert after_inline["reason"] == ("fixed+client" if inline_ms == 0 else "fixed")
    assert after_menu == {"ms": 150, "reason": "fixed"}
