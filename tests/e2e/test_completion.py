"""textDocument/completion and textDocument/inlineCompletion end to end: arb-lsp as a subprocess,
driven over stdio like an editor, against the fake OpenRouter."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest
import pytest_asyncio
from completion_golden import CASES as GOLDEN
from completion_golden import Golden
from conftest import server_env
from fake_openrouter import FakeOpenRouter, Reply, split_pieces
from lsp_support import cancel as cancel_request
from lsp_support import (
    capabilities,
    complete,
    cursor,
    edit,
    inline,
    inline_params,
    lsp_session,
    menu_insertion,
    open_document,
    send,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient, make_test_lsp_client

# (language, document with █ at the cursor, what the model answers, what must be inserted)
MESSY_ANSWERS = [
    ("python", "def add(a, b):\n    █\n", "```python\nreturn a + b\n```", "return a + b"),
    ("python", "def add(a, b):\n    return a█\n", "Here is the completion:\n```\nreturn a + b\n```", " + b"),
    ("python", "total = compute(█)\n", "x, y)", "x, y"),
    (
        "python",
        "def f(items):\n    for item in items:\n        █\n",
        "print(item)\nreturn None<|endoftext|>junk",
        "print(item)\n        return None",
    ),
    ("python", "names = [n.upper() for n in █]\n", "<|fim_middle|>names]", "names"),
    (
        "python",
        "class A:\n    def run(self):\n        █\n",
        "def run(self):\n    self.start()\n    self.wait()",
        "self.start()\n        self.wait()",
    ),
    (
        "javascript",
        "function add(a, b) {\n  █\n}\n",
        "```js\nreturn a + b;\n```\nThis adds the numbers.",
        "return a + b;",
    ),
    ("javascript", "const total = items.reduce((a, b) => a + b, █);\n", "0);", "0"),
    ("typescript", "function greet(name: string): string {\n  return `Hello, ${█}`;\n}\n", "name}`;", "name"),
    ("go", "func add(a int, b int) int {\n\t█\n}\n", "    return a + b\n}", "return a + b"),
    ("go", "func main() {\n\tfmt.Print█\n}\n", 'fmt.Println("hi")', 'ln("hi")'),
    ("rust", "fn add(a: i32, b: i32) -> i32 {\n    █\n}\n", "```rust\na + b\n}\n```", "a + b"),
    ("rust", "fn main() {\n    let v = vec![1, 2, 3];\n    let s: i32 = v.iter().█\n}\n", "sum();\n\n", "sum();"),
]


def applied(text: str, span: types.Range, new_text: str) -> str:
    """``text`` after replacing ``span`` (ASCII text: any position encoding) with ``new_text``."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: span.start.line]) + span.start.character
    end = sum(len(line) + 1 for line in lines[: span.end.line]) + span.end.character
    return text[:start] + new_text + text[end:]


def accepted(text: str, item: types.CompletionItem, position: types.Position) -> str:
    """``text`` after accepting the menu ``item``: its edit, then its additional edits (after the cursor)."""
    assert isinstance(item.text_edit, types.TextEdit)
    for extra in sorted(item.additional_text_edits or [], key=lambda e: (e.range.start.line, e.range.start.character)):
        assert (extra.range.start.line, extra.range.start.character) >= (position.line, position.character)
    for extra in reversed(item.additional_text_edits or []):
        text = applied(text, extra.range, extra.new_text)
    line = text.split("\n")[position.line]
    return applied(text, item.text_edit.range, menu_insertion(item, line))


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared(
    fake_server: FakeOpenRouter, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LanguageClient]:
    """One server for the read-only cases below (each test uses its own documents)."""
    async with lsp_session(fake_server, tmp_path_factory.mktemp("shared")) as client:
        yield client


