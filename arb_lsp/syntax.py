"""Syntax-aware lookups for hover explanations and docstrings: pure, no LSP, no I/O.

Answers three questions about a document's text, per language: which function, method or class encloses
a position (:func:`find_definition`), where its documentation is or should go (:class:`DocLocation`), and
which code a hover at a position should explain (:func:`find_explain_target`).

Parsing uses the individual tree-sitter grammar wheels, which work offline. Parsers are created lazily,
once per grammar. Trees are kept in a small LRU keyed by (grammar, sha256 of the text), so repeated
requests on an unchanged 10,000-line document parse it once; a caller that already holds a
:class:`ParsedSource` passes it as ``parsed=`` and skips even the hashing.

Positions are 0-based ``(line, column)`` with the column in code points (Python ``str`` indices); the
server converts LSP positions before calling in. Lines are split on ``"\\n"`` only, as tree-sitter does.

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

import hashlib
import importlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Language, Node, Parser, Tree

__all__ = [
    "Definition",
    "DefinitionKind",
    "DocLocation",
    "ExplainTarget",
    "ExplainTargetKind",
    "ParsedSource",
    "find_definition",
    "find_explain_target",
    "iter_definitions",
    "language_name",
    "markdown_code_block",
    "parse",
    "supports_language",
    "truncate_to_budget",
]

DefinitionKind = Literal["function", "method", "class"]
ExplainTargetKind = Literal["function", "class", "statement", "lines"]

# LSP language id -> grammar (tree-sitter-javascript parses JSX too).
_GRAMMAR_BY_LANGUAGE_ID: dict[str, str] = {
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "c": "c",
    "cpp": "cpp",
}

# grammar -> (module, function returning the language capsule); imported on first use only.
_GRAMMAR_MODULES: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
}

# For prompts: a human name and a Markdown info string per LSP language id.
_LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "python": ("Python", "python"),
    "javascript": ("JavaScript", "javascript"),
    "javascriptreact": ("JavaScript (JSX)", "jsx"),
    "typescript": ("TypeScript", "typescript"),
    "typescriptreact": ("TypeScript (TSX)", "tsx"),
    "go": ("Go", "go"),
    "rust": ("Rust", "rust"),
    "java": ("Java", "java"),
    "c": ("C", "c"),
    "cpp": ("C++", "cpp"),
}

_PARSE_CACHE_SIZE = 8
_FALLBACK_CONTEXT_LINES = 3


@dataclass(frozen=True)
class DocLocation:
    """Where a definition's documentation is, or where a new one goes.

    ``existing`` is ``(start_line, start_col, end_line, end_col)`` of the current doc, end column exclusive:
    the docstring statement in Python, the leading comment block elsewhere. ``insert_line`` is the line
    before which a new doc is inserted as whole lines (at column 0). ``inside_body`` is True for Python
    (docstring after the signature) and False elsewhere (comment above the declaration). A Python
    one-liner such as ``def f(): return 1`` has its body on the signature line (``body_on_header_line``):
    there is no line to put a docstring on without rewriting the statement.
    """

    existing: tuple[int, int, int, int] | None
    insert_line: int
    inside_body: bool
    body_on_header_line: bool = False


@dataclass(frozen=True)
class Definition:
    """A function, method or class (struct, impl, trait, interface and enum count as classes)."""

    kind: DefinitionKind
    name: str
    language_id: str
    start_line: int  # decorators, annotations, attributes, ``export`` and ``template`` included
    end_line: int
    header_end_line: int  # last line of the (possibly multi-line) signature
    text: str  # source of the definition from start_line, decorators included
    indent: str  # indentation of the first line
    body_indent: str  # Python: the first body statement's; braces: the body's, else indent + one unit
    doc: DocLocation


@dataclass(frozen=True)
class ExplainTarget:
    """The code a hover explains: an enclosing definition, a top-level statement or nearby lines."""

    kind: ExplainTargetKind
    name: str | None
    start_line: int
    end_line: int
    code: str  # cut to the budget at a line boundary; the cut is marked on a last line
    code_hash: str  # sha256 hex of ``code``, a cache key for explanations
    truncated: bool = False


@dataclass(frozen=True)
class _LanguageRules:
    """The node types that matter for one grammar."""

    functions: frozenset[str]  # named functions; methods when their container is a class
    methods: frozenset[str]  # always methods
    classes: frozenset[str]
    valued: frozenset[str]  # ``name = <function or class>`` declarators and class fields
    wrappers: frozenset[str]  # nodes wrapping one definition: decorators, export, template...
    prefixes: frozenset[str]  # preceding siblings that belong to the next declaration
    comments: frozenset[str]
    namespaces: frozenset[str]  # containers whose members count as top-level statements
    bodies: frozenset[str]  # node types of definition bodies, when there is no ``body`` field
    indent_unit: str


_JS_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function", "class"})
_JS_RULES = _LanguageRules(
    functions=frozenset({"function_declaration", "generator_function_declaration", "function_signature"}),
    methods=frozenset({"method_definition", "method_signature", "abstract_method_signature"}),
    classes=frozenset({"class_declaration", "abstract_class_declaration", "interface_declaration", "enum_declaration"}),
    valued=frozenset({"variable_declarator", "field_definition", "public_field_definition"}),
    wrappers=frozenset({"export_statement", "lexical_declaration", "variable_declaration", "ambient_declaration"}),
    prefixes=frozenset({"decorator"}),
    comments=frozenset({"comment"}),
    namespaces=frozenset({"internal_module", "module"}),
    bodies=frozenset({"statement_block", "class_body", "interface_body", "enum_body", "object_type"}),
    indent_unit="  ",
)
_C_CLASSES = frozenset({"struct_specifier", "union_specifier", "enum_specifier"})
_RULES: dict[str, _LanguageRules] = {
    "python": _LanguageRules(
        functions=frozenset({"function_definition"}),
        methods=frozenset(),
        classes=frozenset({"class_definition"}),
        valued=frozenset(),
        wrappers=frozenset({"decorated_definition"}),
        prefixes=frozenset(),
        comments=frozenset({"comment"}),
        namespaces=frozenset(),
        bodies=frozenset({"block"}),
        indent_unit="    ",
    ),
    "javascript": _JS_RULES,
    "typescript": _JS_RULES,
    "tsx": _JS_RULES,
    "go": _LanguageRules(
        functions=frozenset({"function_declaration"}),
        methods=frozenset({"method_declaration"}),
        classes=frozenset({"type_declaration"}),
        valued=frozenset(),
        wrappers=frozenset(),
        prefixes=frozenset(),
        comments=frozenset({"comment"}),
        namespaces=frozenset(),
        bodies=frozenset({"block", "field_declaration_list", "method_spec_list", "interface_type"}),
        indent_unit="\t",
    ),
    "rust": _LanguageRules(
        functions=frozenset({"function_item", "function_signature_item"}),
        methods=frozenset(),
        classes=frozenset({"struct_item", "enum_item", "union_item", "trait_item", "impl_item"}),
        valued=frozenset(),
        wrappers=frozenset(),
        prefixes=frozenset({"attribute_item"}),
        comments=frozenset({"line_comment", "block_comment"}),
        namespaces=frozenset({"mod_item"}),
        bodies=frozenset({"block", "declaration_list", "field_declaration_list", "enum_variant_list"}),
        indent_unit="    ",
    ),
    "java": _LanguageRules(
        functions=frozenset(),
        methods=frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"}),
        classes=frozenset(
            {
                "class_declaration",
                "interface_declaration",
                "enum_declaration",
                "record_declaration",
                "annotation_type_declaration",
            }
        ),
        valued=frozenset(),
        wrappers=frozenset(),
        prefixes=frozenset(),
        comments=frozenset({"line_comment", "block_comment"}),
        namespaces=frozenset(),
        bodies=frozenset({"block", "class_body", "interface_body", "enum_body", "constructor_body"}),
        indent_unit="    ",
    ),
    "c": _LanguageRules(
        functions=frozenset({"function_definition"}),
        methods=frozenset(),
        classes=_C_CLASSES,
        valued=frozenset(),
        wrappers=frozenset({"type_definition", "declaration"}),
        prefixes=frozenset(),
        comments=frozenset({"comment"}),
        namespaces=frozenset({"linkage_specification"}),
        bodies=frozenset({"compound_statement", "field_declaration_list", "enumerator_list"}),
        indent_unit="    ",
    ),
    "cpp": _LanguageRules(
        functions=frozenset({"function_definition"}),
        methods=frozenset(),
        classes=_C_CLASSES | {"class_specifier"},
        valued=frozenset(),
        wrappers=frozenset({"template_declaration", "type_definition", "declaration", "linkage_specification"}),
        prefixes=frozenset(),
        comments=frozenset({"comment"}),
        namespaces=frozenset({"namespace_definition", "linkage_specification"}),
        bodies=frozenset({"compound_statement", "field_declaration_list", "enumerator_list"}),
        indent_unit="    ",
    ),
}

# Comments that must stay right above their declaration: linters', compilers' and formatters' directives.
_PRAGMA_COMMENT = re.compile(
    r"""^(?:
        //(?:go:|line\s|export\s|extern\s|nolint\b|lint:)
      | (?://|/\*)\s*(?:eslint-|@ts-|prettier-ignore|biome-ignore|deno-lint-ignore|istanbul\s|c8\s|
          NOLINT|clang-format|noinspection|@formatter:|NOSONAR|CHECKSTYLE|jshint|jscs:|tslint:|\#?region\b|
          \#?endregion\b|webpack[A-Z]|@vite-ignore|cppcheck-suppress|coverity)
    )""",
    re.VERBOSE,
)

_DECLARATOR_NAMES = frozenset(
    {
        "identifier",
        "field_identifier",
        "qualified_identifier",
        "destructor_name",
        "operator_name",
        "type_identifier",
    }
)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _leading_whitespace(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _is_blank(line: str) -> bool:
    return not line.strip()


@dataclass(frozen=True, eq=False)
class ParsedSource:
    """A document's text with its tree-sitter tree; build it with :func:`parse`."""

    language_id: str
    grammar: str
    text: str
    source: bytes
    tree: Tree
    lines: tuple[str, ...]

    def char_column(self, row: int, byte_column: int) -> int:
        """Convert a tree-sitter byte column on ``row`` to a code-point column."""
        line = self.lines[row] if 0 <= row < len(self.lines) else ""
        if line.isascii():
            return byte_column
        return len(_encode(line)[:byte_column].decode("utf-8", "ignore"))

    def byte_column(self, row: int, char_column: int) -> int:
        """Convert a code-point column on ``row`` to tree-sitter's byte column."""
        line = self.lines[row] if 0 <= row < len(self.lines) else ""
        if line.isascii():
            return min(char_column, len(line))
        return len(_encode(line[:char_column]))

    def node_text(self, node: Node) -> str:
        return _decode(self.source[node.start_byte : node.end_byte])


class _ParserPool:
    """One lazily created parser per grammar and an LRU of recent trees, safe to share between threads."""

    def __init__(self, cache_size: int) -> None:
        self._lock = threading.Lock()
        self._parsers: dict[str, Parser] = {}
        self._trees: OrderedDict[tuple[str, bytes], ParsedSource] = OrderedDict()
        self._cache_size = cache_size

    def _parser(self, grammar: str) -> Parser:
        parser = self._parsers.get(grammar)
        if parser is None:
            module_name, function_name = _GRAMMAR_MODULES[grammar]
            language_function: Callable[[], object] = getattr(importlib.import_module(module_name), function_name)
            parser = Parser(Language(language_function()))
            self._parsers[grammar] = parser
        return parser

    def parse(self, text: str, language_id: str, grammar: str, *, cache: bool) -> ParsedSource:
        source = _encode(text)
        key = (grammar, hashlib.sha256(source).digest())
        with self._lock:
            if cache and (hit := self._trees.get(key)) is not None:
                self._trees.move_to_end(key)
                return hit
            # tree-sitter parsers are not thread-safe: parse under the lock.
            tree = self._parser(grammar).parse(source)
            parsed = ParsedSource(language_id, grammar, text, source, tree, tuple(text.split("\n")))
            if cache:
                self._trees[key] = parsed
                while len(self._trees) > self._cache_size:
                    self._trees.popitem(last=False)
            return parsed


_POOL = _ParserPool(_PARSE_CACHE_SIZE)


def supports_language(language_id: str) -> bool:
    """Whether ``language_id`` (an LSP language id) has a grammar here."""
    return language_id in _GRAMMAR_BY_LANGUAGE_ID


def parse(text: str, language_id: str, *, cache: bool = True) -> ParsedSource | None:
    """Parse ``text``, or return the cached tree of an identical text; None for unknown languages.

    ``cache=False`` parses without touching the LRU (for throwaway texts such as a model's answer).
    """
    grammar = _GRAMMAR_BY_LANGUAGE_ID.get(language_id)
    if grammar is None:
        return None
    return _POOL.parse(text, language_id, grammar, cache=cache)


def language_name(language_id: str) -> str:
    """A human name for an LSP language id ("TypeScript (TSX)"), or the id itself."""
    return _LANGUAGE_NAMES.get(language_id, (language_id, ""))[0]


def markdown_code_block(code: str, language_id: str) -> str:
    """``code`` in a Markdown fence long enough not to be closed by backticks inside the code."""
    info = _LANGUAGE_NAMES.get(language_id, ("", re.sub(r"[^\w+#-]", "", language_id)))[1]
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{info}\n{code.rstrip()}\n{fence}"


def _ensure_parsed(text: str, language_id: str, parsed: ParsedSource | None) -> ParsedSource | None:
    if parsed is not None and parsed.language_id == language_id and parsed.text == text:
        return parsed
    return parse(text, language_id)


def _cut_marker(lines_cut: int) -> str:
    return f"… [cut: {lines_cut} more line{'' if lines_cut == 1 else 's'}]"


def truncate_to_budget(code: str, max_chars: int) -> tuple[str, bool]:
    """Cut ``code`` to at most ``max_chars`` at a line boundary, marking the cut on a last line.

    Returns ``(code, truncated)``. A first line longer than the whole budget (minified code) is cut
    mid-line, since no line boundary fits.
    """
    if len(code) <= max_chars:
        return code, False
    lines = code.split("\n")
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        if used + len(line) + 1 + len(_cut_marker(len(lines) - index)) > max_chars:
            break
        kept.append(line)
        used += len(line) + 1
    marker = _cut_marker(len(lines) - len(kept))
    if not kept:
        head = lines[0][: max(0, max_chars - len(marker) - 2)]
        return f"{head}…\n{marker}", True
    return "\n".join([*kept, marker]), True


def _code_hash(code: str) -> str:
    return hashlib.sha256(_encode(code)).hexdigest()


class _Analyzer:
    """The per-language logic, over one parsed document."""

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


def _fallback_lines(lines: tuple[str, ...], line: int) -> tuple[int, int]:
    """The paragraph around ``line`` (not blank), at most a few lines either side."""
    start = end = line
    while start > max(0, line - _FALLBACK_CONTEXT_LINES) and not _is_blank(lines[start - 1]):
        start -= 1
    while end < min(len(lines) - 1, line + _FALLBACK_CONTEXT_LINES) and not _is_blank(lines[end + 1]):
        end += 1
    return start, end


def _target(
    kind: ExplainTargetKind, name: str | None, start: int, end: int, code: str, max_chars: int
) -> ExplainTarget:
    cut, truncated = truncate_to_budget(code.rstrip("\n"), max_chars)
    return ExplainTarget(kind, name, start, end, cut, _code_hash(cut), truncated)


def find_explain_target(
    text: str,
    language_id: str,
    line: int,
    column: int,
    max_chars: int,
    *,
    parsed: ParsedSource | None = None,
) -> ExplainTarget | None:
    """The code a hover at the position should explain, cut to ``max_chars``; None when nothing should be.

    The innermost enclosing function or method (kind ``"function"``), else the innermost class
    (``"class"``), else the top-level statement (``"statement"``; members of a C++ namespace or a Rust
    ``mod`` count as top level). None on a blank line and on a line holding only comments, so no upstream
    call is made for them. Unknown languages get the few lines around the position (``"lines"``).
    """
    parsed = _ensure_parsed(text, language_id, parsed)
    lines = parsed.lines if parsed is not None else tuple(text.split("\n"))
    if not 0 <= line < len(lines) or _is_blank(lines[line]):
        return None
    if parsed is None:
        start, end = _fallback_lines(lines, line)
        code = "\n".join(lines[start : end + 1]).replace("\r", "")
        return _target("lines", None, start, end, code, max_chars)

    analyzer = _Analyzer(parsed)
    if analyzer.is_comment_only_line(line):
        return None
    node = analyzer.node_at(line, analyzer.normalized_column(line, column))
    if analyzer.comment_at(node) is not None:  # a trailing comment: explain the code it comments
        node = analyzer.node_at(line, analyzer.normalized_column(line, 0))
    definition = analyzer.enclosing_definition(node)
    if definition is not None:
        kind: ExplainTargetKind = "class" if definition.kind == "class" else "function"
        return _target(kind, definition.name, definition.start_line, definition.end_line, definition.text, max_chars)
    statement = analyzer.top_level_statement(node)
    if statement is None:
        start = end = line
        code = lines[line]
    else:
        start, end = statement.start_point.row, analyzer.end_row(statement)
        code = analyzer.lines_text(start, statement.start_byte, statement.end_byte, statement)
    return _target("statement", None, start, end, code, max_chars)
