"""Open documents: their text kept as a ``TextBuffer`` updated per edit, positions in the client's encoding.

pygls applies an incremental change by rewriting the whole text (``TextDocument._apply_incremental_change``
walks ``doc.lines``), and a line index built from that text must be rebuilt for every version: both grow
with the file on every keystroke. ``LspTextDocument`` keeps pygls's interface (``source``, ``lines``,
``version``; ``workspace.get_text_document`` works as before) but holds a ``TextBuffer``
(``arb_lsp.textbuffer``): a change is converted from the client's units (utf-8 for Neovim, utf-16 for
VS Code, utf-32) on the lines it names and applied to the chunks it touches, and the buffer is its own
line index. ``source`` joins the text only when something asks for all of it (and keeps it for that version).

Every applied edit goes to ``LspWorkspace.on_edit`` (the server's ``document_edited``), the one place
where features that follow edits hook in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from lsprotocol import types
from pygls.workspace import PositionCodec, TextDocument, Workspace

from arb_lsp.textbuffer import TextBuffer


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


def encoding_name(encoding: object) -> str:
    """ "utf-8", "utf-16" or "utf-32" for a negotiated encoding (pygls may hold it as an enum member,
    whose ``str()`` is its Python name); utf-16, LSP's default, when none was negotiated."""
    if encoding is None:
        return types.PositionEncodingKind.Utf16.value
    return encoding.value if isinstance(encoding, types.PositionEncodingKind) else str(encoding)


def client_offset(buffer: TextBuffer, position: types.Position, encoding: str) -> int:
    """Text offset for a client position, clamped into the document (reads only the start of that line)."""
    if position.line < 0:
        return 0
    if position.line >= buffer.line_count():
        return len(buffer)
    start = buffer.line_start(position.line)
    character = max(0, position.character)
    # Every character takes at least one unit: the column is at most ``character``, so read no further.
    head = buffer[start : min(buffer.line_end(position.line), start + character)]
    return start + column_from_client(head, character, encoding)


@dataclass(frozen=True, slots=True)
class Edit:
    """One applied change: ``[start, end)`` of ``before`` replaced by ``text`` gave ``after``."""

    uri: str
    version: int | None
    start: int
    end: int
    text: str
    before: TextBuffer
    after: TextBuffer


class LspTextDocument(TextDocument):
    """pygls's document, its text held in a ``TextBuffer`` that each change updates where it happens.

    Lines split where LSP splits them (\\n, \\r\\n, \\r): pygls's ``str.splitlines`` also breaks at form
    feeds, vertical tabs, U+0085, U+2028 and U+2029, so an edit after one of those would land on the
    wrong line and the server's text would silently diverge from the editor's.
    """

    def __init__(
        self,
        uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
        sync_kind: types.TextDocumentSyncKind = types.TextDocumentSyncKind.Incremental,
        position_codec: PositionCodec | None = None,
    ) -> None:
        super().__init__(
            uri, None, version, language_id, sync_kind=sync_kind, position_codec=position_codec
        )  # pygls's own copy of the text stays None: the buffer is the text
        #: None for a document that is not open (the file on disk is read when asked for).
        self._buffer: TextBuffer | None = TextBuffer(source) if source is not None else None

    @property
    def buffer(self) -> TextBuffer:
        if self._buffer is None:
            self._buffer = TextBuffer(super().source)
        return self._buffer

    @property
    def source(self) -> str:
        return str(self.buffer)

    @property
    def encoding(self) -> str:
        return encoding_name(self.position_codec.encoding)

    @property
    def lines(self) -> list[str]:
        source = self.source
        if not any(separator in source for separator in _NON_LSP_BREAKS):
            return source.splitlines(True)  # the common case, several times faster than the regex
        return _LSP_LINE.findall(source)

    def change(self, change: types.TextDocumentContentChangeEvent) -> Edit:
        """Apply one ``didChange`` content change; what it did."""
        before = self.buffer
        if isinstance(change, types.TextDocumentContentChangePartial) and self._is_sync_kind_incremental:
            encoding = self.encoding
            start = client_offset(before, change.range.start, encoding)
            end = max(start, client_offset(before, change.range.end, encoding))
            after = before.edit(start, end, change.text)
        else:
            start, end = 0, len(before)
            after = TextBuffer(change.text)
        self._buffer = after
        return Edit(self.uri, self.version, start, end, change.text, before, after)

    def apply_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        self.change(change)


class LspWorkspace(Workspace):
    """pygls's workspace with ``LspTextDocument``s, telling ``on_edit`` about every change it applies."""

    #: Set by the server at ``initialize`` (the workspace is pygls's, re-classed, so no ``__init__`` runs).
    on_edit: Callable[[Edit], None] | None = None

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

    def update_text_document(
        self, text_doc: types.VersionedTextDocumentIdentifier, change: types.TextDocumentContentChangeEvent
    ) -> None:
        document = self._text_documents[unquote(text_doc.uri)]
        if not isinstance(document, LspTextDocument):
            super().update_text_document(text_doc, change)
            return
        document.version = text_doc.version
        edit = document.change(change)
        if self.on_edit is not None:
            self.on_edit(edit)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One version of an open document, kept by a request across its ``await``s while edits go on."""

    uri: str
    version: int | None
    buffer: TextBuffer
    language_id: str
    encoding: str

    @property
    def text(self) -> str:
        """The whole text (joined once per version, when something needs all of it: a parse, say)."""
        return str(self.buffer)

    @property
    def index(self) -> TextBuffer:
        """The line index: the buffer is its own."""
        return self.buffer

    def line_text(self, line: int) -> str:
        return self.buffer.line_text(line)

    def offset_at(self, position: types.Position) -> int:
        """Text offset for a client position, clamped into the document."""
        return client_offset(self.buffer, position, self.encoding)

    def line_column(self, position: types.Position) -> tuple[int, int]:
        """(line, code-point column) for a client position, clamped."""
        offset = self.offset_at(position)
        line = self.buffer.line_of(offset)
        return line, offset - self.buffer.line_start(line)

    def position(self, line: int, column: int) -> types.Position:
        """Client position for a (line, code-point column)."""
        return types.Position(line=line, character=column_to_client(self.line_text(line), column, self.encoding))


class Documents:
    """Snapshots of open documents: O(1) for an ``LspTextDocument``, whose buffer already is one version."""

    def snapshot(self, document: TextDocument, encoding: str) -> Snapshot:
        if isinstance(document, LspTextDocument):
            buffer = document.buffer
        else:  # a plain pygls document (tests, or one made before ``initialize`` swapped the workspace)
            buffer = TextBuffer(document.source)
        return Snapshot(document.uri, document.version, buffer, document.language_id or "", encoding)
