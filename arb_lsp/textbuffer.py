"""An open document's text as immutable chunks with their line breaks indexed: an edit costs what it touches.

pygls keeps a document as one ``str`` and rewrites all of it (through ``doc.lines``) for every change,
and a line index built from that ``str`` has to be rebuilt for every version: both grow with the file,
on every keystroke. Here the text is a list of chunks of a few KiB, each with the offsets of the line
breaks inside it. An edit rebuilds only the chunks it touches (their text and their breaks) and
copies the list of the others with their running totals shifted: O(chunk + chunks) per edit, where
the chunk count is the document's size over ``TARGET``, about 1,000 for a 100,000-line file.

A ``TextBuffer`` never changes: ``edit`` returns a new one sharing the untouched chunks. So a request
can keep the version it started on across an ``await`` while later keystrokes make new versions, and
holding an old version costs only the chunks that were replaced since.

Lines break where LSP breaks them: at ``\\n``, ``\\r\\n`` and a lone ``\\r``. No chunk boundary falls
between the ``\\r`` and the ``\\n`` of one break, so each chunk's breaks are found in that chunk alone.

No kept library fits (PyPI's rope and piece-table packages are unmaintained toy implementations
without line indexing), so the structure is kept small here and checked against a plain ``str``
model by ``tests/unit/test_textbuffer.py``.
"""

from __future__ import annotations

import bisect
import re
from array import array
from itertools import accumulate
from operator import add

#: Chunks are cut near this many characters at a line break; edits re-cut the chunks they touch.
TARGET = 4096
#: A chunk longer than this is cut (inside a line if it has to be).
MAX = 2 * TARGET
#: A chunk shorter than this after an edit is merged with its neighbour.
MIN = TARGET // 4

_BREAK = re.compile(r"\r\n?|\n")


def _break_ends(chunk: str) -> array[int]:
    """Offsets just after each line break in ``chunk`` (the starts of the lines after them)."""
    if "\r" not in chunk:
        # Line lengths added up, plus one per "\n" before: all in C, no Python loop per line.
        lines = chunk.split("\n")
        lines.pop()
        return array("q", map(add, accumulate(map(len, lines)), range(1, len(lines) + 1)))
    return array("q", [match.end() for match in _BREAK.finditer(chunk)])


def _cut(text: str) -> list[str]:
    """``text`` in chunks of at most ``MAX`` characters, cut after line breaks where there is one."""
    if len(text) <= MAX:
        return [text]
    pieces: list[str] = []
    start = 0
    while len(text) - start > MAX:
        end = text.rfind("\n", start + MIN, start + TARGET) + 1
        if end <= start:
            end = start + TARGET
            if text[end - 1] == "\r" and text[end] == "\n":
                end += 1  # never between the two characters of one break
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


