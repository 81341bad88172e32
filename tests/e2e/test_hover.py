"""textDocument/hover end to end: explanations of the code under the mouse, cached, debounced, cancellable."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fake_openrouter import FakeOpenRouter, Reply
from lsp_support import cancel, lsp_session, open_document, send
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

PYTHON = '''import os

# A comment about the helper below.
# It spans two lines.


def add(a, b):
    """Add two numbers."""
    total = a + b
    return total


class Greeter:
    def greet(self, name):
        return f"Hello, {name}"


TIMEOUT = int(os.environ.get("TIMEOUT", "5"))
'''


def hover_params(uri: str, line: int, character: int = 4) -> types.HoverParams:
    return types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)
    )


async def hover(client: LanguageClient, uri: str, line: int, character: int = 4) -> types.Hover | None:
    return await client.text_document_hover_async(hover_params(uri, line, character))


def markdown(result: types.Hover | None) -> str:
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent) and result.contents.kind == types.MarkupKind.Markdown
    return result.contents.value


FAST = {"hover": {"debounceMs": 0}}


async def test_hover_explains_the_enclosing_function_with_a_model_footer(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text("Adds **a** and **b** and returns the sum.", cost=0.000012, model="m/explainer")
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, PYTHON)
        result = await hover(client, uri, 8)
    text = markdown(result)
    assert "Adds **a** and **b**" in text
    assert "m/explainer" in text and "$0.000012" in text
    assert result is not None and result.range is not None
    assert (result.range.start.line, result.range.end.line) == (6, 9)
    sent = fake.chat_requests()[0].messages[-1]["content"]
    assert "def add(a, b):" in sent and "class Greeter" not in sent


async def test_top_level_statement_and_methods_are_explained(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, PYTHON)
        await hover(client, uri, 17, 2)
        await hover(client, uri, 14, 10)
    statement, method = (r.messages[-1]["content"] for r in fake.chat_requests())
    assert "TIMEOUT = int(" in statement and "def add" not in statement
    assert "def greet(self, name):" in method and "TIMEOUT" not in method


@pytest.mark.parametrize(("line", "why"), [(1, "blank line"), (2, "comment only"), (3, "comment only")])
async def test_nothing_to_explain_means_no_hover_and_no_request(
    fake: FakeOpenRouter, tmp_path: Path, line: int, why: str
) -> None:
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, PYTHON)
        assert await hover(client, uri, line, 0) is None, why
    assert fake.chat_requests() == []


async def test_second_hover_over_unchanged_code_is_cached(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, PYTHON)
        first = markdown(await hover(client, uri, 8))
        second = markdown(await hover(client, uri, 9, 8))  # another line of the same function
        other_uri = open_document(client, PYTHON)  # the same code in another file
        third = markdown(await hover(client, other_uri, 7))
    assert first.split("—")[0] == second.split("—")[0] == third.split("—")[0]
    assert len(fake.chat_requests()) == 1


async def test_hover_disabled(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path, init_options={"hover": {"enabled": False}}) as client:
        uri = open_document(client, PYTHON)
        assert await hover(client, uri, 8) is None
    assert fake.chat_requests() == []


async def test_mouse_moving_over_code_asks_only_for_where_it_rests(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path, init_options={"hover": {"debounceMs": 150}}) as client:
        uri = open_document(client, PYTHON)
        pending = []
        for line in (8, 14, 17, 9):
            pending.append(asyncio.ensure_future(hover(client, uri, line)))
            await asyncio.sleep(0.02)
        results = await asyncio.gather(*pending)
    assert results[:3] == [None, None, None]
    assert results[3] is not None
    assert len(fake.chat_requests()) == 1
    assert "def add" in fake.chat_requests()[0].messages[-1]["content"]


async def test_cancelled_hover_closes_the_upstream_stream(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text("slow", ttft=30)
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, PYTHON)
        msg_id, task = send(client, types.TEXT_DOCUMENT_HOVER, hover_params(uri, 8))
        assert await fake.wait_for_async(lambda: len(fake.chat_requests()) == 1)
        cancel(client, msg_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await task
        assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=3)


@pytest.mark.parametrize(
    ("language", "source", "line", "expected"),
    [
        ("go", "package main\n\nfunc Add(a int, b int) int {\n\treturn a + b\n}\n", 3, "func Add("),
        ("rust", "fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n", 1, "fn add("),
        ("typescript", "export const add = (a: number, b: number): number => {\n  return a + b;\n};\n", 1, "const add"),
        ("java", 'class A {\n  @Override\n  public String toString() {\n    return "A";\n  }\n}\n', 3, "toString"),
    ],
)
async def test_other_languages(
    fake: FakeOpenRouter, tmp_path: Path, language: str, source: str, line: int, expected: str
) -> None:
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, source, language)
        assert await hover(client, uri, line, 2) is not None
    assert expected in fake.chat_requests()[0].messages[-1]["content"]


async def test_failure_shows_one_message_and_no_hover(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.error(402, "Insufficient credits")
    async with lsp_session(fake, tmp_path, init_options={**FAST, "models": {"explain": "paid/model"}}) as client:
        uri = open_document(client, PYTHON)
        assert await hover(client, uri, 8) is None
        assert await hover(client, uri, 14, 10) is None
        await asyncio.sleep(0.1)
        shown = [m.message for m in client.messages if "credits" in m.message]
    assert len(shown) == 1
