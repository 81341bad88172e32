"""Keep the code from other files in the order it was last sent, so a provider's prompt cache keeps matching.

The workspace context (``arb_lsp.workspace_context``) ranks its snippets afresh for every request: a score
that moves a little reorders them, and a prompt whose context changed order is a new prompt from there on,
billed in full. This layer runs after the ranking and budget: of the snippets chosen now, those sent last
time for the same document keep their places (in the old order), and the new ones follow, in rank order.
Which snippets are sent is still the ranking's choice; only their order is remembered.

The same goes inside a snippet: one whose lines are those sent last time in another order (an imported
file's outline, whose members are ordered by which of them the cursor's code uses) is sent as it was
last time, so the bytes do not change while what it shows does not.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from arb_lsp.context import Snippet

#: Documents remembered at once (the least recently asked for are forgotten first).
MAX_DOCUMENTS = 64


class StableOrder:
    """The order of the snippets last sent, per document."""

    def __init__(self, max_documents: int = MAX_DOCUMENTS) -> None:
        self._sent: OrderedDict[str, tuple[Snippet, ...]] = OrderedDict()
        self._max = max_documents

    def arrange(self, document: str, chosen: Sequence[Snippet]) -> tuple[Snippet, ...]:
        """``chosen`` reordered: those sent last time for ``document`` first, in their old order, then the
        rest; remembered as what goes out now. An empty ``chosen`` changes nothing (the order survives a
        request without context, such as the plan made before the workspace is read)."""
        if not chosen:
            return ()
        previous = self._sent.get(document, ())
        chosen = [_same_lines_as_before(snippet, previous) for snippet in chosen]
        now = set(chosen)
        kept = [snippet for snippet in previous if snippet in now]
        before = set(kept)
        arranged = (*kept, *(snippet for snippet in chosen if snippet not in before))
        self._sent[document] = arranged
        self._sent.move_to_end(document)
        while len(self._sent) > self._max:
            self._sent.popitem(last=False)
        return arranged

    def forget(self, document: str) -> None:
        self._sent.pop(document, None)


def _same_lines_as_before(snippet: Snippet, previous: Sequence[Snippet]) -> Snippet:
    """The snippet sent last time for the same path when it has exactly ``snippet``'s lines, else ``snippet``."""
    lines = sorted(snippet.text.split("\n"))
    for old in previous:
        if old.path == snippet.path and old.text != snippet.text and sorted(old.text.split("\n")) == lines:
            return old
    return snippet
