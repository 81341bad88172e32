"""Prompt caching on the client side: the stable snippet order, the ``cache_control`` breakpoint, the session id,
and a plan's prompt staying byte-identical up to the cursor's line while the user types."""

from __future__ import annotations

from arb_lsp.context import LineIndex, Snippet
from arb_lsp.openrouter.caching import cache_policy, session_id, with_breakpoint
from arb_lsp.pipelines import plan_completion
from arb_lsp.prompts import HOLE
from arb_lsp.settings import Settings
from arb_lsp.stable_order import StableOrder
from arb_lsp.workspace_context import ContextSnippet, Source

A = Snippet("a.py", "# Path: a.py\ndef a():\n    return 1\n")
B = Snippet("b.py", "# Path: b.py\ndef b():\n    return 2\n")
C = Snippet("c.py", "# Path: c.py\ndef c():\n    return 3\n")


# --- the stable order -----------------------------------------------------------------------------


def test_snippets_sent_before_keep_their_place_and_new_ones_follow() -> None:
    order = StableOrder()
    assert order.arrange("doc", (A, B)) == (A, B)
    assert order.arrange("doc", (C, B, A)) == (A, B, C)  # re-ranked: the old order wins, C comes after


def test_a_snippet_no_longer_chosen_leaves_and_the_rest_keep_their_order() -> None:
    order = StableOrder()
    order.arrange("doc", (A, B, C))
    assert order.arrange("doc", (C, A)) == (A, C)


def test_a_changed_snippet_is_a_new_one() -> None:
    order = StableOrder()
    order.arrange("doc", (A, B))
    edited = Snippet("a.py", A.text + "# edited\n")
    assert order.arrange("doc", (edited, B)) == (B, edited)


def test_a_snippet_whose_lines_are_only_reordered_is_sent_as_before() -> None:
    # An imported file's outline puts the members the cursor's code uses first: same lines, new order.
    outline = Snippet("m.py", "# Path: m.py\nclass Order:\n    def __init__(self): ...\n    def subtotal(self): ...\n")
    by_use = Snippet("m.py", "# Path: m.py\nclass Order:\n    def subtotal(self): ...\n    def __init__(self): ...\n")
    order = StableOrder()
    order.arrange("doc", (outline, B))
    assert order.arrange("doc", (B, by_use)) == (outline, B)
    # Lines of the same text under another path, or one line more, are other snippets.
    elsewhere = Snippet("n.py", by_use.text)
    assert order.arrange("doc", (outline, elsewhere)) == (outline, elsewhere)
    grown = Snippet("m.py", by_use.text + "    def total(self): ...\n")
    assert order.arrange("doc", (grown,)) == (grown,)


def test_an_empty_request_keeps_the_order_and_documents_are_separate() -> None:
    order = StableOrder()
    order.arrange("doc", (A, B))
    assert order.arrange("doc", ()) == ()
    assert order.arrange("other", (B, A)) == (B, A)
    assert order.arrange("doc", (B, A)) == (A, B)


def test_old_documents_are_forgotten_past_the_limit() -> None:
    order = StableOrder(max_documents=2)
    order.arrange("one", (A, B))
    order.arrange("two", (A,))
    order.arrange("three", (A,))
    assert order.arrange("one", (B, A)) == (B, A)


# --- the breakpoint -------------------------------------------------------------------------------

LONG = "x = 1\n" * 1000  # about 1,700 tokens by the 3.5-characters estimate


