"""Where a completion prompt first differs from the previous one, and in which part of the prompt.

Used by ``benchmarks.typing_session`` on prompts as the fake OpenRouter serializes them (``<|role|>`` then the
content); the markers (``<context>``, ``<file>``, the hole) are the same in the old and the new layout.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from arb_lsp.prompts import HOLE


def identical_share(prompts: Sequence[str]) -> float:
    """Of the prompts after the first, the share of characters identical to the previous prompt's start."""
    same = total = 0
    for previous, current in itertools.pairwise(prompts):
        common = next((i for i, (a, b) in enumerate(zip(previous, current, strict=False)) if a != b), None)
        same += min(len(previous), len(current)) if common is None else common
        total += len(current)
    return same / total if total else 0.0


def prompt_part(prompt: str, offset: int | None, previous: str = "") -> str:
    """The part of a serialized completion prompt (old or new layout: same markers) ``offset`` falls in;
    where the previous prompt had its cursor's line, "typed since" (the line the user finished)."""
    if offset is None:
        return "identical"
    user = prompt.find("<|user|>")
    if user < 0 or offset < user:
        return "system text"
    context, context_end = prompt.find("<context>", user), prompt.find("</context>", user)
    if context <= offset < context_end:
        return "context snippets"
    start = prompt.find("<file>\n", user)
    if offset < start:
        return "head (language, path)"
    hole = prompt.find(HOLE, start)
    line_start = prompt.rfind("\n", 0, hole) + 1
    line_end = prompt.find("\n", hole)
    if offset < line_start:
        old_hole = previous.find(HOLE, previous.find("<file>\n", previous.find("<|user|>")))
        if previous and offset >= previous.rfind("\n", 0, old_hole) + 1:
            return "the previous cursor's line (typed since)"
        return "file above the cursor's line"
    if offset <= line_end:
        return "the cursor's line"
    if offset < prompt.find("</file>", hole):
        return "file below the cursor"
    return "after the file (shape, task)"


def first_difference(previous: str, current: str) -> int | None:
    """The first offset where ``current`` differs from ``previous`` (None when it only extends it)."""
    found = next((i for i, (a, b) in enumerate(zip(previous, current, strict=False)) if a != b), None)
    if found is None and len(current) < len(previous):
        return len(current)
    return found
