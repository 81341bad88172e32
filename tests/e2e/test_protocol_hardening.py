"""Hostile and unusual input over LSP: every request gets a response and the server keeps answering.

Malformed params and envelopes sent as raw JSON-RPC, positions outside the document or inside a character,
documents the server never saw (or saw closed), URIs that are not ``file:``, junk in ``codeAction/resolve``
data and command arguments, and inputs far bigger than usual: a 300,000-line file, a 1 MB line, control
characters. Time bounds are generous (``PROMPT_S``); what they catch is a server that never answers or
that stops answering everyone while it works on one huge request.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from fake_openrouter import FakeOpenRouter, Reply
from hardening_support import (
    PROMPT_S,
    RawAnswer,
    Session,
    code_actions,
    document_id,
    hover,
    raw_request,
    request,
    session,
    stats,
    timed,
)
from lsp_support import complete, edit, inline, open_document
from lsprotocol import types
from pytest_lsp import LanguageClient

INVALID_PARAMS = -32602
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
HOLE = "{{FILL_HERE}}"

SMALL = "def add(a, b):\n    return a + b\n\n\ntotal = add(1, 2)\n"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared(fake_server: FakeOpenRouter, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Session]:
    """One server for the cases that only need answers (each test opens its own documents)."""
    async with session(fake_server, tmp_path_factory.mktemp("hardening")) as running:
        yield running


async def still_answers(client: LanguageClient, fake: FakeOpenRouter) -> None:
    """The server is alive and serving: a fresh document gets a real suggestion."""
    fake.default_reply = Reply.text("alive()")
    line = f"probe_{time.monotonic_ns()} = "
    uri = open_document(client, line + "\n")
    result, _ = await timed(complete(client, uri, types.Position(line=0, character=len(line))))
    assert [item.text_edit.new_text for item in result.items] == ["alive()"]


def last_prompt(fake: FakeOpenRouter) -> str:
    requests = fake.chat_requests()
    assert requests, "no request reached the fake"
    return str(requests[-1].messages[-1]["content"])


# -- malformed requests -----------------------------------------------------------------------------

U = "file:///work/ws/malformed.py"
POSITION = {"line": 0, "character": 4}

MALFORMED = [
    ("position is a string", "textDocument/completion", {"textDocument": {"uri": U}, "position": "0:4"}),
    (
        "negative line",
        "textDocument/completion",
        {"textDocument": {"uri": U}, "position": {"line": -1, "character": 0}},
    ),
    (
        "negative character",
        "textDocument/inlineCompletion",
        {
            "textDocument": {"uri": U},
            "position": {"line": 0, "character": -3},
            "context": {"triggerKind": 2},
        },
    ),
    (
        "character not a number",
        "textDocument/completion",
        {"textDocument": {"uri": U}, "position": {"line": 0, "character": "four"}},
    ),
    (
        "line beyond uinteger",
        "textDocument/hover",
        {"textDocument": {"uri": U}, "position": {"line": 2**53, "character": 0}},
    ),
    ("position missing", "textDocument/completion", {"textDocument": {"uri": U}}),
    ("params null", "textDocument/completion", None),
    ("params an array", "textDocument/completion", [U, 0, 4]),
    ("inline context missing", "textDocument/inlineCompletion", {"textDocument": {"uri": U}, "position": POSITION}),
    ("textDocument a string", "textDocument/hover", {"textDocument": U, "position": POSITION}),
    (
        "range without end",
        "textDocument/codeAction",
        {"textDocument": {"uri": U}, "range": {"start": POSITION}, "context": {"diagnostics": []}},
    ),
    ("resolve without title", "codeAction/resolve", {"data": {"uri": U, "line": 0, "character": 0}}),
    ("command not a string", "workspace/executeCommand", {"command": 42}),
]


@pytest.mark.parametrize(("why", "method", "params"), MALFORMED, ids=[case[0] for case in MALFORMED])
async def test_malformed_params_get_invalid_params_and_the_server_keeps_answering(
    shared: Session, fake: FakeOpenRouter, why: str, method: str, params: Any
) -> None:
    answer = await raw_request(shared.client, request(method, params))
    assert answer.code == INVALID_PARAMS, (why, answer)
    await still_answers(shared.client, fake)


@pytest.mark.parametrize(
    ("why", "message"),
    [
        (
            "no jsonrpc member",
            request("textDocument/hover", {"textDocument": {"uri": U}, "position": POSITION}, jsonrpc=None),
        ),
        (
            "jsonrpc 1.0",
            request("textDocument/hover", {"textDocument": {"uri": U}, "position": POSITION}, jsonrpc="1.0"),
        ),
    ],
    ids=["no-jsonrpc", "jsonrpc-1.0"],
)
async def test_an_invalid_envelope_with_an_id_gets_invalid_request(
    shared: Session, fake: FakeOpenRouter, why: str, message: dict[str, Any]
) -> None:
    """JSON-RPC 2.0: a request object that is not valid gets -32600 (it has an id: the client is waiting)."""
    answer = await raw_request(shared.client, message, limit=3)
    assert answer.answered, f"{why}: {answer.message}"
    assert answer.code == INVALID_REQUEST, (why, answer)
    await still_answers(shared.client, fake)


async def test_unknown_method_and_unknown_command_are_error_responses(shared: Session, fake: FakeOpenRouter) -> None:
    unknown = await raw_request(shared.client, request("arbLsp/noSuchMethod", {}))
    assert unknown.code == METHOD_NOT_FOUND, unknown
    command = await raw_request(
        shared.client, request("workspace/executeCommand", {"command": "arbLsp.noSuchCommand", "arguments": [1]})
    )
    assert command.code is not None and command.code < 0, command
    assert "arbLsp.noSuchCommand" in command.message
    # Notifications nobody handles are ignored without an answer (and without breaking anything).
    shared.client.protocol._send_data(request("$/arbLsp/unknownNotification", {"x": 1}))
    shared.client.protocol._send_data(request("workspace/didChangeWatchedFiles", {"changes": "junk"}))
    await still_answers(shared.client, fake)


JUNK_DATA: list[tuple[str, Any]] = [
    ("no data", None),
    ("a string", "file:///work/ws/junk.py:3"),
    ("a number", 17),
    ("missing line", {"uri": "URI"}),
    ("line as text", {"uri": "URI", "line": "3", "character": 0}),
    ("negative line", {"uri": "URI", "line": -1, "character": 0}),
    ("negative character", {"uri": "URI", "line": 0, "character": -5}),
    ("uri a number", {"uri": 5, "line": 0, "character": 0}),
    ("two targets", [{"uri": "URI", "line": 0, "character": 0}, {"uri": "URI", "line": 1, "character": 0}]),
    ("line beyond uinteger", {"uri": "URI", "line": 2**40, "character": 0}),
]


def _with_uri(data: Any, uri: str) -> Any:
    return json.loads(json.dumps(data).replace('"URI"', json.dumps(uri)))


@pytest.mark.parametrize(("why", "data"), JUNK_DATA, ids=[case[0] for case in JUNK_DATA])
async def test_junk_code_action_data_and_command_arguments_get_invalid_params(
    shared: Session, fake: FakeOpenRouter, why: str, data: Any
) -> None:
    uri = open_document(shared.client, SMALL)
    data = _with_uri(data, uri)
    resolved = await raw_request(
        shared.client, request("codeAction/resolve", {"title": "Generate docstring", "data": data})
    )
    assert resolved.code == INVALID_PARAMS, (why, resolved)
    arguments = data if isinstance(data, list) else [] if data is None else [data]
    command = await raw_request(
        shared.client,
        request("workspace/executeCommand", {"command": "arbLsp.generateDocstring", "arguments": arguments}),
    )
    assert command.code == INVALID_PARAMS, (why, command)
    assert fake.chat_requests() == []
    await still_answers(shared.client, fake)


# -- positions and documents ------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _inside(document: str, position: types.Position) -> bool:
    """Whether an ASCII document has ``position`` (LSP: a line that exists, a column up to its end)."""
    lines = document.split("\n")
    return position.line < len(lines) and position.character <= len(lines[position.line])


@pytest.mark.parametrize(
    ("why", "line", "character", "expected"),
    [
        ("past the end of the line", 0, 500, "total = add(1, 2){{FILL_HERE}}"),
        ("past the end of the document", 10_000, 3, "total = add(1, 2)\n{{FILL_HERE}}"),
        ("far past both", 2**31 - 1, 2**31 - 1, "total = add(1, 2)\n{{FILL_HERE}}"),
    ],
)
async def test_positions_outside_the_document_are_clamped_into_it(
    shared: Session, fake: FakeOpenRouter, why: str, line: int, character: int, expected: str
) -> None:
    fake.default_reply = Reply.text("  # checked")
    document = "total = add(1, 2)\n"
    uri = open_document(shared.client, document)
    position = types.Position(line=line, character=character)
    menu, _ = await timed(complete(shared.client, uri, position))
    ghost, _ = await timed(inline(shared.client, uri, position))
    assert expected in last_prompt(fake), why
    for item in menu.items:
        assert isinstance(item.text_edit, types.TextEdit)
        edit_range = item.text_edit.range
        assert _inside(document, edit_range.start) and _inside(document, edit_range.end), (why, edit_range)
    for ghost_item in ghost.items:
        assert ghost_item.range is not None
        assert _inside(document, ghost_item.range.start) and _inside(document, ghost_item.range.end), why
    explained, _ = await timed(hover(shared.client, uri, line, character))
    if line == 0:  # clamped onto the statement: explained, with a range inside the document
        assert explained is not None and explained.range is not None, why
        assert _inside(document, explained.range.start) and _inside(document, explained.range.end), why
    else:  # clamped onto the empty last line: nothing to explain
        assert explained is None, why
    assert (await timed(code_actions(shared.client, uri, line, character)))[0] == [], "no definition to document"
    await still_answers(shared.client, fake)


async def test_unknown_and_closed_documents_answer_empty_without_upstream_calls(
    shared: Session, fake: FakeOpenRouter
) -> None:
    client = shared.client
    position = types.Position(line=0, character=4)
    never_opened = "file:///work/ws/never_opened.py"
    closed = open_document(client, SMALL)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document_id(closed)))
    for uri in (never_opened, closed):
        assert not (await timed(complete(client, uri, position)))[0].items
        assert not (await timed(inline(client, uri, position)))[0].items
        assert (await timed(hover(client, uri, 0)))[0] is None
        assert (await timed(code_actions(client, uri, 0)))[0] == []
        resolved = await raw_request(
            client,
            request(
                "codeAction/resolve", {"title": "Generate docstring", "data": {"uri": uri, "line": 0, "character": 0}}
            ),
        )
        assert resolved.answered and resolved.code is None, resolved
        assert resolved.result.get("edit") is None, resolved
    # Notifications about documents the server does not have: ignored, not fatal.
    edit(client, never_opened, 2, position, "x")
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document_id(never_opened)))
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document_id(closed)))
    assert fake.chat_requests() == []
    await still_answers(client, fake)
    assert not shared.shown("Error"), shared.shown("Error")


async def test_reopened_and_wholly_replaced_documents_are_served_from_their_latest_text(
    shared: Session, fake: FakeOpenRouter
) -> None:
    """Clients reopen documents without closing them and may send a whole-document change even to an
    incremental server: the next prompt shows the client's latest text, nothing older."""
    fake.default_reply = Reply.text("latest()")
    client = shared.client
    uri = open_document(client, "stale_one = \n")
    open_document(client, "stale_two = \n", uri=uri)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=5),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="fresh = \n")],
        )
    )
    menu, _ = await timed(complete(client, uri, types.Position(line=0, character=len("fresh = "))))
    assert [item.text_edit.new_text for item in menu.items] == ["latest()"]
    prompt = last_prompt(fake)
    assert f"fresh = {HOLE}" in prompt and "stale" not in prompt


