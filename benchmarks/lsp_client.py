"""A minimal LSP client over stdio that timestamps every message as it crosses the pipe.

pytest-lsp's client (used by the e2e tests) checks every message against the spec and structures it
before handing it over, which costs milliseconds of Python in the very process that holds the
stopwatch. Here a reader task takes ``time.monotonic()`` as soon as a whole message is read and only
then decodes it, and several messages can go out in one write (a keystroke and the request it
triggers), so the times measure the server and the pipe, not the client.

Params are built with ``lsprotocol`` types and unstructured with its converter, as a real client does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter

_converter = get_converter()

#: A message to send: (method, params as an lsprotocol object or None).
Message = tuple[str, Any]


def unstructure(params: Any) -> Any:
    return _converter.unstructure(params)


def structure(data: Any, kind: Any) -> Any:
    return _converter.structure(data, kind)


@dataclass(slots=True)
class Answer:
    """A response, with when its request was written and when the whole response had been read."""

    id: str
    sent_at: float
    answered_at: float
    result: Any = None
    error: dict[str, Any] | None = None

    @property
    def latency(self) -> float:
        return self.answered_at - self.sent_at

    @property
    def cancelled(self) -> bool:
        return self.error is not None and self.error.get("code") == types.LSPErrorCodes.RequestCancelled

    def items(self) -> list[dict[str, Any]]:
        """Completion or inline completion items (raw), empty for errors and empty answers."""
        if self.error is not None or self.result is None:
            return []
        if isinstance(self.result, list):
            return list(self.result)
        items = self.result.get("items")
        return list(items) if isinstance(items, list) else []

    def first_text(self) -> str | None:
        """The text the first item would insert (``textEdit.newText`` or ``insertText``), if any."""
        items = self.items()
        if not items:
            return None
        item = items[0]
        edit = item.get("textEdit")
        if isinstance(edit, dict) and isinstance(edit.get("newText"), str):
            return str(edit["newText"])
        text = item.get("insertText")
        return text if isinstance(text, str) else None


@dataclass(slots=True)
class Pending:
    """A request in flight: its id (for ``$/cancelRequest``) and the future of its ``Answer``."""

    id: str
    sent_at: float
    answer: asyncio.Future[Answer] = field(repr=False)


def frame(message: Mapping[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class LspProcess:
    """One language server subprocess and the client end of its stdio JSON-RPC connection."""

    def __init__(
        self, argv: Sequence[str], env: Mapping[str, str], *, name: str = "server", cwd: str | None = None
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.name = name
        self.launched_at = 0.0
        self.notifications: list[tuple[float, str, Any]] = []
        self.server_requests: list[str] = []
        self._process: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[str, tuple[float, asyncio.Future[Answer]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._stderr_task: asyncio.Task[None] | None = None
        self._stderr_tail = bytearray()

    # -- lifetime ----------------------------------------------------------------------------------

    async def launch(self) -> float:
        """Start the process; returns the monotonic time just before it was spawned."""
        self.launched_at = time.monotonic()
        self._process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
            cwd=self.cwd,
            limit=64 * 1024 * 1024,
        )
        self._reader = asyncio.create_task(self._read_messages())
        self._stderr_task = asyncio.create_task(self._drain_stderr())
        return self.launched_at

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def stderr_tail(self) -> str:
        return self._stderr_tail.decode(errors="replace")

    async def initialize(self, init_options: Mapping[str, Any] | None = None, *, root: str | None = None) -> Answer:
        """``initialize`` then ``initialized``; the answer's ``answered_at`` marks the end of a cold start."""
        capabilities = types.ClientCapabilities(
            general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
            text_document=types.TextDocumentClientCapabilities(
                synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
                completion=types.CompletionClientCapabilities(
                    completion_item=types.ClientCompletionItemOptions(snippet_support=False),
                    context_support=True,
                ),
                inline_completion=types.InlineCompletionClientCapabilities(),
            ),
            window=types.WindowClientCapabilities(work_done_progress=False),
        )
        params = types.InitializeParams(
            capabilities=capabilities,
            process_id=os.getpid(),
            root_uri=root,
            initialization_options=dict(init_options or {}),
        )
        answer = await self.request(types.INITIALIZE, params)
        if answer.error is not None:
            raise RuntimeError(f"{self.name}: initialize failed: {answer.error}")
        self.notify(types.INITIALIZED, types.InitializedParams())
        return answer

    async def shutdown(self, grace_s: float = 5.0) -> None:
        process = self._process
        if process is None:
            return
        with contextlib.suppress(Exception):
            if process.returncode is None:
                await asyncio.wait_for(self.request(types.SHUTDOWN, None), grace_s)
                self.notify(types.EXIT, None)
        try:
            await asyncio.wait_for(process.wait(), grace_s)
        except TimeoutError:
            process.kill()
            await process.wait()
        for task in (self._reader, self._stderr_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        for _, future in self._waiting.values():
            if not future.done():
                future.cancel()
        self._waiting.clear()

    async def __aenter__(self) -> LspProcess:
        await self.launch()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    # -- messages ----------------------------------------------------------------------------------

    def _message(self, method: str, params: Any, msg_id: str | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if msg_id is not None:
            message["id"] = msg_id
        if params is not None:
            message["params"] = unstructure(params)
        return message

    def _write(self, data: bytes) -> float:
        assert self._process is not None and self._process.stdin is not None
        sent_at = time.monotonic()
        self._process.stdin.write(data)
        return sent_at

    def notify(self, method: str, params: Any) -> float:
        return self._write(frame(self._message(method, params)))

    def send(self, method: str, params: Any, *, before: Sequence[Message] = ()) -> Pending:
        """Write a request (after the notifications in ``before``, in the same write) and return at once."""
        msg_id = f"{self.name}-{next(self._ids)}"
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        data = b"".join(frame(self._message(m, p)) for m, p in before)
        data += frame(self._message(method, params, msg_id))
        sent_at = self._write(data)  # the answer is read by a task of this loop: never before this returns
        self._waiting[msg_id] = (sent_at, future)
        return Pending(msg_id, sent_at, future)

    async def request(
        self, method: str, params: Any, *, before: Sequence[Message] = (), limit_s: float = 30.0
    ) -> Answer:
        pending = self.send(method, params, before=before)
        try:
            return await asyncio.wait_for(pending.answer, limit_s)
        except TimeoutError:
            raise TimeoutError(f"{self.name} did not answer {method} in {limit_s} s") from None

    def cancel(self, msg_id: str) -> float:
        """Send ``$/cancelRequest``; returns the time just before it was written."""
        return self.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    async def drain(self) -> None:
        assert self._process is not None and self._process.stdin is not None
        await self._process.stdin.drain()

    # -- reading -----------------------------------------------------------------------------------

    async def _read_messages(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        try:
            while True:
                length = -1
                while True:
                    line = await stdout.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length < 0:
                    continue
                body = await stdout.readexactly(length)
                arrived = time.monotonic()
                self._dispatch(json.loads(body), arrived)
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            for _, future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"{self.name} closed its output: {self.stderr_tail[-2000:]}"))

    def _dispatch(self, message: dict[str, Any], arrived: float) -> None:
        msg_id = message.get("id")
        method = message.get("method")
        if method is not None and msg_id is not None:
            # A request from the server (configuration, progress, registration): answer "nothing".
            self.server_requests.append(str(method))
            self._write(frame({"jsonrpc": "2.0", "id": msg_id, "result": None}))
            return
        if method is not None:
            self.notifications.append((arrived, str(method), message.get("params")))
            return
        waiting = self._waiting.pop(str(msg_id), None)
        if waiting is None:
            return
        sent_at, future = waiting
        if not future.done():
            future.set_result(Answer(str(msg_id), sent_at, arrived, message.get("result"), message.get("error")))

    async def _drain_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        while True:
            chunk = await self._process.stderr.read(65536)
            if not chunk:
                return
            self._stderr_tail += chunk
            del self._stderr_tail[:-65536]

    # -- the process -------------------------------------------------------------------------------

    def memory_kib(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak RSS) of the server process, in KiB, from /proc."""
        values: dict[str, int] = {}
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in {"VmRSS", "VmHWM"}:
                    values[key] = int(rest.split()[0])
        return values
