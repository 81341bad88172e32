"""Unit tests for arb_lsp.context: line index, windows, budgets, indentation, multi-line decision."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arb_lsp.context import (
    NEIGHBOUR_SHARE,
    WINDOW_STEPS,
    CompletionContext,
    LineIndex,
    Snippet,
    build_completion_context,
    chars_for_tokens,
    detect_indent_unit,
    estimate_tokens,
    wants_multiline,
)

CURSOR = "█"


def make_context(
    source: str,
    language_id: str = "python",
    *,
    budget_chars: int = 10_000,
    multiline: str = "auto",
    neighbours: tuple[Snippet, ...] = (),
    suffix_share: float = 0.25,
) -> CompletionContext:
    offset = source.index(CURSOR)
    text = source.replace(CURSOR, "")
    return build_completion_context(
        text,
        offset,
        index=LineIndex(text),
        language_id=language_id,
        path="src/example",
        budget_chars=budget_chars,
        multiline=multiline,
        neighbours=neighbours,
        suffix_share=suffix_share,
    )


def numbered_lines(count: int) -> str:
    return "".join(f"line {n:07d}\n" for n in range(count))


# --- LineIndex ------------------------------------------------------------------------------------


def test_line_index_counts_lines_including_the_last_unterminated_one() -> None:
    assert LineIndex("").line_count() == 1
    assert LineIndex("a").line_count() == 1
    assert LineIndex("a\n").line_count() == 2
    assert LineIndex("a\nb\nc").line_count() == 3


@pytest.mark.parametrize(
    ("offset", "line"),
    [(0, 0), (2, 0), (3, 0), (4, 1), (7, 1), (8, 2), (9, 2), (100, 2), (-5, 0)],
)
def test_line_of_finds_the_line_holding_an_offset(offset: int, line: int) -> None:
    assert LineIndex("abc\ndef\ng").line_of(offset) == line


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [(0, 0, 0), (0, 2, 2), (0, 99, 3), (1, 0, 4), (1, 3, 7), (1, 9, 7), (2, 1, 9), (7, 0, 8), (-1, 1, 1)],
)
def test_offset_clamps_to_the_line(line: int, column: int, expected: int) -> None:
    assert LineIndex("abc\ndef\ngh").offset(line, column) == expected


def test_offset_counts_code_points_not_bytes() -> None:
    text = "é😀x\nñ"
    index = LineIndex(text)
    assert text[index.offset(0, 2)] == "x"
    assert text[index.offset(1, 0)] == "ñ"


def test_line_end_excludes_a_crlf_line_break() -> None:
    text = "ab\r\ncd\r\n"
    index = LineIndex(text)
    assert text[index.line_start(0) : index.line_end(0)] == "ab"
    assert text[index.line_start(1) : index.line_end(1)] == "cd"
    assert index.offset(0, 10) == 2


@given(st.text(alphabet="ab\n\r é", max_size=60), st.integers(min_value=0, max_value=70))
def test_line_index_agrees_with_splitting(text: str, offset: int) -> None:
    index = LineIndex(text)
    lines = text.split("\n")
    assert index.line_count() == len(lines)
    offset = min(offset, len(text))
    line = index.line_of(offset)
    assert line == text[:offset].count("\n")
    assert index.line_start(line) == sum(len(part) + 1 for part in lines[:line])


# --- token estimates ------------------------------------------------------------------------------


def test_token_estimates_are_cheap_and_consistent() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abc") == 1
    assert estimate_tokens("x" * 35) == 10
    assert chars_for_tokens(10) == 35
    assert chars_for_tokens(-3) == 0
    assert estimate_tokens("y" * chars_for_tokens(1000)) == 1000


# --- windows --------------------------------------------------------------------------------------


def test_small_document_is_taken_whole() -> None:
    ctx = make_context("def f(x):\n    return x█ + 1\n\nprint(f(2))\n")
    assert ctx.prefix == "def f(x):\n    return x"
    assert ctx.suffix == " + 1\n\nprint(f(2))\n"
    assert ctx.line_prefix == "    return x"
    assert ctx.line_suffix == " + 1"
    assert ctx.language_id == "python"
    assert ctx.path == "src/example"


def test_cursor_line_parts_exclude_the_crlf_line_break() -> None:
    ctx = make_context("a = 1\r\nb = █2\r\nc = 3\r\n")
    assert ctx.line_prefix == "b = "
    assert ctx.line_suffix == "2"


@pytest.mark.parametrize("budget", [50, 120, 333, 1000])
def test_windows_fit_the_budget_and_cut_at_line_boundaries(budget: int) -> None:
    text = numbered_lines(400)
    offset = text.index("line 0000200") + 7
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id="python", path="p", budget_chars=budget
    )
    assert len(ctx.prefix) + len(ctx.suffix) <= budget
    assert text[offset - len(ctx.prefix) - 1] == "\n"  # the prefix starts a line
    assert ctx.suffix.endswith("\n")  # the suffix ends one
    assert text[offset - len(ctx.prefix) : offset + len(ctx.suffix)] == ctx.prefix + ctx.suffix
    assert ctx.line_prefix == "line 00"
    assert ctx.line_suffix == "00200"


def test_budget_is_split_about_three_to_one() -> None:
    text = numbered_lines(1000)
    offset = text.index("line 0000500")
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id="python", path="p", budget_chars=1200
    )
    # Each window gives up less than one step of the grid it is anchored to (prompt caching), plus a line.
    step = 1200 // WINDOW_STEPS
    assert 900 - step - 13 <= len(ctx.prefix) <= 900
    assert 300 - step - 13 <= len(ctx.suffix) <= 300


def test_suffix_share_is_configurable() -> None:
    text = numbered_lines(1000)
    offset = text.index("line 0000500")
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id="python", path="p", budget_chars=1200, suffix_share=0.5
    )
    step = 1200 // WINDOW_STEPS
    assert 600 - step - 13 <= len(ctx.prefix) <= 600
    assert 600 - step - 13 <= len(ctx.suffix) <= 600


def test_budget_unused_after_the_cursor_goes_to_the_prefix() -> None:
    text = numbered_lines(1000)
    ctx = build_completion_context(
        text, len(text), index=LineIndex(text), language_id="python", path="p", budget_chars=1200
    )
    assert ctx.suffix == ""
    assert 1200 - 1200 // WINDOW_STEPS - 13 <= len(ctx.prefix) <= 1200


def test_budget_unused_before_the_cursor_goes_to_the_suffix() -> None:
    text = numbered_lines(1000)
    ctx = build_completion_context(text, 0, index=LineIndex(text), language_id="python", path="p", budget_chars=1200)
    assert ctx.prefix == ""
    assert 1150 <= len(ctx.suffix) <= 1200


def test_a_line_longer_than_the_window_is_cut_inside_it() -> None:
    long_line = "x = [" + ", ".join(str(n) for n in range(5000)) + "]"
    text = "import os\n" + long_line + "\nprint(x)\n"
    offset = text.index("2500")
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id="python", path="p", budget_chars=400
    )
    assert len(ctx.prefix) == 300
    assert len(ctx.suffix) == 100
    assert ctx.line_prefix == ctx.prefix
    assert ctx.line_suffix == ctx.suffix
    assert ctx.prefix + ctx.suffix in text


def test_non_ascii_text_is_windowed_by_code_points() -> None:
    text = "".join(f"# ligne {n}: café, naïve, 日本語 😀\n" for n in range(200))
    offset = text.index("ligne 100")
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id="python", path="p", budget_chars=500
    )
    assert ctx.prefix.endswith("# ")
    assert ctx.suffix.startswith("ligne 100: café, naïve, 日本語 😀\n")
    assert len(ctx.prefix) + len(ctx.suffix) <= 500


def test_zero_budget_gives_empty_windows() -> None:
    ctx = make_context("a = 1\nb = █2\n", budget_chars=0)
    assert ctx.prefix == ctx.suffix == ctx.line_prefix == ctx.line_suffix == ""


def test_offset_outside_the_text_is_clamped() -> None:
    text = "a = 1\nb = 2"
    ctx = build_completion_context(text, 999, index=LineIndex(text), language_id="python", path="p", budget_chars=100)
    assert ctx.prefix == text
    assert ctx.suffix == ""


# --- cost: O(window), not O(document) -------------------------------------------------------------


class _Unscannable(str):
    """A document that fails the test if anything searches, splits or iterates all of it."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> object:
        raise AssertionError("the whole document was scanned")

    split = splitlines = count = find = rfind = index = rindex = _refuse  # type: ignore[assignment]
    __iter__ = __contains__ = _refuse  # type: ignore[assignment]


