"""The "never make the code worse" check: syntax errors, bracket balance, the window it looks at."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arb_lsp.context import LineIndex, build_completion_context
from arb_lsp.postprocess import suggest_edit
from arb_lsp.postprocess.syntax_check import missing_closers, scan, syntax_errors, window

DOCUMENTS = {
    "python": "import os\n\n\ndef total(items):\n    result = compute(items, [1, 2])\n    return {'a': result}\n\n\n"
    "class Cart:\n    def size(self):\n        return len(self.items)  # (count\n",
    "javascript": "const a = [1, 2];\n\nfunction total(items) {\n  let sum = 0;\n  for (const x of items) {\n"
    "    sum += f(x, '(');\n  }\n  return sum;\n}\n",
    "go": "package main\n\nfunc total(items []int) int {\n\tsum := 0\n\tfor _, x := range items {\n\t\tsum += x\n\t}\n"
    "\treturn sum\n}\n",
    "rust": "fn total<'a>(items: &'a [i32]) -> i32 {\n    let c = '{';\n    items.iter().sum()\n}\n",
    "c": '#include <stdio.h>\n\nint main(void) {\n    printf("%d\\n", max(1, 2)); /* ( */\n    return 0;\n}\n',
    "ruby": "def total(items)\n  items.map { |x| x * 2 }.sum\nend\n\nputs(total([1, 2]))\n",
    "lua": "local function total(items)\n  local sum = 0\n  for _, x in ipairs(items) do\n    sum = sum + f(x)\n"
    "  end\n  return sum\nend\n",
}
PIECES = ["(", ")", "[", "]", "{", "}", '"', "'", "\n", "    ", "\t", "x", " + ", "return ", "f(", ";", ",", ":", "end"]


@given(
    language=st.sampled_from(sorted(DOCUMENTS)),
    where=st.floats(min_value=0, max_value=1),
    raw=st.lists(st.sampled_from(PIECES), min_size=1, max_size=14).map("".join),
)
@settings(max_examples=500, deadline=None)
def test_a_suggestion_never_unbalances_a_balanced_document(language: str, where: float, raw: str) -> None:
    text = DOCUMENTS[language]
    assert scan(text, language).score == 0
    offset = int(where * len(text))
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id=language, path="x", budget_chars=8000
    )
    edit = suggest_edit(raw, ctx)
    if edit is None:
        return
    after = text[:offset] + edit.text + text[offset + edit.replace :]
    assert scan(after, language).score == 0, (text[:offset], edit)
    errors_before = syntax_errors(text, language)
    if errors_before is not None:
        assert syntax_errors(after, language) == errors_before == 0, (text[:offset], edit)


@pytest.mark.parametrize(
    ("language", "text", "score"),
    [
        ("python", "f(a, [b])", 0),
        ("python", "f(a, [b)", 3),  # "(" and "[" never closed, ")" closes nothing open
        ("python", "x = '('  # ) [", 0),
        ("python", 's = """\n(\n"""', 0),
        ("javascript", "const s = `(${a})`; // {", 0),
        ("rust", "fn f<'a>(x: &'a str) -> char { '{' }", 0),
        ("c", "/* ( */ g(1);", 0),
        ("python", "s = 'open", 1),
    ],
)
def test_the_scan_skips_strings_and_comments(language: str, text: str, score: int) -> None:
    assert scan(text, language).score == score


def test_syntax_errors_are_counted_for_parsed_languages_only() -> None:
    assert syntax_errors("def f():\n    return 1\n", "python") == 0
    assert syntax_errors("function f() {\n  for (;;) {\n}\n", "javascript") == 1
    assert syntax_errors("anything (", "lua") is None


def test_missing_closers_go_under_the_line_that_opened_them() -> None:
    assert missing_closers("  ", "for (x of xs) {\n    f(x", "javascript") == ")\n  }"
    assert missing_closers("call(", "a, [b", "python") == "]"  # the "(" before the cursor is closed after it


def test_the_window_is_the_top_level_statement_around_the_cursor() -> None:
    text = "import os\n\ndef a():\n    return 1\n\ndef b():\n    x = 1\n    \n    return x\n\ndef c():\n    pass\n"
    offset = text.index("    \n") + 4
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id="python", path="x", budget_chars=8000
    )
    before, after = window(ctx)
    assert before == "def b():\n    x = 1\n    "
    assert after == "\n    return x\n\n"


@pytest.mark.parametrize("shift", range(0, 400, 37))
def test_a_window_cut_inside_a_long_class_starts_at_a_member_not_inside_a_docstring(shift: int) -> None:
    """Found by ``arb-lsp eval`` on this repository: deep in a long class, the window's first (cut) line was
    taken for a top-level one; cut inside a docstring, the whole window parsed as broken and a right answer
    (``_normal(directory)``) was refused.  Wherever the cut falls, the window starts at a member."""
    method = '    def m{0}(self, path: str) -> bool:\n        """Prose about it.\n\n        {1}\n        """\n        return bool(path)\n\n'
    members = "".join(method.format(i, "More prose. " * (3 + i % 4)) for i in range(12))
    text = "import os\n\n\nclass Files:\n" + "    " + "#" * shift + "\n" + members
    text += '    def list_dir(self, directory: str) -> list[str]:\n        """Files in it."""\n        directory = \n'
    text += "        return sorted(os.listdir(directory))\n"
    offset = text.index("directory = \n") + len("directory = ")
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id="python", path="x", budget_chars=8000
    )
    before, _ = window(ctx)
    assert before.startswith("    def "), before[:60]
    edit = suggest_edit("_normal(directory)", ctx)
    assert edit is not None and edit.text == "_normal(directory)"
