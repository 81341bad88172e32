"""The golden cases (tests/completion_golden.py) through the pure pipeline: answer in, document out."""

from __future__ import annotations

import pytest
from completion_golden import CASES, CURSOR, Golden

from arb_lsp.context import LineIndex, build_completion_context
from arb_lsp.postprocess import suggest_edit


def accept(case: Golden) -> str | None:
    """The document after accepting the suggestion for `case.answer`, or None without one."""
    offset = case.document.index(CURSOR)
    text = case.document.replace(CURSOR, "")
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id=case.language, path="src/x", budget_chars=8000
    )
    edit = suggest_edit(case.answer, ctx)
    if edit is None:
        return None
    return (text[:offset] + edit.text + text[offset + edit.replace :]).replace("\r\n", "\n")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_golden_case(case: Golden) -> None:
    assert accept(case) == case.expected
