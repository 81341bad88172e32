"""Property tests: the chunked, line-indexed document model agrees with a plain ``str`` after any edits.

The model under test is ``arb_lsp.textbuffer.TextBuffer`` (text in chunks, line breaks indexed per chunk,
patched per edit) and ``arb_lsp.documents.LspTextDocument`` (LSP changes in utf-8, utf-16 or utf-32
applied to it). The reference is the naive model: one ``str``, each edit a slice-and-concatenate, lines
split where LSP splits them (``\\n``, ``\\r\\n``, lone ``\\r``), positions counted by encoding the line.
Chunks are made tiny here so that a few dozen characters already span many of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import PositionCodec

from arb_lsp import textbuffer
from arb_lsp.context import build_completion_context
from arb_lsp.documents import Documents, LspTextDocument
from arb_lsp.textbuffer import TextBuffer

ENCODINGS = (
    types.PositionEncodingKind.Utf8,
    types.PositionEncodingKind.Utf16,
    types.PositionEncodingKind.Utf32,
)
BOUNDED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

atoms = st.one_of(
    st.sampled_from("abcxyz_09 \t(){}:="),
    st.sampled_from("éßñ中ẞ€Ωж"),  # 2 and 3 bytes in utf-8, one utf-16 unit
    st.sampled_from("🎉😀𝒳"),  # 4 bytes in utf-8, two utf-16 units
    st.sampled_from(("\n", "\r\n", "\r")),
    st.sampled_from("\x0b\x0c\x85\u2028"),  # str.splitlines breaks here, LSP does not
)
texts = st.lists(atoms, max_size=80).map("".join)
_BREAK = re.compile(r"\r\n|\r|\n")


@contextmanager
def tiny_chunks(target: int = 6) -> Iterator[None]:
    saved = textbuffer.TARGET, textbuffer.MAX, textbuffer.MIN
    textbuffer.TARGET, textbuffer.MAX, textbuffer.MIN = target, 2 * target, max(1, target // 4)
    try:
        yield
    finally:
        textbuffer.TARGET, textbuffer.MAX, textbuffer.MIN = saved


def naive_line_starts(text: str) -> list[int]:
    return [0] + [match.end() for match in _BREAK.finditer(text)]


def naive_lines(text: str) -> list[str]:
    """Each line's text without its break."""
    starts = naive_line_starts(text)
    ends = [match.start() for match in _BREAK.finditer(text)] + [len(text)]
    return [text[start:end] for start, end in zip(starts, ends, strict=True)]


def units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    if encoding == types.PositionEncodingKind.Utf16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def client_position(text: str, offset: int, encoding: str) -> types.Position:
    """What a client sends for the cursor at ``offset`` (a character boundary outside any line break)."""
    starts, lines = naive_line_starts(text), naive_lines(text)
    for number, (start, line) in enumerate(zip(starts, lines, strict=True)):
        if start <= offset <= start + len(line):
            return types.Position(line=number, character=units(line[: offset - start], encoding))
    raise AssertionError(f"offset {offset} is inside a line break")


def cursor_offsets(text: str) -> list[int]:
    return [
        start + column
        for start, line in zip(naive_line_starts(text), naive_lines(text), strict=True)
        for column in range(len(line) + 1)
    ]


