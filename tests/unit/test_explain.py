"""Unit tests for arb_lsp.explain: the explanation prompt and the hover text."""

from __future__ import annotations

import dataclasses

import pytest

from arb_lsp.explain import explain_messages, format_cost, format_hover
from arb_lsp.syntax import ExplainTarget, find_explain_target


def target(code: str = "def f(a):\n    return a * 2", **changes: object) -> ExplainTarget:
    fields: dict[str, object] = {
        "kind": "function",
        "name": "f",
        "start_line": 9,
        "end_line": 10,
        "code": code,
        "code_hash": "h",
        "truncated": False,
    }
    fields.update(changes)
    return ExplainTarget(**fields)  # type: ignore[arg-type]


def test_messages_ask_for_a_short_markdown_explanation() -> None:
    messages = explain_messages(target(), "python", "src/app/util.py")
    assert [m["role"] for m in messages] == ["system", "user"]
    system, user = messages[0]["content"], messages[1]["content"]
    for needle in ("Markdown", "what the code does", "inputs and outputs", "pitfalls", "120 words"):
        assert needle in system
    assert "the function `f`" in user
    assert "`src/app/util.py`" in user
    assert "lines 10-11" in user  # 1-based for people
    assert "```python\ndef f(a):\n    return a * 2\n```" in user
    assert "cut to fit" not in user


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"kind": "class", "name": "Point"}, "the class `Point`"),
        ({"kind": "statement", "name": None, "start_line": 3, "end_line": 3}, "this top-level statement"),
        ({"kind": "lines", "name": None}, "this code"),
        ({"truncated": True}, "cut to fit"),
        ({"start_line": 4, "end_line": 4}, "line 5)"),
    ],
)
def test_messages_describe_the_target(changes: dict[str, object], needle: str) -> None:
    described = dataclasses.replace(target(), **changes)  # type: ignore[arg-type]
    assert needle in explain_messages(described, "python", "a.py")[1]["content"]


def test_messages_fence_survives_backticks_in_the_code() -> None:
    code = 'const md = "```js\\nx\\n```";'
    user = explain_messages(target(code), "typescriptreact", "a.tsx")[1]["content"]
    assert f"````tsx\n{code}\n````" in user
    assert "TypeScript (TSX)" in user


def test_messages_from_a_real_target() -> None:
    found = find_explain_target("fn main() {\n    run();\n}\n", "rust", 1, 5, 1000)
    assert found is not None
    user = explain_messages(found, "rust", "src/main.rs")[1]["content"]
    assert "```rust\nfn main() {\n    run();\n}\n```" in user


@pytest.mark.parametrize(
    ("cost", "expected"),
    [
        (0, "free"),
        (0.0, "free"),
        (1.2e-5, "$0.000012"),
        (1.23e-7, "$0.00000012"),
        (0.0123, "$0.012"),
        (0.5, "$0.50"),
        (3.456, "$3.46"),
        (None, None),
        (-1.0, None),
        (float("nan"), None),
        (float("inf"), None),
    ],
)
def test_format_cost(cost: float | None, expected: str | None) -> None:
    assert format_cost(cost) == expected


@pytest.mark.parametrize(
    ("answer", "body"),
    [
        pytest.param("Doubles `a`.", "Doubles `a`.", id="plain"),
        pytest.param("\n\n  Doubles `a`.  \n\n", "Doubles `a`.", id="trimmed"),
        pytest.param("```\nDoubles `a`.\n```", "Doubles `a`.", id="untagged-wrapping-fence"),
        pytest.param("```markdown\n**Doubles** `a`.\n```", "**Doubles** `a`.", id="markdown-fence"),
        pytest.param("~~~md\nDoubles.\n~~~", "Doubles.", id="tilde-md-fence"),
        pytest.param(
            "```markdown\nDoubles.\n\n```python\nf(2)\n```\n```",
            "Doubles.\n\n```python\nf(2)\n```",
            id="markdown-fence-holding-code",
        ),
        pytest.param("```python\nprint(1)\n```", "```python\nprint(1)\n```", id="code-fence-kept"),
        pytest.param("```\na\n```\ntext\n```\nb\n```", "```\na\n```\n\ntext\n\n```\nb\n```", id="two-blocks-kept"),
        pytest.param("<think>reasoning</think>\nDoubles.", "Doubles.", id="thinking-dropped"),
        pytest.param("Line one.\r\nLine two.", "Line one.\nLine two.", id="crlf"),
        pytest.param("   ", "_The model returned no explanation._", id="empty"),
    ],
)
def test_format_hover_body(answer: str, body: str) -> None:
    hover = format_hover(answer, model="qwen/qwen3-coder:free", cost_usd=None)
    assert hover == f"{body}\n\n---\n\n— qwen/qwen3-coder:free"


@pytest.mark.parametrize(
    ("model", "cost", "footer"),
    [
        ("qwen/qwen3-coder:free", 0.0, "— qwen/qwen3-coder:free · free"),
        ("mistralai/codestral-2508", 1.2e-5, "— mistralai/codestral-2508 · $0.000012"),
        ("~anthropic/claude-sonnet-latest", None, "— ~anthropic/claude-sonnet-latest"),
        ("some_vendor/model*x", 0.25, "— some\\_vendor/model\\*x · $0.25"),
    ],
)
def test_format_hover_footer(model: str, cost: float | None, footer: str) -> None:
    hover = format_hover("Doubles.", model=model, cost_usd=cost)
    assert hover.endswith(f"\n\n---\n\n{footer}")
    assert hover.startswith("Doubles.\n\n")
