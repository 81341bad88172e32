"""Finding definitions: the function, method or class enclosing a position, and every one in a document."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from arb_lsp.syntax.doc_placement import _DocPlacement
from arb_lsp.syntax.parsing import ParsedSource, _ensure_parsed, _leading_whitespace
from arb_lsp.syntax.results import Definition


class _Analyzer(_DocPlacement):
    """The per-language logic, over one parsed document: whole definitions and the lookups on them."""

    def indent_unit(self, indent: str) -> str:
        return "\t" if "\t" in indent else self.rules.indent_unit

    def body_indent(self, anchor: Node, indent: str, header_end: int) -> str:
        body, _ = self.body_of(anchor)
        members = [
            child
            for child in (body.named_children if body else [])
            if not self.is_comment(child) and child.type != "access_specifier"  # C++ ``public:`` is outdented
        ]
        if members:
            row = members[0].start_point.row
            if row > header_end and self.starts_line(members[0]):
                found = _leading_whitespace(self.lines[row])
                if len(found) > len(indent) and found.startswith(indent):
                    return found
        return indent + self.indent_unit(indent)

    def build(self, anchor: Node) -> Definition | None:
        name = self.name_of(anchor)
        if not name:
            return None
        outer = self.outermost(anchor)
        items = self.items_above(outer)
        prefixes = [i for i, item in enumerate(items) if item.type in self.rules.prefixes]
        top = items[max(prefixes)] if prefixes else outer
        start_row = top.start_point.row
        end_row = self.end_row(outer)
        indent = _leading_whitespace(self.lines[start_row])
        header_end = self.header_end_row(anchor)
        text = self.lines_text(start_row, top.start_byte, outer.end_byte, top)
        rest_of_line = self.lines[end_row][self.end_col(outer) :].rstrip()
        if rest_of_line.strip() in (";", ","):  # a member's terminator is a sibling node
            text += rest_of_line
        return Definition(
            kind=self.kind_of(anchor, outer, name),
            name=name,
            language_id=self.parsed.language_id,
            start_line=start_row,
            end_line=end_row,
            header_end_line=header_end,
            text=text,
            indent=indent,
            body_indent=self.body_indent(anchor, indent, header_end),
            doc=self.doc_location(anchor, outer, items),
        )

    # --- lookups ------------------------------------------------------------------------------------

    def normalized_column(self, line: int, column: int) -> int:
        """Move a column in leading/trailing whitespace onto the nearest code on the line."""
        text = self.lines[line].rstrip("\r\n")
        stripped = text.strip()
        if not stripped:
            return 0
        first = len(text) - len(text.lstrip())
        last = len(text.rstrip()) - 1
        return min(max(column, first), last)

    def enclosing_definition(self, node: Node) -> Definition | None:
        current: Node | None = node
        while current is not None:
            anchor = self.unwrap(current)
            if anchor is None and current.type in self.rules.prefixes:
                anchor = self.following_declaration(current)
            if anchor is not None and (definition := self.build(anchor)) is not None:
                return definition
            current = current.parent
        return None

    def comment_at(self, node: Node) -> Node | None:
        current: Node | None = node
        for _ in range(4):  # comment nodes may have a child or two (rustdoc markers)
            if current is None:
                return None
            if self.is_comment(current):
                return current
            current = current.parent
        return None

    def documented_definition(self, comment: Node, line: int) -> Definition | None:
        """The definition whose existing doc contains ``line``, when the cursor is on a doc comment."""
        anchor = self.following_declaration(comment)
        if anchor is None:
            return None
        definition = self.build(anchor)
        if definition is None or definition.doc.existing is None:
            return None
        start, _, end, _ = definition.doc.existing
        return definition if start <= line <= end else None

    def is_comment_only_line(self, line: int) -> bool:
        text = self.lines[line].rstrip("\r\n")
        column = len(text) - len(text.lstrip())
        last = len(text.rstrip())
        while column < last:
            comment = self.comment_at(self.node_at(line, column))
            if comment is None:
                return False
            if self.end_row(comment) > line:
                return True
            after = self.end_col(comment)
            if after <= column:
                return False  # defensive: never loop on a node that does not advance
            column = after + len(text[after:]) - len(text[after:].lstrip())
        return True

    def top_level_statement(self, node: Node) -> Node | None:
        root = self.parsed.tree.root_node
        current = node
        while current.parent is not None:
            parent = current.parent
            if parent == root:
                return current
            owner = parent.parent
            if owner is not None and owner.type in self.rules.namespaces:
                if parent.type in self.rules.bodies or parent.type == "declaration_list":
                    return current
            current = parent
        return None


def find_definition(
    text: str, language_id: str, line: int, column: int, *, parsed: ParsedSource | None = None
) -> Definition | None:
    """The innermost function, method or class enclosing the position, or None.

    A position on a decorator, annotation or attribute line, anywhere in a multi-line signature, or in the
    definition's existing doc comment counts as inside it. None for unknown languages and for positions
    outside every definition.
    """
    parsed = _ensure_parsed(text, language_id, parsed)
    if parsed is None or not 0 <= line < len(parsed.lines):
        return None
    analyzer = _Analyzer(parsed)
    node = analyzer.node_at(line, analyzer.normalized_column(line, column))
    comment = analyzer.comment_at(node)
    if comment is not None and (documented := analyzer.documented_definition(comment, line)) is not None:
        return documented
    return analyzer.enclosing_definition(node)


def iter_definitions(text: str, language_id: str, *, parsed: ParsedSource | None = None) -> Iterator[Definition]:
    """Every named function, method and class in the document, outer ones first, in source order."""
    parsed = _ensure_parsed(text, language_id, parsed)
    if parsed is None:
        return
    analyzer = _Analyzer(parsed)
    stack = [parsed.tree.root_node]
    while stack:
        node = stack.pop()
        if analyzer.anchor_kind(node) is not None and (definition := analyzer.build(node)) is not None:
            yield definition
        stack.extend(reversed(node.named_children))