#: Characters Python's ``str.splitlines`` ends lines at but LSP does not (LSP: only \n, \r\n and \r).
NOT_LSP_BREAKS = {
    "form feed": "\x0c",
    "vertical tab": "\x0b",
    "file separator": "\x1c",
    "next line (NEL)": "\x85",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
}


@pytest.mark.parametrize("name", list(NOT_LSP_BREAKS))
async def test_an_edit_after_a_character_that_lsp_does_not_count_as_a_line_break(
    shared: Session, fake: FakeOpenRouter, name: str
) -> None:
    """Form feeds separate sections of many Python and Lisp files; \u2028 turns up in JSON and JS strings.
    For the editor they are ordinary characters: the next line is the one after the next \n, and an edit
    there must land where the editor made it."""
    fake.default_reply = Reply.text("compute()")
    client = shared.client
    tag = list(NOT_LSP_BREAKS).index(name)
    uri = open_document(client, f"a_{tag} = 1{NOT_LSP_BREAKS[name]}b = 2\nvalue = \n")
    edit(client, uri, 2, types.Position(line=1, character=len("value = ")), "x")
    menu, _ = await timed(complete(client, uri, types.Position(line=1, character=len("value = x"))))
    prompt = last_prompt(fake)
    expected = f"a_{tag} = 1{NOT_LSP_BREAKS[name]}b = 2\nvalue = x{HOLE}\n"
    assert expected in prompt, f"{name}: the server's text differs from the editor's"
    assert menu.items


