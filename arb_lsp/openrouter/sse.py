"""Incremental Server-Sent Events parsing for OpenRouter's streams.

Network chunks split events anywhere, even inside a multi-byte UTF-8 character, so bytes are
buffered until a blank line ends an event. Comment lines (``: OPENROUTER PROCESSING``) keep the
connection alive and are dropped here. OpenRouter sends only ``data:`` fields.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator


class SSEDecoder:
    """Feed raw bytes, get the ``data`` payload of every complete event."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> Iterator[str]:
        self._pending += self._decoder.decode(chunk)
        yield from self._drain()

    def close(self) -> Iterator[str]:
        """End of stream: flush a final event that lacked its blank line."""
        self._pending += self._decoder.decode(b"", final=True)
        if self._pending:
            self._pending += "\n"
        yield from self._drain()
        if self._data:
            yield "\n".join(self._data)
            self._data = []

    def _drain(self) -> Iterator[str]:
        while True:
            cut = self._next_line_end()
            if cut is None:
                return
            line, width = cut
            raw = self._pending[:line]
            self._pending = self._pending[line + width :]
            if raw == "":
                if self._data:
                    yield "\n".join(self._data)
                    self._data = []
                continue
            if raw.startswith(":"):
                continue
            field, _, value = raw.partition(":")
            if field == "data":
                self._data.append(value[1:] if value.startswith(" ") else value)

    def _next_line_end(self) -> tuple[int, int] | None:
        """Position and width of the first line terminator (\\n, \\r\\n or \\r)."""
        text = self._pending
        n = text.find("\n")
        r = text.find("\r")
        if r == -1 and n == -1:
            return None
        if r == -1 or (n != -1 and n < r):
            return n, 1
        if r + 1 == len(text):
            return None  # a lone \r at the end may be the first half of \r\n
        return r, 2 if text[r + 1] == "\n" else 1