@pytest.mark.parametrize(("language", "document", "answer", "inserted"), MESSY_ANSWERS)
async def test_messy_answers_become_exact_insertions_in_both_methods(
    shared: LanguageClient, fake: FakeOpenRouter, language: str, document: str, answer: str, inserted: str
) -> None:
    fake.honor_stop = False  # the raw answer reaches the server as written: post-processing is under test
    fake.default_reply = Reply.text(answer)
    text, position = cursor(document)
    uri = open_document(shared, text, language)
    menu = await complete(shared, uri, position)
    ghost = await inline(shared, uri, position)
    assert len(menu.items) == 1 and len(ghost.items) == 1
    item, ghost_item = menu.items[0], ghost.items[0]
    line = text.split("\n")[position.line][: position.character]
    word = line[len(line.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")) :]
    assert isinstance(item.text_edit, types.TextEdit)
    expected = document.replace("█", inserted)
    assert accepted(text, item, position) == expected
    assert item.text_edit.range.start.character == position.character - len(word)
    assert item.text_edit.range.end.line == position.line and item.text_edit.range.end.character >= position.character
    assert (item.filter_text or item.label).startswith(word) and item.label.startswith(word)
    assert ghost_item.range is not None and ghost_item.range.start == item.text_edit.range.start
    assert item.text_edit.range.end == position  # menus edit up to the cursor (Neovim ignores the rest)
    assert applied(text, ghost_item.range, str(ghost_item.insert_text)) == expected
    # The second method asked for the same context: served from what the first one fetched.
    assert len(fake.chat_requests()) == 1


@pytest.mark.parametrize("answer", ["", "   \n", "```\n```", "<|endoftext|>"])
async def test_empty_or_useless_answers_give_no_suggestion(
    shared: LanguageClient, fake: FakeOpenRouter, answer: str
) -> None:
    fake.default_reply = Reply.text(answer)
    text, position = cursor("x = █\n")
    uri = open_document(shared, text)
    assert not (await complete(shared, uri, position)).items
    assert not (await inline(shared, uri, position)).items


@pytest.mark.parametrize(("profile", "units"), [("neovim", "utf-8"), ("visual_studio_code", "utf-16")])
async def test_positions_in_the_negotiated_encoding_with_non_ascii_text(
    fake: FakeOpenRouter, tmp_path: Path, profile: str, units: str
) -> None:
    fake.default_reply = Reply.text("ve")
    line = 'emoji = "🎉é"; café = naï'
    text = line + "\n"
    async with lsp_session(fake, tmp_path, profile=profile) as client:
        uri = open_document(client, text)
        character = len(line.encode("utf-8")) if units == "utf-8" else len(line.encode("utf-16-le")) // 2
        position = types.Position(line=0, character=character)
        menu = await complete(client, uri, position)
        ghost = await inline(client, uri, position)
    (item,) = menu.items
    assert isinstance(item.text_edit, types.TextEdit)
    # The typed "naï" is replaced by itself plus the answer: the edit's range starts before it.
    assert item.text_edit.new_text == "naïve"
    assert ghost.items[0].insert_text == "naïve"
    word_units = len("naï".encode()) if units == "utf-8" else len("naï")
    assert item.text_edit.range.start.character == character - word_units
    assert ghost.items[0].range is not None and ghost.items[0].range.start.character == character - word_units
    # The prompt saw the text around the cursor intact: the cursor was placed after "naï", not mid-character.
    prompt = fake.chat_requests()[0].messages[-1]["content"]
    assert "café = naï{{FILL_HERE}}" in prompt


async def burst(client: LanguageClient, uri: str, text: str, *, cancel: bool) -> list[str | None]:
    """Type 30 characters at the end of the first line, 10 ms apart, asking for a suggestion after each.

    Like VS Code (``cancel``): ghost text requests, each cancelling the previous one. Like Neovim: menu
    requests re-triggered for an incomplete list, never cancelled.
    """
    line = text.split("\n")[0]
    pending: list[asyncio.Future[Any]] = []
    last_id = ""
    for i in range(30):
        column = len(line) + i
        edit(client, uri, i + 2, types.Position(line=0, character=column), "a")
        position = types.Position(line=0, character=column + 1)
        document = types.TextDocumentIdentifier(uri=uri)
        request: Any
        if cancel:
            if last_id:
                cancel_request(client, last_id)
            last_id, request = send(client, types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri, position))
        else:
            request = client.text_document_completion_async(
                types.CompletionParams(
                    text_document=document,
                    position=position,
                    context=types.CompletionContext(
                        trigger_kind=types.CompletionTriggerKind.TriggerForIncompleteCompletions
                    ),
                )
            )
        pending.append(asyncio.ensure_future(request))
        await asyncio.sleep(0.01)
    texts: list[str | None] = []
    for task in pending:
        try:
            result = await task
        except (asyncio.CancelledError, Exception):
            texts.append(None)
            continue
        items = list(result.items) if result else []
        if not items:
            texts.append("")
        elif isinstance(items[0], types.InlineCompletionItem):
            texts.append(str(items[0].insert_text))
        else:
            texts.append(items[0].text_edit.new_text)  # type: ignore[union-attr]
    return texts


@pytest.mark.parametrize("cancel", [False, True], ids=["neovim-no-cancel", "vscode-cancels"])
async def test_a_burst_of_30_keystrokes_makes_one_upstream_request(
    fake: FakeOpenRouter, tmp_path: Path, cancel: bool
) -> None:
    fake.default_reply = Reply.text("_suffix = 1")
    async with lsp_session(fake, tmp_path, init_options={"completion": {"debounceMs": 120}}) as client:
        text = "value\n"
        uri = open_document(client, text)
        results = await burst(client, uri, text, cancel=cancel)
        stats = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="arbLsp.stats"))
    assert len(fake.chat_requests()) == 1
    assert stats["contextRequests"] == 1, "other files are read once, after the debounce, not per keystroke"
    assert results[-1] is not None and results[-1].endswith("_suffix = 1")
    assert all(not r for r in results[:-1]), "superseded requests answer empty (or were cancelled)"


