"""Unit tests for arb_lsp.syntax: enclosing definitions, doc placement and explain targets, per language."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from tree_sitter import Tree

from arb_lsp.syntax import (
    find_definition,
    find_explain_target,
    iter_definitions,
    parse,
    parsing,
    supports_language,
    truncate_to_budget,
)

CURSOR = "‸"


def at_cursor(source: str) -> tuple[str, int, int]:
    """The source without its cursor mark, and the mark's (line, column)."""
    offset = source.index(CURSOR)
    before = source[:offset]
    line = before.count("\n")
    column = offset - (before.rfind("\n") + 1)
    return source.replace(CURSOR, "", 1), line, column


@dataclass(frozen=True)
class Expected:
    kind: str
    name: str
    start_line: int
    end_line: int
    header_end_line: int
    indent: str
    body_indent: str
    existing: tuple[int, int, int, int] | None
    insert_line: int
    inside_body: bool = False
    body_on_header_line: bool = False


DEFINITION_CASES: list[tuple[str, str, str, Expected]] = [
    (
        "python-decorated-async-multiline-signature-with-docstring",
        "python",
        "import x\n\n@app.route('/')\n@cached\nasync def handler(request,\n"
        '                  user) -> str:\n    """Handle it."""\n    return ‸"ok"\n',
        Expected("function", "handler", 2, 7, 5, "", "    ", (6, 4, 6, 20), 6, inside_body=True),
    ),
    (
        "python-method-with-tabs-no-docstring",
        "python",
        "class Account:\n\tdef deposit(self, amount):\n\t\tself.total += ‸amount\n",
        Expected("method", "deposit", 1, 2, 1, "\t", "\t\t", None, 2, inside_body=True),
    ),
    (
        "python-nested-function-is-innermost",
        "python",
        "def outer():\n    def inner(a,\n              b):\n        # a comment first\n"
        "        return a‸ + b\n    return inner\n",
        Expected("function", "inner", 1, 4, 2, "    ", "        ", None, 3, inside_body=True),
    ),
    (
        "python-cursor-on-decorator-line",
        "python",
        "class A:\n    @prop‸erty\n    def name(self):\n        return self._name\n",
        Expected("method", "name", 1, 3, 2, "    ", "        ", None, 3, inside_body=True),
    ),
    (
        "python-decorated-class-with-docstring",
        "python",
        '@dataclass\nclass Point:\n    """A point."""\n\n    x: int‸\n',
        Expected("class", "Point", 0, 4, 1, "", "    ", (2, 4, 2, 18), 2, inside_body=True),
    ),
    (
        "python-one-liner",
        "python",
        "def f(): return ‸1\n",
        Expected("function", "f", 0, 0, 0, "", "    ", None, 1, inside_body=True, body_on_header_line=True),
    ),
    (
        "javascript-function-declaration-with-jsdoc",
        "javascript",
        "/**\n * Add.\n */\nfunction add(a, b) {\n  return a‸ + b;\n}\n",
        Expected("function", "add", 3, 5, 3, "", "  ", (0, 0, 2, 3), 0),
    ),
    (
        "javascript-exported-arrow-function",
        "javascript",
        "export const load = async (url) => {\n  const r = await fetch(‸url);\n  return r;\n};\n",
        Expected("function", "load", 0, 3, 0, "", "  ", None, 0),
    ),
    (
        "javascript-innermost-named-definition-not-the-callback",
        "javascript",
        "function run(items) {\n  items.forEach((item) => {\n    use(‸item);\n  });\n}\n",
        Expected("function", "run", 0, 4, 0, "", "  ", None, 0),
    ),
    (
        "javascript-class-method-with-decorator",
        "javascript",
        "class A {\n  @bound\n  handle(event) {\n    this.x = ‸event;\n  }\n}\n",
        Expected("method", "handle", 1, 4, 2, "  ", "    ", None, 1),
    ),
    (
        "typescript-method-with-decorators-and-doc-above-them",
        "typescript",
        "class C {\n  /** Old doc. */\n  @Input()\n  @Other()\n  load(id: string,\n       force: boolean): void {\n"
        "    go(‸id);\n  }\n}\n",
        Expected("method", "load", 2, 7, 5, "  ", "    ", (1, 2, 1, 17), 1),
    ),
    (
        "typescript-pragma-stays-glued-to-the-declaration",
        "typescript",
        "// @ts-expect-error\nexport function f‸(x) {\n  return x;\n}\n",
        Expected("function", "f", 1, 3, 1, "", "  ", None, 0),
    ),
    (
        "typescript-interface-counts-as-class",
        "typescript",
        "interface Shape {\n  area(): ‸number;\n}\n",
        Expected("method", "area", 1, 1, 1, "  ", "    ", None, 1),
    ),
    (
        "typescriptreact-component-arrow",
        "typescriptreact",
        "export const Button = ({ label }: Props) => {\n  return <button>{lab‸el}</button>;\n};\n",
        Expected("function", "Button", 0, 2, 0, "", "  ", None, 0),
    ),
    (
        "go-method-with-receiver-doc-and-directive",
        "go",
        "package m\n\n// Area returns the area.\n//go:noinline\nfunc (s *Square) Area() int {\n"
        "\treturn s.side * s.si‸de\n}\n",
        Expected("method", "Area", 4, 6, 4, "", "\t", (2, 0, 2, 25), 2),
    ),
    (
        "go-function-directive-only",
        "go",
        "package m\n\n//go:generate stringer\nfunc Run(a int,\n\tb int) {\n\tgo‸()\n}\n",
        Expected("function", "Run", 3, 6, 4, "", "\t", None, 2),
    ),
    (
        "go-struct-type",
        "go",
        "package m\n\ntype Point struct {\n\tX ‸int\n}\n",
        Expected("class", "Point", 2, 4, 2, "", "\t", None, 2),
    ),
    (
        "rust-fn-in-impl-with-attribute-and-doc",
        "rust",
        "impl Stack {\n    /// Pushes.\n    #[inline]\n    pub fn push(&mut self, v: i32) {\n"
        "        self.items.push(‸v);\n    }\n}\n",
        Expected("method", "push", 2, 5, 3, "    ", "        ", (1, 4, 1, 15), 1),
    ),
    (
        "rust-doc-between-attribute-and-item",
        "rust",
        "#[derive(Debug)]\n/// A stack.\npub struct Stack {\n    items: Vec<i32>,‸\n}\n",
        Expected("class", "Stack", 0, 4, 2, "", "    ", (1, 0, 1, 12), 1),
    ),
    (
        "rust-plain-comment-is-not-a-doc",
        "rust",
        "// helper\nfn helper() -> i32 {\n    4‸2\n}\n",
        Expected("function", "helper", 1, 3, 1, "", "    ", None, 1),
    ),
    (
        "rust-multiline-signature-where-clause",
        "rust",
        'fn show<T>(value: T)\n    -> String\nwhere\n    T: Display,\n{\n    format!("{}", val‸ue)\n}\n',
        Expected("function", "show", 0, 6, 3, "", "    ", None, 0),
    ),
    (
        "java-method-with-annotation-and-javadoc",
        "java",
        "class A {\n    /**\n     * Size.\n     */\n    @Override\n    public int size() {\n"
        "        return ‸n;\n    }\n}\n",
        Expected("method", "size", 4, 7, 5, "    ", "        ", (1, 4, 3, 7), 1),
    ),
    (
        "java-constructor",
        "java",
        "public class Box {\n  Box(int w) {\n    this.w = ‸w;\n  }\n}\n",
        Expected("method", "Box", 1, 3, 1, "  ", "    ", None, 1),
    ),
    (
        "java-field-belongs-to-class",
        "java",
        "@Entity\npublic class Box {\n  private int ‸w;\n}\n",
        Expected("class", "Box", 0, 3, 1, "", "  ", None, 0),
    ),
    (
        "c-function-allman-multiline-tabs",
        "c",
        "static char **split(const char *s,\n                    int sep)\n{\n\treturn ‸0;\n}\n",
        Expected("function", "split", 0, 4, 1, "", "\t", None, 0),
    ),
    (
        "c-typedef-struct-with-block-comment",
        "c",
        "/* A point. */\ntypedef struct {\n    int ‸x;\n} Point;\n",
        Expected("class", "Point", 1, 3, 1, "", "    ", (0, 0, 0, 14), 0),
    ),
    (
        "cpp-inline-method-in-class",
        "cpp",
        "class K {\n public:\n  /// Getter.\n  int get() const {\n    return ‸x;\n  }\n};\n",
        Expected("method", "get", 3, 5, 3, "  ", "    ", (2, 2, 2, 13), 2),
    ),
    (
        "cpp-qualified-template-method-in-namespace",
        "cpp",
        "namespace ns {\ntemplate <typename T>\nT Box<T>::get() {\n  return ‸v;\n}\n}\n",
        Expected("method", "Box<T>::get", 1, 4, 2, "", "  ", None, 1),
    ),
]


