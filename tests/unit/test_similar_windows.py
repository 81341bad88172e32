"""Context provider 3: the windows of open documents most similar to the code around the cursor."""

from __future__ import annotations

from arb_lsp.workspace_context.deadline import Deadline, unlimited
from arb_lsp.workspace_context.files import OpenDocument
from arb_lsp.workspace_context.similar import jaccard, query_text, similar_snippets, tokens


def filler(n: int, word: str) -> str:
    return "".join(f"{word}_{i} = make_{word}({i})\n" for i in range(n))


def test_tokens_drop_keywords_and_one_letter_names() -> None:
    assert tokens("def total(self, x): return self.items + x") == {"total", "items"}


def test_jaccard() -> None:
    assert jaccard({"a", "b"}, {"b", "c"}) == 1 / 3
    assert jaccard(set(), {"a"}) == 0.0


def test_the_most_similar_window_is_chosen_not_the_head() -> None:
    text = (
        filler(60, "banner")
        + "def refund_payment(payment, amount):\n    ledger.refund(payment, amount)\n"
        + filler(60, "colour")
    )
    document = OpenDocument("/ws/pay.py", "python", text, 1)
    [snippet] = similar_snippets(
        "ledger.refund(payment, ", [document], "python", unlimited(), label={"/ws/pay.py": "pay.py"}
    )
    assert snippet.path == "pay.py"
    assert "def refund_payment(payment, amount):" in snippet.text
    assert "banner_0 " not in snippet.text and len(snippet.text.split("\n")) <= 20


def test_dissimilar_documents_and_other_languages_give_nothing() -> None:
    documents = [
        OpenDocument("/ws/ui.py", "python", filler(30, "colour"), 1),
        OpenDocument("/ws/pay.ts", "typescript", "refund(payment, amount)\n", 1),
    ]
    assert similar_snippets("refund(payment, amount)", documents, "python", unlimited()) == []


def test_typescript_and_javascript_are_one_family() -> None:
    documents = [OpenDocument("/ws/pay.js", "javascript", "function refund(payment, amount) {}\n", 1)]
    assert len(similar_snippets("refund(payment, amount)", documents, "typescript", unlimited())) == 1


def test_one_window_per_document_best_documents_first_and_a_limit() -> None:
    query = "invoice customer amount currency"
    documents = [
        OpenDocument(
            f"/ws/d{n}.py", "python", " ".join(["invoice", "customer", "amount", "currency"][: n + 1]) + "\n", 1
        )
        for n in range(4)
    ]
    snippets = similar_snippets(query, documents, "python", unlimited(), limit=2)
    assert [s.path for s in snippets] == ["/ws/d3.py", "/ws/d2.py"]


def test_query_text_takes_the_lines_around_the_cursor() -> None:
    text = "".join(f"line{i}\n" for i in range(100))
    offset = text.index("line50")
    query = query_text(text, offset)
    assert "line31" in query and "line54" in query
    assert "line29" not in query and "line56" not in query


def test_an_expired_budget_stops_the_provider() -> None:
    documents = [OpenDocument("/ws/pay.py", "python", "refund(payment, amount)\n", 1)]
    assert similar_snippets("refund(payment, amount)", documents, "python", Deadline(0)) == []