class TextBuffer:
    """One immutable version of a document's text, with O(log n) line and offset look-ups.

    Offsets and columns are Python string indices (code points). ``len()``, slicing (``buffer[a:b]``,
    costing the slice) and ``str()`` (the whole text, joined once and kept) read it like a ``str``.
    """

    __slots__ = ("_breaks", "_chunks", "_joined", "_lines", "_offsets")

    _chunks: list[str]
    _breaks: list[array[int]]
    #: ``_offsets[k]``: where chunk k starts; one more entry, the length.
    _offsets: list[int]
    #: ``_lines[k]``: line breaks before chunk k; one more entry, all of them.
    _lines: list[int]
    _joined: str | None

    def __init__(self, text: str = "") -> None:
        # One chunk, no copy: a document that is only read (most open files) costs its text and its index.
        # The first edit cuts it into chunks; from then on edits cost what they touch.
        breaks = _break_ends(text)
        self._set([text], [breaks], [0, len(text)], [0, len(breaks)], text)

    def _set(
        self, chunks: list[str], breaks: list[array[int]], offsets: list[int], lines: list[int], joined: str | None
    ) -> None:
        self._chunks, self._breaks, self._offsets, self._lines, self._joined = chunks, breaks, offsets, lines, joined

    # -- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._offsets[-1]

    def __str__(self) -> str:
        if self._joined is None:
            self._joined = "".join(self._chunks)
        return self._joined

    def __repr__(self) -> str:
        return f"TextBuffer({len(self)} chars, {self.line_count()} lines, {len(self._chunks)} chunks)"

    def __getitem__(self, key: slice) -> str:
        """The text of ``key`` (a slice without a step), copying only that part."""
        start, stop, step = key.indices(len(self))
        if step != 1:
            raise ValueError("TextBuffer slices take no step")
        if start >= stop:
            return ""
        if self._joined is not None:
            return self._joined[start:stop]
        first, last = self._chunk_at(start), self._chunk_at(stop - 1)
        offsets, chunks = self._offsets, self._chunks
        if first == last:
            base = offsets[first]
            return chunks[first][start - base : stop - base]
        parts = [chunks[first][start - offsets[first] :]]
        parts.extend(chunks[first + 1 : last])
        parts.append(chunks[last][: stop - offsets[last]])
        return "".join(parts)

    def char(self, offset: int) -> str:
        """The character at ``offset`` ("" outside the text)."""
        if not 0 <= offset < len(self):
            return ""
        chunk = self._chunk_at(offset)
        return self._chunks[chunk][offset - self._offsets[chunk]]

    def _chunk_at(self, offset: int) -> int:
        """The chunk holding the character at ``offset`` (the last chunk for the end of the text)."""
        return min(bisect.bisect_right(self._offsets, offset) - 1, len(self._chunks) - 1)

    # -- lines (what ``arb_lsp.context`` needs of a line index) ----------------------------------

    def line_count(self) -> int:
        return self._lines[-1] + 1

    def line_start(self, line: int) -> int:
        """Offset of the first character of ``line`` (clamped to the document's lines)."""
        line = min(max(line, 0), self._lines[-1])
        if line == 0:
            return 0
        chunk = bisect.bisect_left(self._lines, line) - 1
        return self._offsets[chunk] + self._breaks[chunk][line - 1 - self._lines[chunk]]

    def line_end(self, line: int) -> int:
        """Offset just past the last character of ``line``, before its line break."""
        line = min(max(line, 0), self._lines[-1])
        if line == self._lines[-1]:
            return len(self)
        end = self.line_start(line + 1) - 1
        if self.char(end) == "\n" and self.char(end - 1) == "\r":
            end -= 1
        return end

    def line_of(self, offset: int) -> int:
        """The line holding ``offset`` (clamped to the document); the end of a line belongs to it."""
        offset = min(max(offset, 0), len(self))
        chunk = self._chunk_at(offset)
        return self._lines[chunk] + bisect.bisect_right(self._breaks[chunk], offset - self._offsets[chunk])

    def line_text(self, line: int) -> str:
        """``line`` without its break ("" for lines past the end)."""
        if line < 0 or line > self._lines[-1]:
            return ""
        return self[self.line_start(line) : self.line_end(line)]

    def offset(self, line: int, column: int) -> int:
        """Offset of (``line``, ``column``), both clamped so the result stays on that line."""
        start = self.line_start(line)
        return start + min(max(column, 0), self.line_end(line) - start)

    def splits_crlf(self, offset: int) -> bool:
        """Whether ``offset`` falls between the two characters of a "\\r\\n" line break."""
        return self.char(offset - 1) == "\r" and self.char(offset) == "\n" if offset > 0 else False

    # -- editing -------------------------------------------------------------------------------

    def edit(self, start: int, end: int, text: str) -> TextBuffer:
        """A new version with ``[start, end)`` replaced by ``text`` (offsets clamped into the text)."""
        length = len(self)
        start = min(max(start, 0), length)
        end = min(max(end, start), length)
        chunks, breaks, offsets, lines = self._chunks, self._breaks, self._offsets, self._lines
        count = len(chunks)
        first = self._chunk_at(start)
        # The chunk whose text ends at or holds ``end``: an edit at a boundary leaves the next chunk alone.
        last = min(max(first, bisect.bisect_left(offsets, end) - 1), count - 1)
        region = chunks[first][: start - offsets[first]] + text + chunks[last][end - offsets[last] :]
        # Too small a chunk is merged with a neighbour, so deletions do not leave thousands of tiny chunks.
        if len(region) < MIN and last - first + 1 < count:
            if last + 1 < count:
                last += 1
                region += chunks[last]
            else:
                first -= 1
                region = chunks[first] + region
        # Keep every "\r\n" inside one chunk.
        if first > 0 and region.startswith("\n") and chunks[first - 1].endswith("\r"):
            first -= 1
            region = chunks[first] + region
        if last + 1 < count and region.endswith("\r") and chunks[last + 1].startswith("\n"):
            last += 1
            region += chunks[last]
        new_chunks = _cut(region) if region or count == last - first + 1 else []
        new_breaks = [_break_ends(chunk) for chunk in new_chunks]
        base_offset, base_lines = offsets[first], lines[first]
        new_offsets = [base_offset + o for o in accumulate((len(c) for c in new_chunks[:-1]), initial=0)]
        new_lines = [base_lines + n for n in accumulate((len(b) for b in new_breaks[:-1]), initial=0)]
        if not new_chunks:
            new_offsets, new_lines = [], []
        shift = len(region) - (offsets[last + 1] - base_offset)
        line_shift = sum(len(b) for b in new_breaks) - (lines[last + 1] - base_lines)
        result = TextBuffer.__new__(TextBuffer)
        result._set(
            chunks[:first] + new_chunks + chunks[last + 1 :],
            breaks[:first] + new_breaks + breaks[last + 1 :],
            offsets[:first] + new_offsets + list(map(shift.__add__, offsets[last + 1 :])),
            lines[:first] + new_lines + list(map(line_shift.__add__, lines[last + 1 :])),
            None,
        )
        return result
