"""Unit tests for arb_lsp.postprocess: messy chat answers in, the exact insertion out.

Each case is a source file with the cursor marked `█`, what a model answered, and what should be
inserted.  The files are small but indented like real ones, so indentation is detected as in use.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arb_lsp.context import MAX_BLOCK_LINES, CompletionContext, LineIndex, build_completion_context
from arb_lsp.postprocess import END_TOKENS, MARKER_TOKENS, clean_completion, is_decided
from arb_lsp.prompts import HOLE

CURSOR = "█"


def make_context(source: str, language_id: str, multiline: str = "auto") -> CompletionContext:
    offset = source.index(CURSOR)
    text = source.replace(CURSOR, "")
    return build_completion_context(
        text,
        offset,
        index=LineIndex(text),
        language_id=language_id,
        path="src/example",
        budget_chars=8000,
        multiline=multiline,
    )


def clean(source: str, raw: str, language_id: str, multiline: str = "auto") -> str | None:
    return clean_completion(raw, make_context(source, language_id, multiline))


def inserted(source: str, insertion: str | None) -> str:
    """The file after accepting `insertion` at the cursor."""
    assert insertion is not None
    return source.replace(CURSOR, insertion)


# Sources shared by many cases.  Each has indented code besides the cursor line.
PY_RETURN = "def total(items):\n    count = len(items)\n    return su█\n"
PY_BODY = "class Cart:\n    def total(self, items):\n        █\n\n    def size(self):\n        return 0\n"
PY_AFTER_COLON = "class Cart:\n    def total(self, items):█\n\n    def size(self):\n        return 0\n"
PY_CALL = "def main():\n    values = [1, 2]\n    print(█)\n"
PY_STRING = 'def greet():\n    name = "Zoë"\n    return "Hallo, █"\n'
JS_BODY = "function total(items) {\n  let sum = 0;\n  █\n}\n"
JS_AFTER_BRACE = "function total(items) {█\n}\n\nfunction other() {\n  return 1;\n}\n"
JS_CALL = "function main() {\n  const xs = [1, 2];\n  console.log(█);\n}\n"
TS_BODY = "export class Cart {\n  total(items: number[]): number {\n    █\n  }\n}\n"
GO_BODY = "func total(items []int) int {\n\tsum := 0\n\t█\n}\n"
GO_AFTER_BRACE = "func total(items []int) int {█\n}\n"
GO_CALL = "func main() {\n\tx := 1\n\tfmt.Println(█)\n}\n"
RUST_BODY = "fn total(items: &[i32]) -> i32 {\n    let mut sum = 0;\n    █\n}\n"
RUST_AFTER_BRACE = "fn total(items: &[i32]) -> i32 {█\n}\n"
RUST_CALL = 'fn main() {\n    let x = 1;\n    println!("{}", █);\n}\n'


# --- fences and chatter ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_RETURN, "python", "```python\nsum(items)\n```", "m(items)"),
        (PY_RETURN, "python", "```\nm(items)\n```", "m(items)"),
        (PY_RETURN, "python", "Here is the completion:\n```python\nm(items)\n```\nThis completes it.", "m(items)"),
        (PY_RETURN, "python", "```python\nm(items)", "m(items)"),  # closing fence cut by a stop sequence
        (PY_RETURN, "python", "```m(items)```", "m(items)"),
        (PY_RETURN, "python", "m(items)\n```", "m(items)"),  # only a closing fence
        (
            PY_BODY,
            "python",
            "Sure! Here's the code:\n\n```python\nreturn sum(items)\n```\n\nThis returns the total.",
            "return sum(items)",
        ),
        (JS_BODY, "javascript", "```javascript\nfor (const x of items) sum += x;\nreturn sum;\n```", None),
        (
            TS_BODY,
            "typescript",
            "The completed method:\n```ts\nreturn items.reduce((a, b) => a + b, 0);\n```",
            "return items.reduce((a, b) => a + b, 0);",
        ),
        (GO_CALL, "go", "```go\nx\n```\n", "x"),
        (RUST_CALL, "rust", "Certainly.\n```rust\nx\n```", "x"),
        (PY_BODY, "python", "Here is the completion:\n\nreturn sum(items)\n\nThis completes the method.", None),
    ],
)
def test_fences_and_chatter_are_removed(source: str, language_id: str, raw: str, expected: str | None) -> None:
    result = clean(source, raw, language_id)
    if expected is None:  # multi-line cases are checked as a whole below
        assert result is not None
        assert "```" not in result
        assert "Here" not in result and "This" not in result
    else:
        assert result == expected


def test_fenced_block_keeps_its_lines() -> None:
    raw = "```javascript\nfor (const x of items) sum += x;\nreturn sum;\n```"
    assert clean(JS_BODY, raw, "javascript") == "for (const x of items) sum += x;\n  return sum;"


def test_unfenced_chatter_around_code_is_removed() -> None:
    raw = "Here is the completion:\n\nreturn sum(items)\n\nThis completes the method."
    assert clean(PY_BODY, raw, "python") == "return sum(items)"


def test_code_that_only_looks_like_chatter_is_kept() -> None:
    source = "def f():\n    ok = True\n    █\n"
    assert clean(source, "ok = d[1:]\nreturn ok", "python") == "ok = d[1:]\n    return ok"
    assert clean(JS_BODY, "this.total = sum;", "javascript") == "this.total = sum;"


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_RETURN, "python", "`m(items)`", "m(items)"),
        ("const s = █\n", "javascript", "`total: ${sum}`", "`total: ${sum}`"),
        ("func f() {\n\ts := █\n}\n", "go", "`raw string`", "`raw string`"),
    ],
)
def test_inline_backticks_are_unwrapped_only_where_backticks_are_not_code(
    source: str, language_id: str, raw: str, expected: str
) -> None:
    assert clean(source, raw, language_id) == expected


# --- special tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize("token", END_TOKENS)
def test_end_tokens_drop_everything_after_them(token: str) -> None:
    assert clean(PY_RETURN, f"m(items){token}\nprint('garbage')", "python") == "m(items)"


@pytest.mark.parametrize("token", MARKER_TOKENS)
@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_RETURN, "python", "m({}items)", "m(items)"),
        (JS_CALL, "javascript", "{}xs.length", "xs.length"),
        (GO_CALL, "go", "x{}", "x"),
        (RUST_CALL, "rust", "{}x + 1", "x + 1"),
    ],
)
def test_marker_tokens_are_removed_anywhere(token: str, source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw.format(token), language_id) == expected


def test_the_prompts_own_hole_marker_is_removed() -> None:
    assert clean(PY_RETURN, f"return su{HOLE}m(items)", "python") == "m(items)"
    assert clean(PY_RETURN, HOLE, "python") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<think>The sum of the items.</think>\nm(items)", "m(items)"),
        ("<think>\nStill thinking about it", None),
        ("m(items) <think>", "m(items) <think>"),  # only a leading think block is reasoning
    ],
)
def test_reasoning_before_the_answer_is_dropped(raw: str, expected: str | None) -> None:
    assert clean(PY_RETURN, raw, "python") == expected


def test_windows_line_breaks_in_the_answer_are_normalised() -> None:
    assert clean(PY_BODY, "```python\r\nx = 1\r\ny = 2\r\n```\r\n", "python") == "x = 1\n        y = 2"


def test_an_echoed_fim_prompt_keeps_only_the_middle() -> None:
    raw = "<|fim_prefix|>def total(items):\n    return su<|fim_suffix|>\n<|fim_middle|>m(items)<|endoftext|>"
    assert clean(PY_RETURN, raw, "python") == "m(items)"


# --- echoes of what is before the cursor ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        ("def f(x):\n    return fo█\n", "python", "return foo(x)", "o(x)"),
        ("def f(x):\n    return fo█\n", "python", "    return foo(x)", "o(x)"),
        ("def f(x):\n    return fo█\n", "python", "foo(x)", "o(x)"),
        ("def f(x):\n    return fo█\n", "python", "o(x)", "o(x)"),
        ("def f():\n    größe = berechne_grö█\n", "python", "berechne_größe(x)", "ße(x)"),
        ("def f():\n    größe = berechne_grö█\n", "python", "größe = berechne_größe(x)", "ße(x)"),
        ("function f(items) {\n  const t = items.red█\n}\n", "javascript", "items.reduce(add, 0);", "uce(add, 0);"),
        ("function f(items) {\n  const t = items.red█\n}\n", "javascript", "reduce(add, 0);", "uce(add, 0);"),
        ("function f(items) {\n  const t = items.█\n}\n", "javascript", "items.map(g);", "map(g);"),
        ("function f(items) {\n  const t = items.█\n}\n", "javascript", ".map(g);", "map(g);"),
        ("func main() {\n\tfmt.Pri█\n}\n", "go", "fmt.Println(x)", "ntln(x)"),
        ("func main() {\n\tfmt.Pri█\n}\n", "go", "Println(x)", "ntln(x)"),
        ("fn main() {\n    let v = Vec::wi█\n}\n", "rust", "let v = Vec::with_capacity(8);", "th_capacity(8);"),
        ("fn main() {\n    let v = Vec::wi█\n}\n", "rust", "with_capacity(8);", "th_capacity(8);"),
        ("def f(x):\n    y = █\n", "python", "y = x * 2", "x * 2"),
        ("def f(x):\n    y =█\n", "python", "y = x * 2", " x * 2"),
    ],
)
def test_retyped_text_of_the_cursor_line_is_stripped(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        ("def f(x):\n    y = █\n", "python", "x + 1", "x + 1"),  # no overlap at all
        ("def f(x):\n    y = x█\n", "python", " + 1", " + 1"),
        ("def f(x):\n    y = x.█\n", "python", "strip()", "strip()"),
        ("function f() {\n  if (a ==█\n}\n", "javascript", "= b) {", "= b) {"),  # "=" alone is no echo
    ],
)
def test_answers_that_do_not_retype_anything_are_kept(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (
            "def area(r):\n    █\n",
            "python",
            "def area(r):\n    return 3.14159 * r * r",
            "return 3.14159 * r * r",
        ),
        (
            "import math\n\ndef area(r):\n    pi = math.pi\n    █\n",
            "python",
            "def area(r):\n    pi = math.pi\n    return pi * r * r",
            "return pi * r * r",
        ),
        (
            "function area(r) {\n  const pi = Math.PI;\n  return pi█\n}\n",
            "javascript",
            "function area(r) {\n  const pi = Math.PI;\n  return pi * r * r;",
            " * r * r;",
        ),
        (
            "func area(r float64) float64 {\n\tpi := math.Pi\n\t█\n}\n",
            "go",
            "pi := math.Pi\nreturn pi * r * r",
            "return pi * r * r",
        ),
    ],
)
def test_retyped_lines_before_the_cursor_are_stripped(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "language_id", "replacement"),
    [
        (
            'import os\n\n\nclass Cart:\n    """Ein Warenkorb."""\n\n    def __init__(self):\n        self.items = []\n'
            "\n    def total(self):\n        █\n\n    def size(self):\n        return len(self.items)\n",
            "python",
            "return sum(self.items)",
        ),
        (
            "import { x } from './x';\n\nexport class Cart {\n  items: number[] = [];\n\n  total(): number {\n"
            "    █\n  }\n\n  size(): number {\n    return this.items.length;\n  }\n}\n",
            "typescript",
            "return this.items.reduce((a, b) => a + b, 0);",
        ),
    ],
)
@pytest.mark.parametrize("fenced", [False, True])
def test_a_whole_file_retyped_with_the_hole_filled_gives_just_the_fill(
    source: str, language_id: str, replacement: str, fenced: bool
) -> None:
    raw = source.replace(CURSOR, replacement)
    if fenced:
        raw = f"```{language_id}\n{raw}```\n"
    assert clean(source, raw, language_id) == replacement


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        ("fn main() {\n    let v = Vec::█\n}\n", "rust", "::new();", "new();"),
        ("int main() {\n    p->█\n}\n", "cpp", "->next = 0;", "next = 0;"),
    ],
)
def test_a_retyped_member_access_operator_is_stripped(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


# --- overlap with what follows the cursor ---------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_CALL, "python", "values, sep=', ')", "values, sep=', '"),
        (PY_CALL, "python", "len(values))", "len(values)"),
        (PY_CALL, "python", "len(values)", "len(values)"),  # its own closer is needed
        (PY_STRING, "python", 'Welt"', "Welt"),
        (PY_STRING, "python", '{name}, schön!"', "{name}, schön!"),
        (JS_CALL, "javascript", "xs.join(', '));", "xs.join(', ')"),
        (JS_CALL, "javascript", "xs);", "xs"),
        ("function f() {\n  return g(█);\n}\n", "javascript", "1, 2);", "1, 2"),
        (GO_CALL, "go", "x)", "x"),
        (GO_CALL, "go", "strconv.Itoa(x))", "strconv.Itoa(x)"),
        (RUST_CALL, "rust", "x);", "x"),
        (RUST_CALL, "rust", "x.len())", "x.len()"),
        ('fn main() {\n    let s = "hel█";\n}\n', "rust", 'lo";', "lo"),
        ("def f(x):\n    y = █bar(x)\n", "python", "foo.bar(x)", "foo."),  # retypes the rest of the line
        ("function f() {\n  let x = █;\n}\n", "javascript", "1;", "1"),
        ("function f() {\n  if (x) {█}\n}\n", "javascript", " return 1; }", " return 1;"),
    ],
)
def test_text_already_after_the_cursor_on_its_line_is_not_retyped(
    source: str, language_id: str, raw: str, expected: str
) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (
            "def f(x):\n    █\n    return y\n",
            "python",
            "y = x * 2\n    return y",
            "y = x * 2",
        ),
        (
            "def f(x):\n    █\n    y += 1\n    return y\n",
            "python",
            "y = x * 2\ny += 1\nreturn y\n\ndef g():\n    pass",
            "y = x * 2",
        ),
        (JS_AFTER_BRACE, "javascript", "\n  return items.length;\n}", "\n  return items.length;"),
        (
            JS_AFTER_BRACE,
            "javascript",
            "\n  return items.length;\n}\n\nfunction other() {\n  return 1;\n}",
            "\n  return items.length;",
        ),
        (GO_AFTER_BRACE, "go", "\n\treturn len(items)\n}", "\n\treturn len(items)"),
        (RUST_AFTER_BRACE, "rust", "\n    items.iter().sum()\n}", "\n    items.iter().sum()"),
        # no indented line in the file: TypeScript's convention (two spaces), as the model wrote it
        ("const xs = [█\n];\n", "typescript", "\n  1,\n  2,\n];", "\n  1,\n  2,"),
    ],
)
def test_lines_already_below_the_cursor_are_not_retyped(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        # The block's own closer matches the "}" below by text, but is needed.
        (JS_BODY, "javascript", "if (sum > 0) {\n  sum = 0;\n}", "if (sum > 0) {\n    sum = 0;\n  }"),
        (GO_BODY, "go", "for _, x := range items {\n\tsum += x\n}", "for _, x := range items {\n\t\tsum += x\n\t}"),
        # Nothing below closes the block: keep the closer.
        ("function total(items) {█", "javascript", "\n  return 0;\n}", "\n  return 0;\n}"),
    ],
)
def test_closers_the_insertion_needs_are_kept(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


def test_a_call_continued_on_new_lines_leaves_the_closer_on_its_own_line() -> None:
    source = "def main():\n    values = [1, 2]\n    print(█)\n"
    result = clean(source, "\n        values,\n        sep=', ',\n    )", "python")
    assert inserted(source, result) == (
        "def main():\n    values = [1, 2]\n    print(\n        values,\n        sep=', ',\n    )\n"
    )


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_CALL, "python", "values)\nprint('done')", "values"),
        (PY_CALL, "python", "len(values))\nreturn", "len(values)"),
        (JS_CALL, "javascript", "xs\n  );\n  other();", "xs"),
        # no closer after the cursor: the line that closes the call ends the insertion
        ("func main() {\n\tx := compute(█\n}\n", "go", "a, b)\n\tfmt.Println(x)", "a, b)"),
        ("fn main() {\n    let v = vec![█\n}\n", "rust", "1, 2];\n    dbg!(v);", "1, 2];"),
    ],
)
def test_code_run_on_past_the_cursor_lines_brackets_is_cut(
    source: str, language_id: str, raw: str, expected: str
) -> None:
    assert clean(source, raw, language_id) == expected


def test_a_signature_closed_by_the_answer_keeps_its_body() -> None:
    source = "import math\n\ndef area(█\n"
    assert clean(source, "r):\n    return math.pi * r * r", "python") == "r):\n    return math.pi * r * r"


# --- re-indentation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # column 0, as if the hole were at the start of the file
        ("total = 0\nfor x in items:\n    total += x\nreturn total", None),
        # absolute: the first line written at the hole, the rest where they belong
        ("total = 0\n        for x in items:\n            total += x\n        return total", None),
        # indented once too much everywhere
        (
            "            total = 0\n            for x in items:\n                total += x\n            return total",
            None,
        ),
        # doubled: the block's indentation added twice
        (
            "total = 0\n                for x in items:\n                    total += x\n                return total",
            None,
        ),
        # two spaces per level in a four-space file
        ("total = 0\nfor x in items:\n  total += x\nreturn total", None),
        # tabs in a four-space file
        ("total = 0\nfor x in items:\n\ttotal += x\nreturn total", None),
    ],
)
def test_python_block_is_reindented_to_the_cursor(raw: str, expected: str | None) -> None:
    result = clean(PY_BODY, raw, "python")
    assert result == "total = 0\n        for x in items:\n            total += x\n        return total"


@pytest.mark.parametrize(
    "raw",
    [
        "let total = 0;\nfor (const x of items) {\n  total += x;\n}\nreturn total;",
        "let total = 0;\n    for (const x of items) {\n      total += x;\n    }\n    return total;",
        "let total = 0;\nfor (const x of items) {\n    total += x;\n}\nreturn total;",
        "let total = 0;\nfor (const x of items) {\n\ttotal += x;\n}\nreturn total;",
    ],
)
def test_typescript_block_is_reindented_to_two_spaces(raw: str) -> None:
    assert clean(TS_BODY, raw, "typescript") == (
        "let total = 0;\n    for (const x of items) {\n      total += x;\n    }\n    return total;"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "for _, x := range items {\n\tsum += x\n}\nreturn sum",
        "for _, x := range items {\n    sum += x\n}\nreturn sum",
        "for _, x := range items {\n\t\tsum += x\n\t}\n\treturn sum",
        "for _, x := range items {\n        sum += x\n    }\n    return sum",
        "\tfor _, x := range items {\n\t\tsum += x\n\t}\n\treturn sum",
    ],
)
def test_go_block_is_reindented_with_tabs(raw: str) -> None:
    assert clean(GO_BODY, raw, "go") == "for _, x := range items {\n\t\tsum += x\n\t}\n\treturn sum"


@pytest.mark.parametrize(
    "raw",
    [
        "for x in items {\n    sum += x;\n}\nsum",
        "for x in items {\n        sum += x;\n    }\n    sum",
        "for x in items {\n\tsum += x;\n}\nsum",
        "for x in items {\n  sum += x;\n}\nsum",
    ],
)
def test_rust_block_is_reindented_with_spaces(raw: str) -> None:
    assert clean(RUST_BODY, raw, "rust") == "for x in items {\n        sum += x;\n    }\n    sum"


@pytest.mark.parametrize(
    "raw",
    [
        "\n        return sum(items)",  # absolute
        "\nreturn sum(items)",  # column 0
        "\n    return sum(items)",  # relative to the def
        "return sum(items)",  # no line break: the body still goes below the colon
        "        return sum(items)",
    ],
)
def test_body_after_a_python_colon_starts_on_a_new_indented_line(raw: str) -> None:
    assert clean(PY_AFTER_COLON, raw, "python") == "\n        return sum(items)"


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (JS_AFTER_BRACE, "javascript", "\nreturn items.length;", "\n  return items.length;"),
        (JS_AFTER_BRACE, "javascript", "return items.length;", "\n  return items.length;"),
        (GO_AFTER_BRACE, "go", "\n    return len(items)", "\n\treturn len(items)"),
        (GO_AFTER_BRACE, "go", "return len(items)", "\n\treturn len(items)"),
        (RUST_AFTER_BRACE, "rust", "\n        items.iter().sum()", "\n    items.iter().sum()"),
    ],
)
def test_body_after_an_opening_brace_starts_on_a_new_indented_line(
    source: str, language_id: str, raw: str, expected: str
) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "raw", "expected"),
    [
        ("def f(x):\n█\n", "return x", "    return x"),  # flush under an opener: indent it
        ("def f(x):\n█\n", "    return x", "    return x"),
        ("x = 1\n█\n", "y = 2\nz = 3", "y = 2\nz = 3"),
        ("class A:\n    x = 1\n█\n", "    y = 2", "    y = 2"),  # the model's own indentation is trusted
    ],
)
def test_answer_at_column_zero_carries_its_indentation(source: str, raw: str, expected: str) -> None:
    assert clean(source, raw, "python") == expected


# --- whitespace, shape and bounds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_RETURN, "python", "m(items)   \n\n\n", "m(items)"),
        (PY_RETURN, "python", "\n\nm(items)", "m(items)"),  # leading blank lines on a line with text
        ("def f():\n    x = █\n", "python", "  \n\n42", "42"),
        (PY_BODY, "python", "x = 1  \ny = 2\t\n\n\n", "x = 1\n        y = 2"),
        (PY_BODY, "python", "\n\n\nreturn 0", "return 0"),
        (GO_BODY, "go", "\n\nreturn sum\n\n", "return sum"),
    ],
)
def test_surrounding_blank_lines_and_trailing_whitespace_are_removed(
    source: str, language_id: str, raw: str, expected: str
) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_RETURN, "python", "m(items)\nprint('extra')\nmore()", "m(items)"),
        ("function f(a) {\n  const b = a█\n}\n", "javascript", ".map(g);\n  return b;", ".map(g);"),
        ("func main() {\n\tx := 1\n\ty := x█\n}\n", "go", " + 1\n\tfmt.Println(y)", " + 1"),
        ("fn main() {\n    let y = x█\n}\n", "rust", ' * 2;\n    println!("{}", y);', " * 2;"),
    ],
)
def test_single_line_mode_keeps_only_the_first_line(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


def test_single_line_mode_can_be_forced_on_a_blank_line() -> None:
    assert clean(PY_BODY, "x = 1\ny = 2", "python", multiline="never") == "x = 1"
    assert clean("def f():\n█\n", "    x = 1\n    y = 2", "python", multiline="never") == "    x = 1"


def test_single_line_mode_refuses_a_body_meant_for_the_next_line() -> None:
    assert clean("def f():█\n", "\n    return 1", "python", multiline="never") is None


def test_block_is_bounded_in_length() -> None:
    raw = "\n".join(f"x{n} = {n}" for n in range(60))
    result = clean(PY_BODY, raw, "python")
    assert result is not None
    assert len(result.split("\n")) == MAX_BLOCK_LINES


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        # indentation drops below the cursor's block: the model left it
        (PY_BODY, "python", "return sum(items)\n\ndef size(self):\n    return 0", "return sum(items)"),
        (
            "def f(x):\n    if x:\n        █\n    return 0\n",
            "python",
            "y = 1\n        return y\n    return 0\nprint(f(1))",
            "y = 1\n        return y",
        ),
        (JS_BODY, "javascript", "return sum;\n}\n\nfunction next() {}", "return sum;"),
        (GO_BODY, "go", "return sum\n}\n\nfunc other() {}", "return sum"),
        (RUST_BODY, "rust", "sum\n}\n\nfn other() {}", "sum"),
        # code after a return at the same level is unreachable: another function
        (PY_BODY, "python", "return 1\ndef size(self):\n    return 0", "return 1"),
        # at top level, one definition is the block
        ("import os\n\n█\n", "python", "def a():\n    pass\n\ndef b():\n    pass", "def a():\n    pass"),
        (
            "const x = 1;\n\n█\n",
            "javascript",
            "function a() {\n  return 1;\n}\n\nfunction b() {}",
            "function a() {\n  return 1;\n}",
        ),
    ],
)
def test_block_ends_where_the_model_wanders_out_of_it(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (
            PY_BODY,
            "python",
            "if items:\n    return sum(items)\nelse:\n    return 0",
            "if items:\n            return sum(items)\n        else:\n            return 0",
        ),
        (
            PY_AFTER_COLON,
            "python",
            "\n        try:\n            return sum(items)\n        except TypeError:\n            return 0",
            "\n        try:\n            return sum(items)\n        except TypeError:\n            return 0",
        ),
        (
            "function f(x) {\n  if (x) {█\n  }\n}\n",
            "javascript",
            "\n    return 1;\n  } else {\n    return 2;",
            "\n    return 1;\n  } else {\n    return 2;",
        ),
        (
            "function f(x) {\n  switch (x) {\n    █\n  }\n}\n",
            "javascript",
            "case 1:\n  return 'a';\ncase 2:\n  return 'b';\ndefault:\n  return 'c';",
            "case 1:\n      return 'a';\n    case 2:\n      return 'b';\n    default:\n      return 'c';",
        ),
        (
            PY_BODY,
            "python",
            "for x in items:\n    if x:\n        break\n    print(x)\nreturn 0",
            "for x in items:\n            if x:\n                break\n            print(x)\n        return 0",
        ),
    ],
)
def test_block_keeps_the_statements_it_continues(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


# --- no suggestion --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "language_id", "raw"),
    [
        (PY_RETURN, "python", ""),
        (PY_RETURN, "python", "   \n\t\n"),
        (PY_RETURN, "python", "```python\n```"),
        (PY_RETURN, "python", "<|endoftext|>m(items)"),
        (PY_RETURN, "python", "return su"),  # only the typed text again
        (PY_RETURN, "python", "    return su"),
        (PY_CALL, "python", ")"),  # only what follows the cursor
        ("def f(x):\n    █\n    return x\n", "python", "return x"),  # the next line again
        ("def f(x):\n    █\n    return x\n", "python", "\n\n    return x\n"),
        (JS_AFTER_BRACE, "javascript", "\n}"),
        (GO_CALL, "go", ")"),
        ("fn main() {\n    let v = █vec![];\n}\n", "rust", "vec![]"),
        (PY_BODY, "python", "Here is the completion:"),
    ],
)
def test_empty_whitespace_and_no_op_answers_give_no_suggestion(source: str, language_id: str, raw: str) -> None:
    assert clean(source, raw, language_id) is None


def test_partial_word_before_existing_text_is_not_a_no_op() -> None:
    source = "def f():\n    x = █abc\n"
    assert clean(source, "a", "python") == "a"


# --- is_decided -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partial", "decided"),
    [
        ("", False),
        ("m(it", False),
        ("m(items)", False),  # the line may still grow
        ("m(items)\n", True),
        ("\n", False),  # a leading line break is not content
        ("\nm(items)\n", True),
        ("`", False),
        ("```", False),
        ("```python", False),
        ("```python\n", False),  # an opening fence line is not the answer
        ("```python\nm(items)", False),
        ("```python\nm(items)\n", True),
        ("Here is the completion:\n", False),  # neither is chatter
        ("Here is the completion:\nm(items)\n", True),
        ("def total(items):\n", False),  # an echo of the line above, still going
        ("def total(items):\n    count = len(items)\n", False),
        ("m(items)<|endoftext|>", True),
        ("m(items)<|im_end|>", True),
    ],
)
def test_single_line_answer_is_decided_at_its_first_line_break(partial: str, decided: bool) -> None:
    assert is_decided(partial, make_context(PY_RETURN, "python")) is decided


@pytest.mark.parametrize(
    ("source", "language_id", "partial", "decided"),
    [
        (PY_BODY, "python", "total = 0\n", False),
        (PY_BODY, "python", "total = 0\nfor x in items:\n    total += x\n", False),
        (PY_BODY, "python", "total = 0\nreturn total\n\ndef size(self):\n", True),  # left the block
        (PY_BODY, "python", "return 1\nreturn 2\n", True),  # unreachable: another block
        (PY_BODY, "python", "```python\nreturn 1\n```", True),  # closing fence
        (PY_BODY, "python", "return 1<|eot_id|>", True),
        (PY_BODY, "python", "return sum(items)\n\ndef size(self):\n", True),
        (JS_BODY, "javascript", "return sum;\n", False),
        (JS_BODY, "javascript", "return sum;\n}\n", True),
        (GO_BODY, "go", "for _, x := range items {\n", False),
        (GO_BODY, "go", "for _, x := range items {\n\tsum += x\n}\nreturn sum\n}\n", True),
        (RUST_AFTER_BRACE, "rust", "\n    items.iter().sum()\n", False),
        (RUST_AFTER_BRACE, "rust", "\n    items.iter().sum()\n}\n", True),
        (PY_BODY, "python", "".join(f"x{n} = {n}\n" for n in range(MAX_BLOCK_LINES + 1)), True),
    ],
)
def test_block_answer_is_decided_when_the_block_ends(
    source: str, language_id: str, partial: str, decided: bool
) -> None:
    assert is_decided(partial, make_context(source, language_id)) is decided


@pytest.mark.parametrize(
    ("source", "language_id", "raw"),
    [
        (PY_BODY, "python", "total = 0\nfor x in items:\n    total += x\nreturn total\n\ndef size(self):\n    pass\n"),
        (JS_BODY, "javascript", "for (const x of items) {\n  sum += x;\n}\nreturn sum;\n}\n\nfunction g() {}\n"),
        (PY_RETURN, "python", "```python\nm(items)\n```\nThis sums the items.\n"),
    ],
)
def test_stopping_when_decided_gives_the_same_insertion_as_reading_everything(
    source: str, language_id: str, raw: str
) -> None:
    ctx = make_context(source, language_id)
    for end in range(len(raw) + 1):
        if is_decided(raw[:end], ctx):
            assert clean_completion(raw[:end], ctx) == clean_completion(raw, ctx)
            return
    pytest.fail("never decided")


# --- robustness -----------------------------------------------------------------------------------

_SOURCES = [PY_RETURN, PY_BODY, PY_AFTER_COLON, PY_CALL, PY_STRING, JS_BODY, JS_AFTER_BRACE, GO_BODY, RUST_CALL]
_LANGUAGES = ["python", "python", "python", "python", "python", "javascript", "javascript", "go", "rust"]
_PIECES = [
    "\n",
    "    ",
    "\t",
    "```",
    "```python\n",
    "return ",
    "x",
    "é",
    "(",
    ")",
    "{",
    "}",
    '"',
    ":",
    "<|endoftext|>",
    "<|fim_middle|>",
    HOLE,
    "Here is the code:\n",
    "su",
    "m(items)",
]


@given(
    case=st.integers(min_value=0, max_value=len(_SOURCES) - 1),
    raw=st.lists(st.sampled_from(_PIECES), max_size=12).map("".join) | st.text(max_size=40),
    multiline=st.sampled_from(["auto", "always", "never"]),
)
@settings(max_examples=400, deadline=None)
def test_any_answer_gives_a_clean_insertion_or_none(case: int, raw: str, multiline: str) -> None:
    ctx = make_context(_SOURCES[case], _LANGUAGES[case], multiline)
    result = clean_completion(raw, ctx)
    is_decided(raw, ctx)
    if result is not None:
        assert result.strip()
        if result != result.rstrip():
            # Only a line left for the rest of the cursor's line, after a block on new lines.
            assert result.startswith("\n")
            assert not result.split("\n")[-1].strip()
            assert ctx.line_suffix.strip()
        assert not any(token in result for token in (*END_TOKENS, HOLE, "<|fim_middle|>"))
        if not ctx.multiline:
            assert "\n" not in result
        assert len(result.split("\n")) <= MAX_BLOCK_LINES


# --- wrappers, markers, refusals and prose (issue 12) ----------------------------------------------


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_RETURN, "python", "<COMPLETION>m(items)</COMPLETION>", "m(items)"),
        (PY_BODY, "python", "<COMPLETION>\nreturn sum(items)\n</COMPLETION>", "return sum(items)"),
        (JS_BODY, "javascript", "<CODE>return sum;</CODE>", "return sum;"),
        (GO_CALL, "go", "<MID>x</MID>", "x"),
        (RUST_CALL, "rust", "<completion>x</completion>", "x"),
        (PY_RETURN, "python", "```python\n<COMPLETION>m(items)</COMPLETION>\n```", "m(items)"),
        (PY_RETURN, "python", "<COMPLETION>```python\nm(items)\n```</COMPLETION>", "m(items)"),
        (PY_RETURN, "python", "Answer:\nm(items)", "m(items)"),
        (PY_RETURN, "python", "### Completion\nm(items)", "m(items)"),
        (PY_RETURN, "python", "ANSWER: m(items)", "m(items)"),
        (PY_RETURN, "python", "[COMPLETION]\nm(items)", "m(items)"),
        (JS_CALL, "javascript", "<FILL>xs</FILL>", "xs"),
        # In JSX a lower-case <code> is markup, not a wrapper.
        ("const a = (\n  <div>\n    █\n  </div>\n);\n", "javascriptreact", "<code>x</code>", "<code>x</code>"),
    ],
)
def test_wrapper_tags_and_answer_markers_are_stripped(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


def test_a_closing_wrapper_tag_ends_the_stream() -> None:
    ctx = make_context(PY_BODY, "python")
    assert is_decided("<COMPLETION>return 1</COMPLETION>", ctx)
    assert not is_decided("<COMPLETION>return 1\n", ctx)


@pytest.mark.parametrize(("source", "language_id"), [(PY_BODY, "python"), (JS_BODY, "javascript"), (GO_BODY, "go")])
@pytest.mark.parametrize(
    "raw",
    [
        "I'm sorry, but I can't help with that.",
        "I’m sorry, but I cannot complete this code.",
        "Unfortunately, I am unable to determine what should go here.",
        "As an AI language model, I cannot see the rest of your project.",
        "This function should return the sum of all the items in the list.",
        "You need to add a loop here that adds each item to the total.",
        "Here you should return the total of the items\nthat were passed to the function.",
        "The missing code is a return statement that gives back the total",
    ],
)
def test_refusals_and_prose_are_never_inserted(source: str, language_id: str, raw: str) -> None:
    assert clean(source, raw, language_id) is None


def test_a_refusal_stops_the_stream_at_its_first_line() -> None:
    assert is_decided("I'm sorry, but I can't help with that.\n", make_context(PY_BODY, "python"))


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_BODY, "python", "for x in items:\n    print(x)", "for x in items:\n            print(x)"),
        (PY_BODY, "python", "return the_total if the_items else a_default", None),
        ("SELECT name █\n", "sql", "FROM users WHERE id IS NOT NULL AND the active", None),
        (JS_BODY, "javascript", "// Add the items to the sum here.", "// Add the items to the sum here."),
        (PY_BODY, "python", '"""Return the sum of the items in the cart."""', None),
        (
            "Dear team,\n█\n",
            "markdown",
            "Thank you for the review of the code.",
            "Thank you for the review of the code.",
        ),
        (PY_BODY, "python", "You need to return the total:\nreturn sum(items)", "return sum(items)"),
    ],
)
def test_code_and_comments_that_read_like_words_are_kept(
    source: str, language_id: str, raw: str, expected: str | None
) -> None:
    assert clean(source, raw, language_id) == (raw if expected is None else expected)


# --- repetition and near-duplicates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (PY_BODY, "python", "total += 1\n" * 8, "total += 1"),
        (JS_BODY, "javascript", "sum += items[0];\n" * 8, "sum += items[0];"),
        (GO_BODY, "go", "sum += 1\nfmt.Println(sum)\n" * 4, "sum += 1\n\tfmt.Println(sum)"),
        (PY_BODY, "python", "x = 0\n" + "y = 1\n" * 6, "x = 0\n        y = 1"),
    ],
)
def test_degenerate_repetition_is_dropped(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


def test_repeated_lines_stop_the_stream() -> None:
    ctx = make_context(PY_BODY, "python")
    assert not is_decided("total += 1\ntotal += 1\n", ctx)
    assert is_decided("total += 1\ntotal += 1\ntotal += 1\n", ctx)


def test_closers_repeated_in_a_row_are_not_repetition() -> None:
    source = "function f() {\n  █\n}\n"
    raw = "if (a) {\n  if (b) {\n    if (c) {\n      g();\n    }\n  }\n}"
    assert clean(source, raw, "javascript") == (
        "if (a) {\n    if (b) {\n      if (c) {\n        g();\n      }\n    }\n  }"
    )


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (
            "def f(items):\n    total = 0\n    █\n    return total\n",
            "python",
            "for x in items:\n    total += x\nreturn total  # the sum",
            "for x in items:\n        total += x",
        ),
        (
            "function f(items) {\n  let total = 0;\n  █\n  return total;\n}\n",
            "javascript",
            "for (const x of items) total += x;\nreturn total; // done",
            "for (const x of items) total += x;",
        ),
        (
            "func f(items []int) int {\n\ttotal := 0\n\t█\n\treturn computeTotal(items)\n}\n",
            "go",
            "total++\nreturn computeTotals(items)",
            "total++",
        ),
    ],
)
def test_near_duplicates_of_the_next_line_are_cut(source: str, language_id: str, raw: str, expected: str) -> None:
    assert clean(source, raw, language_id) == expected


def test_a_near_duplicate_of_the_next_line_stops_the_stream() -> None:
    ctx = make_context("def f(items):\n    total = 0\n    █\n    return total\n", "python")
    assert not is_decided("for x in items:\n    total += x\n", ctx)
    assert is_decided("for x in items:\n    total += x\nreturn total  # the sum\n", ctx)


# --- indentation: evidence, then convention, then the model ------------------------------------------


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        # no indented line yet: the language's convention...
        ("function f() {█\n}\n", "javascript", "\n  return 1;", "\n  return 1;"),
        ("function f() {█\n}\n", "javascript", "\n    return 1;", "\n  return 1;"),
        ("class A {\n  void f() {█\n  }\n}\n", "java", "\n  return;", "\n    return;"),
        ("func f() {█\n}\n", "go", "\n  return", "\n\treturn"),
        # ...or, where there is none, the model's own
        ("int f() {█\n}\n", "c", "\n  return 1;", "\n  return 1;"),
        ("int f() {█\n}\n", "c", "\n    return 1;", "\n    return 1;"),
        # evidence in the file wins over both
        ("int g() {\n    return 0;\n}\nint f() {█\n}\n", "c", "\n  return 1;", "\n    return 1;"),
        ("function g() {\n    return 0;\n}\nfunction f() {█\n}\n", "javascript", "\n  return 1;", "\n    return 1;"),
        ("function g() {\n\treturn 0;\n}\nfunction f() {█\n}\n", "javascript", "\n  return 1;", "\n\treturn 1;"),
    ],
)
def test_indentation_follows_evidence_then_convention_then_the_model(
    source: str, language_id: str, raw: str, expected: str
) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "language_id", "raw", "expected"),
    [
        (
            "def f(xs):\n    █\n    xs.append(3)\n",
            "python",
            "xs.append(1)\nxs.append(2)",
            "xs.append(1)\n    xs.append(2)",
        ),
        (
            "function f(a) {\n  █\n  a.push(third);\n}\n",
            "javascript",
            "a.push(first);\na.push(second);",
            "a.push(first);\n  a.push(second);",
        ),
    ],
)
def test_a_sequence_continued_above_the_next_line_is_not_a_duplicate(
    source: str, language_id: str, raw: str, expected: str
) -> None:
    assert clean(source, raw, language_id) == expected


@pytest.mark.parametrize(
    ("source", "language_id", "raw"),
    [
        ("build:\n  █\n", "yaml", "code:\n    x: 1"),
        ("steps:\n  █\n", "yaml", "output: result.txt"),
    ],
)
def test_lower_case_keys_are_not_answer_markers(source: str, language_id: str, raw: str) -> None:
    result = clean(source, raw, language_id)
    assert result is not None and result.startswith(raw.split("\n")[0])


def test_an_annotation_is_completed_on_the_cursor_s_line() -> None:
    # "sizes: " ends with a colon but opens no block: the type goes right after it, not on a new line.
    source = "@dataclass\nclass Series:\n    sizes: █\n"
    assert clean(source, "list[int] = field(default_factory=list)", "python") == (
        "list[int] = field(default_factory=list)"
    )
