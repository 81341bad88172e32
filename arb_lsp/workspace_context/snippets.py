"""Snippets from other files, and how they are merged into the prompt's budget.

Every provider returns :class:`ContextSnippet` values. :func:`merge_snippets` turns them into what the
prompt shows, in three steps:

1. **Priority**: imports first, then recently edited code, then similar windows of open documents; within a
   source, by score. Each source gets a share of the budget; what one leaves unused goes to the next.
2. **Duplicates**: a snippet whose lines are mostly already shown (in the code around the cursor or in an
   earlier snippet) is dropped; an outline of imports, when its first definition is already shown.
3. **Labels**: each snippet starts with its workspace-relative path as a comment in its own language, the
   way a model has seen multi-file code in training (``# Path: shop/models.py``).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from arb_lsp.context import Snippet
from arb_lsp.syntax.languages import HASH_COMMENT_LANGUAGES


class Source(enum.IntEnum):
    """Where a snippet comes from; lower values win the budget first."""

    IMPORT = 1
    RECENT_EDIT = 2
    SIMILAR = 3


#: Share of the context budget each source may take before the next one gets its turn.
SOURCE_SHARES = {Source.IMPORT: 0.55, Source.RECENT_EDIT: 0.25, Source.SIMILAR: 0.20}
#: A snippet with at least this share of its lines already shown adds too little to be sent.
DUPLICATE_SHARE = 0.6
#: Text of the snippet below this many characters after cutting says too little to be worth a label.
MIN_SNIPPET_CHARS = 60


@dataclass(frozen=True, slots=True)
class ContextSnippet:
    """Code from another file: its workspace-relative ``path``, ``text``, language and rank within its source."""

    path: str
    text: str
    language_id: str
    source: Source
    score: float = 0.0
    #: For imports: the names the document uses from the file (None: the file's public outline).
    names: frozenset[str] | None = None
    #: The file's absolute path, for checks on this machine only (never sent: prompts show ``path``).
    origin: str = ""
    #: ``text`` with its doc comments whole (``text`` has them cut to a first sentence); "" when the same.
    full: str = ""


_DASH_COMMENT = frozenset({"sql", "lua", "haskell", "ada", "elm"})
_PERCENT_COMMENT = frozenset({"latex", "tex", "erlang", "matlab"})


def label(path: str, language_id: str) -> str:
    """``path`` as a one-line comment of ``language_id`` (``// Path: x.ts``, ``# Path: x.py``...)."""
    text = f"Path: {path}"
    if language_id in HASH_COMMENT_LANGUAGES:
        return f"# {text}"
    if language_id in _DASH_COMMENT:
        return f"-- {text}"
    if language_id in _PERCENT_COMMENT:
        return f"% {text}"
    if language_id in ("html", "xml", "markdown", "vue", "svelte"):
        return f"<!-- {text} -->"
    if language_id in ("css", "scss", "less"):
        return f"/* {text} */"
    return f"// {text}"


def _significant_lines(text: str) -> list[str]:
    """Lines that identify code (stripped); braces, blanks and ellipses say nothing on their own."""
    lines = (line.strip() for line in text.split("\n"))
    return [line for line in lines if len(line) > 3 and line not in ("...", "{ ... }", "pass")]


def _repeats(snippet: ContextSnippet, lines: list[str], seen: set[str]) -> bool:
    """Whether the snippet adds too little to what is already shown. An outline of imports repeats only when its
    first definition is already there: parameter lines (``self,``, ``timeout: float | None = None,``) are alike
    in many signatures and say nothing about which definition is shown."""
    if snippet.source is Source.IMPORT:
        return lines[0] in seen
    return sum(1 for line in lines if line in seen) >= DUPLICATE_SHARE * len(lines)


def _ordered(snippets: Iterable[ContextSnippet]) -> list[ContextSnippet]:
    return sorted(snippets, key=lambda s: (s.source, -s.score))


def _cut(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    body = text[:room]
    last_break = body.rfind("\n")
    return body[: last_break + 1] if last_break > 0 else ""


def _expanded(snippets: list[ContextSnippet], room: int) -> list[ContextSnippet]:
    """The snippets with whole doc comments, in order, as far as they all still fit ``room``.

    Signatures before prose: a doc comment is cut to its first sentence before any signature is dropped, and
    gets its other sentences back only when every snippet of the source fits with them.
    """
    size = sum(len(s.text) + MIN_SNIPPET_CHARS for s in snippets)
    expanded = list(snippets)
    for index, snippet in enumerate(snippets):
        if snippet.full and size + len(snippet.full) - len(snippet.text) <= room:
            size += len(snippet.full) - len(snippet.text)
            expanded[index] = dataclasses.replace(snippet, text=snippet.full, full="")
    return expanded


def merge_snippets(snippets: Sequence[ContextSnippet], budget_chars: int, shown: str = "") -> tuple[Snippet, ...]:
    """The labelled snippets that fit ``budget_chars``, by priority, without what ``shown`` already has."""
    seen = set(_significant_lines(shown))
    kept: list[Snippet] = []
    carry = 0
    by_source: dict[Source, list[ContextSnippet]] = {}
    for snippet in _ordered(snippets):
        by_source.setdefault(snippet.source, []).append(snippet)
    for source in Source:
        room = int(budget_chars * SOURCE_SHARES[source]) + carry
        for snippet in _expanded(by_source.get(source, []), room):
            lines = _significant_lines(snippet.text)
            if not lines:
                continue
            if _repeats(snippet, lines, seen):
                continue
            header = label(snippet.path, snippet.language_id) + "\n"
            body = _cut(snippet.text.rstrip("\n") + "\n", room - len(header))
            if len(body.strip()) < min(MIN_SNIPPET_CHARS, len(snippet.text.strip())):
                continue
            kept.append(Snippet(snippet.path, header + body))
            seen.update(_significant_lines(body))
            room -= len(header) + len(body)
        carry = max(0, room)
    return tuple(kept)
