"""Overlap with what follows the cursor: nothing already there is inserted twice, nor nearly."""

from __future__ import annotations

from arb_lsp.context import CompletionContext
from arb_lsp.openers import ends_with_block_opener
from arb_lsp.postprocess.brackets import ScanState, imbalance, line_comment, scan
from arb_lsp.postprocess.echoes import has_word_char, is_word_char
from arb_lsp.postprocess.repetition import near_duplicate

BELOW_LOOKAHEAD = 8
_BELOW_MATCH_LINES = 3


def _below_lines(ctx: CompletionContext) -> list[str]:
    """The first non-blank lines after the cursor's line, stripped."""
    below = ctx.suffix.split("\n", BELOW_LOOKAHEAD * 4)[1:]
    return [line.strip() for line in below if line.strip()][:BELOW_LOOKAHEAD]


def trim_below_overlap(lines: list[str], ctx: CompletionContext) -> tuple[list[str], bool]:
    """Cut the insertion where it starts retyping the lines already below the cursor.

    A line of code that equals or nearly equals the next line below is enough; closers alone
    must be followed by the lines below them too, and only count when cutting them balances.
    """
    below = _below_lines(ctx)
    if not below:
        return lines, False
    # The first line is a whole line only when the cursor is at the start of its line's text.
    start = 0 if not ctx.line_prefix.strip() else 1
    comment = line_comment(ctx.language_id)
    whole = imbalance("\n".join(lines), ctx)
    for cut in range(start, len(lines)):
        if not lines[cut].strip():
            continue
        rest = [line.strip() for line in lines[cut:] if line.strip()]
        if not near_duplicate(rest[0], below[0], comment):
            continue
        kept = lines[:cut]
        if has_word_char(rest[0]):
            # A line of code that retypes the next one (maybe with a comment added): the model has
            # run into the code below, whatever it writes after it.
            return kept, True
        count = min(len(rest), len(below), _BELOW_MATCH_LINES)
        if not all(near_duplicate(a, b, comment) for a, b in zip(rest[:count], below[:count], strict=True)):
            continue
        # Closing brackets alone prove little: cut them only if the insertion then balances better.
        if has_word_char("".join(rest[:count])) or imbalance("\n".join(kept), ctx) < whole:
            return kept, True
    return lines, False


def end_at_cursor_line_closers(lines: list[str], ctx: CompletionContext) -> tuple[list[str], bool]:
    """Cut a block after the line that closes the brackets the cursor's line is in.

    With the cursor in "foo(|)", an answer "a, b)" followed by more lines has finished the call;
    what follows is code the model imagined after it, not part of the insertion.  Without a rest
    of the line, the same holds for brackets opened before the cursor ("foo(|"), unless the line
    that closes them opens a body ("def f(a):").
    """
    language = ctx.language_id
    start = scan(ctx.line_prefix, language, ScanState())
    rest = ctx.line_suffix.strip()
    if rest:
        line_end = scan(rest, language, start)
        closing = [kind for kind in range(3) if line_end.depth[kind] < start.depth[kind]]
        limits = line_end.depth
    else:
        closing = [kind for kind in range(3) if start.depth[kind] > 0]
        limits = (0, 0, 0)
    if not closing:
        return lines, False
    state = start
    for index, line in enumerate(lines[:-1]):
        state = scan(line + "\n", language, state)
        if all(state.depth[kind] <= limits[kind] for kind in closing):
            if not rest and ends_with_block_opener(ctx.line_prefix + line if index == 0 else line, language):
                return lines, False
            return lines[: index + 1], True
    return lines, False


def trim_line_suffix_overlap(insertion: str, ctx: CompletionContext) -> str:
    """Cut the end of the insertion where it retypes the start of the rest of the cursor's line."""
    rest = ctx.line_suffix.strip()
    if not rest or not insertion.strip():
        return insertion
    body = insertion.rstrip()
    whole = imbalance(body, ctx)
    best_cut, best = 0, whole
    for size in range(1, len(rest) + 1):
        if body.endswith(rest[:size]):
            score = imbalance(body[:-size], ctx)
            if score < best:
                best_cut, best = size, score
    # Retyping the whole rest of the line ("foo.bar()" before "bar()") is an echo unless the
    # overlap is closing brackets the insertion needs for itself ("g()" before ")").
    if (
        not best_cut
        and body.endswith(rest)
        and not all(char in ")]}" for char in rest)
        and imbalance(body[: -len(rest)], ctx) <= whole
    ):
        best_cut = len(rest)
    if not best_cut:
        return body
    kept = body[:-best_cut]
    last_line = kept[kept.rfind("\n") + 1 :]
    if kept.startswith("\n") and kept.count("\n") > 1 and not last_line.strip():
        # The rest of the line was retyped on a line of its own: keep that line break, so the
        # rest ends up there, indented as the model had it (a closing ")" under its opener).
        return kept
    return kept.rstrip()


def is_noop(insertion: str, ctx: CompletionContext) -> bool:
    """Whether the insertion only retypes what already follows the cursor."""
    if "\n" not in insertion:
        typed_over = ctx.line_suffix.lstrip()
        content = insertion.strip()
        if typed_over:
            if not typed_over.startswith(content):
                return False
            following = typed_over[len(content) : len(content) + 1]
            return not (following and is_word_char(following) and is_word_char(content[-1]))
        if ctx.line_prefix.strip():
            return False
    wanted = [line.strip() for line in insertion.split("\n") if line.strip()]
    ahead = [line.strip() for line in [ctx.line_suffix, *_below_lines(ctx)] if line.strip()]
    return ahead[: len(wanted)] == wanted
