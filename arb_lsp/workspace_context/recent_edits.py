"""Context provider 2: code the user recently edited in other documents, most similar first.

:class:`EditHistory` is fed by ``textDocument/didChange`` and remembers where each document was edited (line
ranges, kept in step with later edits that move lines). :func:`recent_edit_snippets` reads the current text
around each remembered range and ranks the ranges by similarity to the code at the cursor, recency breaking
ties. A whole-document replacement (no range) is not a located edit and is not remembered.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from arb_lsp.workspace_context.deadline import Deadline
from arb_lsp.workspace_context.similar import family, jaccard, tokens
from arb_lsp.workspace_context.snippets import ContextSnippet, Source

#: Ranges remembered across all documents; older ones are forgotten first.
MAX_EDITS = 32
#: Lines of context shown around an edited range, and the most lines one snippet shows.
CONTEXT_LINES = 6
MAX_SNIPPET_LINES = 30


@dataclass(slots=True)
class EditedRange:
    """Lines ``start``..``end`` (inclusive) of ``path`` were edited; ``order`` rises with every edit."""

    path: str
    start: int
    end: int
    order: int


class EditHistory:
    """Where documents were edited lately (thread-safe: requests read it from a worker thread)."""

    def __init__(self, max_edits: int = MAX_EDITS) -> None:
        self._lock = threading.Lock()
        self._ranges: list[EditedRange] = []
        self._max = max_edits
        self._clock = itertools.count(1)

    def record(self, path: str, start_line: int, end_line: int, new_text: str) -> None:
        """An edit replaced lines ``start_line``..``end_line`` of ``path`` with ``new_text``."""
        added = new_text.count("\n")
        shift = added - (end_line - start_line)
        new_end = start_line + added
        with self._lock:
            merged = False
            for edited in self._ranges:
                if edited.path != path:
                    continue
                if edited.start > end_line:
                    edited.start += shift
                    edited.end += shift
                elif edited.end >= start_line - CONTEXT_LINES and not merged:
                    # Typing next to an earlier edit grows that range instead of adding another.
                    edited.start = min(edited.start, start_line)
                    edited.end = max(edited.end + shift if edited.end > end_line else edited.end, new_end)
                    edited.order = next(self._clock)
                    merged = True
            if not merged:
                self._ranges.append(EditedRange(path, start_line, new_end, next(self._clock)))
            self._ranges.sort(key=lambda r: r.order)
            del self._ranges[: max(0, len(self._ranges) - self._max)]

    def forget(self, path: str) -> None:
        with self._lock:
            self._ranges = [r for r in self._ranges if r.path != path]

    def ranges(self) -> list[EditedRange]:
        """Copies of the remembered ranges, newest first."""
        with self._lock:
            return [EditedRange(r.path, r.start, r.end, r.order) for r in reversed(self._ranges)]


def recent_edit_snippets(
    ranges: Sequence[EditedRange],
    read: Callable[[str], str | None],
    query: str,
    current_path: str,
    deadline: Deadline,
    *,
    label: Callable[[str], str],
    language_of: Callable[[str], str],
    language_id: str = "",
    limit: int = 3,
) -> list[ContextSnippet]:
    """Windows around recent edits in other documents, ranked by similarity to ``query``, then recency.

    ``read`` returns a path's current text (None when it may not be read: privacy is the reader's job).
    With ``language_id``, only documents of its language family count (an edit to a README says little
    about the Python being written).
    """
    query_tokens = tokens(query)
    scored: list[tuple[float, int, ContextSnippet]] = []
    texts: dict[str, list[str] | None] = {}
    for edited in ranges:
        if deadline.expired():
            break
        if edited.path == current_path:
            continue
        if language_id and family(language_of(edited.path)) != family(language_id):
            continue
        if edited.path not in texts:
            text = read(edited.path)
            texts[edited.path] = text.split("\n") if text is not None else None
        lines = texts[edited.path]
        if not lines:
            continue
        start = max(0, edited.start - CONTEXT_LINES)
        end = min(len(lines), edited.end + CONTEXT_LINES + 1, start + MAX_SNIPPET_LINES)
        window = "\n".join(lines[start:end])
        if not window.strip():
            continue
        score = jaccard(query_tokens, tokens(window))
        snippet = ContextSnippet(label(edited.path), window, language_of(edited.path), Source.RECENT_EDIT, score)
        scored.append((score, edited.order, snippet))
    scored.sort(key=lambda entry: (-entry[0], -entry[1]))
    return [snippet for _, _, snippet in scored[:limit]]