@pytest.mark.parametrize(
    ("language_id", "source", "expected"),
    [pytest.param(lang, src, exp, id=case_id) for case_id, lang, src, exp in DEFINITION_CASES],
)
def test_find_definition_shape_and_doc_placement(language_id: str, source: str, expected: Expected) -> None:
    text, line, column = at_cursor(source)
    found = find_definition(text, language_id, line, column)
    assert found is not None
    actual = Expected(
        found.kind,
        found.name,
        found.start_line,
        found.end_line,
        found.header_end_line,
        found.indent,
        found.body_indent,
        found.doc.existing,
        found.doc.insert_line,
        found.doc.inside_body,
        found.doc.body_on_header_line,
    )
    assert actual == expected
    assert found.language_id == language_id
    lines = text.split("\n")
    assert found.text.split("\n")[0] == lines[found.start_line]
    assert found.text.rstrip().endswith(lines[found.end_line].rstrip())


@pytest.mark.parametrize(
    ("language_id", "source", "doc_text"),
    [
        pytest.param("python", 'def f():\n    """Old."""\n    return 1\n', '"""Old."""', id="python"),
        pytest.param("javascript", "/**\n * Old.\n */\nfunction f() {}\n", "/**\n * Old.\n */", id="jsdoc"),
        pytest.param("go", "package m\n\n// F is old.\n// More.\nfunc F() {}\n", "// F is old.\n// More.", id="go"),
        pytest.param("rust", "/// Old.\n#[inline]\nfn f() {}\n", "/// Old.", id="rust"),
        pytest.param("java", "class A {\n  /** Old. */\n  void f() {}\n}\n", "/** Old. */", id="javadoc"),
        pytest.param("cpp", "/// Old.\n/// More.\nint f() { return 0; }\n", "/// Old.\n/// More.", id="doxygen"),
    ],
)
def test_existing_doc_range_covers_exactly_the_doc(language_id: str, source: str, doc_text: str) -> None:
    definition = next(d for d in iter_definitions(source, language_id) if d.name.lower() == "f")
    assert definition.doc.existing is not None
    start_line, start_col, end_line, end_col = definition.doc.existing
    lines = source.split("\n")
    covered = "\n".join(lines[start_line : end_line + 1])
    covered = covered[start_col : len(covered) - (len(lines[end_line]) - end_col)]
    assert covered == doc_text


