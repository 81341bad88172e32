"""What a file offers to the code that imports it: signatures, doc comments, fields; never bodies.

:func:`outline_items` parses a file with tree-sitter and returns its top-level items (functions, classes,
types, constants), each with the names it defines and its text with every function body elided: a Python
function keeps its signature and docstring, a brace-language function becomes ``signature { ... }``. Classes,
structs, interfaces, traits and their ``impl`` blocks keep their fields and member signatures. Comments
directly above an item (doc comments) stay with it.

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

#: An item longer than this (a huge class) is cut at a line boundary, its cut marked.
MAX_ITEM_CHARS = 2400
#: A constant or variable is shown by its first lines only: its value is rarely what a caller needs.
_VALUE_LINES = 3
_CACHE_ENTRIES = 512


@dataclass(frozen=True, slots=True)
class Item:
    """One top-level item of a file: the names it defines and its outline text."""

    names: frozenset[str]
    text: str


@dataclass(frozen=True, slots=True)
class _Shape:
    """Node types that matter for outlining one grammar."""

    functions: frozenset[str]  # nodes whose ``body`` is elided
    bodies: frozenset[str]  # body node types that are elided (a JS arrow's expression body is kept)
    comments: frozenset[str]
    values: frozenset[str]  # items shown by their first lines only
    elided: str  # what replaces a body


_BRACES = "{ ... }"
_SHAPES: dict[str, _Shape] = {
    "python": _Shape(
        frozenset({"function_definition"}),
        frozenset({"block"}),
        frozenset({"comment"}),
        frozenset({"expression_statement"}),
        "...",
    ),
    "javascript": _Shape(
        frozenset(
            {
                "function_declaration",
                "generator_function_declaration",
                "method_definition",
                "arrow_function",
                "function_expression",
                "function",
                "generator_function",
            }
        ),
        frozenset({"statement_block"}),
        frozenset({"comment"}),
        frozenset({"lexical_declaration", "variable_declaration"}),
        _BRACES,
    ),
    "go": _Shape(
        frozenset({"function_declaration", "method_declaration", "func_literal"}),
        frozenset({"block"}),
        frozenset({"comment"}),
        frozenset({"const_declaration", "var_declaration"}),
        _BRACES,
    ),
    "rust": _Shape(
        frozenset({"function_item", "closure_expression"}),
        frozenset({"block"}),
        frozenset({"line_comment", "block_comment"}),
        frozenset({"const_item", "static_item"}),
        _BRACES,
    ),
    "java": _Shape(
        frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"}),
        frozenset({"block", "constructor_body"}),
        frozenset({"line_comment", "block_comment"}),
        frozenset(),
        _BRACES,
    ),
    "c": _Shape(
        frozenset({"function_definition"}),
        frozenset({"compound_statement"}),
        frozenset({"comment"}),
        frozenset({"preproc_def"}),
        _BRACES,
    ),
}
_SHAPE_OF_LANGUAGE = {
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "javascript",
    "typescriptreact": "javascript",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "c": "c",
    "cpp": "c",
}

_JS_NAMED = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "abstract_class_declaration",
        "interface_declaration",
        "type_alias_declaration",
        "enum_declaration",
        "function_signature",
        "internal_module",
        "module",
    }
)
_RUST_NAMED = frozenset(
    {
        "function_item",
        "function_signature_item",
        "struct_item",
        "enum_item",
        "union_item",
        "trait_item",
        "type_item",
        "const_item",
        "static_item",
        "mod_item",
        "macro_definition",
    }
)
_JAVA_NAMED = frozenset(
    {
        "class_declaration",
        "interface_declaration",
        "enum_declaration",
        "record_declaration",
        "annotation_type_declaration",
    }
)
_C_DECLARATOR_NAMES = frozenset({"identifier", "type_identifier", "field_identifier", "qualified_identifier"})


def _text(parsed: ParsedSource, node: Node) -> str:
    return parsed.node_text(node)


def _base_type_name(parsed: ParsedSource, node: Node | None) -> str | None:
    """``Order`` for ``Order``, ``*Order``, ``Order<T>``, ``shop::Order``."""
    while node is not None:
        if node.type in ("type_identifier", "identifier"):
            return _text(parsed, node)
        inner = node.child_by_field_name("type") or node.child_by_field_name("name")
        if inner is None:
            inner = next((c for c in node.named_children if c.type in ("type_identifier", "generic_type")), None)
        node = inner
    return None


def _c_declarator_name(parsed: ParsedSource, node: Node | None) -> str | None:
    while node is not None:
        if node.type in _C_DECLARATOR_NAMES:
            return _text(parsed, node).rsplit("::", 1)[-1]
        node = node.child_by_field_name("declarator") or node.child_by_field_name("name")
    return None


def _names(parsed: ParsedSource, node: Node, shape: str) -> set[str]:
    """The names a top-level node defines (empty: not an item worth showing)."""
    kind = node.type
    name = node.child_by_field_name("name")
    if shape == "python":
        if kind == "decorated_definition":
            definition = node.child_by_field_name("definition")
            return _names(parsed, definition, shape) if definition is not None else set()
        if kind in ("function_definition", "class_definition") and name is not None:
            return {_text(parsed, name)}
        if kind == "expression_statement" and node.named_children:
            assignment = node.named_children[0]
            left = assignment.child_by_field_name("left") if assignment.type == "assignment" else None
            if left is not None and left.type == "identifier":
                return {_text(parsed, left)}
        return set()
    if shape == "javascript":
        if kind == "export_statement":
            inner = node.child_by_field_name("declaration")
            if inner is not None:
                return _names(parsed, inner, shape)
            value = node.child_by_field_name("value")
            return {"default"} | (_names(parsed, value, shape) if value is not None else set())
        if kind in _JS_NAMED and name is not None:
            return {_text(parsed, name)}
        if kind in ("lexical_declaration", "variable_declaration"):
            found = set()
            for declarator in node.named_children:
                target = declarator.child_by_field_name("name")
                if declarator.type == "variable_declarator" and target is not None and target.type == "identifier":
                    found.add(_text(parsed, target))
            return found
        return set()
    if shape == "go":
        if kind == "function_declaration" and name is not None:
            return {_text(parsed, name)}
        if kind == "method_declaration":
            receiver = node.child_by_field_name("receiver")
            parameter = receiver.named_children[0] if receiver is not None and receiver.named_children else None
            owner = _base_type_name(parsed, parameter.child_by_field_name("type")) if parameter else None
            return {owner} if owner else set()
        if kind in ("type_declaration", "const_declaration", "var_declaration"):
            found = set()
            for spec in node.named_children:
                for child in spec.children_by_field_name("name"):
                    found.add(_text(parsed, child))
            return found
        return set()
    if shape == "rust":
        if kind == "impl_item":
            owner = _base_type_name(parsed, node.child_by_field_name("type"))
            return {owner} if owner else set()
        if kind in _RUST_NAMED and name is not None:
            return {_text(parsed, name)}
        return set()
    if shape == "java":
        return {_text(parsed, name)} if kind in _JAVA_NAMED and name is not None else set()
    # C and C++
    if kind == "function_definition" or kind == "declaration":
        names = {_c_declarator_name(parsed, d) for d in node.children_by_field_name("declarator")}
        type_node = node.child_by_field_name("type")
        if type_node is not None and type_node.child_by_field_name("body") is not None:
            names.add(_base_type_name(parsed, type_node))
        return {n for n in names if n}
    if kind == "type_definition":
        names = {_c_declarator_name(parsed, d) for d in node.children_by_field_name("declarator")}
        return {n for n in names if n}
    if kind in ("struct_specifier", "union_specifier", "enum_specifier", "class_specifier", "preproc_def"):
        return {_text(parsed, name)} if name is not None else set()
    if kind in ("template_declaration", "preproc_ifdef", "preproc_if", "linkage_specification"):
        inner_names: set[str] = set()
        for child in node.named_children:
            inner_names |= _names(parsed, child, shape)
        return inner_names
    return set()


def _python_docstring(body: Node) -> Node | None:
    first = body.named_children[0] if body.named_children else None
    if first is not None and first.type == "expression_statement" and first.named_children:
        if first.named_children[0].type == "string":
            return first
    return None


def _elisions(parsed: ParsedSource, node: Node, shape: _Shape, python: bool) -> list[tuple[int, int, bytes]]:
    """Byte ranges of function bodies inside ``node`` and what replaces each."""
    found: list[tuple[int, int, bytes]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in shape.functions:
            body = current.child_by_field_name("body")
            if body is not None and body.type in shape.bodies:
                if python:
                    doc = _python_docstring(body)
                    if doc is not None:
                        row, column = doc.start_point
                        indent = parsed.lines[row][: parsed.char_column(row, column)]
                        found.append((doc.end_byte, body.end_byte, f"\n{indent}...".encode()))
                    else:
                        found.append((body.start_byte, body.end_byte, b"..."))
                else:
                    found.append((body.start_byte, body.end_byte, shape.elided.encode()))
                continue  # nested functions go with the body
        stack.extend(current.children)
    return found


def _render(parsed: ParsedSource, start: Node, node: Node, shape: _Shape, python: bool) -> str:
    """The text from ``start`` (its doc comments) to the end of ``node``, bodies elided."""
    cuts = sorted(_elisions(parsed, node, shape, python))
    pieces: list[bytes] = []
    position = start.start_byte
    for begin, end, replacement in cuts:
        if begin < position:
            continue
        pieces.append(parsed.source[position:begin])
        pieces.append(replacement)
        position = end
    pieces.append(parsed.source[position : node.end_byte])
    # Start at the line's beginning so the first line keeps its indentation (an item in a namespace).
    line_start = parsed.source.rfind(b"\n", 0, start.start_byte) + 1
    lead = parsed.source[line_start : start.start_byte]
    text = (lead if not lead.strip() else b"") + b"".join(pieces)
    return text.decode("utf-8", "replace")


def _cut(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    kept = text[:max_chars]
    kept = kept[: kept.rfind("\n") + 1] if "\n" in kept else kept
    return kept + "    ...\n"


def _items(parsed: ParsedSource, shape_name: str) -> list[Item]:
    shape = _SHAPES[shape_name]
    python = shape_name == "python"
    items: list[Item] = []
    children = parsed.tree.root_node.children
    for position, node in enumerate(children):
        names = _names(parsed, node, shape_name)
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
        text = _render(parsed, start, node, shape, python)
        following = children[position + 1] if position + 1 < len(children) else None
        if following is not None and following.type == ";" and following.start_byte == node.end_byte:
            text += ";"  # C's `struct x {...};` parses as the struct, then the semicolon
        if node.type in shape.values:
            lines = text.split("\n")
            if len(lines) > _VALUE_LINES:
                text = "\n".join(lines[:_VALUE_LINES]) + " ..."
        items.append(Item(frozenset(names), _cut(text.rstrip() + "\n", MAX_ITEM_CHARS)))
    return items


class _ItemCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, int, int], list[Item]] = OrderedDict()

    def get(self, text: str, language_id: str) -> list[Item]:
        shape = _SHAPE_OF_LANGUAGE.get(language_id)
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
