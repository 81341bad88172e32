"""Cut the text around the cursor into what a completion prompt needs, within a character budget.

This is the first pure step of the completion pipeline (context -> prompt -> request -> post-process).
Its one hard promise is cost: building a context costs O(window), never O(document).  A
1,000,000-line file is as cheap as a 100-line one, because nothing here splits or scans the whole
text; a `LineIndex` (built once per document version) turns offsets into lines by bisection, and
everything else works on slices of at most `budget_chars` characters.

Columns and offsets are Python string indices (code points).  Converting LSP positions (UTF-16 by
default) to these is the caller's job.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from arb_lsp.openers import ends_with_block_opener, opened_before

MultilineMode = Literal["auto", "always", "never"]

DEFAULT_INDENT_UNIT = "    "
# gofmt and make leave no choice: a file with no indented line yet still wants tabs.
_TAB_LANGUAGES = frozenset({"go", "makefile"})

# Roughly 3.5 characters per token for code with common BPE tokenizers: a cheap, stable estimate.
CHARS_PER_TOKEN = 3.5

# The longest block a multi-line suggestion may be; prompts ask for it and post-processing enforces it.
MAX_BLOCK_LINES = 20

#: Of the prompt's budget, code from other files (imports, recent edits, similar windows) gets at most this.
NEIGHBOUR_SHARE = 0.4
# Per-snippet overhead a prompt spends around a neighbour's text (its path label is part of the text).
_SNIPPET_OVERHEAD = 2
# A neighbour cut to fewer characters than this says too little to be worth its header.
_MIN_SNIPPET_CHARS = 80

_CLOSERS_AND_TERMINATORS = frozenset(")]};,")

# Prompt caching (``arb_lsp.prompts``): a provider bills a repeated prompt prefix at a fraction of the price, so
# the windows do not move with every line typed.  The window above the cursor starts, and the one below it
# ends, at the first line break after a multiple of 1/WINDOW_STEPS of the budget (offsets in the document): they
# move in steps of that many characters, and the window above the cursor gives up less than one step of its
# budget for it.  The stable part of the prompt ends at the last multiple of STABLE_STEP_LINES lines before the
# cursor: what an explicit cache breakpoint marks.
WINDOW_STEPS = 16
STABLE_STEP_LINES = 8


@dataclass(frozen=True, slots=True)
class Snippet:
    """Code from another file, shown to the model for reference; ``text`` starts with its path as a comment."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class CompletionContext:
    """Everything the later pipeline steps know about the cursor.

    `prefix` starts at a line boundary and `suffix` ends at one, unless a single line is longer
    than its whole window; then the window cuts that line.  `line_prefix` and `line_suffix` are
    the cursor line's parts inside those windows.
    """

    prefix: str
    suffix: str
    line_prefix: str
    line_suffix: str
    language_id: str
    path: str
    indent_unit: str
    multiline: bool
    neighbours: tuple[Snippet, ...] = ()
    #: How many characters at the start of ``prefix`` stay the same while the user types at the cursor
    #: (up to a line boundary that moves in steps of ``STABLE_STEP_LINES``).
    stable_prefix_chars: int = 0
    #: The cursor is inside a bracket (opened on its line or one above: Python's ":" there is no block opener).
    in_brackets: bool = False


class TextSlices(Protocol):
    """Text read by slices: a ``str``, or an open document's ``TextBuffer`` (which slices without joining)."""

    def __len__(self) -> int: ...

    def __getitem__(self, key: slice, /) -> str: ...


class Lines(Protocol):
    """What building a context needs of a line index: ``LineIndex`` or a ``TextBuffer`` (its own index)."""

    def line_count(self) -> int: ...

    def splits_crlf(self, offset: int) -> bool: ...

    def line_start(self, line: int) -> int: ...

    def line_end(self, line: int) -> int: ...

    def line_of(self, offset: int) -> int: ...


