"""Snapshots of open documents with O(log n) position conversion in the client's encoding.

pygls's own helpers re-split the whole document on every call (``doc.lines``); a snapshot builds a
line index once per document version and converts client positions (utf-8 for Neovim, utf-16 for
VS Code) one line at a time, so per-request cost does not grow with the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from arb_lsp.context import LineIndex


def _units(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == types.PositionEncodingKind.Utf8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    if encoding == types.PositionEncodingKind.Utf32:
        return 1
    return 2 if code > 0xFFFF else 1


def column_from_client(line: str, character: int, encoding: str) -> int:
    """Code-point column for a client column; past the end clamps, inside a character rounds down."""
    if encoding == types.PositionEncodingKind.Utf32:
        return max(0, min(character, len(line)))
    if line.isascii():
        return max(0, min(character, len(line)))
    units = 0
    for column, char in enumerate(line):
        units += _units(char, encoding)
        if units > character:
            return column
    return len(line)


def column_to_client(line: str, column: int, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf32 or line.isascii():
        return column
    return sum(_units(char, encoding) for char in line[:column])


#: Characters ``str.splitlines`` breaks at that LSP does not count as line breaks.
_NON_LSP_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_LSP_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class LspTextDocument(TextDocument):
    """pygls's document, with lines split where LSP splits them.

    pygls uses ``str.splitlines``, which also breaks at form feeds, vertical tabs, U+0085, U+2028 and
    U+2029: an incremental edit after one of those lands on the wrong line and the server's text
    silently diverges from the editor's. LSP counts only \\n, \\r\\n and \\r.
    """

    @property
    def lines(self) -> list[str]:
        source = self.source
        if not any(separator in source for separator in _NON_LSP_BREAKS):
            return source.splitlines(True)  # the common case, several times faster than the regex
        return _LSP_LINE.findall(source)


class LspWorkspace(Workspace):
    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )


@dataclass(slots=True)
class Snapshot:
    uri: str
    version: int | None
    text: str
    language_id: str
    encoding: str
    _index: LineIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index

    def line_text(self, line: int) -> str:
        index = self.index
        if line < 0 or line >= index.line_count():
            return ""
        start = index.line_start(line)
        end = index.line_start(line + 1) if line + 1 < index.line_count() else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def offset_at(self, position: types.Position) -> int:
        """Text offset for a client position, clamped into the document."""
        index = self.index
        if position.line < 0:
            return 0
        if position.line >= index.line_count():
            return len(self.text)
        line = self.line_text(position.line)
        column = column_from_client(line, max(0, position.character), self.encoding)
        return index.line_start(position.line) + column

    def line_column(self, position: types.Position) -> tuple[int, int]:
        """(line, code-point column) for a client position, clamped."""
        offset = self.offset_at(position)
        line = self.index.line_of(offset)
        return line, offset - self.index.line_start(line)

    def position(self, line: int, column: int) -> types.Position:
        """Client position for a (line, code-point column)."""
        return types.Position(line=line, character=column_to_client(self.line_text(line), column, self.encoding))


class Documents:
    """One snapshot per open document version, reused by every request at that version."""

    def __init__(self) -> None:
        self._snapshots: dict[str, Snapshot] = {}

    def snapshot(self, document: TextDocument, encoding: str) -> Snapshot:
        cached = self._snapshots.get(document.uri)
        source = document.source
        if cached is not None and cached.version == document.version and cached.text is source:
            return cached
        snap = Snapshot(document.uri, document.version, source, document.language_id or "", encoding)
        self._snapshots[document.uri] = snap
        return snap

    def forget(self, uri: str) -> None:
        self._snapshots.pop(uri, None)
