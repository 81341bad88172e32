"""``$/progress`` over LSP: hovers and completions the user asked for say that the model is working.

Neovim (the ``neovim`` capabilities profile) gets a server-created token, or uses its own when a
request carries a ``workDoneToken``; an answer within the grace period (the cache) reports nothing;
VS Code gets nothing (it shows "Loading…" itself, and its status-bar spinner would blink per hover).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from conftest import server_env
from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, Reply
from lsp_support import capabilities, end_session, inline_params, lsp_session, open_document
from lsprotocol import types
from pytest_lsp import LanguageClient, make_test_lsp_client

from arb_lsp.features.progress import GRACE_S

CODE = "def add(a, b):\n    total = a + b\n    return total\n"
#: The model takes this long to start answering: well past the grace period.
SLOW = GRACE_S + 0.5
FAST = {"hover": {"debounceMs": 0}}


def hover_params(uri: str, token: str | None = None) -> types.HoverParams:
    return types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=1, character=4),
        work_done_token=token,
    )


def kinds(reports: list[Any]) -> list[tuple[str, str | None]]:
    return [(report.kind, getattr(report, "title", None)) for report in reports]


async def test_a_slow_hover_reports_explaining_then_ends_and_a_cached_one_reports_nothing(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("Adds a and b.", ttft=SLOW)
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, CODE)
        first = await client.text_document_hover_async(hover_params(uri))
        reports = dict(client.progress_reports)
        again = await client.text_document_hover_async(hover_params(uri))
        after_cached = dict(client.progress_reports)
    assert first is not None and again is not None
    ((token, progress),) = reports.items()
    assert str(token).startswith("arb-lsp-"), "created by the server (window/workDoneProgress/create)"
    assert kinds(progress) == [("begin", "Explaining…"), ("end", None)]
    assert after_cached == reports, "the cached answer came at once: no progress, no flicker"


async def test_the_clients_own_work_done_token_is_used(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text("Adds a and b.", ttft=SLOW)
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, CODE)
        client.progress_reports["hover-1"] = []  # the client made this token itself
        await client.text_document_hover_async(hover_params(uri, "hover-1"))
        reports = dict(client.progress_reports)
    assert list(reports) == ["hover-1"], "no token created when the client gave one"
    assert kinds(reports["hover-1"]) == [("begin", "Explaining…"), ("end", None)]


async def test_an_invoked_completion_reports_completing_and_an_automatic_one_does_not(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("a + b", ttft=SLOW)
    async with lsp_session(fake, tmp_path) as client:
        uri = open_document(client, "def add(a, b):\n    return \n")
        position = types.Position(line=1, character=11)
        automatic = inline_params(uri, position)
        await client.text_document_inline_completion_async(automatic)
        after_automatic = dict(client.progress_reports)
        source = "def sub(a, b):\n    return \n"
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=source)],
            )
        )
        invoked = types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position,
            context=types.CompletionContext(trigger_kind=types.CompletionTriggerKind.Invoked),
        )
        items = await client.text_document_completion_async(invoked)
        reports = dict(client.progress_reports)
    assert after_automatic == {}, "ghost text while typing is silent"
    assert items is not None and len(fake.chat_requests()) == 2
    ((progress),) = reports.values()
    assert kinds(progress) == [("begin", "Completing…"), ("end", None)]


async def test_vs_code_gets_no_progress_for_hovers(fake: FakeOpenRouter, tmp_path: Path) -> None:
    """Same slow hover, from a client that says it is VS Code (capabilities recorded from VS Code)."""
    fake.default_reply = Reply.text("Adds a and b.", ttft=SLOW)
    client: LanguageClient = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "arb_lsp", env=server_env(fake, str(tmp_path), key=DEFAULT_API_KEY))
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities("visual_studio_code"),
                client_info=types.ClientInfo(name="Visual Studio Code", version="1.100.3"),
                initialization_options=FAST,
            )
        )
        uri = open_document(client, CODE)
        result = await client.text_document_hover_async(hover_params(uri))
        reports = dict(client.progress_reports)
    finally:
        await end_session(client, strict=True)
    assert result is not None and len(fake.chat_requests()) == 1
    assert reports == {}
