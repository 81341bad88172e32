"""Import context ranked by use, across files: the definitions the cursor uses first, wherever they are.

Every item (function, type, class, Go method, Rust ``impl``) of every file the document imports is scored
by what the code near the cursor uses (:mod:`~arb_lsp.workspace_context.uses`): the names it defines, and
its members used through a receiver of its type (certain when the receiver's type is declared nearby, half
as much when only the member's name matches). Items that score form one snippet per file, their files in
the order of their best item, each item with the members used shown first and its doc comments cut to
their first sentence (the whole comments go along as :attr:`ContextSnippet.full`, for the prompt to use
when space is left over). Then the rest of what is imported, by how much the code around the cursor uses
each name (the window :mod:`~arb_lsp.workspace_context.uses` reads: never the whole document), and the
public outlines of modules imported whole.

The result is an ordered list of snippets: the prompt takes them in that order (a later layer may keep
their order stable across requests).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from arb_lsp.workspace_context.outline import Item
from arb_lsp.workspace_context.snippets import ContextSnippet, Source
from arb_lsp.workspace_context.uses import Uses

if TYPE_CHECKING:
    from arb_lsp.workspace_context.imports.common import Target

#: The most characters of outline one snippet carries.
MAX_SNIPPET_CHARS = 3000
#: A file's unused imported items this short go in the same snippet as its used ones, after them.
REST_WITH_USED_CHARS = 600


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """A file the document imports: its target (with the names imported from it), label and outline."""

    target: Target
    label: str
    items: tuple[Item, ...]


def item_score(
    item: Item, uses: Uses, aliases: Mapping[str, frozenset[str]] | None = None
) -> tuple[float, frozenset[str]]:
    """How much the code near the cursor uses ``item``, and which of its members it uses.

    ``aliases`` maps a name in the item's file to the names the document imported it as (``default`` ->
    ``Core`` for ``import Core from``)."""
    local = set(item.names)
    for name in item.names:
        local |= (aliases or {}).get(name, frozenset())
    score = 0.0 if item.attached else sum(uses.names.get(name, 0.0) for name in local)
    owners = {item.owner} | (local if item.owner in item.names else set())
    used: set[str] = set()
    for member in item.members:
        if len(member) <= 2 or member.startswith("__"):
            continue
        weight = max(uses.member_weight(owner, member) for owner in owners)
        if weight:
            score += weight
            used.add(member)
    return score, frozenset(used)


def _join(texts: Iterable[str], limit: int = MAX_SNIPPET_CHARS) -> str:
    """The texts, one after another, up to ``limit`` characters (lazily: what does not fit is never rendered)."""
    kept: list[str] = []
    size = 0
    for text in texts:
        if kept and size + len(text) > limit:
            break
        kept.append(text)
        size += len(text) + 1
    return "\n".join(kept)


def rank_imports(files: Sequence[ImportedFile], uses: Uses) -> list[ContextSnippet]:
    """The ordered snippets: used definitions first (by score, across files), then the rest of the imports."""
    used: list[tuple[float, int, ContextSnippet]] = []
    rest: list[tuple[float, int, ContextSnippet]] = []
    for order, imported in enumerate(files):
        target = imported.target
        aliases: dict[str, frozenset[str]] = {}
        for local_name, name in target.aliases:
            aliases[name] = aliases.get(name, frozenset()) | {local_name}
        scored = []
        unused: list[tuple[float, int, Item]] = []
        for position, item in enumerate(imported.items):
            score, members = item_score(item, uses, aliases)
            if score > 0:
                scored.append((score, position, item, members))
            elif target.names is None:
                if not all(name.startswith("_") for name in item.names):
                    unused.append((0, position, item))
            elif item.names & target.names or (item.owner and item.owner in target.names):
                nearby = sum(uses.names.get(name, 0.0) for name in item.names)
                unused.append((-nearby, position, item))
        unused.sort()
        if scored:
            scored.sort(key=lambda entry: (-entry[0], entry[1]))
            best = scored[0][0]
            compact_parts = [item.render(True, members) for _, _, item, members in scored]
            full_parts = [item.render(False, members) for _, _, item, members in scored]
            # A little of the file's other imported items goes along (one label, not two for one file).
            rest_compact = [item.render(True) for _, _, item in unused]
            if rest_compact and sum(map(len, rest_compact)) <= REST_WITH_USED_CHARS:
                compact_parts += rest_compact
                full_parts += [item.render(False) for _, _, item in unused]
                unused = []
            snippet = _snippet(imported, _join(compact_parts), _join(full_parts), best)
            used.append((best, order, snippet))
        if unused:
            compact = _join(item.render(True) for _, _, item in unused)
            full = _join(item.render(False) for _, _, item in unused)
            weight = -sum(entry[0] for entry in unused)
            rest.append((weight, order, _snippet(imported, compact, full, 0.0)))
    used.sort(key=lambda entry: (-entry[0], entry[1]))
    rest.sort(key=lambda entry: (-entry[0], entry[1]))
    ordered = [snippet for _, _, snippet in used] + [snippet for _, _, snippet in rest]
    # The score mirrors the order, for whoever sorts by it (the prompt's merge does).
    return [dataclasses.replace(snippet, score=float(len(ordered) - index)) for index, snippet in enumerate(ordered)]


def _snippet(imported: ImportedFile, compact: str, full: str, score: float) -> ContextSnippet:
    return ContextSnippet(
        imported.label,
        compact,
        imported.target.language_id,
        Source.IMPORT,
        score,
        imported.target.names,
        imported.target.path,
        full if full != compact else "",
    )