class LineIndex:
    """Offsets of line starts in one version of a document, for O(log n) position conversions.

    Lines end at "\\n"; a "\\r" before it belongs to the line break, not to the line.
    """

    __slots__ = ("_length", "_starts", "_text")

    def __init__(self, text: str) -> None:
        # An array of machine ints: a tenth of a list's memory for every open document version.
        starts = array("q", [0])
        find = text.find
        position = find("\n")
        while position != -1:
            starts.append(position + 1)
            position = find("\n", position + 1)
        self._starts = starts
        self._text = text
        self._length = len(text)

    def line_count(self) -> int:
        return len(self._starts)

    def splits_crlf(self, offset: int) -> bool:
        """Whether ``offset`` falls between the two characters of a "\r\n" line break."""
        return 0 < offset < self._length and self._text[offset - 1] == "\r" and self._text[offset] == "\n"

    def line_start(self, line: int) -> int:
        """Offset of the first character of `line` (clamped to the document's lines)."""
        return self._starts[self._clamp_line(line)]

    def line_end(self, line: int) -> int:
        """Offset just past the last character of `line`, excluding its line break."""
        line = self._clamp_line(line)
        if line + 1 < len(self._starts):
            end = self._starts[line + 1] - 1
            if end > self._starts[line] and self._text[end - 1] == "\r":
                end -= 1
            return end
        return self._length

    def line_of(self, offset: int) -> int:
        """The line holding `offset` (clamped to the document)."""
        offset = min(max(offset, 0), self._length)
        return bisect.bisect_right(self._starts, offset) - 1

    def offset(self, line: int, column: int) -> int:
        """Offset of (`line`, `column`), both clamped so the result stays on that line."""
        start = self.line_start(line)
        return start + min(max(column, 0), self.line_end(line) - start)

    def _clamp_line(self, line: int) -> int:
        return min(max(line, 0), len(self._starts) - 1)


