"""Echoes of what is before the cursor: an answer that retypes the lines above it, or the cursor line's text."""

from __future__ import annotations

from collections.abc import Sequence

from arb_lsp.context import CompletionContext

_ACCESSORS = frozenset({".", "::", "->", "?."})
_ECHO_LOOKBACK = 12
_ECHO_ANCHOR_LINES = 3


def prefix_lines_before_cursor_line(ctx: CompletionContext) -> list[str]:
    head, newline, _ = ctx.prefix.rpartition("\n")
    if not newline:
        return []
    return head.rsplit("\n", _ECHO_LOOKBACK)[-_ECHO_LOOKBACK:]


def has_word_char(text: str) -> bool:
    return any(char.isalnum() or char == "_" for char in text)


def is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _token_starts(typed: str) -> list[int]:
    """Where the tokens of `typed` start, so that `typed[i:]` is a retypeable tail of it."""
    starts = []
    for i, char in enumerate(typed):
        if char.isspace():
            continue
        previous = typed[i - 1] if i else " "
        if previous.isspace() or is_word_char(char) != is_word_char(previous):
            starts.append(i)
    return starts


def strip_prefix_echo(code: str, ctx: CompletionContext) -> str:
    """Drop a retyped copy of the lines before the cursor and of the cursor line's typed text."""
    lines = code.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if first == len(lines):
        return code
    typed = ctx.line_prefix.strip()
    echo_end = _end_of_echoed_lines(lines, first, ctx)
    if echo_end is not None:
        lines = lines[echo_end:]
        first = 0
    if typed:
        content = lines[first].lstrip()
        for start in _token_starts(typed):
            retyped = typed[start:]
            if content.startswith(retyped) and (has_word_char(retyped) or _retypes_accessor(retyped, content)):
                return "\n".join([content[len(retyped) :], *lines[first + 1 :]])
    return "\n".join(lines)


def _end_of_echoed_lines(lines: Sequence[str], first: int, ctx: CompletionContext) -> int | None:
    """Where the answer's own text starts, if it first retypes the lines above the cursor."""
    before = prefix_lines_before_cursor_line(ctx)
    typed = ctx.line_prefix.strip()

    def starts_cursor_line(index: int) -> int | None:
        if not typed:
            return index if index < len(lines) else None
        index = next((i for i in range(index, len(lines)) if lines[i].strip()), len(lines))
        return index if index < len(lines) and lines[index].strip().startswith(typed) else None

    # The answer opens with a copy of the lines just above the cursor...
    for count in range(min(len(before), len(lines) - first - 1), 0, -1):
        echoed = [line.strip() for line in lines[first : first + count]]
        if echoed == [line.strip() for line in before[-count:]] and has_word_char("".join(echoed)):
            start = starts_cursor_line(first + count)
            if start is not None:
                return start
    # ...or retypes the whole file: find the last lines above the cursor anywhere in it.
    anchor = [line.strip() for line in before if line.strip()][-_ECHO_ANCHOR_LINES:]
    if len(anchor) < _ECHO_ANCHOR_LINES or not has_word_char("".join(anchor)):
        return None
    content = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    for j in range(len(content) - len(anchor) + 1):
        if [text for _, text in content[j : j + len(anchor)]] == anchor:
            start = starts_cursor_line(content[j + len(anchor) - 1][0] + 1)
            if start is not None:
                return start
    return None


def _retypes_accessor(retyped: str, content: str) -> bool:
    """Whether `content` retypes a member access operator the line ends with ("." then ".map")."""
    rest = content[len(retyped) : len(retyped) + 1]
    return retyped in _ACCESSORS and bool(rest) and (is_word_char(rest) or rest == "$")


def only_echoes_prefix(lines: Sequence[str], ctx: CompletionContext) -> bool:
    """Whether `lines` so far are a run of the lines before the cursor (an echo still streaming)."""
    before = [line.strip() for line in prefix_lines_before_cursor_line(ctx)]
    wanted = [line.strip() for line in lines]
    return any(before[i : i + len(wanted)] == wanted for i in range(len(before) - len(wanted) + 1))
