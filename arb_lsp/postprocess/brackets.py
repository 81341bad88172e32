"""A rough scanner of brackets and strings in code, and how much an insertion unbalances them at the cursor."""

from __future__ import annotations

import re
from dataclasses import dataclass

from arb_lsp.context import CompletionContext
from arb_lsp.syntax.languages import HASH_COMMENT_LANGUAGES

_BRACKETS = {"(": (0, 1), ")": (0, -1), "[": (1, 1), "]": (1, -1), "{": (2, 1), "}": (2, -1)}
_RUST_CHAR_LITERAL = re.compile(r"'(?:\\.|\\u\{[0-9a-fA-F]+\}|[^\\'])'")


@dataclass(frozen=True, slots=True)
class ScanState:
    """Open brackets ((), [], {}) and the open string's quote, after scanning some code."""

    depth: tuple[int, int, int] = (0, 0, 0)
    quote: str = ""


def line_comment(language_id: str) -> str:
    return "#" if language_id in HASH_COMMENT_LANGUAGES else "//"


def scan(text: str, language_id: str, state: ScanState) -> ScanState:
    """Roughly track brackets and strings through `text`, skipping line comments."""
    depth = list(state.depth)
    quote = state.quote
    comment = line_comment(language_id)
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if text.startswith(quote, index):
                index += len(quote)
                quote = ""
                continue
            if char == "\n" and quote in ("'", '"'):
                quote = ""
            index += 1
            continue
        if text.startswith(comment, index):
            newline = text.find("\n", index)
            index = length if newline == -1 else newline
            continue
        if char in "'\"`":
            if language_id == "rust" and char == "'":
                literal = _RUST_CHAR_LITERAL.match(text, index)
                index = literal.end() if literal else index + 1  # a lifetime, not a string
                continue
            triple = text[index : index + 3]
            quote = triple if language_id == "python" and triple in ('"""', "'''") else char
            index += len(quote)
            continue
        if char in _BRACKETS:
            kind, step = _BRACKETS[char]
            depth[kind] += step
        index += 1
    return ScanState((depth[0], depth[1], depth[2]), quote)


def imbalance(insertion: str, ctx: CompletionContext) -> int:
    """How much inserting `insertion` would change bracket and string balance at the cursor."""
    start = scan(ctx.line_prefix, ctx.language_id, ScanState())
    end = scan(insertion, ctx.language_id, start)
    changed_string = 1 if end.quote != start.quote else 0
    return sum(abs(a - b) for a, b in zip(end.depth, start.depth, strict=True)) + changed_string
