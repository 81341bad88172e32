"""The syntax check parses its window once per suggestion and each candidate incrementally from that tree:
the incremental answer must be the one a parse from scratch gives, whatever the edit and the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from arb_lsp.context import LineIndex, build_completion_context
from arb_lsp.postprocess.syntax_check import Around, damage
from arb_lsp.syntax import parse, reparse

DOCUMENTS = {
    "python": "import os\n\n\ndef total(items):\n    result = compute(items, [1, 2])\n    return {'a': result}\n\n\n"
    "class Cart:\n    def size(self):\n        return len(self.items)  # naïve (count\n",
    "javascript": "const a = [1, 2];\n\nfunction total(items) {\n  let sum = 0;\n  for (const x of items) {\n"
    "    sum += f(x, 'é(');\n  }\n  return sum;\n}\n",
    "go": "package main\n\nfunc total(items []int) int {\n\tsum := 0\n\tfor _, x := range items {\n\t\tsum += x\n\t}\n"
    "\treturn sum\n}\n",
    "rust": "fn total<'a>(items: &'a [i32]) -> i32 {\n    let c = '{';\n    items.iter().sum()\n}\n",
}
PIECES = ["(", ")", "[", "]", "{", "}", '"', "'", "\n", "    ", "x", " + ", "return ", "f(", ";", ",", ":", "ü", "€"]


@given(
    language=st.sampled_from(sorted(DOCUMENTS)),
    where=st.floats(min_value=0, max_value=1),
    inserted=st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    replace=st.integers(min_value=0, max_value=4),
)
@settings(max_examples=400, deadline=None)
def test_incremental_check_equals_a_check_from_scratch(
    language: str, where: float, inserted: str, replace: int
) -> None:
    text = DOCUMENTS[language]
    offset = int(where * len(text))
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id=language, path="x", budget_chars=8000
    )
    around = Around(ctx)
    replace = min(replace, len(around.after))
    assert around.baseline == damage(around.before + around.after, language)
    edited = around.before + inserted + around.after[replace:]
    assert around.damage(inserted, replace) == damage(edited, language)


def test_reparse_reuses_the_old_tree_without_changing_it() -> None:
    old = parse("def f(x):\n    return x\n", "python", cache=False)
    assert old is not None and not old.tree.root_node.has_error
    broken = reparse(old, "def f(x):\n    return (x\n", 21, 21, 22)
    assert broken.tree.root_node.has_error
    assert not old.tree.root_node.has_error and old.text == "def f(x):\n    return x\n"
