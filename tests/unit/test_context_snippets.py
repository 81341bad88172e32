"""Merging the providers' snippets: labels, priority, budget shares, duplicates."""

from __future__ import annotations

import pytest

from arb_lsp.workspace_context.snippets import ContextSnippet, Source, label, merge_snippets


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("python", "# Path: a/b.py"),
        ("typescript", "// Path: a/b.py"),
        ("go", "// Path: a/b.py"),
        ("sql", "-- Path: a/b.py"),
        ("html", "<!-- Path: a/b.py -->"),
        ("css", "/* Path: a/b.py */"),
    ],
)
def test_labels_are_comments_in_the_snippets_language(language: str, expected: str) -> None:
    assert label("a/b.py", language) == expected


def snippet(path: str, text: str, source: Source, score: float = 0.0, language: str = "python") -> ContextSnippet:
    return ContextSnippet(path, text, language, source, score)


def test_each_snippet_starts_with_its_label() -> None:
    merged = merge_snippets([snippet("shop/models.py", "class Order:\n    id: int\n", Source.IMPORT)], 2000)
    assert merged[0].text == "# Path: shop/models.py\nclass Order:\n    id: int\n"
    assert merged[0].path == "shop/models.py"


def test_priority_imports_then_recent_edits_then_similar_and_by_score_within() -> None:
    merged = merge_snippets(
        [
            snippet("similar.py", "def similar_code(): pass\n", Source.SIMILAR, 0.9),
            snippet("edit_low.py", "def low_score_edit(): pass\n", Source.RECENT_EDIT, 0.1),
            snippet("edit_high.py", "def high_score_edit(): pass\n", Source.RECENT_EDIT, 0.5),
            snippet("models.py", "class Order: ...\n", Source.IMPORT, 0.0),
        ],
        4000,
    )
    assert [s.path for s in merged] == ["models.py", "edit_high.py", "edit_low.py", "similar.py"]


def test_a_source_takes_at_most_its_share_and_leaves_the_rest_to_the_next() -> None:
    big_import = "".join(f"def imported_function_{n}(argument): ...\n" for n in range(200))
    edit = "def edited_recently(value):\n    return value\n"
    merged = merge_snippets(
        [snippet("big.py", big_import, Source.IMPORT), snippet("e.py", edit, Source.RECENT_EDIT)], 2000
    )
    assert [s.path for s in merged] == ["big.py", "e.py"]
    assert len(merged[0].text) <= 2000 * 0.55
    assert merged[0].text.endswith("\n")  # cut at a line boundary
    assert sum(len(s.text) for s in merged) <= 2000


def test_unused_share_goes_to_the_next_source() -> None:
    similar = "".join(f"similar_line_{n} = compute({n})\n" for n in range(100))
    merged = merge_snippets([snippet("s.py", similar, Source.SIMILAR)], 2000)
    assert len(merged[0].text) > 2000 * 0.2  # more than its own share: imports and edits left theirs


def test_code_already_around_the_cursor_is_not_sent_again() -> None:
    shown = "def checkout(basket):\n    total = basket.total()\n    return total\n"
    merged = merge_snippets(
        [
            snippet("copy.py", "def checkout(basket):\n    total = basket.total()\n    return total\n", Source.SIMILAR),
            snippet("other.py", "def refund(order):\n    return order.amount\n", Source.SIMILAR),
        ],
        2000,
        shown,
    )
    assert [s.path for s in merged] == ["other.py"]


def test_duplicates_across_providers_are_sent_once() -> None:
    text = "class Order:\n    def total(self) -> int: ...\n    def add(self, item) -> None: ...\n"
    merged = merge_snippets(
        [snippet("models.py", text, Source.IMPORT), snippet("models.py", text, Source.RECENT_EDIT, 0.9)], 2000
    )
    assert len(merged) == 1 and merged[0].text.startswith("# Path: models.py")


def test_nothing_fits_in_no_budget() -> None:
    assert merge_snippets([snippet("m.py", "class Order: ...\n", Source.IMPORT)], 0) == ()
