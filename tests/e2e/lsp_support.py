"""Driving arb-lsp as a subprocess over stdio with pytest-lsp's client, as editors do."""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
from conftest import server_env
from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

_uris = itertools.count(1)


def capabilities(profile: str = "neovim") -> types.ClientCapabilities:
    """A real client's capabilities (pytest-lsp's recorded profiles), plus inline completion support."""
    caps = client_capabilities(profile)
    text_document = caps.text_document or types.TextDocumentClientCapabilities()
    return attrs.evolve(
        caps,
        text_document=attrs.evolve(text_document, inline_completion=types.InlineCompletionClientCapabilities()),
    )


@asynccontextmanager
async def lsp_session(
    fake: FakeOpenRouter | None,
    data_dir: Path,
    *,
    profile: str = "neovim",
    init_options: dict[str, Any] | None = None,
    configuration: dict[str, Any] | None = None,
    key: str | None = DEFAULT_API_KEY,
    root: Path | None = None,
    folders: Sequence[Path] | None = None,
    client_info: types.ClientInfo | None = None,
) -> AsyncIterator[LanguageClient]:
    client = make_test_lsp_client()
    if configuration is not None:
        client.set_configuration(configuration, section="arbLsp")
    await client.start_io(sys.executable, "-m", "arb_lsp", env=server_env(fake, str(data_dir), key=key))
    try:
        await initialize(client, profile, init_options, root, folders, client_info)
        yield client
    except BaseException:
        # Shut down even when the test failed (a server never told to exit keeps the client waiting),
        # but report the test's own failure, not a follow-on one.
        await end_session(client, strict=False)
        raise
    await end_session(client, strict=True)


#: How long the server may take to answer ``initialize`` (it imports everything first; a loaded machine is slow).
INITIALIZE_S = 30.0
#: How long the server may take to leave once told ``exit``: generous, for a loaded two-core machine.
EXIT_S = 5.0


async def end_session(client: LanguageClient, *, strict: bool) -> None:
    """``shutdown`` then ``exit``, as editors end a session, and wait for the process to leave.

    With ``strict``, a server that died during the test, answers ``shutdown`` with anything but null,
    is still running ``EXIT_S`` seconds after ``exit`` or leaves with a non-zero status fails the test.
    """
    process = client._server
    assert process is not None
    try:
        assert process.returncode is None, f"the server died during the test (status {process.returncode})"
        answer = await asyncio.wait_for(client.shutdown_async(None), timeout=10)
        assert answer is None, f"shutdown answered {answer!r}, not null"
        client.exit(None)
        try:
            status = await asyncio.wait_for(process.wait(), timeout=EXIT_S)
        except TimeoutError:
            raise AssertionError(f"the server was still running {EXIT_S:g} s after exit") from None
        assert status == 0, f"the server left with status {status} after shutdown and exit"
    except Exception:
        if strict:
            raise
    finally:
        if process.returncode is None:
            process.kill()
        await asyncio.wait_for(client.stop(), timeout=10)


async def initialize(
    client: LanguageClient,
    profile: str,
    init_options: dict[str, Any] | None,
    root: Path | None,
    folders: Sequence[Path] | None = None,
    client_info: types.ClientInfo | None = None,
) -> None:
    """The handshake every session makes: a real editor's capabilities, debounce off unless asked.

    ``root`` is sent as ``rootUri`` and, unless ``folders`` is given, as the one workspace folder;
    ``folders`` are the workspace folders (``[]``: send ``rootUri`` alone, as older clients do).
    """
    if folders is None:
        folders = [root] if root else []
    handshake = client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(profile),
            client_info=client_info,
            # Debounce off; a workspace-context budget no loaded test machine can miss (benchmarks/ time it).
            initialization_options={"completion": {"debounceMs": 0, "contextBudgetMs": 1000}, **(init_options or {})},
            root_uri=root.as_uri() if root else None,
            workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders] or None,
        )
    )
    # Bounded here: sessions are also module fixtures, which the per-test timeout does not cover.
    await asyncio.wait_for(handshake, timeout=INITIALIZE_S)


def new_uri(suffix: str = ".py") -> str:
    return f"file:///work/ws/file{next(_uris)}{suffix}"


def open_document(client: LanguageClient, text: str, language_id: str = "python", uri: str | None = None) -> str:
    uri = uri or new_uri(
        {"python": ".py", "javascript": ".js", "typescript": ".ts", "go": ".go", "rust": ".rs"}.get(language_id, ".txt")
    )
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)
        )
    )
    return uri


def cursor(text: str, marker: str = "█") -> tuple[str, types.Position]:
    """The text without the marker, and the marker's position in utf-32 units (ASCII tests: any encoding)."""
    offset = text.index(marker)
    before = text[:offset]
    line = before.count("\n")
    column = offset - (before.rfind("\n") + 1)
    return text.replace(marker, "", 1), types.Position(line=line, character=column)


def edit(client: LanguageClient, uri: str, version: int, position: types.Position, inserted: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text=inserted)
            ],
        )
    )


async def complete(client: LanguageClient, uri: str, position: types.Position) -> types.CompletionList:
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert isinstance(result, types.CompletionList)
    return result


async def inline(client: LanguageClient, uri: str, position: types.Position) -> types.InlineCompletionList:
    result = await client.text_document_inline_completion_async(inline_params(uri, position))
    assert isinstance(result, types.InlineCompletionList)
    return result


def send(client: LanguageClient, method: str, params: Any) -> tuple[str, asyncio.Future[Any]]:
    """Send a request with a known id, so the test can ``$/cancelRequest`` it like an editor does."""
    msg_id = f"req-{uuid.uuid4()}"
    return msg_id, asyncio.ensure_future(client.protocol.send_request_async(method, params, msg_id=msg_id))


def cancel(client: LanguageClient, msg_id: str) -> None:
    client.cancel_request(types.CancelParams(id=msg_id))


def inline_params(uri: str, position: types.Position) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=position,
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
    )


def menu_insertion(item: types.CompletionItem, cursor_line: str) -> str:
    """What an editor inserts for a completion item: snippets unescaped, their later lines re-indented."""
    edit = item.text_edit
    assert isinstance(edit, types.TextEdit)
    if item.insert_text_format != types.InsertTextFormat.Snippet:
        return edit.new_text
    text = re.sub(r"\\(.)", r"\1", edit.new_text)
    base = cursor_line[: len(cursor_line) - len(cursor_line.lstrip())]
    first, *rest = text.split("\n")
    return "\n".join([first, *(base + line if line else line for line in rest)])
