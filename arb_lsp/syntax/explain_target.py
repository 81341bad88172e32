"""Which code a hover explains: the enclosing definition, a top-level statement or nearby lines, cut to a budget."""

from __future__ import annotations

import hashlib

from arb_lsp.syntax.definitions import _Analyzer
from arb_lsp.syntax.parsing import ParsedSource, _encode, _ensure_parsed, _is_blank
from arb_lsp.syntax.results import ExplainTarget, ExplainTargetKind

_FALLBACK_CONTEXT_LINES = 3


def _cut_marker(lines_cut: int) -> str:
    return f"… [cut: {lines_cut} more line{'' if lines_cut == 1 else 's'}]"


def truncate_to_budget(code: str, max_chars: int) -> tuple[str, bool]:
    """Cut ``code`` to at most ``max_chars`` at a line boundary, marking the cut on a last line.

    Returns ``(code, truncated)``. A first line longer than the whole budget (minified code) is cut
    mid-line, since no line boundary fits.
    """
    if len(code) <= max_chars:
        return code, False
    lines = code.split("\n")
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        if used + len(line) + 1 + len(_cut_marker(len(lines) - index)) > max_chars:
            break
        kept.append(line)
        used += len(line) + 1
    marker = _cut_marker(len(lines) - len(kept))
    if not kept:
        head = lines[0][: max(0, max_chars - len(marker) - 2)]
        return f"{head}…\n{marker}", True
    return "\n".join([*kept, marker]), True


def _code_hash(code: str) -> str:
    return hashlib.sha256(_encode(code)).hexdigest()


def _fallback_lines(lines: tuple[str, ...], line: int) -> tuple[int, int]:
    """The paragraph around ``line`` (not blank), at most a few lines either side."""
    start = end = line
    while start > max(0, line - _FALLBACK_CONTEXT_LINES) and not _is_blank(lines[start - 1]):
        start -= 1
    while end < min(len(lines) - 1, line + _FALLBACK_CONTEXT_LINES) and not _is_blank(lines[end + 1]):
        end += 1
    return start, end


def _target(
    kind: ExplainTargetKind, name: str | None, start: int, end: int, code: str, max_chars: int
) -> ExplainTarget:
    cut, truncated = truncate_to_budget(code.rstrip("\n"), max_chars)
    return ExplainTarget(kind, name, start, end, cut, _code_hash(cut), truncated)


def find_explain_target(
    text: str,
    language_id: str,
    line: int,
    column: int,
    max_chars: int,
    *,
    parsed: ParsedSource | None = None,
) -> ExplainTarget | None:
    """The code a hover at the position should explain, cut to ``max_chars``; None when nothing should be.

    The innermost enclosing function or method (kind ``"function"``), else the innermost class
    (``"class"``), else the top-level statement (``"statement"``; members of a C++ namespace or a Rust
    ``mod`` count as top level). None on a blank line and on a line holding only comments, so no upstream
    call is made for them. Unknown languages get the few lines around the position (``"lines"``).
    """
    parsed = _ensure_parsed(text, language_id, parsed)
    lines = parsed.lines if parsed is not None else tuple(text.split("\n"))
    if not 0 <= line < len(lines) or _is_blank(lines[line]):
        return None
    if parsed is None:
        start, end = _fallback_lines(lines, line)
        code = "\n".join(lines[start : end + 1]).replace("\r", "")
        return _target("lines", None, start, end, code, max_chars)

    analyzer = _Analyzer(parsed)
    if analyzer.is_comment_only_line(line):
        return None
    node = analyzer.node_at(line, analyzer.normalized_column(line, column))
    if analyzer.comment_at(node) is not None:  # a trailing comment: explain the code it comments
        node = analyzer.node_at(line, analyzer.normalized_column(line, 0))
    definition = analyzer.enclosing_definition(node)
    if definition is not None:
        kind: ExplainTargetKind = "class" if definition.kind == "class" else "function"
        return _target(kind, definition.name, definition.start_line, definition.end_line, definition.text, max_chars)
    statement = analyzer.top_level_statement(node)
    if statement is None:
        start = end = line
        code = lines[line]
    else:
        start, end = statement.start_point.row, analyzer.end_row(statement)
        code = analyzer.lines_text(start, statement.start_byte, statement.end_byte, statement)
    return _target("statement", None, start, end, code, max_chars)
