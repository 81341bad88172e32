"""Which indentation unit an insertion uses: the file's evidence, then the language's convention,
then the model's own.

`detect_indent_unit` (context) falls back to four spaces when the file has no indented line yet.
That default must not override better knowledge: right after the first `{` of a JavaScript file,
two spaces is the convention (Prettier, StandardJS), and where a language has none (C, shell) the
model's own choice is the best evidence left.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from itertools import pairwise

from arb_lsp.context import CompletionContext

# Formatter defaults that most code in the language follows.
CONVENTIONS: dict[str, str] = {
    "python": "    ",
    "rust": "    ",
    "java": "    ",
    "csharp": "    ",
    "kotlin": "    ",
    "swift": "    ",
    "php": "    ",
    "go": "\t",
    "makefile": "\t",
    "javascript": "  ",
    "javascriptreact": "  ",
    "typescript": "  ",
    "typescriptreact": "  ",
    "json": "  ",
    "jsonc": "  ",
    "yaml": "  ",
    "ruby": "  ",
    "elixir": "  ",
    "dart": "  ",
    "scala": "  ",
    "html": "  ",
    "css": "  ",
    "scss": "  ",
    "less": "  ",
    "vue": "  ",
    "svelte": "  ",
}


def _has_indented_line(text: str) -> bool:
    """Whether a line with code in `text` is indented (a tab or at least two spaces)."""
    for line in text.split("\n"):
        if line[:1] == "\t" or line[:2] == "  ":
            if line.strip():
                return True
    return False


def model_unit(code: str) -> str | None:
    """The unit the answer itself indents with, if it indents at all."""
    # The first line's indentation says nothing when it continues the cursor's line.
    lines = [line for line in code.split("\n") if line.strip()]
    if code.lstrip(" \t")[:1] != "\n":
        lines = lines[1:]
    if any(line.startswith("\t") for line in lines):
        return "\t"
    widths = [len(line) - len(line.lstrip(" ")) for line in lines]
    steps = Counter(b - a for a, b in pairwise(widths) if 1 < b - a <= 8)
    if steps:
        best = max(steps.values())
        return " " * min(step for step, count in steps.items() if count == best)
    indented = [width for width in widths if width > 1]
    return " " * min(indented) if indented and min(indented) <= 8 else None


def with_indent_evidence(ctx: CompletionContext, code: str) -> CompletionContext:
    """`ctx` with the indentation unit the insertion must use."""
    if _has_indented_line(ctx.prefix) or _has_indented_line(ctx.suffix):
        return ctx
    unit = CONVENTIONS.get(ctx.language_id) or model_unit(code) or ctx.indent_unit
    return ctx if unit == ctx.indent_unit else dataclasses.replace(ctx, indent_unit=unit)