def messages(user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Complete code."}, {"role": "user", "content": user}]


def test_an_anthropic_model_gets_a_breakpoint_after_the_stable_part() -> None:
    sent = with_breakpoint(messages(LONG + "tail"), len(LONG), "anthropic/claude-sonnet-4.5")
    assert sent[0] == messages("")[0]
    assert sent[1]["content"] == [
        {"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "tail"},
    ]


def test_no_breakpoint_below_the_family_minimum() -> None:
    # Sonnet caches from 1,024 tokens; Opus 4.5 and Haiku 4.5 only from 4,096.
    assert isinstance(with_breakpoint(messages(LONG + "t"), len(LONG), "anthropic/claude-opus-4.5")[1]["content"], str)
    short = "x = 1\n" * 100
    assert isinstance(
        with_breakpoint(messages(short + "t"), len(short), "anthropic/claude-sonnet-4.5")[1]["content"], str
    )


def test_automatic_and_uncached_families_get_no_breakpoint() -> None:
    for model in ("openai/gpt-5", "deepseek/deepseek-chat-v3.1", "mistralai/codestral-2508"):
        assert with_breakpoint(messages(LONG + "t"), len(LONG), model) == messages(LONG + "t")


def test_the_caller_s_messages_are_not_changed() -> None:
    original = messages(LONG + "t")
    assert isinstance(with_breakpoint(original, len(LONG), "qwen/qwen3-max")[1]["content"], list)  # Alibaba
    assert original == messages(LONG + "t")


def test_a_free_model_gets_no_breakpoint() -> None:
    assert with_breakpoint(messages(LONG + "t"), len(LONG), "qwen/qwen3-coder:free") == messages(LONG + "t")


def test_families() -> None:
    assert cache_policy("~anthropic/claude-sonnet-latest") is not None
    assert cache_policy("anthropic/claude-haiku-4.5").min_tokens == 4096  # type: ignore[union-attr]
    assert cache_policy("google/gemini-2.5-pro").min_tokens == 4096  # type: ignore[union-attr]
    assert cache_policy("google/gemini-2.5-flash").min_tokens == 1024  # type: ignore[union-attr]
    assert cache_policy("mistralai/codestral-2508") is None
    assert cache_policy("meta-llama/llama-3.3-70b-instruct:free") is None


def test_session_id_is_stable_per_workspace_and_task_and_hides_the_folders() -> None:
    one = session_id(("/home/me/secret-project",), "completion")
    assert one == session_id(("/home/me/secret-project",), "completion")
    assert one != session_id(("/home/me/other",), "completion")
    assert one != session_id(("/home/me/secret-project",), "explain")
    assert "secret" not in one and len(one) <= 128


# --- a plan while typing --------------------------------------------------------------------------

FILE = "".join(f"def helper_{i}(values):\n    return sum(values) * {i}\n\n" for i in range(500))


def plan(text: str, order: StableOrder, snippets: list[ContextSnippet]) -> tuple[str, str]:
    offset = text.index("|")
    text = text.replace("|", "")
    made = plan_completion(
        Settings(),
        text,
        offset,
        index=LineIndex(text),
        language_id="python",
        path="app.py",
        context_snippets=snippets,
        order=order,
        workspace=("/ws",),
    )
    assert made.params["session_id"] == session_id(("/ws",), "completion")
    return made.messages[0]["content"], made.messages[1]["content"]


def snippet(path: str, score: float) -> ContextSnippet:
    body = "".join(f"def {path[:-3]}_{i}(x):\n    return x + {i}\n" for i in range(6))
    return ContextSnippet(path, body, "python", Source.SIMILAR, score)


def test_requests_typed_one_character_apart_share_the_prompt_up_to_the_cursor_line() -> None:
    order = StableOrder()
    source = FILE + "def total(items):\n    result = sum(it|)\n"
    system, first = plan(source, order, [snippet("a.py", 0.9), snippet("b.py", 0.5)])
    # The next keystroke re-ranks the context (b.py now scores higher): the order sent before is kept.
    again, second = plan(source.replace("|", "e|"), order, [snippet("b.py", 0.9), snippet("a.py", 0.5)])
    assert system == again
    line = first.index("    result = sum(it")
    assert first[:line] == second[:line]
    assert second.startswith(first[: first.index(HOLE)])
    assert first.index("a.py") < first.index("b.py")


def test_a_block_request_after_a_new_line_shares_the_system_message_and_the_context() -> None:
    order = StableOrder()
    source = FILE + "def total(items):\n    result = sum(it|)\n"
    system, first = plan(source, order, [snippet("a.py", 0.9)])
    block = source.replace("result = sum(it|)\n", "result = sum(items)\n    |\n")
    again, second = plan(block, order, [snippet("a.py", 0.9)])
    assert system == again
    shared = first[: first.index("    result = sum(it")]
    assert second.startswith(shared)


def test_an_outline_reordered_by_use_leaves_the_prompt_unchanged() -> None:
    def outline(*members: str) -> ContextSnippet:
        text = "class Order:\n" + "".join(f"    def {name}(self) -> float:\n        ...\n" for name in members)
        return ContextSnippet("shop/pricing.py", text, "python", Source.IMPORT, 2.0)

    order = StableOrder()
    source = FILE + "def total(orders):\n    for order in orders:\n        amount = order.sub|\n"
    _, first = plan(source, order, [outline("__init__", "subtotal"), snippet("a.py", 0.5)])
    # `subtotal` typed: the outline now shows it first; the prompt up to the cursor's line stays the same.
    _, second = plan(source.replace("|", "total()|"), order, [outline("subtotal", "__init__"), snippet("a.py", 0.5)])
    line = first.index("        amount = order.sub")
    assert first[:line] == second[:line]
