"""Helpers for the hardening tests: raw JSON-RPC, a session that keeps the server's stderr, stats, overlap.

``lsp_support.lsp_session`` drives the server as editors do; the hardening tests also need to send what no
well-behaved client sends (params of the wrong type, envelopes without ``jsonrpc``), to point the server at
another upstream (a closed port) or to read every line it logs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import server_env
from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, RecordedRequest
from lsp_support import end_session, initialize
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, make_test_lsp_client

#: What "answers promptly" means in these tests: generous, so a slow CI machine does not fail them.
PROMPT_S = 10.0


@dataclass
class Session:
    """A running server: the client driving it, every line it wrote to stderr, every message it sent."""

    client: LanguageClient
    stderr: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)

    def shown(self, contains: str = "arb-lsp") -> list[str]:
        return [m.message for m in self.client.messages if contains in m.message]


@dataclass(frozen=True)
class RawAnswer:
    """A response to a raw request: its result, or its error code and message; ``answered`` False if none came."""

    result: Any = None
    code: int | None = None
    message: str = ""
    answered: bool = True


async def _collect(stream: asyncio.StreamReader, lines: list[str]) -> None:
    while line := await stream.readline():
        lines.append(line.decode("utf-8", "replace"))


@asynccontextmanager
async def session(
    fake: FakeOpenRouter | None,
    data_dir: Path,
    *,
    profile: str = "neovim",
    init_options: dict[str, Any] | None = None,
    configuration: dict[str, Any] | None = None,
    key: str | None = DEFAULT_API_KEY,
    env: dict[str, str] | None = None,
    root: Path | None = None,
    folders: Sequence[Path] | None = None,
) -> AsyncIterator[Session]:
    """Like ``lsp_session``, plus ``env`` overrides and the server's stderr and incoming messages recorded."""
    client = make_test_lsp_client()
    if configuration is not None:
        client.set_configuration(configuration, section="arbLsp")
    recorded = Session(client)
    original_handle = client.protocol.handle_message

    def record(message: Any) -> Any:
        recorded.received.append(repr(message))
        return original_handle(message)

    client.protocol.handle_message = record  # type: ignore[method-assign]
    environment = {**server_env(fake, str(data_dir), key=key), **(env or {})}
    await client.start_io(sys.executable, "-m", "arb_lsp", env=environment)
    # pytest-lsp forwards stderr to ours and drops what is left when it stops: read it ourselves, to the end.
    forwarder = client._stderr_forwarder
    if forwarder is not None:
        forwarder.cancel()
    process = client._server
    assert process is not None and process.stderr is not None
    collector = asyncio.ensure_future(_collect(process.stderr, recorded.stderr))
    try:
        await initialize(client, profile, init_options, root, folders)
        yield recorded
    except BaseException:
        await _end(client, collector, strict=False)
        raise
    await _end(client, collector, strict=True)


async def _end(client: LanguageClient, collector: asyncio.Future[None], *, strict: bool) -> None:
    """End the session (``lsp_support.end_session``), then read the rest of the server's stderr."""
    try:
        await end_session(client, strict=strict)
    finally:
        try:
            await asyncio.wait_for(collector, timeout=5)
        except TimeoutError:
            collector.cancel()


async def raw_request(client: LanguageClient, message: dict[str, Any], limit: float = PROMPT_S) -> RawAnswer:
    """Send ``message`` (a JSON-RPC request, however malformed) as is and wait for the response with its id.

    A server that never answers gives ``RawAnswer(answered=False)`` after ``limit`` seconds: the failure
    these tests look for, reported by the test's own assertion.
    """
    protocol = client.protocol
    message = {"id": f"raw-{uuid.uuid4()}", **message}
    msg_id = message["id"]
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    protocol._request_futures[msg_id] = future
    protocol._send_data(message)
    done, _ = await asyncio.wait({asyncio.wrap_future(future)}, timeout=limit)
    protocol._request_futures.pop(msg_id, None)
    if not done:
        future.cancel()
        return RawAnswer(answered=False, message=f"no response to {msg_id!r} within {limit:g} s")
    error = future.exception()
    if isinstance(error, JsonRpcException):
        return RawAnswer(code=error.code, message=str(error))
    if error is not None:
        raise error
    return RawAnswer(result=_plain(future.result()))


def _plain(value: Any) -> Any:
    """pygls hands untyped results over as namedtuples: back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def request(method: str, params: Any, *, jsonrpc: str | None = "2.0") -> dict[str, Any]:
    message: dict[str, Any] = {"method": method, "params": params}
    if jsonrpc is not None:
        message["jsonrpc"] = jsonrpc
    return message


async def stats(client: LanguageClient) -> dict[str, Any]:
    result = await asyncio.wait_for(
        client.workspace_execute_command_async(types.ExecuteCommandParams(command="arbLsp.stats")), PROMPT_S
    )
    assert isinstance(result, dict), result
    return result


async def timed(awaitable: Any, limit: float = PROMPT_S) -> tuple[Any, float]:
    """The awaitable's result and how long it took; TimeoutError past ``limit`` seconds."""
    started = time.monotonic()
    result = await asyncio.wait_for(awaitable, limit)
    return result, time.monotonic() - started


def document_id(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def hover(client: LanguageClient, uri: str, line: int, character: int = 4) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(text_document=document_id(uri), position=types.Position(line=line, character=character))
    )


async def code_actions(client: LanguageClient, uri: str, line: int, character: int = 0) -> list[types.CodeAction]:
    position = types.Position(line=line, character=character)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=document_id(uri),
            range=types.Range(start=position, end=position),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def docstring(client: LanguageClient, uri: str, line: int) -> types.CodeAction | None:
    """Ask for the docstring action at ``line`` and resolve it (the paid step); None if none is offered."""
    offered = await code_actions(client, uri, line)
    if not offered:
        return None
    return await client.code_action_resolve_async(offered[0])


def request_end(rec: RecordedRequest) -> float:
    """When the fake stopped serving ``rec``: finished, abandoned by the client, or (still going) now."""
    ends = [t for t in (rec.finished_at, rec.disconnected_at) if t is not None]
    return min(ends) if ends else time.monotonic()


def max_overlap(requests: Iterable[RecordedRequest]) -> int:
    """The largest number of requests the fake was serving at the same moment."""
    events: list[tuple[float, int]] = []
    for rec in requests:
        events.append((rec.started_at, 1))
        events.append((request_end(rec), -1))
    # At equal times an end comes first: a request that started as another ended does not overlap it.
    events.sort(key=lambda event: (event[0], event[1]))
    current = peak = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak
