"""The edit a suggestion makes: which text replaces how much after the cursor, never making the
code worse.

Closers: when only closers and punctuation follow the cursor on its line (`)`, `]);`, `"`), the
edit replaces them, so the model's own closers take their place instead of doubling or going
missing: of the model's text with and without the line's closers, the one that leaves the line's
brackets as they were is kept.

Validity: the edit must not add a syntax error (tree-sitter, for the languages it parses here) nor
unbalance brackets or quotes (every language).  An edit that does is repaired, by restoring the
closers of what it opened, or by giving up its last lines; failing that there is no suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arb_lsp.context import CompletionContext
from arb_lsp.postprocess.clean import clean_parts
from arb_lsp.postprocess.syntax_check import Around, Damage, ends_open, missing_closers, scan

# What may follow the cursor for the edit to replace it: no word characters, only closers,
# quotes and punctuation (Tabby's `^\W*$`).
_ONLY_CLOSERS = re.compile(r"[^\w\s$@#]*[)\]}>\"'`;,.:]+[^\w$@#]*")


@dataclass(frozen=True, slots=True)
class Edit:
    """Insert `text` at the cursor, replacing the `replace` characters that follow it on its line."""

    text: str
    replace: int = 0


def suggest_edit(raw: str, ctx: CompletionContext) -> Edit | None:
    """The edit for the model's answer `raw`, or None for no suggestion."""
    insertion, untrimmed = clean_parts(raw, ctx)
    if insertion is None:
        return None
    candidates = closer_edits(insertion, untrimmed or insertion, ctx)
    around = Around(ctx)  # the window is parsed once; each candidate reparses from its tree
    for edit in candidates[1:]:
        # Several ways to end the line balance its brackets: the first that parses as well wins.
        if not _damage(around, edit).worse_than(around.baseline) and not around.unclosed(edit.text, edit.replace):
            return edit
    return make_valid(candidates[0], ctx, around)


def _closers_only(line_suffix: str) -> bool:
    return _ONLY_CLOSERS.fullmatch(line_suffix.strip()) is not None


def closer_edits(insertion: str, untrimmed: str, ctx: CompletionContext) -> list[Edit]:
    """Edits for `insertion` (meant to go before the rest of the line): when that rest is only
    closers, it is replaced, with the closers the line needs.  The first edit is the best by
    bracket balance; the others (if any) balance the line as well."""
    suffix = ctx.line_suffix
    if not suffix.strip() or not _closers_only(suffix):
        return [Edit(insertion)]
    content = suffix.rstrip()
    language = ctx.language_id
    target = scan(ctx.line_prefix + content, language)
    # The model's closers, all or some of them, then the line's closers, all or some of them:
    # "a, b);" before "));" may need to become "a, b));".
    tail = len(untrimmed) - len(untrimmed.rstrip(")]}>\"'`;,.: \t"))
    heads = [untrimmed[: len(untrimmed) - cut] for cut in range(tail + 1)]
    candidates = [insertion + content, *(head + content[size:] for head in heads for size in range(len(content) + 1))]

    def distance(candidate: str) -> int:
        state = scan(ctx.line_prefix + candidate, language)
        return (
            abs(len(state.open) - len(target.open))
            + abs(state.stray - target.stray)
            + int(state.in_string != target.in_string)
        )

    scored = [(distance(candidate), candidate) for candidate in dict.fromkeys(candidates)]
    best = min(score for score, _ in scored)
    # Of equals, those that end the line as it ended first (no ";" the line did not have), then in
    # order: the line's own closers kept when the model's add nothing.
    ordered = [candidate for score, candidate in scored if score == best]
    ordered.sort(key=lambda candidate: not candidate.endswith(content))
    return [Edit(candidate, len(suffix)) for candidate in ordered[:1] + ordered]


def _damage(around: Around, edit: Edit) -> Damage:
    return around.damage(edit.text, edit.replace)


def make_valid(edit: Edit, ctx: CompletionContext, around: Around | None = None) -> Edit | None:
    """`edit` if it makes the code around the cursor no worse, else a repaired one, else None.

    An edit that ends with a bracket it leaves open (`[] + (`) is refused, not repaired: closing it would
    insert an empty `()` nobody asked for."""
    around = around or Around(ctx)
    if edit.replace > len(around.after):
        return edit  # the window was cut inside the cursor's line: nothing to compare
    baseline = around.baseline
    unclosed = around.unclosed(edit.text, edit.replace)
    if not unclosed and not _damage(around, edit).worse_than(baseline):
        return edit
    if unclosed and ends_open(edit.text):
        return None
    closers = missing_closers(ctx.line_prefix, edit.text, ctx.language_id)
    if closers:
        repaired = Edit(edit.text + closers, edit.replace)
        if not _damage(around, repaired).worse_than(baseline) and not around.unclosed(repaired.text, edit.replace):
            return repaired
    lines = edit.text.split("\n")
    for count in range(len(lines) - 1, 0, -1):
        text = "\n".join(lines[:count]).rstrip()
        if not text.strip():
            break
        shorter = Edit(text + missing_closers(ctx.line_prefix, text, ctx.language_id), edit.replace)
        if not _damage(around, shorter).worse_than(baseline) and not around.unclosed(shorter.text, edit.replace):
            return shorter
    return None
