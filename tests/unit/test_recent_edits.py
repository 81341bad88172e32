"""Context provider 2: where other documents were edited, kept in step with later edits, ranked by similarity."""

from __future__ import annotations

from arb_lsp.workspace_context.deadline import Deadline, unlimited
from arb_lsp.workspace_context.recent_edits import EditHistory, recent_edit_snippets
from arb_lsp.workspace_context.snippets import Source


def numbered(n: int, word: str = "line") -> str:
    return "".join(f"{word}_{i} = {i}\n" for i in range(n))


def test_an_edit_is_remembered_by_its_lines() -> None:
    history = EditHistory()
    history.record("/ws/a.py", 10, 10, "def fresh():\n    return 1\n")
    [edited] = history.ranges()
    assert (edited.path, edited.start, edited.end) == ("/ws/a.py", 10, 12)


def test_later_edits_above_move_a_range_down_and_up() -> None:
    history = EditHistory()
    history.record("/ws/a.py", 50, 50, "x")
    history.record("/ws/a.py", 2, 2, "one\ntwo\nthree\n")  # 3 lines inserted above
    assert [(r.start, r.end) for r in history.ranges() if r.start > 10] == [(53, 53)]
    history.record("/ws/a.py", 3, 6, "")  # 3 lines deleted above
    assert [(r.start, r.end) for r in history.ranges() if r.start > 10] == [(50, 50)]


def test_typing_next_to_an_edit_grows_it_instead_of_adding_one() -> None:
    history = EditHistory()
    for column_line in (20, 20, 21, 22):
        history.record("/ws/a.py", column_line, column_line, "x\n" if column_line > 20 else "x")
    ranges = history.ranges()
    assert len(ranges) == 1 and ranges[0].start == 20 and ranges[0].end >= 22


def test_history_is_bounded_and_forgets_oldest_first() -> None:
    history = EditHistory(max_edits=3)
    for n in range(5):
        history.record(f"/ws/f{n}.py", 0, 0, "x")
    assert [r.path for r in history.ranges()] == ["/ws/f4.py", "/ws/f3.py", "/ws/f2.py"]


def test_snippets_rank_by_similarity_to_the_cursor_then_recency() -> None:
    texts = {
        "/ws/pay.py": numbered(40) + "def refund_payment(payment, amount):\n    return payment.refund(amount)\n",
        "/ws/ui.py": numbered(10, "colour") + "def paint_button(colour):\n    pass\n",
    }
    history = EditHistory()
    history.record("/ws/pay.py", 40, 40, "def refund_payment(payment, amount):\n    return payment.refund(amount)\n")
    history.record("/ws/ui.py", 10, 10, "def paint_button(colour):\n    pass\n")  # newer, less similar
    snippets = recent_edit_snippets(
        history.ranges(),
        texts.get,
        "payment = load_payment()\nrefund_payment(payment, ",
        "/ws/current.py",
        unlimited(),
        label=lambda p: p.rsplit("/", 1)[1],
        language_of=lambda p: "python",
    )
    assert [s.path for s in snippets] == ["pay.py", "ui.py"]
    assert snippets[0].source is Source.RECENT_EDIT
    assert "def refund_payment(payment, amount):" in snippets[0].text
    assert "line_34" in snippets[0].text and "line_33" not in snippets[0].text  # a few lines of context only


def test_the_current_document_and_unreadable_files_are_left_out() -> None:
    history = EditHistory()
    history.record("/ws/current.py", 0, 0, "x = 1\n")
    history.record("/ws/.env", 0, 0, "TOKEN=1\n")
    texts = {"/ws/current.py": "x = 1\n"}  # the reader refuses .env (privacy is its job)
    snippets = recent_edit_snippets(
        history.ranges(), texts.get, "x", "/ws/current.py", unlimited(), label=str, language_of=lambda p: "python"
    )
    assert snippets == []


def test_an_expired_budget_stops_the_provider() -> None:
    history = EditHistory()
    history.record("/ws/a.py", 0, 0, "def a(): pass\n")
    expired = Deadline(0)
    snippets = recent_edit_snippets(
        history.ranges(), {"/ws/a.py": "def a(): pass\n"}.get, "a()", "/ws/b.py", expired, label=str, language_of=str
    )
    assert snippets == []


def test_edits_in_another_language_family_are_left_out() -> None:
    history = EditHistory()
    history.record("/ws/README.md", 0, 0, "refund payment amount\n")
    history.record("/ws/pay.js", 0, 0, "function refund(payment, amount) {}\n")
    texts = {"/ws/README.md": "refund payment amount\n", "/ws/pay.js": "function refund(payment, amount) {}\n"}
    languages = {"/ws/README.md": "markdown", "/ws/pay.js": "javascript"}
    snippets = recent_edit_snippets(
        history.ranges(),
        texts.get,
        "refund(payment, amount)",
        "/ws/app.ts",
        unlimited(),
        label=str,
        language_of=languages.__getitem__,
        language_id="typescript",
    )
    assert [s.path for s in snippets] == ["/ws/pay.js"]