@pytest.mark.parametrize(
    ("language_id", "source"),
    [
        pytest.param("javascript", "/** Doc. */\n\nfunction f() {}\n", id="blank-line-between"),
        pytest.param("javascript", "x(); // trailing\nfunction f() {}\n", id="trailing-comment-of-code"),
        pytest.param("java", "class A {\n  /* not javadoc */\n  void f() {}\n}\n", id="java-plain-block"),
        pytest.param("rust", "// plain\nfn f() {}\n", id="rust-plain-line-comment"),
        pytest.param("go", "package m\n\n//go:noinline\nfunc F() {}\n", id="go-directive-only"),
        pytest.param("python", "def f():\n    x = 1\n    '''not first'''\n", id="python-string-not-first"),
    ],
)
def test_no_existing_doc(language_id: str, source: str) -> None:
    definition = next(d for d in iter_definitions(source, language_id) if d.name.lower() == "f")
    assert definition.doc.existing is None


def test_cursor_on_existing_doc_comment_finds_its_definition() -> None:
    text, line, column = at_cursor("class A {\n  /**\n   * Old ‸doc.\n   */\n  run() {}\n}\n")
    found = find_definition(text, "javascript", line, column)
    assert found is not None and (found.kind, found.name) == ("method", "run")


@pytest.mark.parametrize(
    ("language_id", "source"),
    [
        pytest.param("python", "import os\n‸\ndef f():\n    pass\n", id="blank-top-level"),
        pytest.param("python", "x = comp‸ute()\n", id="top-level-statement"),
        pytest.param("go", "package m\n\nvar x = ‸1\n", id="go-var"),
        pytest.param("plaintext", "def f():\n    return ‸1\n", id="unknown-language"),
    ],
)
def test_no_definition(language_id: str, source: str) -> None:
    text, line, column = at_cursor(source)
    assert find_definition(text, language_id, line, column) is None


def test_out_of_range_positions_are_none() -> None:
    assert find_definition("def f():\n    pass\n", "python", 99, 0) is None
    assert find_explain_target("def f():\n    pass\n", "python", -1, 0, 100) is None


