"""Property tests: what the client means by a position is what the server reads, in every encoding.

The client side is modelled here from the LSP specification alone: lines end at ``\\n`` or ``\\r\\n``
(lone ``\\r`` is left out: editors disagree about it), a column counts utf-8 bytes, utf-16 code units or
code points according to the negotiated encoding, and an edit replaces the text between two positions.
The server side is what arb-lsp runs: ``arb_lsp.documents.LspTextDocument`` applying incremental changes
in the negotiated encoding to its text buffer, ``arb_lsp.documents`` converting positions, ``arb_lsp.context``
cutting the windows around the cursor. (``tests/unit/test_textbuffer.py`` adds lone ``\r`` and edits inside
the buffer's chunks.)
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import PositionCodec

from arb_lsp.context import LineIndex, build_completion_context
from arb_lsp.documents import Documents, LspTextDocument, Snapshot

ENCODINGS = (
    types.PositionEncodingKind.Utf8,
    types.PositionEncodingKind.Utf16,
    types.PositionEncodingKind.Utf32,
)
BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ASCII = "abcxyz_09 \t(){}:;=+-.#'\""
BMP = "éßñ中文ẞ‰€\u200bΩж"  # 2- and 3-byte utf-8, one utf-16 unit each
ASTRAL = "🎉😀𝒳🂡𓀀"  # 4-byte utf-8, a surrogate pair in utf-16
BREAKS = ("\n", "\r\n")
#: Characters ``str.splitlines`` breaks lines at, which LSP does not (it knows only \n, \r\n and \r). Edits
#: after them are checked end to end in ``test_protocol_hardening.py``: pygls's ``TextDocument`` splits there.
NOT_LSP_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

atoms = st.one_of(
    st.sampled_from(ASCII),
    st.sampled_from(BMP),
    st.sampled_from(ASTRAL),
    st.sampled_from(BREAKS),
)
texts = st.lists(atoms, max_size=60).map("".join)
#: Documents as found on disk, with the odd characters too (no edits: pygls is not involved).
any_texts = st.lists(st.one_of(atoms, st.sampled_from(NOT_LSP_BREAKS)), max_size=60).map("".join)


def units(text: str, encoding: str) -> int:
    """How many code units ``text`` takes in a client's position encoding."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    if encoding == types.PositionEncodingKind.Utf16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


@dataclass(frozen=True)
class ClientLine:
    start: int  # offset of the line's first character
    text: str  # the line without its break


def client_lines(text: str) -> list[ClientLine]:
    """The document's lines as an LSP client sees them (``\\n`` and ``\\r\\n`` end a line)."""
    lines: list[ClientLine] = []
    start = 0
    while True:
        end = text.find("\n", start)
        if end == -1:
            lines.append(ClientLine(start, text[start:]))
            return lines
        content_end = end - 1 if end > start and text[end - 1] == "\r" else end
        lines.append(ClientLine(start, text[start:content_end]))
        start = end + 1


def client_position(text: str, offset: int, encoding: str) -> types.Position:
    """The position a client sends for the character boundary at ``offset`` (never inside a line break)."""
    lines = client_lines(text)
    for number, line in enumerate(lines):
        if line.start <= offset <= line.start + len(line.text):
            return types.Position(line=number, character=units(line.text[: offset - line.start], encoding))
    raise AssertionError(f"offset {offset} is inside a line break")


def boundaries(text: str) -> list[int]:
    """Every offset a cursor can be at: between characters, never between the \\r and \\n of a break."""
    return [line.start + column for line in client_lines(text) for column in range(len(line.text) + 1)]


@st.composite
def edit_scripts(draw: st.DrawFn, base: st.SearchStrategy[str] = texts) -> tuple[str, list[tuple[int, int, str]]]:
    """A document and edits, each (start, end, new text) as offsets into the text at the time of the edit."""
    text = draw(base)
    edits: list[tuple[int, int, str]] = []
    current = text
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        cursor_offsets = boundaries(current)
        start = draw(st.sampled_from(cursor_offsets))
        end = draw(st.sampled_from([o for o in cursor_offsets if o >= start]))
        new_text = draw(st.lists(atoms, max_size=12).map("".join))
        edits.append((start, end, new_text))
        current = current[:start] + new_text + current[end:]
    return text, edits


def apply_through_pygls(text: str, edits: list[tuple[int, int, str]], encoding: str) -> tuple[LspTextDocument, str]:
    """Apply the edits as a client would send them (positions in ``encoding``) and as the server applies them."""
    document = LspTextDocument("file:///prop.py", text, 1, "python", position_codec=PositionCodec(encoding))
    expected = text
    for version, (start, end, new_text) in enumerate(edits, 2):
        change = types.TextDocumentContentChangePartial(
            range=types.Range(
                start=client_position(expected, start, encoding), end=client_position(expected, end, encoding)
            ),
            text=new_text,
        )
        document.apply_change(change)
        document.version = version
        expected = expected[:start] + new_text + expected[end:]
    return document, expected


