"""The naive design the benchmarks compare arb-lsp against: a small pygls server answering
``textDocument/completion`` and ``textDocument/inlineCompletion`` the way the seed guide's
``complete_code`` does.

Per request it takes the whole document (text before and after the cursor), asks the model once with
a plain (non-streamed) ``POST /chat/completions`` on one long-lived ``httpx.AsyncClient``, and answers
with the stripped reply. There is no debounce, no supersession of stale requests, no cache and no
type-ahead; cancellation is whatever pygls does by default (it cancels the handler's task, which
abandons the HTTP call). Run it like arb-lsp: ``python -m benchmarks.naive_baseline`` on stdio, with
``OPENROUTER_BASE_URL`` and ``OPENROUTER_API_KEY`` in the environment.
"""

from __future__ import annotations

import os

import httpx
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

MODEL = "openai/gpt-4-turbo"
STOP = ["\n\n", "```", "def ", "class ", "async def "]


def build_prompt(source: str, offset: int, language: str) -> str:
    """The whole file with a cursor marker, as the seed guide sends it."""
    return (
        f"Complete the following {language} code at <CURSOR>.\n\n"
        f"```{language}\n{source[:offset]}<CURSOR>{source[offset:]}\n```\n\n"
        "Reply with the code to insert at <CURSOR> only, without any explanation."
    )


def prompt_for(document: TextDocument, position: types.Position) -> str:
    """What one request costs before it goes out: position conversion (pygls) and the prompt."""
    return build_prompt(document.source, document.offset_at_position(position), document.language_id or "text")


class NaiveServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("naive-baseline", "0")
        self.http = httpx.AsyncClient(
            base_url=os.environ.get("OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1"),
            headers={"Authorization": f"Bearer {os.environ.get('OPENROUTER_API_KEY', '')}"},
            timeout=60.0,
        )

    async def complete_code(self, uri: str, position: types.Position) -> str:
        prompt = prompt_for(self.workspace.get_text_document(uri), position)
        response = await self.http.post(
            "/chat/completions",
            json={
                "model": MODEL,
                "messages": [{"role": "user", "content": prompt}],
                "temperature": 0.2,
                "max_tokens": 100,
                "stop": STOP,
            },
        )
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        return str(content or "").strip()


def create_server() -> NaiveServer:
    server = NaiveServer()

    @server.feature(types.TEXT_DOCUMENT_COMPLETION)
    async def completion(ls: NaiveServer, params: types.CompletionParams) -> types.CompletionList:
        text = await ls.complete_code(params.text_document.uri, params.position)
        items = [types.CompletionItem(label=text, insert_text=text)] if text else []
        return types.CompletionList(is_incomplete=True, items=items)

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(ls: NaiveServer, params: types.InlineCompletionParams) -> types.InlineCompletionList:
        text = await ls.complete_code(params.text_document.uri, params.position)
        return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=text)] if text else [])

    return server


if __name__ == "__main__":
    create_server().start_io()