def test_columns_are_code_points_not_bytes() -> None:
    # Non-ASCII text before the definition on the same line would shift byte columns.
    source = 'const s = "héllo wörld ✓"; /** Doc. */ function f() {\n  return ‸s;\n}\n'
    text, line, column = at_cursor(source)
    found = find_definition(text, "javascript", line, column)
    assert found is not None and found.name == "f"
    assert found.doc.existing is None  # the comment shares its line with code: not a doc
    doc_source = "/** Ünïcode ✓ doc. */\nfunction g() {}\n"
    definition = next(iter_definitions(doc_source, "javascript"))
    assert definition.doc.existing == (0, 0, 0, len("/** Ünïcode ✓ doc. */"))


def test_iter_definitions_lists_outer_then_inner_in_source_order() -> None:
    source = "class A:\n    def a(self):\n        def helper():\n            pass\n    def b(self):\n        pass\n"
    found = [(d.kind, d.name) for d in iter_definitions(source, "python")]
    assert found == [("class", "A"), ("method", "a"), ("function", "helper"), ("method", "b")]


def test_iter_definitions_unknown_language_is_empty() -> None:
    assert list(iter_definitions("def f(): pass", "cobol")) == []


@pytest.mark.parametrize(
    "language_id",
    ["python", "javascript", "javascriptreact", "typescript", "typescriptreact", "go", "rust", "java", "c", "cpp"],
)
def test_every_lsp_language_id_is_supported(language_id: str) -> None:
    assert supports_language(language_id)
    parsed = parse("x", language_id)
    assert parsed is not None and isinstance(parsed.tree, Tree)


def test_unknown_language_is_not_parsed() -> None:
    assert not supports_language("plaintext")
    assert parse("x", "plaintext") is None


class _CountingParser:
    """Wraps a tree-sitter parser and counts parses."""

    def __init__(self, parser: object) -> None:
        self.parser = parser
        self.calls = 0

    def parse(self, source: bytes) -> Tree:
        self.calls += 1
        return self.parser.parse(source)  # type: ignore[attr-defined]


def test_large_document_is_parsed_once_across_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    functions = [f"def function_{i}(a, b):\n    total = a + b\n    return total * {i}\n" for i in range(2600)]
    text = "\n".join(functions)
    assert text.count("\n") >= 10_000
    pool = parsing._ParserPool(cache_size=4)
    monkeypatch.setattr(parsing, "_POOL", pool)
    counting = _CountingParser(pool._parser("python"))
    monkeypatch.setitem(pool._parsers, "python", counting)

    for line in range(0, 10_000, 500):
        assert find_definition(text, "python", line, 4) is not None
        assert find_explain_target(text, "python", line, 4, 500) is not None
    assert counting.calls == 1

    parsed = parse(text, "python")
    found = find_definition(text, "python", 5, 4, parsed=parsed)
    assert found is not None and found.name == "function_1"
    assert counting.calls == 1
    assert parse(text + "\n", "python") is not parsed
    assert counting.calls == 2


def test_lru_evicts_old_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = parsing._ParserPool(cache_size=2)
    monkeypatch.setattr(parsing, "_POOL", pool)
    first = parse("a = 1", "python")
    assert parse("a = 1", "python") is first
    parse("b = 2", "python")
    parse("c = 3", "python")
    assert parse("a = 1", "python") is not first


def test_uncached_parse_leaves_the_lru_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = parsing._ParserPool(cache_size=2)
    monkeypatch.setattr(parsing, "_POOL", pool)
    assert parse("a = 1", "python", cache=False) is not parse("a = 1", "python", cache=False)
    assert len(pool._trees) == 0


def test_parsed_for_another_text_is_not_trusted() -> None:
    stale = parse("def old():\n    pass\n", "python")
    found = find_definition("def new():\n    pass\n", "python", 1, 4, parsed=stale)
    assert found is not None and found.name == "new"


# --- explain targets --------------------------------------------------------------------------------------

