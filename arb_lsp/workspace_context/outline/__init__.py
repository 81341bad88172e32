"""What a file offers to the code that imports it: signatures, doc comments, fields; never bodies.

:func:`outline_items` parses a file with tree-sitter and returns its top-level items (functions, classes,
types, constants), each with the names it defines and its text with every function body elided: a Python
function keeps its signature and docstring, a brace-language function becomes ``signature { ... }``. Classes,
structs, interfaces, traits and their ``impl`` blocks keep their fields and member signatures. Comments
directly above an item (doc comments) stay with it. Each item also comes in parts (:mod:`.render`): its head,
its members and its tail, each whole and with doc comments cut to a first sentence, so that
:meth:`Item.render` can show the members the cursor uses first, compactly.

:func:`outline` picks the items defining some names, in file order, within a character budget. Items are
cached per (language, text), so a file imported by many requests is parsed once per version.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass

from tree_sitter import Node

from arb_lsp.syntax import ParsedSource, parse
from arb_lsp.workspace_context.outline.render import Part, assemble, parts
from arb_lsp.workspace_context.outline.shapes import SHAPE_OF_LANGUAGE, SHAPES, names_of

#: An item longer than this (a huge class) is cut at a line boundary, its cut marked.
MAX_ITEM_CHARS = 2400
#: A constant or variable is shown by its first lines only: its value is rarely what a caller needs.
_VALUE_LINES = 3
_CACHE_ENTRIES = 512


@dataclass(frozen=True, slots=True)
class Item:
    """One top-level item of a file: the names it defines and its outline text (in file order, docs whole)."""

    names: frozenset[str]
    text: str
    #: The item in pieces (head, members, tail for a class-like item), each in full and compact form.
    parts: tuple[Part, ...] = ()
    #: The type the members belong to (the class itself; a Go method's or Rust ``impl``'s receiver type).
    owner: str | None = None
    #: Names of the members (methods, fields) the item shows; a Go method's own name.
    members: frozenset[str] = frozenset()
    #: Whether the item only adds members to a type defined elsewhere (a Go method, a Rust ``impl``): it does
    #: not define its names.
    attached: bool = False

    def render(self, compact: bool, first: frozenset[str] = frozenset()) -> str:
        """The outline with doc comments cut to their first sentence (``compact``), members in ``first`` first."""
        if not self.parts:
            return self.text
        return _cut(assemble(self.parts, compact, first).rstrip() + "\n", MAX_ITEM_CHARS)


def _cut(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    kept = text[:max_chars]
    kept = kept[: kept.rfind("\n") + 1] if "\n" in kept else kept
    return kept + "    ...\n"


def _values(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(lines[:_VALUE_LINES]) + " ..." if len(lines) > _VALUE_LINES else text


def _items(parsed: ParsedSource, shape_name: str) -> list[Item]:
    shape = SHAPES[shape_name]
    python = shape_name == "python"
    items: list[Item] = []
    children = parsed.tree.root_node.children
    for position, node in enumerate(children):
        names = names_of(parsed, node, shape_name)
        if not names:
            continue
        start = node
        # Doc comments: comments directly above, with no blank line between.
        index = position - 1
        while index >= 0 and children[index].type in shape.comments:
            if children[index].end_point[0] + 1 < start.start_point[0]:
                break
            start = children[index]
            index -= 1
        pieces = parts(parsed, start, node, shape, python)
        following = children[position + 1] if position + 1 < len(children) else None
        if following is not None and following.type == ";" and following.start_byte == node.end_byte:
            # C's `struct x {...};` parses as the struct, then the semicolon
            last = pieces[-1]
            pieces[-1] = Part(last.names, last.full + ";", last.compact + ";")
        if node.type in shape.values:
            pieces = [Part(p.names, _values(p.full), _values(p.compact)) for p in pieces]
        owner, members = _membership(parsed, node, names, pieces)
        text = _cut(assemble(tuple(pieces), compact=False).rstrip() + "\n", MAX_ITEM_CHARS)
        attached = node.type in ("method_declaration", "impl_item")
        items.append(Item(frozenset(names), text, tuple(pieces), owner, members, attached))
    return items


def _membership(
    parsed: ParsedSource, node: Node, names: set[str], pieces: list[Part]
) -> tuple[str | None, frozenset[str]]:
    """The type an item's members belong to (a class; a Go method's or Rust ``impl``'s receiver type) and the
    members' names."""
    if node.type == "method_declaration":  # Go: ``func (c *Command) Flags()`` is a member of Command
        name = node.child_by_field_name("name")
        return next(iter(names)), frozenset({parsed.node_text(name)} if name is not None else ())
    members = frozenset().union(*(p.names for p in pieces))
    if node.type == "impl_item" or len(names) == 1:
        return next(iter(names)), members
    declaration = node
    while declaration.type in ("export_statement", "decorated_definition"):  # ``export default class Ajv``
        inner = declaration.child_by_field_name("declaration") or declaration.child_by_field_name("definition")
        if inner is None:
            break
        declaration = inner
    name = declaration.child_by_field_name("name")
    return (parsed.node_text(name) if name is not None else None), members


class _ItemCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, int, int], list[Item]] = OrderedDict()

    def get(self, text: str, language_id: str) -> list[Item]:
        shape = SHAPE_OF_LANGUAGE.get(language_id)
        if shape is None:
            return []
        key = (language_id, len(text), hash(text))
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
        parsed = parse(text, language_id, cache=False)
        items = _items(parsed, shape) if parsed is not None else []
        with self._lock:
            self._entries[key] = items
            while len(self._entries) > _CACHE_ENTRIES:
                self._entries.popitem(last=False)
        return items


_CACHE = _ItemCache()


def outline_items(text: str, language_id: str) -> list[Item]:
    """The file's top-level items with their outlines (cached per text)."""
    return _CACHE.get(text, language_id)


def outline(
    text: str, language_id: str, names: Collection[str] | None = None, *, max_chars: int = 4000, public: bool = False
) -> str:
    """The outlines of the items defining ``names`` (all items when None), in file order, within ``max_chars``.

    With ``public``, Python items whose names all start with ``_`` are left out when ``names`` is None.
    """
    wanted = frozenset(names) if names is not None else None
    kept: list[str] = []
    size = 0
    for item in outline_items(text, language_id):
        if wanted is not None and not item.names & wanted:
            continue
        if wanted is None and public and all(name.startswith("_") for name in item.names):
            continue
        if size + len(item.text) > max_chars:
            if not kept:
                kept.append(_cut(item.text, max_chars))
            break
        kept.append(item.text)
        size += len(item.text) + 1
    return "\n".join(kept)