def test_building_a_context_never_scans_the_whole_document() -> None:
    plain = "    value = compute(value)\n" * 200_000
    index = LineIndex(plain)
    document = _Unscannable(plain)
    ctx = build_completion_context(
        document, len(plain) // 2 + 10, index=index, language_id="python", path="p", budget_chars=2000
    )
    assert ctx.indent_unit == "    "
    assert len(ctx.prefix) + len(ctx.suffix) <= 2000


def _best_time(text: str, index: LineIndex, offset: int) -> float:
    best = float("inf")
    for _ in range(30):
        started = time.perf_counter()
        build_completion_context(text, offset, index=index, language_id="python", path="p", budget_chars=4000)
        best = min(best, time.perf_counter() - started)
    return best


def test_a_million_line_document_costs_about_the_same_as_a_hundred_line_one() -> None:
    line = "        total += price * quantity  # ünïcode\n"
    small, huge = line * 100, line * 1_000_000
    small_index, huge_index = LineIndex(small), LineIndex(huge)
    small_time = _best_time(small, small_index, len(small) // 2)
    huge_time = _best_time(huge, huge_index, len(huge) // 2)
    # Any pass over the 45 MB document would take tens of milliseconds.
    assert huge_time < max(10 * small_time, 0.002)


# --- neighbours -----------------------------------------------------------------------------------


def test_neighbours_get_at_most_their_share_of_the_budget() -> None:
    text = numbered_lines(2000)
    offset = len(text) // 2
    neighbours = tuple(Snippet(f"lib/m{n}.py", numbered_lines(300)) for n in range(3))
    ctx = build_completion_context(
        text,
        offset,
        index=LineIndex(text),
        language_id="python",
        path="p",
        budget_chars=5000,
        neighbours=neighbours,
    )
    neighbour_chars = sum(len(s.text) for s in ctx.neighbours)
    assert 0 < neighbour_chars <= 5000 * NEIGHBOUR_SHARE
    assert len(ctx.prefix) + len(ctx.suffix) + neighbour_chars <= 5000
    assert ctx.neighbours[0].path == "lib/m0.py"
    assert all(s.text.endswith("\n") for s in ctx.neighbours)  # cut at line boundaries


def test_small_neighbours_are_kept_whole_and_in_order() -> None:
    neighbours = (Snippet("a.py", "def a():\n    pass\n"), Snippet("b.py", "B = 'bé'\n"))
    ctx = make_context("import a█\n", neighbours=neighbours)
    assert ctx.neighbours == neighbours


def test_neighbours_stop_when_the_budget_is_spent() -> None:
    neighbours = (Snippet("big.py", "x = 1\n" * 1000), Snippet("small.py", "y = 2\n"))
    text = numbered_lines(2000)
    ctx = build_completion_context(
        text,
        len(text) // 2,
        index=LineIndex(text),
        language_id="python",
        path="p",
        budget_chars=3000,
        neighbours=neighbours,
    )
    assert [s.path for s in ctx.neighbours] == ["big.py"]


def test_blank_neighbours_are_skipped() -> None:
    ctx = make_context("x█\n", neighbours=(Snippet("empty.py", "\n\n"), Snippet("b.py", "B = 1\n")))
    assert [s.path for s in ctx.neighbours] == ["b.py"]


def test_no_neighbours_leaves_the_whole_budget_to_code() -> None:
    text = numbered_lines(1000)
    ctx = build_completion_context(
        text, len(text) // 2, index=LineIndex(text), language_id="python", path="p", budget_chars=1000
    )
    assert len(ctx.prefix) + len(ctx.suffix) >= 1000 - 2 * (1000 // WINDOW_STEPS + 13)
    assert ctx.neighbours == ()


# --- indentation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "language_id", "unit"),
    [
        ("def f():\n    if x:\n        return 1\n    return 2\n", "python", "    "),
        ("function f() {\n  if (x) {\n    return 1;\n  }\n}\n", "javascript", "  "),
        ("func f() {\n\tif x {\n\t\treturn\n\t}\n}\n", "go", "\t"),
        ('fn main() {\n    let s = "é";\n}\n', "rust", "    "),
        ("x = 1\ny = 2\n", "python", "    "),
        ('package main\n\nimport "fmt"\n', "go", "\t"),
        ("/**\n * Doc.\n */\nfunction f() {\n  return 1;\n}\n", "typescript", "  "),
        ("\tmixed\n    mostly spaces\n    more\n        deeper\n", "python", "    "),
        ("class A:\n   def f(self):\n      pass\n", "python", "   "),
        ("  a();\n  b();\n", "javascript", "  "),  # no step seen: the shallowest indentation
        ("        a()\n        b()\n", "python", "    "),  # too deep to be one level
    ],
)
def test_indent_unit_is_detected_from_the_window(window: str, language_id: str, unit: str) -> None:
    assert detect_indent_unit(window, language_id) == unit


def test_context_reports_the_windows_indent_unit() -> None:
    ctx = make_context("func main() {\n\tx := 1\n\t█\n}\n", "go")
    assert ctx.indent_unit == "\t"


# --- multi-line decision --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "language_id", "expected"),
    [
        ("def f():\n    █\n", "python", True),  # at indentation on an empty line
        ("def f():\n█\n", "python", True),  # column 0 of an empty line
        ("def f():█\n", "python", True),  # after a block opener
        ("class Größe:█\n", "python", True),
        ("x = d[1:█]\n", "python", False),  # a slice, not a block
        ("x = {'a':█}\n", "python", False),  # a dict key
        ("    sizes: █\n", "python", False),  # an annotation, not a block
        ("    'key':█\n", "python", False),  # a dict entry on its own line
        ("    async with lock:█\n", "python", True),
        ("    return fo█\n", "python", False),  # mid-line
        ("    █return x\n", "python", False),  # code after the cursor
        ("function f() {█\n", "javascript", True),
        ("function f() {█}\n", "javascript", True),  # only closers after
        ("foo(() => {█});\n", "typescript", True),
        ("const f = (a) =>█\n", "typescript", True),
        ("const xs = [█\n", "typescript", True),
        ("label:█\n", "typescript", False),  # ":" opens blocks only in Python
        ("const x = a█;\n", "typescript", False),
        ("func main() {█\n}\n", "go", True),
        ("\tfmt.Println(█)\n", "go", True),
        ("\tfmt.Println(x█)\n", "go", False),
        ("fn main() {\n    █\n}\n", "rust", True),
        ("    let v = vec![█];\n", "rust", True),
        ("    let v = x█.len();\n", "rust", False),
    ],
)
def test_auto_multiline_decision(source: str, language_id: str, expected: bool) -> None:
    assert make_context(source, language_id).multiline is expected


@pytest.mark.parametrize("source", ["def f():\n    █\n", "    return fo█\n"])
def test_multiline_can_be_forced(source: str) -> None:
    assert make_context(source, multiline="always").multiline is True
    assert make_context(source, multiline="never").multiline is False


def test_a_colon_inside_brackets_opened_above_is_no_block_opener() -> None:
    """``b: `` on the second line of a parameter list is an annotation: one line is asked for, not a block."""
    for text in ("def f(\n    a: int,\n    b: ", 'def f(\n    a="(",  # )\n    b: '):
        assert make_context(text + CURSOR).multiline is False, text
    for text in ("def f(\n    a: int,\n) -> None:", 'x = """(\n"""\nif x:'):
        ctx = make_context(text + CURSOR)
        assert ctx.multiline is True and ctx.in_brackets is False, text


def test_wants_multiline_treats_an_unknown_mode_as_auto() -> None:
    assert wants_multiline("    ", "", "python", "sometimes") is True
    assert wants_multiline("x = ", "", "python", "sometimes") is False
