"""Acceptance tracking end to end over LSP: the command each suggestion carries, the ledger and
``arb-lsp usage --json`` reading it, ``arbLsp.showUsage``, the latency warning and block-completion models."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import server_env
from fake_openrouter import FakeOpenRouter, Reply
from lsp_support import complete, cursor, edit, inline, lsp_session, open_document
from lsprotocol import types
from pytest_lsp import LanguageClient

ACCEPT = "arbLsp.didAcceptSuggestion"


def usage(fake: FakeOpenRouter, data: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "arb_lsp", "usage", *args],
        env=server_env(fake, str(data)),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


def usage_json(fake: FakeOpenRouter, data: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(usage(fake, data, "--json"))
    return report


def by_model(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["model"]: row for row in report["byModel"]}


async def run(client: LanguageClient, command: types.Command | None) -> Any:
    assert command is not None and command.command == ACCEPT
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )


async def test_accepted_ghost_text_and_menu_items_reach_the_ledger_and_usage(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    fake.default_reply = Reply.text("sum(prices)", model="test/model", cost=0.002)
    async with lsp_session(fake, data) as client:
        # Ghost text, accepted (VS Code runs the item's command on Tab).
        text, position = cursor("def total(prices):\n    return █\n")
        uri = open_document(client, text)
        (ghost,) = (await inline(client, uri, position)).items
        (menu,) = (await complete(client, uri, position)).items
        assert ghost.command == menu.command, "menu and ghost text at one spot are one suggestion"
        await run(client, ghost.command)

        # A menu item shown, then superseded by another suggestion in the same document: not accepted.
        fake.default_reply = Reply.text("len(items)", model="test/model", cost=0.002)
        text2, position2 = cursor("def count(items):\n    return █\n")
        other = open_document(client, text2)
        (shown,) = (await complete(client, other, position2)).items
        edit(client, other, 2, position2, "\n    ")
        superseding = types.Position(line=position2.line + 1, character=4)
        fake.default_reply = Reply.text("None", model="test/model", cost=0.002)
        await complete(client, other, superseding)

        shown_usage = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="arbLsp.showUsage")
        )
    assert shown.command is not None and shown.command.arguments != ghost.command.arguments  # type: ignore[union-attr]

    report = usage_json(fake, data)
    row = by_model(report)["test/model"]
    assert (row["shown"], row["accepted"]) == (3, 1)
    assert row["acceptRate"] == round(1 / 3, 4)
    assert row["costPerAcceptedUsd"] == round(row["costUsd"], 10), "every completion's cost over one acceptance"
    assert row["costUsd"] > 0
    assert row["medianMsToSuggestion"] is not None
    assert report["suggestions"]["byKind"]["line"]["shown"] == 3
    assert shown_usage["today"]["accepted"] == 1 and shown_usage["today"]["shown"] == 3
    assert {r["model"]: r["accepted"] for r in shown_usage["byModel"]} == {"test/model": 1}, "showUsage says the same"
    table = usage(fake, data)
    assert "ACCEPT RATE" in table and re.search(r"test/model\s+3\s+1\s+33%\s+\$", table), table


async def test_the_rest_of_a_suggestion_served_while_typing_is_the_same_suggestion(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    fake.default_reply = Reply.text("sum(prices)", model="test/model")
    async with lsp_session(fake, data) as client:
        text, position = cursor("def total(prices):\n    return █\n")
        uri = open_document(client, text)
        (first,) = (await inline(client, uri, position)).items
        edit(client, uri, 2, position, "sum(")  # the next word taken (or typed as shown)
        (rest,) = (
            await inline(client, uri, types.Position(line=position.line, character=position.character + 4))
        ).items
        assert rest.insert_text == "prices)" and len(fake.chat_requests()) == 1
        assert rest.command == first.command
        await run(client, rest.command)
    row = by_model(usage_json(fake, data))["test/model"]
    assert (row["shown"], row["accepted"]) == (1, 1)


async def test_timeouts_bring_one_warning_with_what_to_do(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text("sum(prices)", ttft=1.0)
    init = {"completion": {"debounceMs": 0, "timeoutMs": 100}, "models": {"completion": "test/slow"}}
    async with lsp_session(fake, tmp_path / "data", init_options=init) as client:
        text, position = cursor("def total(prices):\n    return █\n")
        uri = open_document(client, text)
        for _ in range(6):
            assert not (await inline(client, uri, position)).items
        await asyncio.sleep(0.2)
        warnings = [m.message for m in client.messages if "test/slow" in m.message]
    assert len(warnings) == 1, warnings
    assert "timed out" in warnings[0] and 'priority "speed"' in warnings[0]


async def test_block_completions_ask_the_block_chain(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text("pass")
    init = {"completion": {"debounceMs": 0}, "models": {"completion": "test/line", "completionBlock": "test/block"}}
    async with lsp_session(fake, tmp_path / "data", init_options=init) as client:
        block_text, block_at = cursor("def total(prices):\n    █\n")
        await complete(client, open_document(client, block_text), block_at)
        line_text, line_at = cursor("def total(prices):\n    return sum█\n")
        await complete(client, open_document(client, line_text), line_at)
    assert [r.model for r in fake.chat_requests()] == ["test/block", "test/line"]


@pytest.mark.parametrize("closed_by", ["document", "editor"])
async def test_closing_a_document_or_the_editor_dismisses_its_suggestion(
    fake: FakeOpenRouter, tmp_path: Path, closed_by: str
) -> None:
    """``editor``: the session ends (shutdown, exit) while the suggestion is still shown."""
    data = tmp_path / "data"
    fake.default_reply = Reply.text("sum(prices)", model="test/model")
    async with lsp_session(fake, data) as client:
        text, position = cursor("def total(prices):\n    return █\n")
        uri = open_document(client, text)
        assert (await inline(client, uri, position)).items
        if closed_by == "document":
            client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
            await client.workspace_execute_command_async(types.ExecuteCommandParams(command="arbLsp.showUsage"))
    python = usage_json(fake, data)["suggestions"]["byLanguage"]["python"]
    assert (python["shown"], python["accepted"], python["dismissed"]) == (1, 0, 1)