def estimate_tokens(text: str) -> int:
    """A cheap upper-ish estimate of how many tokens `text` costs."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def chars_for_tokens(tokens: int) -> int:
    """How many characters of code fit in `tokens` tokens (the inverse of `estimate_tokens`)."""
    return max(0, int(tokens * CHARS_PER_TOKEN))


def build_completion_context(
    text: TextSlices,
    offset: int,
    *,
    index: Lines,
    language_id: str,
    path: str,
    budget_chars: int,
    multiline: MultilineMode | str = "auto",
    neighbours: Sequence[Snippet] = (),
    suffix_share: float = 0.25,
    neighbour_share: float = NEIGHBOUR_SHARE,
) -> CompletionContext:
    """Cut the windows around `offset` and decide whether a block may be suggested.

    `index` must describe this exact `text` (a `TextBuffer` is both).  Of `budget_chars`, the neighbours get at
    most `neighbour_share` and only what the code windows leave over; the code gets the rest, split
    `1 - suffix_share` before the cursor and `suffix_share` after it, and a side that needs less
    than its share hands the remainder to the other.
    """
    offset = min(max(offset, 0), len(text))
    budget = max(0, budget_chars)
    neighbour_cap = int(budget * neighbour_share) if neighbours else 0
    # What the neighbours need is reserved in steps of 1/WINDOW_STEPS of the budget, so that context from other
    # files growing or shrinking a little (a snippet more or less) does not move the code windows (prompt caching).
    step = max(1, budget // WINDOW_STEPS)
    reserved = -(-_snippets_size(neighbours) // step) * step
    code_budget = budget - min(neighbour_cap, reserved)

    share = min(max(suffix_share, 0.0), 1.0)
    suffix_budget = int(code_budget * share)
    prefix_budget = code_budget - suffix_budget
    available_before, available_after = offset, len(text) - offset
    if available_after < suffix_budget:
        prefix_budget += suffix_budget - available_after
        suffix_budget = available_after
    if available_before < prefix_budget:
        suffix_budget += prefix_budget - available_before
        prefix_budget = available_before

    start = _prefix_window_start(offset, prefix_budget, index, step)
    end = _suffix_window_end(text, offset, suffix_budget, index, step)
    prefix, suffix = text[start:offset], text[offset:end]

    cursor_line = index.line_of(offset)
    stable_end = index.line_start(cursor_line // STABLE_STEP_LINES * STABLE_STEP_LINES)
    line_prefix = text[max(index.line_start(cursor_line), start) : offset]
    line_suffix = text[offset : min(index.line_end(cursor_line), end)]

    in_brackets = opened_before(_statement_lines_above(text, cursor_line, index) + line_prefix, language_id)

    leftover = budget - len(prefix) - len(suffix)
    kept_neighbours = _fit_neighbours(neighbours, min(leftover, neighbour_cap))

    return CompletionContext(
        prefix=prefix,
        suffix=suffix,
        line_prefix=line_prefix,
        line_suffix=line_suffix,
        language_id=language_id,
        path=path,
        indent_unit=detect_indent_unit(prefix + suffix, language_id),
        multiline=wants_multiline(line_prefix, line_suffix, language_id, multiline, in_brackets=in_brackets),
        neighbours=kept_neighbours,
        stable_prefix_chars=max(0, min(stable_end, offset) - start),
        in_brackets=in_brackets,
    )


#: How far up the start of the cursor's statement is looked for (a long call or literal is rarer than this).
_STATEMENT_LOOKBACK_LINES = 40


def _statement_lines_above(text: TextSlices, cursor_line: int, index: Lines) -> str:
    """The lines above the cursor's from the last one that starts at column 0 (where a statement starts),
    at most _STATEMENT_LOOKBACK_LINES of them."""
    first = max(0, cursor_line - _STATEMENT_LOOKBACK_LINES)
    for number in range(cursor_line - 1, first - 1, -1):
        head = text[index.line_start(number) : index.line_start(number) + 1]
        if head and head not in " \t\r\n)]}#":
            first = number
            break
    return text[index.line_start(first) : index.line_start(cursor_line)] if cursor_line > 0 else ""


def _prefix_window_start(offset: int, budget: int, index: Lines, step: int = 1) -> int:
    earliest = offset - budget
    if 0 < earliest < offset:
        # The next step of the grid, then the next line start: the same start for every cursor nearby.
        grid = -(-earliest // step) * step
        line = index.line_of(grid)
        anchored = grid if index.line_start(line) == grid else index.line_start(line + 1)
        if line + 1 < index.line_count() and anchored <= index.line_start(index.line_of(offset)):
            return anchored
    if 0 < earliest < offset and index.splits_crlf(earliest):
        earliest += 1
    if earliest <= 0:
        return 0
    line = index.line_of(earliest)
    if index.line_start(line) == earliest:
        return earliest
    if line + 1 < index.line_count() and index.line_start(line + 1) <= offset:
        return index.line_start(line + 1)
    # The cursor's line alone is longer than the budget: cut inside it.
    return earliest


def _suffix_window_end(text: TextSlices, offset: int, budget: int, index: Lines, step: int = 1) -> int:
    latest = offset + budget
    if latest >= len(text):
        return len(text)
    anchored = index.line_start(index.line_of(latest // step * step))
    if anchored > offset:
        return anchored
    boundary = index.line_start(index.line_of(latest))
    if boundary > offset:
        return boundary
    if latest > offset and index.splits_crlf(latest):
        latest -= 1
    return latest


def _snippets_size(snippets: Sequence[Snippet]) -> int:
    return sum(len(snippet.text) + _SNIPPET_OVERHEAD for snippet in snippets)


def _fit_neighbours(snippets: Sequence[Snippet], budget: int) -> tuple[Snippet, ...]:
    kept: list[Snippet] = []
    remaining = budget
    for snippet in snippets:
        room = remaining - _SNIPPET_OVERHEAD
        if room < _MIN_SNIPPET_CHARS and room < len(snippet.text):
            break
        if len(snippet.text) <= room:
            body = snippet.text
        else:
            # Slicing first keeps this O(budget) however long the other document is.
            body = snippet.text[:room]
            last_break = body.rfind("\n")
            if last_break > 0:
                body = body[: last_break + 1]
        if not body.strip():
            continue
        kept.append(Snippet(snippet.path, body))
        remaining = room - len(body)
    return tuple(kept)


def detect_indent_unit(window: str, language_id: str = "") -> str:
    """The indentation unit used by the lines of `window`: "\\t" or some number of spaces.

    Spaces: the most common increase of indentation between consecutive non-blank lines (one
    space is ignored: it comes from comment continuations such as " * " in JSDoc); failing that,
    the shallowest indentation if it is 2 to 4 spaces; failing that, the default.
    """
    tab_lines = space_lines = 0
    narrowest = 0
    steps: Counter[int] = Counter()
    previous_width: int | None = None
    for line in window.split("\n"):
        content = line.lstrip(" \t")
        if not content.strip():
            continue
        indentation = line[: len(line) - len(content)]
        if indentation.startswith("\t"):
            tab_lines += 1
            previous_width = None
            continue
        width = len(indentation)
        if width:
            space_lines += 1
            narrowest = min(narrowest, width) if narrowest else width
        if previous_width is not None and 1 < width - previous_width <= 8:
            steps[width - previous_width] += 1
        previous_width = width
    if tab_lines > space_lines:
        return "\t"
    if steps:
        best_count = max(steps.values())
        return " " * min(step for step, count in steps.items() if count == best_count)
    if 1 < narrowest <= 4:
        # Every indented line at the same depth: the shallowest is one level, if it looks like one.
        return " " * narrowest
    if space_lines == 0 and language_id in _TAB_LANGUAGES:
        return "\t"
    return DEFAULT_INDENT_UNIT


def wants_multiline(
    line_prefix: str, line_suffix: str, language_id: str, mode: str = "auto", *, in_brackets: bool = False
) -> bool:
    """Whether a whole block may be suggested at this cursor rather than the rest of one line."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    rest = "".join(line_suffix.split())
    if not line_prefix.strip():
        return not rest
    opener = ends_with_block_opener(line_prefix, language_id, in_brackets=in_brackets)
    return opener and all(char in _CLOSERS_AND_TERMINATORS for char in rest)