NON_FILE_URIS = [
    "untitled:Untitled-1",
    "vscode-notebook-cell:/work/ws/analysis.ipynb#W2sZmlsZQ%3D%3D",
    "vscode-vfs://github/arb-lsp/arb-lsp/main.py",
    "inmemory://model/1",
    "file:///work/ws/my%20project/main.py",
    "file:///c%3A/Users/dev/project/main.py",
]


@pytest.mark.parametrize("uri", NON_FILE_URIS)
async def test_non_file_and_percent_encoded_uris_are_served_like_files(
    shared: Session, fake: FakeOpenRouter, uri: str
) -> None:
    """Editors send ``untitled:`` buffers, notebook cells, virtual files and percent-encoded paths (VS Code
    encodes a Windows drive's colon): each is a document like any other."""
    fake.default_reply = Reply.text("compute()")
    client = shared.client
    line = f"result_{NON_FILE_URIS.index(uri)} = "  # a context of its own: no answer cached by another case
    open_document(client, line + "\n", uri=uri)
    menu, _ = await timed(complete(client, uri, types.Position(line=0, character=len(line))))
    assert [item.text_edit.new_text for item in menu.items] == ["compute()"], uri
    assert f"{line}{HOLE}" in last_prompt(fake)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=document_id(uri)))


