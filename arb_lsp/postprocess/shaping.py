"""The shape of an insertion: one line continuing the cursor's, or one block re-indented to the file and cut where it ends."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence

from arb_lsp.context import MAX_BLOCK_LINES, CompletionContext
from arb_lsp.openers import ends_with_block_opener
from arb_lsp.postprocess.brackets import ScanState, scan
from arb_lsp.postprocess.echoes import prefix_lines_before_cursor_line

_END_KEYWORD_LANGUAGES = frozenset({"ruby", "lua", "elixir", "julia", "crystal"})
# A line starting with one of these continues the statement its block belongs to.
_CONTINUATION_KEYWORDS = re.compile(r"(?:else|elif|elsif|except|finally|catch|rescue|ensure|case|default)\b")
_SWITCH_LABEL = re.compile(r"(?:case\b.*|default\s*):")
# After one of these, code at the same level is unreachable.
_TERMINATORS = re.compile(r"(?:return|raise|throw|break|continue)\b")
_OPERATOR_ENDINGS = frozenset("=+-*/%&|^<>!~.?")


def _leading_whitespace(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _unit_width(indent_unit: str) -> int:
    return 4 if indent_unit == "\t" else max(1, len(indent_unit))


def _level(whitespace: str, space_width: int) -> float:
    """Indentation depth in levels: a tab is one level, `space_width` spaces are one."""
    return whitespace.count("\t") + whitespace.count(" ") / space_width


def _indentation(level: float, indent_unit: str) -> str:
    if level <= 0:
        return ""
    whole = int(level + 1e-9)
    spaces = round((level - whole) * _unit_width(indent_unit))
    return indent_unit * whole + " " * spaces


def _model_space_width(lines: Sequence[str], file_width: int) -> int:
    """How many spaces make one level in the model's answer (it need not match the file).

    The most common step between consecutive lines says it best; without steps, indentation
    that fits the file's unit is taken in the file's unit, else the shallowest is one level.
    """
    widths = [
        len(whitespace) for line in lines if line.strip() and "\t" not in (whitespace := _leading_whitespace(line))
    ]
    steps = Counter(b - a for a, b in itertools.pairwise(widths) if 1 < b - a <= 8)
    if steps:
        best = max(steps.values())
        return min(step for step, count in steps.items() if count == best)
    indented = [width for width in widths if width]
    if not indented or all(width % file_width == 0 for width in indented):
        return file_width
    return min(indented) if min(indented) > 1 else file_width


def _starts_with_closer(content: str, language_id: str) -> bool:
    if content[:1] in (")", "]", "}"):
        return True
    return language_id in _END_KEYWORD_LANGUAGES and re.match(r"end\b", content) is not None


def _opens_block(line: str, language_id: str) -> bool:
    """Whether the lines after `line` belong inside it (a block opener or an unclosed bracket)."""
    if ends_with_block_opener(line, language_id) or _SWITCH_LABEL.fullmatch(line.strip()):
        return True
    depth = scan(line, language_id, ScanState()).depth
    return any(count > 0 for count in depth)


def _expects_same_line(line_prefix: str, language_id: str, in_brackets: bool = False) -> bool:
    """Whether the cursor line is unfinished, so the insertion must not start a new line."""
    stripped = line_prefix.rstrip()
    if ends_with_block_opener(line_prefix, language_id, in_brackets=in_brackets) or stripped.endswith((",", ";")):
        return False
    return line_prefix[-1:] in (" ", "\t") or stripped[-1:] in _OPERATOR_ENDINGS


def _opens_body_on_next_line(line_prefix: str, language_id: str, in_brackets: bool = False) -> bool:
    stripped = line_prefix.rstrip()
    if stripped.endswith("{"):
        return True
    return (
        language_id == "python"
        and stripped.endswith(":")
        and ends_with_block_opener(stripped, "python", in_brackets=in_brackets)
    )


def shape_single_line(code: str, ctx: CompletionContext) -> str | None:
    """The answer's first line, placed to continue the cursor's line."""
    lines = code.split("\n")
    first = next(i for i, line in enumerate(lines) if line.strip())
    line = lines[first]
    if not ctx.line_prefix.strip():
        indentation = "" if ctx.line_prefix else _indentation(_first_line_level(line, ctx), ctx.indent_unit)
        return indentation + line.strip()
    if first > 0:
        if _opens_body_on_next_line(ctx.line_prefix, ctx.language_id, ctx.in_brackets):
            # The model wrote a body for the next line, which a single-line suggestion cannot hold.
            return None
        return line.lstrip(" \t")
    if ctx.line_prefix[-1:] in (" ", "\t"):
        return line.lstrip(" \t")
    return line


def _first_line_level(line: str, ctx: CompletionContext) -> float:
    """The level of an answer's first line when the cursor is at the start of its line's text."""
    width = _unit_width(ctx.indent_unit)
    if ctx.line_prefix:
        return _level(ctx.line_prefix, width)
    # Column 0: the insertion carries its own indentation.  Trust the model's, unless it wrote
    # flush code right under a line that opens a block.
    own = _level(_leading_whitespace(line), _model_space_width([line], width))
    if own > 0:
        return own
    previous = next((p for p in reversed(prefix_lines_before_cursor_line(ctx)) if p.strip()), "")
    if previous and ends_with_block_opener(previous, ctx.language_id):
        return _level(_leading_whitespace(previous), width) + 1
    return 0.0


def shape_block(code: str, ctx: CompletionContext) -> tuple[list[str], bool]:
    """Lines of a block insertion (the first continues the cursor's line) and whether it was cut."""
    lines = code.split("\n")
    language = ctx.language_id
    line_prefix = ctx.line_prefix
    cursor_level = _level(_leading_whitespace(line_prefix), _unit_width(ctx.indent_unit))

    if not line_prefix.strip():
        lines = _drop_leading_blank_lines(lines)
        level = _first_line_level(lines[0], ctx)
        return _shape_lines_from_line_start(lines, ctx, level, first_indent=not line_prefix, parent_opened=False)

    if not lines[0].strip() and len(lines) > 1:
        lines = _drop_leading_blank_lines(lines)
        if _expects_same_line(line_prefix, language, ctx.in_brackets):
            lines[0] = lines[0].lstrip(" \t")
            return _shape_continued_lines(lines, ctx, cursor_level)
    elif not _starts_body_below(lines, ctx):
        if line_prefix[-1:] in (" ", "\t"):
            lines[0] = lines[0].lstrip(" \t")
        return _shape_continued_lines(lines, ctx, cursor_level)

    # The insertion starts a new line below the cursor's.
    opened = _opens_block(line_prefix, language)
    level = cursor_level + 1 if opened else cursor_level
    body, stopped = _shape_lines_from_line_start(lines, ctx, level, first_indent=True, parent_opened=opened)
    return ["", *body], stopped


def _starts_body_below(lines: Sequence[str], ctx: CompletionContext) -> bool:
    """Whether an answer that does not start with a line break is still the body of the block the
    cursor's line opens: after "{" or a Python ":" at the end of the line, code belongs below,
    unless the block is closed on this same line ("{|}") and the answer fits there."""
    if not _opens_body_on_next_line(ctx.line_prefix, ctx.language_id, ctx.in_brackets):
        return False
    if not ctx.line_suffix.strip():
        return True
    return len(lines) > 1 or lines[0].startswith(("\t", "  "))


def _drop_leading_blank_lines(lines: list[str]) -> list[str]:
    first = next(i for i, line in enumerate(lines) if line.strip())
    return lines[first:]


def _choose_base(candidates: Sequence[float], next_level: float, anchor: float, expected: float) -> float:
    """The model's level that corresponds to `anchor` in the file: the one that puts the line
    after the first where the code says it belongs (one deeper after an opener, and so on)."""
    return min(candidates, key=lambda base: abs(anchor + next_level - base - expected))


def _shape_lines_from_line_start(
    lines: list[str], ctx: CompletionContext, level: float, *, first_indent: bool, parent_opened: bool
) -> tuple[list[str], bool]:
    """Re-indent a block whose first line starts a line at `level` (at the cursor or below it)."""
    language = ctx.language_id
    # The first line's own indentation says little: the model often writes it flush at the hole.
    width = _model_space_width(lines[1:], _unit_width(ctx.indent_unit))
    levels = [_level(_leading_whitespace(line), width) for line in lines]
    first_content = lines[0].strip()
    opens_first = _opens_block(first_content, language)
    following = next((i for i in range(1, len(lines)) if lines[i].strip()), None)
    base = levels[0]
    if following is not None:
        expected = level + (1 if opens_first else 0)
        if _starts_with_closer(lines[following].strip(), language):
            expected -= 1
        candidates = list(dict.fromkeys([levels[0], level, 0.0, 2 * level]))
        base = _choose_base(candidates, levels[following], level, expected)
    first = (_indentation(level, ctx.indent_unit) if first_indent else "") + first_content
    targets = [level + line_level - base for line_level in levels]
    # A top-level definition is the whole block: the next one at its level starts another.
    ends_at_own_level = opens_first and level <= 0 and not parent_opened
    return _bound_block(
        first,
        lines[1:],
        targets[1:],
        ctx,
        first_statement=(first_content, level),
        floor=level + 1 if ends_at_own_level else level,
        may_close_parent=parent_opened or ends_at_own_level,
    )


def _shape_continued_lines(lines: list[str], ctx: CompletionContext, cursor_level: float) -> tuple[list[str], bool]:
    """Re-indent a block whose first line continues the cursor's line."""
    language = ctx.language_id
    width = _model_space_width(lines[1:], _unit_width(ctx.indent_unit))
    levels = [_level(_leading_whitespace(line), width) for line in lines]
    opened = _opens_block(ctx.line_prefix + lines[0], language)
    following = next((i for i in range(1, len(lines)) if lines[i].strip()), None)
    base = cursor_level
    if following is not None:
        expected = cursor_level + (1 if opened else 0)
        if _starts_with_closer(lines[following].strip(), language):
            expected -= 1
        candidates = list(dict.fromkeys([cursor_level, 0.0, 2 * cursor_level]))
        base = _choose_base(candidates, levels[following], cursor_level, expected)
    targets = [cursor_level + line_level - base for line_level in levels]
    return _bound_block(
        lines[0],
        lines[1:],
        targets[1:],
        ctx,
        first_statement=((ctx.line_prefix + lines[0]).strip(), cursor_level),
        floor=cursor_level + 1 if opened else cursor_level,
        may_close_parent=opened,
    )


def _bound_block(
    first: str,
    rest: Sequence[str],
    targets: Sequence[float],
    ctx: CompletionContext,
    *,
    first_statement: tuple[str, float],
    floor: float,
    may_close_parent: bool,
) -> tuple[list[str], bool]:
    """Re-indent `rest` to `targets` and stop where the block ends.

    Lines below `floor` have left the block.  When the line above the block opened it, a line one
    level up may still close it ("}", "end") or continue its statement ("else:", "} else {").
    Code after a `return` (or `break`...) at its level is unreachable: the model has moved on to
    other code.  `first_statement` is the first line's whole text and its level.
    """
    language = ctx.language_id
    out = [first]
    content, level = first_statement
    terminated_at = level if _TERMINATORS.match(content) else None
    for line, target in zip(rest, targets, strict=True):
        if len(out) >= MAX_BLOCK_LINES:
            return out, any(line.strip() for line in rest[len(out) - 1 :])
        content = line.strip()
        if not content:
            out.append("")
            continue
        target = max(target, 0.0)
        closes = _starts_with_closer(content, language)
        continues = _CONTINUATION_KEYWORDS.match(content) is not None
        if terminated_at is not None and not (closes or continues):
            if abs(target - terminated_at) < 1e-9:
                return out, True
            if target < terminated_at:
                terminated_at = None  # left the block that returned
        if target < floor - 1e-9:
            if not (may_close_parent and target >= floor - 1 - 1e-9):
                return out, True
            if closes:
                out.append(_indentation(target, ctx.indent_unit) + content)
                if _opens_block(content, language) and not content.endswith(("(", "[")):
                    terminated_at = None
                    continue
                return out, True
            if not continues:
                return out, True
        out.append(_indentation(target, ctx.indent_unit) + content)
        if _TERMINATORS.match(content):
            terminated_at = target
        elif closes or continues:
            terminated_at = None
    return out, False
