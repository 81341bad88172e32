"""Reading a parsed tree: node positions and text, which nodes are definitions, and where their bodies are."""

from __future__ import annotations

import re

from tree_sitter import Node

from arb_lsp.syntax.languages import _C_CLASSES, _DECLARATOR_NAMES, _JS_FUNCTION_VALUES, _RULES
from arb_lsp.syntax.parsing import ParsedSource, _decode, _is_blank
from arb_lsp.syntax.results import DefinitionKind


class _NodeReader:
    """One parsed document's nodes: their rows, columns and text, which are definitions, and their bodies."""

    def __init__(self, parsed: ParsedSource) -> None:
        self.parsed = parsed
        self.rules = _RULES[parsed.grammar]
        self.lines = parsed.lines

    # --- small helpers --------------------------------------------------------------------------------

    def end_row(self, node: Node) -> int:
        """Last row holding the node's text (some comment nodes end at column 0 of the next row)."""
        row = node.end_point.row
        if node.end_point.column == 0 and row > node.start_point.row:
            row -= 1
        return row

    def start_col(self, node: Node) -> int:
        return self.parsed.char_column(node.start_point.row, node.start_point.column)

    def end_col(self, node: Node) -> int:
        row = node.end_point.row
        if node.end_point.column == 0 and row > node.start_point.row:
            return len(self.lines[row - 1].rstrip("\r"))
        return self.parsed.char_column(row, node.end_point.column)

    def starts_line(self, node: Node) -> bool:
        """Only whitespace precedes the node on its first line."""
        return _is_blank(self.lines[node.start_point.row][: self.start_col(node)])

    def is_comment(self, node: Node) -> bool:
        return node.type in self.rules.comments

    def node_at(self, line: int, column: int) -> Node:
        point = (line, self.parsed.byte_column(line, column))
        return self.parsed.tree.root_node.descendant_for_point_range(point, point) or self.parsed.tree.root_node

    def lines_text(self, start_row: int, start_byte: int, end_byte: int, node: Node) -> str:
        """Source from the start of ``start_row`` (if only whitespace precedes ``node``) to ``end_byte``."""
        if self.starts_line(node):
            start_byte -= node.start_point.column
        return _decode(self.parsed.source[start_byte:end_byte]).replace("\r\n", "\n")

    # --- recognising definitions ----------------------------------------------------------------------

    def anchor_kind(self, node: Node) -> DefinitionKind | None:
        """The kind of definition ``node`` itself is (before looking at its container), if any."""
        rules, node_type = self.rules, node.type
        if node_type in rules.classes:
            if node_type in _C_CLASSES or node_type == "class_specifier":
                return "class" if node.child_by_field_name("body") is not None else None
            if node_type == "type_declaration":
                specs = [child for child in node.named_children if not self.is_comment(child)]
                return "class" if len(specs) == 1 and specs[0].type == "type_spec" else None
            return "class"
        if node_type in rules.methods:
            return "method"
        if node_type in rules.functions:
            return "function"
        if node_type in rules.valued:
            value = node.child_by_field_name("value")
            if value is None or value.type not in _JS_FUNCTION_VALUES:
                return None
            if value.type == "class":
                return "class"
            return "function" if node_type == "variable_declarator" else "method"
        return None

    def unwrap(self, node: Node) -> Node | None:
        """The definition ``node`` is, or wraps (decorated_definition, export, template...)."""
        if self.anchor_kind(node) is not None:
            return node
        if node.type not in self.rules.wrappers:
            return None
        if node.type in ("lexical_declaration", "variable_declaration"):
            declarators = [child for child in node.named_children if child.type == "variable_declarator"]
            if len(declarators) != 1:
                return None
        found = [anchor for child in node.named_children if (anchor := self.unwrap(child)) is not None]
        return found[0] if len(found) == 1 else None

    def following_declaration(self, node: Node) -> Node | None:
        """For a decorator/attribute sibling (or a comment above one), the declaration it belongs to."""
        sibling = node.next_sibling
        while sibling is not None and (sibling.type in self.rules.prefixes or self.is_comment(sibling)):
            sibling = sibling.next_sibling
        return self.unwrap(sibling) if sibling is not None else None

    def outermost(self, anchor: Node) -> Node:
        """The anchor plus the wrappers that belong to it only (decorators, export, template, typedef)."""
        outer = anchor
        while (parent := outer.parent) is not None and parent.type in self.rules.wrappers:
            if self.unwrap(parent) != anchor:
                break
            outer = parent
        return outer

    def name_of(self, anchor: Node) -> str | None:
        node_type = anchor.type
        if node_type == "impl_item":
            impl_type = anchor.child_by_field_name("type")
            return re.sub(r"<.*", "", self.parsed.node_text(impl_type)).strip() if impl_type else None
        if node_type == "type_declaration":
            spec = next(child for child in anchor.named_children if child.type == "type_spec")
            name_node = spec.child_by_field_name("name")
        elif node_type == "field_definition":
            name_node = anchor.child_by_field_name("property")
        elif node_type == "function_definition" and self.parsed.grammar in ("c", "cpp"):
            name_node = anchor.child_by_field_name("declarator")
            while name_node is not None and name_node.type not in _DECLARATOR_NAMES:
                name_node = name_node.child_by_field_name("declarator")
        else:
            name_node = anchor.child_by_field_name("name")
            if name_node is None and node_type in self.rules.classes and anchor.parent is not None:
                # ``typedef struct { ... } Point;``
                if anchor.parent.type == "type_definition":
                    name_node = anchor.parent.child_by_field_name("declarator")
        if name_node is None or name_node.type in ("object_pattern", "array_pattern"):
            return None
        return self.parsed.node_text(name_node).strip() or None

    def kind_of(self, anchor: Node, outer: Node, name: str) -> DefinitionKind:
        kind = self.anchor_kind(anchor) or "function"
        if kind != "function":
            return kind
        container = outer.parent
        if container is not None and container.parent is not None:
            if container.parent.type in self.rules.classes:
                return "method"
        if self.parsed.grammar == "cpp" and "::" in name:
            return "method"
        return kind

    # --- shape of a definition ------------------------------------------------------------------------

    def body_of(self, anchor: Node) -> tuple[Node | None, bool]:
        """The definition's body and whether it is a direct child of the function/class node."""
        function = anchor
        if anchor.type in self.rules.valued:
            function = anchor.child_by_field_name("value") or anchor
        body = function.child_by_field_name("body")
        if body is not None:
            return body, True
        # Go type declarations keep their ``{`` a few levels down: search a little.
        level = list(function.named_children)
        for _ in range(3):
            found = next((node for node in level if node.type in self.rules.bodies), None)
            if found is not None:
                return found, False
            level = [child for node in level for child in node.named_children]
        return None, False

    def header_end_row(self, anchor: Node) -> int:
        body, direct = self.body_of(anchor)
        if body is None:
            return self.end_row(anchor)
        if not direct or body.parent is None:
            return body.start_point.row
        header_rows = []
        for child in body.parent.children:
            if child == body:
                break
            if not self.is_comment(child):
                header_rows.append(self.end_row(child))
        # The last token before the body, so an Allman-style ``{`` on its own line is not the signature.
        return max(header_rows, default=body.start_point.row)