async def test_positions_inside_a_surrogate_pair_land_on_a_character_boundary(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    """A utf-16 client (VS Code) may send a column between the two halves of 🎉: the server neither splits
    the character nor answers with a position inside it."""
    fake.default_reply = Reply.text("party()")
    line = 'x = "🎉" + 🎉'
    async with session(fake, tmp_path, profile="visual_studio_code") as running:
        client = running.client
        uri = open_document(client, line + "\n")
        # Each 🎉 takes two utf-16 columns; the column between them is inside the character.
        inside = [utf16_len(line[: line.index("🎉", start)]) + 1 for start in (0, line.index("+"))]
        assert inside == [6, 12]
        for character in inside:
            position = types.Position(line=0, character=character)
            menu, _ = await timed(complete(client, uri, position))
            ghost, _ = await timed(inline(client, uri, position))
            for item in menu.items:
                assert isinstance(item.text_edit, types.TextEdit)
                for end in (item.text_edit.range.start, item.text_edit.range.end):
                    assert end.character not in inside, (character, item.text_edit.range)
            for ghost_item in ghost.items:
                assert ghost_item.range is not None
                assert ghost_item.range.end.character not in inside
            explained, _ = await timed(hover(client, uri, 0, character))
            assert explained is not None, character
        assert len(fake.chat_requests()) == 3, "a completion for each position (ghost text shares it), one hover"
        for request_record in fake.chat_requests():
            # Parsed, a lone surrogate escape ("\\ud83c" alone) stays a lone surrogate character.
            sent = json.dumps(request_record.json, ensure_ascii=False)
            assert not [c for c in sent if "\ud800" <= c <= "\udfff"], "a lone surrogate was sent"
            prompt = str(request_record.messages[-1]["content"])
            if "<file>\n" not in prompt:
                assert "🎉" in prompt  # the hover's explanation request
                continue
            shown = prompt.split("<file>\n", 1)[1].split("\n</file>", 1)[0]
            assert HOLE in shown and shown.replace(HOLE, "") == line + "\n", shown


async def test_shutdown_with_a_completion_waiting_on_a_hanging_upstream_still_exits_promptly(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    """Leaving the session checks shutdown's null answer, the exit status 0 and the exit within
    ``lsp_support.EXIT_S`` (as for every session); here with upstream work still in flight."""
    fake.default_reply = Reply.hang()
    async with session(fake, tmp_path) as running:
        uri = open_document(running.client, "waiting = \n")
        pending = asyncio.ensure_future(complete(running.client, uri, types.Position(line=0, character=10)))
        assert await fake.wait_for_async(lambda: len(fake.chat_requests()) == 1)
    pending.cancel()
    assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=PROMPT_S)


# -- big and strange inputs -------------------------------------------------------------------------

HUGE_LINES = 300_000


def huge_python() -> str:
    body = "".join(f"value_{i} = {i} * 3 + 1\n" for i in range(HUGE_LINES - 4))
    return body + "\ndef tail(x):\n    return x + value_1\n"


async def test_a_300000_line_file_is_opened_edited_and_served_without_holding_others_up(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    config = {"models": {"completion": "fast/completer", "explain": "slow/explainer"}}
    fake.script(Reply.text("Explains tail.", ttft=4), model="slow/explainer")
    # Valid where it goes ("FIRST_ = more_ = value_0 = ..."): a suggestion that breaks the code is dropped.
    fake.default_reply = Reply.text("more_ = ")
    text = huge_python()
    async with session(fake, tmp_path, init_options={**config, "hover": {"debounceMs": 0}}) as running:
        client = running.client
        uri = open_document(client, text)
        small = open_document(client, SMALL)
        # Edits at the start, the middle and the end, each one seen by the next completion.
        for version, (line, marker) in enumerate([(0, "FIRST"), (150_000, "MIDDLE"), (HUGE_LINES - 5, "LAST")], 2):
            position = types.Position(line=line, character=0)
            edit(client, uri, version, position, f"{marker}_ = ")
            after = types.Position(line=line, character=len(f"{marker}_ = "))
            result, _ = await timed(complete(client, uri, after))
            assert result.items, marker
            assert f"{marker}_ = {HOLE}" in last_prompt(fake)
        # A hover on the huge file (parsed and slow upstream) does not hold up a completion elsewhere.
        explaining = asyncio.ensure_future(timed(hover(client, uri, HUGE_LINES - 2, 8), 3 * PROMPT_S))
        fake.default_reply = Reply.text(" + 1")  # after "total = add(1, 2)"
        small_result, small_took = await timed(complete(client, small, types.Position(line=4, character=17)))
        assert small_result.items
        assert not explaining.done(), "the completion waited for the hover on the huge file"
        explained, explain_took = await explaining
        assert explained is not None and "Explains tail." in str(explained.contents)
        assert small_took < explain_took
        numbers = await stats(client)
    assert numbers["openDocuments"] == 2
    assert numbers["progressTokens"] == 0


LONG_LINE = 'blob = "' + "0123456789abcdef" * 65_536 + '"'  # a 1 MB line, one run of word characters


@pytest.mark.parametrize("profile", ["neovim", "visual_studio_code"])
async def test_a_1mb_line_costs_bounded_work_and_freezes_nobody(
    fake: FakeOpenRouter, tmp_path: Path, profile: str
) -> None:
    fake.default_reply = Reply.text("  # end")
    async with session(fake, tmp_path, profile=profile) as running:
        client = running.client
        uri = open_document(client, LONG_LINE + "\nnext = 1\n")
        small = open_document(client, SMALL)
        end_of_long = types.Position(line=0, character=len(LONG_LINE))  # ASCII: every encoding counts alike
        long_request = asyncio.ensure_future(complete(client, uri, end_of_long))
        await asyncio.sleep(0.05)
        small_request = asyncio.ensure_future(complete(client, small, types.Position(line=4, character=17)))
        await asyncio.wait({small_request, long_request}, timeout=PROMPT_S)
        answered = {"small file": small_request.done(), "end of the 1 MB line": long_request.done()}
        for request_task in (small_request, long_request):
            request_task.cancel()
        assert answered == {"small file": True, "end of the 1 MB line": True}, (
            f"completions without an answer within {PROMPT_S:g} s while the server works on a 1 MB line"
        )
        explained, _ = await timed(hover(client, uri, 0, 100))
        assert explained is not None and explained.range is not None
        assert (explained.range.start.character, explained.range.end.character) == (0, len(LONG_LINE))
        assert (await timed(code_actions(client, uri, 0, 100)))[0] == [], "an assignment has no docstring"
    for record in fake.chat_requests():
        assert len(record.body) < 64_000, "the prompt is a window around the cursor, not the line"


async def test_control_characters_and_nuls_are_carried_as_text(fake: FakeOpenRouter, tmp_path: Path) -> None:
    controls = "".join(chr(c) for c in range(32) if chr(c) not in "\n\r") + "\x7f\u0085\u2028\ufffe\ufeff"
    text = f"def odd(x):\n    return '{controls}'  # \x00\x00\n\n\nvalue = \x1b[31m\n"
    fake.default_reply = Reply.text("odd(1)")
    async with session(fake, tmp_path, init_options={"hover": {"debounceMs": 0}}) as running:
        client = running.client
        uri = open_document(client, text)
        edit(client, uri, 2, types.Position(line=0, character=0), "\x00\x01")
        menu, _ = await timed(complete(client, uri, types.Position(line=4, character=8)))
        assert [item.label for item in menu.items] == ["odd(1)"]
        # Every character before the cursor reached the model as it is in the document.
        assert "\x00\x01def odd(x):\n" + f"    return '{controls}'  # \x00\x00\n" in last_prompt(fake)
        assert f"value = {HOLE}\x1b[31m" in last_prompt(fake)
        ghost, _ = await timed(inline(client, uri, types.Position(line=1, character=12)))
        assert [item.insert_text for item in ghost.items] == ["odd(1)"]
        assert f"    return '{HOLE}{controls}'" in last_prompt(fake)
        explained, _ = await timed(hover(client, uri, 1, 8))
        assert explained is not None and "odd(1)" in str(explained.contents)
        assert controls in last_prompt(fake)
        assert len(await code_actions(client, uri, 1, 6)) == 1
        await still_answers(client, fake)
        assert not running.shown("Error")
    for record in fake.chat_requests():
        assert record.json is not None, "the server sent a body that is not JSON"


async def test_every_request_of_a_hostile_burst_gets_a_response(shared: Session, fake: FakeOpenRouter) -> None:
    """Fifty requests at once, valid and not, mixed: each one is answered (result or error), none is lost."""
    client = shared.client
    uri = open_document(client, SMALL)
    messages: list[dict[str, Any]] = []
    for i in range(10):
        messages.append(
            request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": i, "character": 2}})
        )
        messages.append(request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": "x"}}))
        messages.append(
            request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": i, "character": 0}})
        )
        messages.append(request("codeAction/resolve", {"title": "t", "data": {"uri": uri, "line": i}}))
        messages.append(request("arbLsp/unknown", {"i": i}))
    answers: list[RawAnswer] = await asyncio.gather(*(raw_request(client, m) for m in messages))
    assert [a for a in answers if not a.answered] == []
    assert [a.code for a in answers[1::5]] == [INVALID_PARAMS] * 10
    assert [a.code for a in answers[3::5]] == [INVALID_PARAMS] * 10
    assert [a.code for a in answers[4::5]] == [METHOD_NOT_FOUND] * 10
    numbers = await stats(client)
    assert numbers["pendingMessages"] <= 2, numbers