@BOUNDED
@given(edit_scripts(), st.sampled_from(ENCODINGS))
def test_incremental_edits_give_the_server_the_clients_text(
    script: tuple[str, list[tuple[int, int, str]]], encoding: str
) -> None:
    text, edits = script
    document, expected = apply_through_pygls(text, edits, encoding)
    assert document.source == expected


def snapshot_of(text: str, encoding: str) -> Snapshot:
    document = LspTextDocument("file:///prop.py", text, 7, "python", position_codec=PositionCodec(encoding))
    return Documents().snapshot(document, encoding)


@BOUNDED
@given(edit_scripts(), st.sampled_from(ENCODINGS))
def test_every_valid_client_position_round_trips(script: tuple[str, list[tuple[int, int, str]]], encoding: str) -> None:
    text, edits = script
    document, expected = apply_through_pygls(text, edits, encoding)
    snap = snapshot_of(document.source, encoding)
    for number, line in enumerate(client_lines(expected)):
        assert snap.line_text(number) == line.text
        for column in range(len(line.text) + 1):
            position = types.Position(line=number, character=units(line.text[:column], encoding))
            assert snap.offset_at(position) == line.start + column, (position, line)
            assert snap.line_column(position) == (number, column), position
            assert snap.position(number, column) == position


@BOUNDED
@given(any_texts, st.sampled_from(ENCODINGS), st.data())
def test_positions_inside_a_character_or_past_the_end_never_land_inside_one(
    text: str, encoding: str, data: st.DataObject
) -> None:
    """A column between the units of one character rounds down to its start; past the line, to the line's
    end (before its break); past the document, to its end."""
    snap = snapshot_of(text, encoding)
    lines = client_lines(text)
    number = data.draw(st.integers(min_value=0, max_value=len(lines) + 2), label="line")
    character = data.draw(st.integers(min_value=0, max_value=4 * 70), label="character")
    offset = snap.offset_at(types.Position(line=number, character=character))
    assert offset in boundaries(text), "the offset is between the \\r and \\n of a line break"
    if number >= len(lines):
        assert offset == len(text)
        return
    line = lines[number]
    column = offset - line.start
    assert 0 <= column <= len(line.text)
    if column < len(line.text):
        assert units(line.text[:column], encoding) <= character < units(line.text[: column + 1], encoding)
    else:
        assert character >= units(line.text, encoding)
    assert snap.line_column(types.Position(line=number, character=character)) == (number, column)


#: Short lines ending in \r\n, so a window edge often falls right at a line break.
crlf_texts = st.lists(st.one_of(st.sampled_from("ab🎉é"), st.just("\r\n")), max_size=30).map("".join)


@BOUNDED
@given(
    st.one_of(any_texts, crlf_texts),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=120),
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)
@example("aaaaaaa\r\n", 0, 8, 0.0)  # the suffix window once ended between the \r and the \n
@example("x = 1\r\nabcdefgh\r\n", 14, 1, 0.0)
def test_completion_windows_are_contiguous_and_split_no_character(
    text: str, pick: int, budget: int, suffix_share: float
) -> None:
    cursors = boundaries(text)
    offset = cursors[pick % len(cursors)]
    index = LineIndex(text)
    context = build_completion_context(
        text,
        offset,
        index=index,
        language_id="python",
        path="prop.py",
        budget_chars=budget,
        suffix_share=suffix_share,
    )
    start, end = offset - len(context.prefix), offset + len(context.suffix)
    assert text[start:offset] == context.prefix
    assert text[offset:end] == context.suffix
    assert len(context.prefix) + len(context.suffix) <= budget
    for edge in (start, end):
        assert not (0 < edge < len(text) and text[edge - 1] == "\r" and text[edge] == "\n"), (
            f"a window edge at {edge} splits a \\r\\n line break"
        )
    cursor_line = next(line for line in client_lines(text) if line.start <= offset <= line.start + len(line.text))
    # The windows start and end at line boundaries, unless the cursor's own line is longer than its window.
    assert start == 0 or text[start - 1] == "\n" or start > cursor_line.start
    assert end == len(text) or text[end - 1] == "\n" or end <= cursor_line.start + len(cursor_line.text) + 1
    # The cursor line's parts are the windows' parts on that line.
    assert context.prefix.endswith(context.line_prefix) and "\n" not in context.line_prefix
    assert context.suffix.startswith(context.line_suffix) and "\n" not in context.line_suffix
    assert context.line_prefix == text[max(cursor_line.start, start) : offset]
    assert context.line_suffix == text[offset : min(cursor_line.start + len(cursor_line.text), end)]
