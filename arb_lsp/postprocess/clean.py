"""Turn a chat model's raw answer into exactly the text to insert at the cursor, or nothing.

The last pure step of the completion pipeline.  Chat models asked to fill a hole answer messily:
they wrap code in markdown fences with chatter around it, leak FIM and end-of-text tokens, retype
what is already before the cursor, run on into what already follows it, indent for column 0 or
twice, use spaces in a tab-indented file, and wander out of the block they were asked for.
`clean_completion` undoes all of that, in this order:

1. special tokens, wrapper tags, fences and chatter -> the code the model meant (`extraction`,
                                                       `prose`)
2. echoes of the text before the cursor             -> the code continues exactly at the cursor
                                                       (`echoes`); refusals and prose -> None
3. shape: one line, or one re-indented block        -> lines at the file's indentation (evidence,
                                                       convention, model: `indentation`), within
                                                       the block, without degenerate repetition
                                                       (`shaping`, `repetition`)
4. overlap with the text after the cursor           -> nothing that is already there is inserted
                                                       twice, nor nearly (`overlap`)
5. trailing whitespace; empty or no-op              -> None, since no suggestion is better than a
                                                       wrong one

`is_decided` tells a streaming caller when the final insertion can no longer change, so it can
stop reading (and paying for) the rest of the answer: it is the stream guard.  `edits` then turns
the insertion into an edit that never makes the code worse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arb_lsp.context import MAX_BLOCK_LINES, CompletionContext
from arb_lsp.postprocess.echoes import has_word_char, only_echoes_prefix, strip_prefix_echo
from arb_lsp.postprocess.extraction import PROSE_LANGUAGES, answer_code, unwrap_inline_code
from arb_lsp.postprocess.indentation import with_indent_evidence
from arb_lsp.postprocess.overlap import (
    BELOW_LOOKAHEAD,
    end_at_cursor_line_closers,
    is_noop,
    trim_below_overlap,
    trim_line_suffix_overlap,
)
from arb_lsp.postprocess.prose import is_prose, is_refusal
from arb_lsp.postprocess.repetition import repetition_start
from arb_lsp.postprocess.shaping import shape_block, shape_single_line
from arb_lsp.prompts import HOLE


@dataclass(frozen=True, slots=True)
class _Outcome:
    text: str | None
    # The answer was cut because the insertion had ended (fence closed, block left, suffix reached):
    # more of the stream would not change the result.
    stopped: bool
    # The insertion before its overlap with the rest of the cursor's line was cut.
    untrimmed: str | None = None


def clean_completion(raw: str, ctx: CompletionContext) -> str | None:
    """The text to insert at the cursor for the model's answer `raw`, or None for no suggestion."""
    return clean_parts(raw, ctx)[0]


def clean_parts(raw: str, ctx: CompletionContext) -> tuple[str | None, str | None]:
    """`clean_completion`'s insertion, and the same before its overlap with the rest of the
    cursor's line was cut (the model's own closers, for an edit that replaces the line's)."""
    code, _, _, _ = answer_code(raw, ctx.language_id)
    outcome = _shape_and_trim(code, ctx)
    return outcome.text, outcome.untrimmed


def is_decided(partial: str, ctx: CompletionContext) -> bool:
    """Whether the streamed answer so far already fixes what `clean_completion` will return.

    Only complete lines are judged, since the line being streamed may still grow.
    """
    code, ended, closed, waiting = answer_code(partial, ctx.language_id)
    if ended or closed:
        return True
    last_break = code.rfind("\n")
    if waiting or last_break == -1:
        return False
    complete = code[:last_break]
    if is_refusal(complete):
        return True
    if not ctx.multiline:
        lines = [line for line in complete.split("\n") if line.strip()]
        return bool(lines) and not only_echoes_prefix(lines, ctx)
    if sum(1 for line in complete.split("\n") if line.strip()) >= MAX_BLOCK_LINES:
        return True
    return _shape_and_trim(complete, ctx).stopped


#: Providers take at most four stop sequences (OpenAI's limit; others are lower or equal).
MAX_STOPS = 4
_MIN_STOP_LINE = 6


def guard_stops(ctx: CompletionContext, base: Sequence[str]) -> list[str]:
    """`base` stop sequences plus the line below the cursor, where it helps and fits.

    A block that runs on into the code below writes that line again: the provider stops before it,
    and nothing of what follows is generated (or billed).  Only a distinctive line is used (not a
    lone "}" or "else:"), written as it is in the file, after a line break.
    """
    stops = list(dict.fromkeys(base))[:MAX_STOPS]
    if not ctx.multiline or len(stops) >= MAX_STOPS:
        return stops
    below = ctx.suffix.split("\n", BELOW_LOOKAHEAD * 4)[1:]
    line = next((line.rstrip("\r") for line in below if line.strip()), "")
    content = line.strip()
    if has_word_char(content) and len(content) >= _MIN_STOP_LINE and HOLE not in content:
        stops.append("\n" + line.rstrip())
    return stops


def _shape_and_trim(code: str, ctx: CompletionContext) -> _Outcome:
    code = code.rstrip()
    code = unwrap_inline_code(code, ctx.language_id)
    code = strip_prefix_echo(code, ctx)
    if not code.strip():
        return _Outcome(None, False)
    if is_prose(code, ctx.language_id, PROSE_LANGUAGES):
        return _Outcome(None, is_refusal(code))
    ctx = with_indent_evidence(ctx, code)
    stopped = False
    if ctx.multiline:
        lines, left_block = shape_block(code, ctx)
        repeated = repetition_start(lines)
        if repeated is not None:
            lines = _rstrip_lines(lines[:repeated])
        lines, closed_line = end_at_cursor_line_closers(lines, ctx)
        lines, reached_below = trim_below_overlap(lines, ctx)
        stopped = left_block or closed_line or reached_below or repeated is not None
    else:
        first = shape_single_line(code, ctx)
        lines = [first] if first is not None else []
    untrimmed = "\n".join(_rstrip_lines(lines))
    insertion = trim_line_suffix_overlap(untrimmed, ctx)
    if not insertion.strip() or is_noop(insertion, ctx):
        return _Outcome(None, stopped)
    return _Outcome(insertion, stopped, untrimmed.rstrip())


def _rstrip_lines(lines: Sequence[str]) -> list[str]:
    stripped = [line.rstrip() for line in lines]
    while len(stripped) > 1 and not stripped[-1]:
        stripped.pop()
    return stripped