EXPLAIN_CASES: list[tuple[str, str, str, tuple[str, str | None, int, int] | None]] = [
    ("python-function", "python", "def f(a):\n    return ‸a * 2\n", ("function", "f", 0, 1)),
    ("python-method", "python", "class A:\n    def m(self):\n        return ‸1\n", ("function", "m", 1, 2)),
    (
        "python-class-attribute",
        "python",
        "class A:\n    x = ‸1\n\n    def m(self):\n        pass\n",
        ("class", "A", 0, 4),
    ),
    (
        "python-top-level-statement",
        "python",
        "import os\n\nCONFIG = {\n    'a': ‸1,\n    'b': 2,\n}\n",
        ("statement", None, 2, 5),
    ),
    ("python-blank-line", "python", "x = 1\n  ‸  \ny = 2\n", None),
    ("python-blank-line-inside-function", "python", "def f():\n    a = 1\n‸\n    return a\n", None),
    ("python-comment-line", "python", "def f():\n    # explain‸ing comment\n    return 1\n", None),
    ("python-trailing-comment-is-code", "python", "x = 1  # a ‸note\n", ("statement", None, 0, 0)),
    ("js-line-comment", "javascript", "// just a ‸note\nconst a = 1;\n", None),
    ("js-block-comment-middle", "javascript", "/*\n * lic‸ense\n */\nconst a = 1;\n", None),
    ("js-two-comments-on-a-line", "javascript", "/* a */ /* ‸b */\nconst a = 1;\n", None),
    ("js-code-after-block-comment", "javascript", "/* a\n */ const ‸a = 1;\n", ("statement", None, 1, 1)),
    ("js-arrow-const", "javascript", "const f = (x) =>\n  x ‸+ 1;\n", ("function", "f", 0, 1)),
    ("rust-doc-comment", "rust", "/// Doc ‸here.\nfn f() {}\n", None),
    ("rust-fn-in-impl", "rust", "impl S {\n    fn f(&self) {\n        ‸g();\n    }\n}\n", ("function", "f", 1, 3)),
    ("go-method", "go", "package m\n\nfunc (s S) F() {\n\t‸g()\n}\n", ("function", "F", 2, 4)),
    (
        "cpp-namespace-member-is-top-level",
        "cpp",
        "namespace ns {\nint x = ‸1;\nint y = 2;\n}\n",
        ("statement", None, 1, 1),
    ),
    ("java-field-in-class", "java", "class A {\n  int ‸x;\n}\n", ("class", "A", 0, 2)),
    ("cursor-past-end-of-line", "python", "def f():\n    return 1      ‸\n", ("function", "f", 0, 1)),
    ("unknown-language-lines", "plaintext", "a\n\nb\nc ‸here\nd\n\n\n\n\n", ("lines", None, 2, 4)),
    ("unknown-language-blank", "plaintext", "a\n‸\nb\n", None),
]


@pytest.mark.parametrize(
    ("language_id", "source", "expected"),
    [pytest.param(lang, src, exp, id=case_id) for case_id, lang, src, exp in EXPLAIN_CASES],
)
def test_explain_target(language_id: str, source: str, expected: tuple[str, str | None, int, int] | None) -> None:
    text, line, column = at_cursor(source)
    target = find_explain_target(text, language_id, line, column, 10_000)
    if expected is None:
        assert target is None
        return
    assert target is not None
    assert (target.kind, target.name, target.start_line, target.end_line) == expected
    lines = text.split("\n")
    covered = "\n".join(lines[target.start_line : target.end_line + 1])
    assert target.code.strip() and target.code in covered  # whole lines, or from mid-line after `*/`
    assert target.code_hash == hashlib.sha256(target.code.encode()).hexdigest()
    assert not target.truncated


def test_explain_target_is_cut_to_budget_at_a_line_boundary() -> None:
    body = "".join(f"    value_{i} = compute({i})\n" for i in range(200))
    text = f"def big():\n{body}    return value_0\n"
    target = find_explain_target(text, "python", 5, 8, max_chars=300)
    assert target is not None
    assert target.truncated
    assert len(target.code) <= 300
    *kept, marker = target.code.split("\n")
    assert kept[0] == "def big():"
    assert all(line in text.split("\n") for line in kept)  # whole lines only
    assert "more lines" in marker
    assert target.code_hash == hashlib.sha256(target.code.encode()).hexdigest()
    assert (target.start_line, target.end_line) == (0, 201)  # the range is still the whole function


def test_explain_target_hash_changes_with_the_code() -> None:
    first = find_explain_target("def f():\n    return 1\n", "python", 1, 5, 1000)
    second = find_explain_target("def f():\n    return 2\n", "python", 1, 5, 1000)
    assert first is not None and second is not None
    assert first.code_hash != second.code_hash


@pytest.mark.parametrize(
    ("code", "max_chars", "expected", "truncated"),
    [
        pytest.param("a\nb\nc", 10, "a\nb\nc", False, id="fits"),
        pytest.param("aaaa\nbbbb\ncccc\ndddd\neeee\nffff", 28, "aaaa\n… [cut: 5 more lines]", True, id="at-line"),
        pytest.param("aaaa\n" + "b" * 40, 30, "aaaa\n… [cut: 1 more line]", True, id="one-line-cut"),
        pytest.param("x" * 100, 30, "x" * 8 + "…\n… [cut: 1 more line]", True, id="single-long-line"),
    ],
)
def test_truncate_to_budget(code: str, max_chars: int, expected: str, truncated: bool) -> None:
    result = truncate_to_budget(code, max_chars)
    assert result == (expected, truncated)
    assert len(result[0]) <= max_chars
