"""Where a definition's documentation is, or where a new one goes, in each language's convention.

Documentation conventions, per language (what :class:`DocLocation` describes):

- Python: the docstring is the first statement of the body, so it goes after the decorators and after the
  last line of a multi-line signature, indented like the body (``inside_body=True``).
- Every other language: a comment block *above* the declaration, and above its decorators, annotations,
  attributes, ``export`` and ``template <...>`` (JSDoc/TSDoc, Javadoc, rustdoc and Doxygen all put the doc
  first). "Pragma" comments glued to a declaration (``//go:noinline``, ``// eslint-disable-next-line``,
  ``// @ts-expect-error``, ``// NOLINT``...) stay right above it, so the doc goes above them too.
  An existing doc is a ``/** */`` block or a run of ``//`` / ``///`` lines directly above (no blank line
  between); Rust only counts ``///`` and ``/** */``, C/C++ also plain ``/* */``. In Rust a doc written
  between the attributes and the item is recognised as well.
"""

from __future__ import annotations

from tree_sitter import Node

from arb_lsp.syntax.languages import _PRAGMA_COMMENT
from arb_lsp.syntax.nodes import _NodeReader
from arb_lsp.syntax.results import DocLocation


class _DocPlacement(_NodeReader):
    """Doc comments and docstrings around the definitions of one parsed document."""

    # --- what sits above a declaration ----------------------------------------------------------------

    def items_above(self, outer: Node) -> list[Node]:
        """Contiguous decorator/attribute siblings and own-line comments directly above, bottom first."""
        items: list[Node] = []
        below = outer
        sibling = outer.prev_sibling
        while sibling is not None:
            if self.end_row(sibling) < below.start_point.row - 1:
                break  # a blank line separates it
            if self.is_comment(sibling):
                if not self.starts_line(sibling):
                    break  # a trailing comment of the code before
            elif sibling.type not in self.rules.prefixes:
                break
            items.append(sibling)
            below = sibling
            sibling = sibling.prev_sibling
        return items

    def comment_text(self, node: Node) -> str:
        return self.parsed.node_text(node).strip()

    def is_pragma(self, node: Node) -> bool:
        return bool(_PRAGMA_COMMENT.match(self.comment_text(node)))

    def doc_group(self, comments: list[Node]) -> list[Node]:
        """The doc-like comment group at the start of ``comments`` (bottom first), possibly empty."""
        if not comments:
            return []
        grammar = self.parsed.grammar
        first = self.comment_text(comments[0])
        if first.startswith("/*"):
            if grammar == "rust":
                is_doc = first.startswith("/**") and not first.startswith("/***") and first != "/**/"
            elif grammar in ("c", "cpp", "go"):
                is_doc = True
            else:
                is_doc = first.startswith("/**") and first != "/**/"
            return [comments[0]] if is_doc else []
        if not first.startswith("//"):
            return []

        def is_doc_line(text: str) -> bool:
            if grammar == "rust":
                return text.startswith("///") and not text.startswith("////")
            return text.startswith("//")

        group: list[Node] = []
        for comment in comments:
            text = self.comment_text(comment)
            if not is_doc_line(text) or self.is_pragma(comment) or not text.startswith("//"):
                break
            group.append(comment)
        return group

    def doc_location(self, anchor: Node, outer: Node, items: list[Node]) -> DocLocation:
        if self.parsed.grammar == "python":
            return self.python_doc_location(anchor)
        # ``items`` (bottom first) = [attributes/comments inside the declaration..., leading comments...]
        top_prefix = max((i for i, item in enumerate(items) if item.type in self.rules.prefixes), default=-1)
        inner, leading = items[: top_prefix + 1], items[top_prefix + 1 :]
        start_row = items[top_prefix].start_point.row if top_prefix >= 0 else outer.start_point.row
        pragmas = 0
        while pragmas < len(leading) and self.is_pragma(leading[pragmas]):
            pragmas += 1
        insert_line = leading[pragmas - 1].start_point.row if pragmas else start_row
        group = self.doc_group(leading[pragmas:])
        if not group and inner:
            # rustdoc also accepts the doc between the attributes and the item
            comments_right_above = []
            for item in inner:
                if not self.is_comment(item):
                    break
                comments_right_above.append(item)
            group = self.doc_group(comments_right_above)
        if not group:
            return DocLocation(existing=None, insert_line=insert_line, inside_body=False)
        top, bottom = group[-1], group[0]
        existing = (top.start_point.row, self.start_col(top), self.end_row(bottom), self.end_col(bottom))
        return DocLocation(existing=existing, insert_line=top.start_point.row, inside_body=False)

    def python_doc_location(self, anchor: Node) -> DocLocation:
        header_end = self.header_end_row(anchor)
        block = anchor.child_by_field_name("body")
        statements = [child for child in block.named_children if not self.is_comment(child)] if block else []
        on_header = bool(statements) and statements[0].start_point.row == header_end
        existing = None
        if statements and statements[0].type == "expression_statement":
            first = statements[0]
            if first.named_child_count == 1 and first.named_children[0].type in ("string", "concatenated_string"):
                existing = (
                    first.start_point.row,
                    self.start_col(first),
                    self.end_row(first),
                    self.end_col(first),
                )
        return DocLocation(
            existing=existing, insert_line=header_end + 1, inside_body=True, body_on_header_line=on_header
        )