#: How soon superseded work must have let go of its stream (a behavioural bound, far below the deadline).
SUPERSEDED_S = 5.0


async def test_superseding_a_started_request_closes_its_stream_and_answers_empty(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    """The stale stream is closed when the edit supersedes it, long before the completion deadline (set far
    off here, so only the cancellation can close it in time), and the user is told nothing."""
    fake.script(Reply.text("slow()", ttft=120), Reply.text("fast()"))
    options = {"completion": {"debounceMs": 0, "timeoutMs": 120_000}}
    async with lsp_session(fake, tmp_path, init_options=options) as client:
        text, position = cursor("a = █\n")
        uri = open_document(client, text)
        first = asyncio.ensure_future(complete(client, uri, position))
        assert await fake.wait_for_async(lambda: len(fake.chat_requests()) == 1)
        edit(client, uri, 2, position, "b")
        second = await complete(client, uri, types.Position(line=0, character=position.character + 1))
        assert second.items[0].text_edit.new_text == "bfast()"  # type: ignore[union-attr]
        stale = fake.chat_requests()[0]
        assert await fake.wait_for_async(lambda: stale.disconnected, timeout=SUPERSEDED_S), "stale stream left open"
        assert not (await asyncio.wait_for(first, SUPERSEDED_S)).items
        await asyncio.sleep(0.2)  # a message sent on the stale work's failure would have arrived by now
    assert client.messages == [], [m.message for m in client.messages]


async def test_cancel_request_closes_the_upstream_stream(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text("never()", ttft=30)
    async with lsp_session(fake, tmp_path) as client:
        text, position = cursor("a = █\n")
        uri = open_document(client, text)
        msg_id, task = send(client, types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri, position))
        assert await fake.wait_for_async(lambda: len(fake.chat_requests()) == 1)
        cancel_request(client, msg_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await task
        assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=3)
        # The server is still there and answers.
        fake.default_reply = Reply.text("1")
        assert (await complete(client, uri, position)).items


async def test_single_line_answers_stop_reading_at_the_first_line(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.honor_stop = False
    lines = ["first_line()\n"] + [f"more_{i}()\n" for i in range(200)]
    fake.default_reply = Reply.text(chunks=lines, tps=50)
    async with lsp_session(fake, tmp_path) as client:
        text, position = cursor("x = 1; █\n")
        uri = open_document(client, text)
        result = await complete(client, uri, position)
    assert result.items[0].text_edit.new_text == "first_line()"  # type: ignore[union-attr]
    request = fake.chat_requests()[0]
    assert await fake.wait_for_async(lambda: request.disconnected, timeout=3), "stream closed once decided"


async def test_typing_into_a_shown_suggestion_is_served_without_a_new_request(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("compute_total(items)")
    async with lsp_session(fake, tmp_path) as client:
        text, position = cursor("result = █\n")
        uri = open_document(client, text)
        first = await inline(client, uri, position)
        assert first.items[0].insert_text == "compute_total(items)"
        edit(client, uri, 2, position, "comp")
        after = types.Position(line=0, character=position.character + 4)
        ahead = await inline(client, uri, after)
        menu = await complete(client, uri, after)
    assert ahead.items[0].insert_text == "compute_total(items)"
    assert ahead.items[0].range is not None and ahead.items[0].range.start.character == position.character
    assert menu.items[0].text_edit.new_text == "compute_total(items)"  # type: ignore[union-attr]
    assert len(fake.chat_requests()) == 1


async def test_repeated_context_is_served_from_cache(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path) as client:
        text, position = cursor("y = █\n")
        uri = open_document(client, text)
        for _ in range(3):
            assert (await complete(client, uri, position)).items
    assert len(fake.chat_requests()) == 1


async def test_no_key_starts_answers_empty_and_says_how_once(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path, key=None) as client:
        text, position = cursor("z = █\n")
        uri = open_document(client, text)
        for _ in range(3):
            assert not (await complete(client, uri, position)).items
            assert not (await inline(client, uri, position)).items
        await asyncio.sleep(0.1)
        messages = [m.message for m in client.messages if "API key" in m.message]
    assert len(messages) == 1 and "OPENROUTER_API_KEY" in messages[0]
    assert fake.chat_requests() == []


async def test_key_from_initialization_options(fake: FakeOpenRouter, tmp_path: Path) -> None:
    from fake_openrouter import DEFAULT_API_KEY

    async with lsp_session(fake, tmp_path, key=None, init_options={"apiKey": DEFAULT_API_KEY}) as client:
        text, position = cursor("k = █\n")
        uri = open_document(client, text)
        assert (await complete(client, uri, position)).items


FAULTS = [
    ("auth", Reply.error(401, "User not found."), "apiKey"),
    ("credits", Reply.error(402, "Insufficient credits"), "credits"),
    ("moderation", Reply.error(403, "flagged"), "moderation"),
    ("not found", Reply.error(404, "No endpoints found"), "No provider"),
    ("rate limit", Reply.error(429, "slow down", retry_after=1), "rate-limiting"),
    ("server error", Reply.error(502, "bad gateway"), "failed"),
    ("html", Reply.html(502), "HTML"),
    ("garbage", Reply.garbage(), "broken stream"),
    ("200 with error", Reply.ok_with_error("provider error", code=502), "failed"),
    ("mid-stream top", Reply.midstream_error("boom", after="", code=502, shape="top"), "boom"),
    ("mid-stream choice", Reply.midstream_error("boom", after="", code=502, shape="choice"), "boom"),
    ("drop", Reply.drop(), "dropped"),
]


@pytest.mark.parametrize(("name", "reply", "hint"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_every_fault_gives_empty_result_one_message_and_the_server_keeps_answering(
    fake: FakeOpenRouter, tmp_path: Path, name: str, reply: Reply, hint: str
) -> None:
    fake.default_reply = reply
    async with lsp_session(fake, tmp_path, configuration={"models": {"completion": "only/model"}}) as client:
        text, position = cursor("q = █\n")
        uri = open_document(client, text)
        for i in range(3):
            edit(client, uri, i + 2, position, " ")
            assert not (await complete(client, uri, position)).items
        await asyncio.sleep(0.1)
        shown = [m.message for m in client.messages if "arb-lsp" in m.message]
        assert len(shown) == 1, shown
        assert hint in shown[0]
        fake.default_reply = Reply.text("recovered()")
        edit(client, uri, 10, position, "x")
        asked = len(fake.chat_requests())
        recovered = (await complete(client, uri, position)).items
        if name == "credits":  # after a 402, paid models are not asked for a while: that request would fail
            assert not recovered and len(fake.chat_requests()) == asked
        else:
            assert recovered


async def test_fallback_along_the_chain_when_the_free_model_is_rate_limited(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.script(Reply.error(429, "free limit"), model="a/free:free")
    fake.script(Reply.text("from_b()", model="b/paid"), model="b/paid")
    config = {"models": {"completion": ["a/free:free", "b/paid"]}}
    async with lsp_session(fake, tmp_path, configuration=config) as client:
        text, position = cursor("r = █\n")
        uri = open_document(client, text)
        result = await complete(client, uri, position)
    assert result.items[0].text_edit.new_text == "from_b()"  # type: ignore[union-attr]
    assert [r.model for r in fake.chat_requests()] == ["a/free:free", "b/paid"]


async def test_excluded_files_never_leave_the_machine(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path) as client:
        text, position = cursor("SECRET=█\n")
        uri = open_document(client, text, "dotenv", uri="file:///work/ws/.env.local")
        assert not (await complete(client, uri, position)).items
        assert not (await inline(client, uri, position)).items
    assert fake.chat_requests() == []


async def test_secrets_are_redacted_before_sending(fake: FakeOpenRouter, tmp_path: Path) -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    async with lsp_session(fake, tmp_path) as client:
        text, position = cursor(f'GITHUB_TOKEN = "{token}"\nx = █\n')
        uri = open_document(client, text)
        await complete(client, uri, position)
    body = fake.chat_requests()[0].body.decode()
    assert token not in body and "REDACTED" in body


async def test_settings_from_configuration_and_changes_apply(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path, configuration={"completion": {"enabled": False}}) as client:
        text, position = cursor("s = █\n")
        uri = open_document(client, text)
        assert not (await complete(client, uri, position)).items
        client.set_configuration(
            {"completion": {"enabled": True}, "models": {"completion": "x/changed"}}, section="arbLsp"
        )
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await asyncio.sleep(0.3)
        assert (await complete(client, uri, position)).items
    assert fake.chat_requests()[0].model == "x/changed"


async def test_invalid_settings_fall_back_with_one_message(fake: FakeOpenRouter, tmp_path: Path) -> None:
    options = {"priority": "fastest", "completion": {"debounceMs": -1, "multiline": "sometimes"}, "bogus": 1}
    async with lsp_session(fake, tmp_path, init_options=options) as client:
        text, position = cursor("t = █\n")
        uri = open_document(client, text)
        assert (await complete(client, uri, position)).items
        await asyncio.sleep(0.1)
        shown = [m.message for m in client.messages if "settings" in m.message]
    assert len(shown) == 1
    for name in ("priority", "completion.debounceMs", "completion.multiline", "bogus"):
        assert name in shown[0]
    assert fake.chat_requests()[0].model == "qwen/qwen3-coder:free"


async def test_similar_code_of_other_open_documents_informs_the_prompt_unless_excluded(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    # The documents' folder is the workspace: open documents outside it are not context (context.outsideWorkspace).
    async with lsp_session(fake, tmp_path, root=Path("/work/ws")) as client:
        open_document(client, "from shop.models import Basket\n\ndef checkout(basket: Basket) -> int: ...\n")
        open_document(client, "def render_banner(colour):\n    paint(colour)\n")
        open_document(client, "checkout_basket_TOKEN=abc123def456\n", "python", uri="file:///work/ws/.env")
        open_document(client, "const checkout = (basket) => basket;\n", "javascript")
        text, position = cursor("basket = Basket()\ntotal = checkout(█)\n")
        uri = open_document(client, text)
        await complete(client, uri, position)
    prompt = fake.chat_requests()[0].messages[-1]["content"]
    assert "# Path: file" in prompt and "def checkout(basket: Basket)" in prompt
    # Not similar, excluded, another language: none of them.
    assert "render_banner" not in prompt and "TOKEN" not in prompt and "=> basket" not in prompt


async def test_the_window_is_capped_by_the_models_context_length(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.models = [{**m, "context_length": 400} if m["id"] == "tiny/model" else m for m in fake.models] + [
        {"id": "tiny/model", "name": "Tiny", "context_length": 400, "pricing": {"prompt": "0", "completion": "0"}}
    ]
    body = "".join(f"value_{i} = {i}\n" for i in range(2000))
    async with lsp_session(fake, tmp_path, configuration={"models": {"completion": "tiny/model"}}) as client:
        text, position = cursor(body + "answer = █\n")
        uri = open_document(client, text)
        # The catalogue loads in the background after `initialized` (the server's warm-up): wait for it.
        for _ in range(200):
            if any(r.path.endswith("/models") and r.finished_at for r in fake.requests):
                break
            await asyncio.sleep(0.025)
        await asyncio.sleep(0.1)
        await complete(client, uri, position)
    prompt = fake.chat_requests()[0].messages[-1]["content"]
    assert "answer = {{FILL_HERE}}" in prompt
    assert len(prompt) < 400 * 4, "about half the model's context, in characters"


# -- issue 12: suggestions users keep --------------------------------------------------------------


@pytest.mark.parametrize("case", GOLDEN, ids=[case.id for case in GOLDEN])
async def test_golden_cases_in_both_methods(shared: LanguageClient, fake: FakeOpenRouter, case: Golden) -> None:
    fake.honor_stop = False  # the raw answer reaches the server as written
    fake.default_reply = Reply.text(case.answer)
    text, position = cursor(case.document)
    uri = open_document(shared, text, case.language)
    menu = await complete(shared, uri, position)
    ghost = await inline(shared, uri, position)
    if case.expected is None:
        assert not menu.items and not ghost.items
        return
    (item,) = menu.items
    (ghost_item,) = ghost.items
    assert isinstance(item.text_edit, types.TextEdit) and ghost_item.range is not None
    by_menu = accepted(text, item, position)
    by_ghost = applied(text, ghost_item.range, str(ghost_item.insert_text))
    assert by_menu.replace("\r\n", "\n") == case.expected
    assert by_ghost.replace("\r\n", "\n") == case.expected


def pieces_through_line(answer: str, lines: int) -> int:
    """How many stream pieces the fake sends before the end of the answer's first `lines` lines."""
    head = "".join(answer.splitlines(keepends=True)[:lines])
    return len(split_pieces(head))


async def read_and_closed(fake: FakeOpenRouter) -> int:
    """Completion tokens the fake sent before the server closed the stream (it must close it)."""
    request = fake.chat_requests()[0]
    assert await fake.wait_for_async(lambda: request.disconnected, timeout=5), "the stream was closed early"
    assert await fake.wait_for_async(lambda: request.generation_id is not None, timeout=5)
    generation = fake.generation(str(request.generation_id))
    assert generation is not None
    return int(generation["tokens_completion"])


GUARDED = [
    (
        "near-duplicate of the next line",
        "def total(items):\n    result = 0\n    █\n    print(result)\n    return result\n",
        "for item in items:\n    result += item\nprint(result)  # show it\n"
        + "".join(f"value_{i} = compute({i})\n" for i in range(60)),
        "for item in items:\n        result += item",
    ),
    ("repeated lines", "def count():\n    total = 0\n    █\n", "total += 1\n" * 60, "total += 1"),
    (
        "retyped suffix",
        "function f(items) {\n  let sum = 0;\n  █\n  return sum;\n}\n",
        "for (const x of items) sum += x;\nreturn sum;\n}\n" + "".join(f"g{i}();\n" for i in range(60)),
        "for (const x of items) sum += x;",
    ),
]


@pytest.mark.parametrize(("name", "document", "answer", "expected"), GUARDED, ids=[g[0] for g in GUARDED])
async def test_stream_guards_close_the_upstream_early(
    fake: FakeOpenRouter, tmp_path: Path, name: str, document: str, answer: str, expected: str
) -> None:
    fake.honor_stop = False  # the guards under test, not the stop sequences
    fake.default_reply = Reply.text(answer, tps=200)
    language = "javascript" if "function" in document else "python"
    async with lsp_session(fake, tmp_path) as client:
        text, position = cursor(document)
        uri = open_document(client, text, language)
        result = await inline(client, uri, position)
        assert result.items[0].insert_text == expected
        read = await read_and_closed(fake)
    # Stopped within a few lines of the line that decided it, not at the block's 20-line cap.
    assert read < pieces_through_line(answer, 6) < len(split_pieces(answer))


async def test_the_next_line_below_is_a_stop_sequence(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path) as client:
        text, position = cursor("def total(items):\n    result = 0\n    █\n    print(result)\n")
        uri = open_document(client, text)
        await complete(client, uri, position)
    stops = fake.chat_requests()[0].json["stop"]
    assert "\n    print(result)" in stops and len(stops) <= 4


async def test_ghost_text_continues_after_the_selected_menu_item(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text(".join(base, name)")
    async with lsp_session(fake, tmp_path) as client:
        text, position = cursor("import os\nfull = os.pa█\n")
        uri = open_document(client, text)
        selected = types.SelectedCompletionInfo(
            range=types.Range(start=types.Position(line=1, character=10), end=position), text="path"
        )
        params = inline_params(uri, position)
        params.context.selected_completion_info = selected
        result = await client.text_document_inline_completion_async(params)
    assert result is not None
    (item,) = result.items if isinstance(result, types.InlineCompletionList) else result
    assert item.insert_text == "path.join(base, name)"
    assert item.range == selected.range
    prompt = fake.chat_requests()[0].messages[-1]["content"]
    assert "full = os.path{{FILL_HERE}}" in prompt


@asynccontextmanager
async def named_client_session(
    fake: FakeOpenRouter, data_dir: Path, name: str, capabilities: types.ClientCapabilities
) -> AsyncIterator[LanguageClient]:
    """A session whose initialize carries ``clientInfo.name``, as real editors send it."""
    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "arb_lsp", env=server_env(fake, str(data_dir)))
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities,
                client_info=types.ClientInfo(name=name),
                initialization_options={"completion": {"debounceMs": 0}},
            )
        )
        yield client
    finally:
        await asyncio.wait_for(client.shutdown_session(), timeout=5)
        await asyncio.wait_for(client.stop(), timeout=10)


@pytest.mark.parametrize(
    ("name", "relative"), [("Neovim", True), ("helix", True), ("Emacs", False), ("Sublime Text LSP", False)]
)
async def test_relative_text_only_for_clients_that_reindent(
    fake: FakeOpenRouter, tmp_path: Path, name: str, relative: bool
) -> None:
    fake.default_reply = Reply.text("for x in items:\n    print(x)")
    async with named_client_session(fake, tmp_path, name, capabilities("neovim")) as client:
        text, position = cursor("def f(items):\n    █\n")
        uri = open_document(client, text)
        (item,) = (await complete(client, uri, position)).items
    assert isinstance(item.text_edit, types.TextEdit)
    if relative:
        assert item.insert_text_format == types.InsertTextFormat.Snippet
        assert item.insert_text_mode == types.InsertTextMode.AdjustIndentation
        assert item.text_edit.new_text == "for x in items:\n    print(x)"
    else:
        assert item.insert_text_format == types.InsertTextFormat.PlainText
        assert item.text_edit.new_text == "for x in items:\n        print(x)"


async def test_menu_label_starts_with_the_typed_word_and_details_the_rest(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text(
        "total_of_every_item_in_the_basket_with_a_long_descriptive_name(items):\n    return 0\n"
    )
    caps = capabilities("visual_studio_code")
    assert caps.text_document and caps.text_document.completion and caps.text_document.completion.completion_item
    caps = attrs.evolve(
        caps,
        text_document=attrs.evolve(
            caps.text_document,
            completion=attrs.evolve(
                caps.text_document.completion,
                completion_item=attrs.evolve(caps.text_document.completion.completion_item, label_details_support=True),
            ),
        ),
    )
    async with named_client_session(fake, tmp_path, "Visual Studio Code", caps) as client:
        text, position = cursor("def tot█\n")
        uri = open_document(client, text)
        (item,) = (await complete(client, uri, position)).items
        fake.default_reply = Reply.text("total = 0\nfor x in items:\n    total += x")
        text, position = cursor("def f(items):\n    █\n")
        uri = open_document(client, text)
        (block,) = (await complete(client, uri, position)).items
    assert item.label.startswith("total_of_every_item") and len(item.label) <= 60 and item.label.endswith("…")
    assert item.filter_text == "total_of_every_item_in_the_basket_with_a_long_descriptive_name(items):"
    assert block.label == "total = 0"
    assert block.label_details is not None and block.label_details.detail == " … +2 lines"
    assert isinstance(block.documentation, types.MarkupContent) and "total += x" in block.documentation.value