def assert_agrees(buffer: TextBuffer, text: str) -> None:
    """Every look-up of ``buffer`` gives what the naive model gives for ``text``."""
    assert str(buffer) == text and len(buffer) == len(text)
    starts, lines = naive_line_starts(text), naive_lines(text)
    assert buffer.line_count() == len(starts)
    for number, (start, line) in enumerate(zip(starts, lines, strict=True)):
        assert buffer.line_start(number) == start, number
        assert buffer.line_end(number) == start + len(line), number
        assert buffer.line_text(number) == line, number
    for offset in range(len(text) + 1):
        assert buffer.line_of(offset) == max(n for n, s in enumerate(starts) if s <= offset), offset
        assert buffer.splits_crlf(offset) == (0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n")
        assert buffer.char(offset) == text[offset : offset + 1]
    for a in range(0, len(text) + 1, 3):
        for b in range(a, len(text) + 2, 5):
            assert buffer[a:b] == text[a:b]
    # The chunk invariants the look-ups rest on.
    chunks = buffer._chunks
    assert "".join(chunks) == text
    for left, right in pairwise(chunks):
        assert not (left.endswith("\r") and right.startswith("\n")), "a chunk boundary splits a \\r\\n"
    # An opened document is one chunk until its first edit cuts it.
    assert len(chunks) == 1 or all(len(chunk) <= textbuffer.MAX for chunk in chunks)
    assert all(chunks) or len(chunks) == 1


@st.composite
def offset_edits(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    """A text and edits as offsets into the text of their time, anywhere (inside a \\r\\n too)."""
    text = draw(texts)
    edits = []
    current = text
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        start = draw(st.integers(min_value=0, max_value=len(current)))
        end = draw(
            st.integers(min_value=start, max_value=min(len(current), start + draw(st.sampled_from((0, 1, 3, 40)))))
        )
        new = draw(st.one_of(texts, st.sampled_from(("", "\n", "\r", "\r\n"))))
        edits.append((start, end, new))
        current = current[:start] + new + current[end:]
    return text, edits


@BOUNDED
@given(offset_edits(), st.sampled_from((3, 6, 8192)))
def test_ranged_edits_give_the_same_text_and_lines_as_a_plain_string(
    script: tuple[str, list[tuple[int, int, str]]], target: int
) -> None:
    text, edits = script
    with tiny_chunks(target):
        buffer = TextBuffer(text)
        assert_agrees(buffer, text)
        for start, end, new in edits:
            buffer = buffer.edit(start, end, new)
            text = text[:start] + new + text[end:]
            assert_agrees(buffer, text)


@BOUNDED
@given(offset_edits())
def test_old_versions_are_left_as_they_were(script: tuple[str, list[tuple[int, int, str]]]) -> None:
    """A request keeps the version it began on while later edits make new ones."""
    text, edits = script
    with tiny_chunks():
        versions = [(TextBuffer(text), text)]
        for start, end, new in edits:
            buffer, current = versions[-1]
            versions.append((buffer.edit(start, end, new), current[:start] + new + current[end:]))
        for buffer, expected in versions:
            assert_agrees(buffer, expected)


@st.composite
def client_edits(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    """A text and edits between cursor positions, as an editor sends them."""
    text = draw(texts)
    edits = []
    current = text
    for _ in range(draw(st.integers(min_value=1, max_value=10))):
        cursors = cursor_offsets(current)
        start = draw(st.sampled_from(cursors))
        end = draw(st.sampled_from([o for o in cursors if o >= start]))
        new = draw(texts)
        edits.append((start, end, new))
        current = current[:start] + new + current[end:]
    return text, edits


@BOUNDED
@given(client_edits(), st.sampled_from(ENCODINGS))
def test_lsp_changes_in_every_encoding_give_the_clients_text_and_positions(
    script: tuple[str, list[tuple[int, int, str]]], encoding: str
) -> None:
    text, edits = script
    with tiny_chunks():
        document = LspTextDocument("file:///prop.py", text, 1, "python", position_codec=PositionCodec(encoding))
        for version, (start, end, new) in enumerate(edits, 2):
            change = types.TextDocumentContentChangePartial(
                range=types.Range(
                    start=client_position(text, start, encoding), end=client_position(text, end, encoding)
                ),
                text=new,
            )
            document.version = version
            edit = document.change(change)
            assert (edit.start, edit.end, edit.text, edit.version) == (start, end, new, version)
            assert str(edit.before) == text
            text = text[:start] + new + text[end:]
            assert document.source == text
        assert_agrees(document.buffer, text)
        snap = Documents().snapshot(document, encoding)
        for number, (start, line) in enumerate(zip(naive_line_starts(text), naive_lines(text), strict=True)):
            for column in range(len(line) + 1):
                position = types.Position(line=number, character=units(line[:column], encoding))
                assert snap.offset_at(position) == start + column, position
                assert snap.line_column(position) == (number, column), position
                assert snap.position(number, column) == position


def test_a_whole_text_change_replaces_the_text() -> None:
    document = LspTextDocument("file:///w.py", "a\nb", 1, "python")
    edit = document.change(types.TextDocumentContentChangeWholeDocument(text="x\r\ny"))
    assert (edit.start, edit.end, document.source) == (0, 3, "x\r\ny")
    assert document.buffer.line_text(1) == "y"


def test_a_document_not_opened_reads_the_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "on_disk.py"
    path.write_text("first\nsecond\n", encoding="utf-8")
    document = LspTextDocument(path.as_uri())
    assert document.source == "first\nsecond\n"
    assert document.buffer.line_text(1) == "second"


def test_completion_windows_read_a_buffer_as_they_read_its_text() -> None:
    text = "".join(f"line_{n} = {n}\r\n" if n % 3 else f"é{n}🎉\n" for n in range(2_000))
    with tiny_chunks(64):
        buffer = TextBuffer(text).edit(5_000, 5_010, "inserted\n")
        text = text[:5_000] + "inserted\n" + text[5_010:]
        for offset in (0, 4_321, 5_004, len(text) // 2, len(text)):
            for budget in (0, 50, 999):
                from_buffer = build_completion_context(
                    buffer, offset, index=buffer, language_id="python", path="p", budget_chars=budget
                )
                from_text = build_completion_context(
                    text, offset, index=TextBuffer(text), language_id="python", path="p", budget_chars=budget
                )
                assert from_buffer == from_text


def test_an_edit_touches_only_the_chunks_around_it() -> None:
    """The structure behind the cost: after one keystroke in a large file the other chunks are the same objects."""
    text = "".join(f"value_{n} = compute({n})\n" for n in range(100_000))
    first = TextBuffer(text).edit(0, 0, "#")  # the first edit cuts the one chunk an opened file starts as
    chunks_before = list(first._chunks)
    second = first.edit(len(text) // 2, len(text) // 2, "x = 1\n")
    changed = [i for i, chunk in enumerate(second._chunks) if i >= len(chunks_before) or chunk is not chunks_before[i]]
    assert len(chunks_before) > 100
    assert len(changed) <= 2, changed
    assert second.line_count() == first.line_count() + 1


def test_the_workspace_tells_its_listener_every_applied_edit() -> None:
    from arb_lsp.documents import Edit, LspWorkspace

    workspace = LspWorkspace(None)
    heard: list[Edit] = []
    workspace.on_edit = heard.append
    uri = "file:///w/listened.py"
    workspace.put_text_document(types.TextDocumentItem(uri=uri, language_id="python", version=1, text="ab\ncd\n"))
    position = types.Position(line=1, character=1)
    workspace.update_text_document(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text="X"),
    )
    assert [(e.uri, e.version, e.start, e.end, e.text) for e in heard] == [(uri, 2, 4, 4, "X")]
    assert str(heard[0].before) == "ab\ncd\n" and str(heard[0].after) == "ab\ncXd\n"
    assert workspace.get_text_document(uri).source == "ab\ncXd\n"
    assert workspace.get_text_document(uri).version == 2
