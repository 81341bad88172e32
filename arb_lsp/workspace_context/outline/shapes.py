"""Per grammar: which nodes are items, which are function bodies to elide, and the names an item defines."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from arb_lsp.syntax import ParsedSource


@dataclass(frozen=True, slots=True)
class Shape:
    """Node types that matter for outlining one grammar."""

    functions: frozenset[str]  # nodes whose ``body`` is elided
    bodies: frozenset[str]  # body node types that are elided (a JS arrow's expression body is kept)
    comments: frozenset[str]
    values: frozenset[str]  # items shown by their first lines only
    elided: str  # what replaces a body


_BRACES = "{ ... }"
SHAPES: dict[str, Shape] = {
    "python": Shape(
        frozenset({"function_definition"}),
        frozenset({"block"}),
        frozenset({"comment"}),
        frozenset({"expression_statement"}),
        "...",
    ),
    "javascript": Shape(
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
    "go": Shape(
        frozenset({"function_declaration", "method_declaration", "func_literal"}),
        frozenset({"block"}),
        frozenset({"comment"}),
        frozenset({"const_declaration", "var_declaration"}),
        _BRACES,
    ),
    "rust": Shape(
        frozenset({"function_item", "closure_expression"}),
        frozenset({"block"}),
        frozenset({"line_comment", "block_comment"}),
        frozenset({"const_item", "static_item"}),
        _BRACES,
    ),
    "java": Shape(
        frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"}),
        frozenset({"block", "constructor_body"}),
        frozenset({"line_comment", "block_comment"}),
        frozenset(),
        _BRACES,
    ),
    "c": Shape(
        frozenset({"function_definition"}),
        frozenset({"compound_statement"}),
        frozenset({"comment"}),
        frozenset({"preproc_def"}),
        _BRACES,
    ),
}
SHAPE_OF_LANGUAGE = {
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


def names_of(parsed: ParsedSource, node: Node, shape: str) -> set[str]:
    """The names a top-level node defines (empty: not an item worth showing)."""
    kind = node.type
    name = node.child_by_field_name("name")
    if shape == "python":
        if kind == "decorated_definition":
            definition = node.child_by_field_name("definition")
            return names_of(parsed, definition, shape) if definition is not None else set()
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
                return names_of(parsed, inner, shape)
            value = node.child_by_field_name("value")
            return {"default"} | (names_of(parsed, value, shape) if value is not None else set())
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
            inner_names |= names_of(parsed, child, shape)
        return inner_names
    return set()
