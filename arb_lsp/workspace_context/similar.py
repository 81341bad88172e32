"""Context provider 3: the windows of other open documents most similar to the code at the cursor.

Each open document of the same language family is cut into windows of :data:`WINDOW_LINES` lines (every
:data:`STEP_LINES`); a window's score is the Jaccard similarity of its set of identifiers with the set of
identifiers around the cursor. This finds the function just written in another file, the test next to the
code, the sibling handler with the same shape, where the old "first 1,200 characters of each open file"
found only imports. Token sets per block of lines are cached per document text, so a request costs one pass
over the windows' sets.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from arb_lsp.workspace_context.deadline import Deadline
from arb_lsp.workspace_context.files import OpenDocument
from arb_lsp.workspace_context.snippets import ContextSnippet, Source

WINDOW_LINES = 20
STEP_LINES = 10
#: The cursor's side of the comparison: this many lines before the cursor (and a few after).
QUERY_LINES_BEFORE = 20
QUERY_LINES_AFTER = 5
#: Windows scoring below this share nothing worth the tokens.
MIN_SCORE = 0.08
#: Documents longer than this many lines are only searched in their first part (the cached token sets of
#: 32 documents this long take about 15 MB).
MAX_LINES_SEARCHED = 3000
_CACHE_ENTRIES = 32

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
#: Keywords so common in code that sharing them says nothing.
STOP_WORDS = frozenset(
    """
    and as assert async await break case catch class const continue def default del do elif else enum except
    export extends false final finally fn for from func function go if impl import in interface is let match mod
    new nil none not null of or pass pub public private protected raise return self static struct super switch
    this throw true try type typeof use var void while with yield int str bool string number float
    """.split()
)

FAMILIES = {
    "javascriptreact": "javascript",
    "typescript": "javascript",
    "typescriptreact": "javascript",
    "cpp": "c",
}


def family(language_id: str) -> str:
    return FAMILIES.get(language_id, language_id)


def tokens(text: str) -> set[str]:
    """The identifiers of ``text`` that can tell code apart (keywords and one-letter names dropped)."""
    return {t for t in _IDENTIFIER.findall(text) if len(t) > 1 and t.lower() not in STOP_WORDS}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def query_text(text: str, offset: int) -> str:
    """The lines around the cursor that similar windows are compared with."""
    start = offset
    for _ in range(QUERY_LINES_BEFORE):
        start = text.rfind("\n", 0, max(0, start - 1)) if start > 0 else 0
        if start <= 0:
            start = 0
            break
    end = offset
    for _ in range(QUERY_LINES_AFTER):
        found = text.find("\n", end + 1)
        if found == -1:
            end = len(text)
            break
        end = found
    return text[start:end]


class _BlockTokens:
    """Token sets per block of :data:`STEP_LINES` lines of each document's latest text: a window is two
    blocks. One entry per path and no text kept (the caller has it), so 50 open 10,000-line files cost
    a few MB, not one set per line."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[int, int, int, list[set[str]]]] = OrderedDict()

    def get(self, path: str, text: str) -> tuple[int, list[set[str]]]:
        """(lines searched, token set of each block of them)."""
        stamp = (len(text), hash(text))
        with self._lock:
            hit = self._entries.get(path)
            if hit is not None and hit[:2] == stamp:
                self._entries.move_to_end(path)
                return hit[2], hit[3]
        lines = text.split("\n", MAX_LINES_SEARCHED)[:MAX_LINES_SEARCHED]
        # Interned: a name used in many blocks of many files is one string, not one per occurrence.
        blocks = [
            {sys.intern(token) for token in tokens("\n".join(lines[start : start + STEP_LINES]))}
            for start in range(0, len(lines), STEP_LINES)
        ]
        with self._lock:
            self._entries[path] = (*stamp, len(lines), blocks)
            self._entries.move_to_end(path)
            while len(self._entries) > _CACHE_ENTRIES:
                self._entries.popitem(last=False)
        return len(lines), blocks


_BLOCK_TOKENS = _BlockTokens()
_BLOCKS_PER_WINDOW = WINDOW_LINES // STEP_LINES


def best_windows(query: set[str], path: str, text: str) -> Iterable[tuple[float, int, int]]:
    """(score, first line, end line) of each window of ``text``: :data:`WINDOW_LINES` lines every :data:`STEP_LINES`."""
    line_count, blocks = _BLOCK_TOKENS.get(path, text)
    for first in range(max(1, len(blocks) - _BLOCKS_PER_WINDOW + 1)):
        window = set().union(*blocks[first : first + _BLOCKS_PER_WINDOW])
        start = first * STEP_LINES
        yield jaccard(query, window), start, min(line_count, start + WINDOW_LINES)


def similar_snippets(
    query: str,
    documents: Sequence[OpenDocument],
    language_id: str,
    deadline: Deadline,
    *,
    label: dict[str, str] | None = None,
    limit: int = 3,
) -> list[ContextSnippet]:
    """The ``limit`` windows most similar to ``query`` among ``documents`` of the same language family.

    At most one window per document, so one big file does not crowd out the others. ``label`` maps a
    document's path to the path shown in the prompt.
    """
    query_tokens = tokens(query)
    if not query_tokens:
        return []
    wanted = family(language_id)
    scored: list[tuple[float, OpenDocument, int, int]] = []
    for document in documents:
        if deadline.expired():
            break
        if family(document.language_id) != wanted:
            continue
        best = max(best_windows(query_tokens, document.path, document.text), default=None)
        if best is not None and best[0] >= MIN_SCORE:
            scored.append((best[0], document, best[1], best[2]))
    scored.sort(key=lambda entry: -entry[0])
    snippets = []
    for score, document, start, end in scored[:limit]:
        text = "\n".join(document.text.split("\n", end)[start:end])
        if text.strip():
            shown = (label or {}).get(document.path, document.path)
            snippets.append(ContextSnippet(shown, text, document.language_id, Source.SIMILAR, score))
    return snippets
