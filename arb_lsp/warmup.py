"""What the first completion would otherwise pay, paid at ``initialized``: modules imported on a worker thread,
and cattrs's converters for the typing path's messages generated ahead of the first keystroke.

Order matters when the user types at once (Neovim starts the server as a file opens): what the first
completion needs comes first (settings and services, then the pipelines, the open documents' grammars and the
HTTP client and the model catalogue), what it does not (other languages' grammars) never before it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from lsprotocol import types


def preload_services() -> None:
    """Import what settings and services need (pydantic, httpx, the answer types, the ledger's sqlite) but
    ``initialize`` does not: run on a worker thread at ``initialized``, off the event loop."""
    import arb_lsp.runtime
    import arb_lsp.settings  # noqa: F401

    # What httpx imports only when it builds its transport and sends its first request, which the event
    # loop would pay: the connection pool, its asyncio backend and the HTTP/1.1 parser.
    for name in ("httpcore", "httpcore._backends.anyio", "anyio._backends._asyncio", "h11"):
        importlib.import_module(name)


def preload_pipelines() -> None:
    """Import the pipelines (tree-sitter, post-processing, prompts) on a worker thread, before a request needs them."""
    import arb_lsp.acceptance
    import arb_lsp.pipelines
    import arb_lsp.workspace_context  # noqa: F401


def prepare_parsers(language_ids: Iterable[str]) -> None:
    """Load the grammars of the open documents' languages (a parser's first use costs milliseconds)."""
    from arb_lsp.syntax import parse

    for language_id in dict.fromkeys(language_ids):
        parse("\n", language_id, cache=False)


def prepare_completion(open_languages: Callable[[], list[str]]) -> None:
    """On a worker thread: the pipelines, then the grammars of the documents open by then (the first opened
    first; other languages' grammars load at their first use)."""
    preload_pipelines()
    prepare_parsers(open_languages())


def _sample_messages() -> list[tuple[str, dict[str, Any], Any]]:
    """(method, a message as a client sends it, the server's answer) for each message on the typing path."""
    document = {"uri": "file:///warm-up.py"}
    position = {"line": 0, "character": 0}
    span = {"start": position, "end": position}
    spot = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    return [
        (
            types.TEXT_DOCUMENT_DID_CHANGE,
            {"textDocument": {**document, "version": 2}, "contentChanges": [{"range": span, "text": "x"}]},
            None,
        ),
        (
            types.TEXT_DOCUMENT_COMPLETION,
            {"textDocument": document, "position": position, "context": {"triggerKind": 1}},
            types.CompletionList(
                is_incomplete=True,
                items=[
                    types.CompletionItem(  # every field a completion item sets (cattrs specialises per shape)
                        label="x",
                        kind=types.CompletionItemKind.Snippet,
                        detail="x",
                        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value="x"),
                        filter_text="x",
                        sort_text="0",
                        preselect=True,
                        insert_text_format=types.InsertTextFormat.PlainText,
                        insert_text_mode=types.InsertTextMode.AsIs,
                        text_edit=types.TextEdit(range=spot, new_text="x"),
                    )
                ],
            ),
        ),
        (
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            {"textDocument": document, "position": position, "context": {"triggerKind": 2}},
            types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text="x", range=spot)]),
        ),
    ]


def warm_converter(converter: Any) -> None:
    """Have cattrs generate (and compile) its converters for the typing path's messages now: it does so on
    a type's first use, a few milliseconds the first keystroke would otherwise pay."""
    samples = _sample_messages()
    for method, params, result in samples:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if result is not None:
            message["id"] = 0
        converter.structure(message, types.METHOD_TO_TYPES[method][0])
    # Answers last, and more than once: making a hook empties cattrs's dispatch caches, which the
    # next calls fill (measured: the first unstructure ~10 ms, the second ~0.2 ms, then ~0.01 ms).
    for _ in range(3):
        for method, _, result in samples:
            response_type = types.METHOD_TO_TYPES[method][1]
            if result is not None and response_type is not None:
                converter.unstructure(response_type(id=0, result=result))
