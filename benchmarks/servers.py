"""The two servers under test, started as subprocesses on stdio and pointed at the fake OpenRouter."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter
from lsprotocol import types

from benchmarks import ROOT
from benchmarks.lsp_client import LspProcess


@dataclass(frozen=True, slots=True)
class ServerKind:
    """How to start one of the compared servers: ``python -m MODULE`` from the project root."""

    name: str
    module: str
    #: Interpreter options before ``-m`` (the profiler uses ``-m cProfile -o FILE``).
    python_args: tuple[str, ...] = ()

    def argv(self) -> list[str]:
        return [sys.executable, *self.python_args, "-m", self.module]

    @property
    def is_arb(self) -> bool:
        return self.module == "arb_lsp"


ARB = ServerKind("arb-lsp", "arb_lsp")
NAIVE = ServerKind("naive", "benchmarks.naive_baseline")
KINDS = (ARB, NAIVE)
#: pygls alone, nothing registered: the floor for cold start.
BARE = ServerKind("bare pygls", "benchmarks.bare_pygls")

#: arb-lsp settings for "debounce off" (the naive server has no settings).
NO_DEBOUNCE: dict[str, Any] = {"completion": {"debounceMs": 0}}


def server_env(fake: FakeOpenRouter, data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENROUTER_", "ARB_LSP_"))}
    env.update(
        OPENROUTER_BASE_URL=fake.base_url,
        OPENROUTER_API_KEY=DEFAULT_API_KEY,
        ARB_LSP_DATA_DIR=data_dir,  # a fresh usage ledger per run, never the user's
    )
    # Let the first launch write bytecode caches, as an installed package has them.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def process(kind: ServerKind, fake: FakeOpenRouter, data_dir: str) -> LspProcess:
    return LspProcess(kind.argv(), server_env(fake, data_dir), name=kind.name, cwd=str(ROOT))


@asynccontextmanager
async def session(
    kind: ServerKind, fake: FakeOpenRouter, init_options: Mapping[str, Any] | None = None
) -> AsyncIterator[LspProcess]:
    """A launched and initialized server; shut down (or killed) on the way out."""
    with tempfile.TemporaryDirectory(prefix="arb-bench-") as data_dir:
        server = process(kind, fake, data_dir)
        await server.launch()
        try:
            await server.initialize(init_options if kind.is_arb else None)
            yield server
        finally:
            await server.shutdown()


class Document:
    """An open document on the client side: its text version and the edits that keep it in sync."""

    def __init__(self, server: LspProcess, uri: str, text: str, language_id: str = "python") -> None:
        self.server = server
        self.uri = uri
        self.version = 1
        self.lines = text.split("\n")
        server.notify(
            types.TEXT_DOCUMENT_DID_OPEN,
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)
            ),
        )

    @property
    def identifier(self) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri)

    def insert(self, line: int, character: int, text: str) -> tuple[str, types.DidChangeTextDocumentParams]:
        """The ``didChange`` notification for typing ``text`` at (line, character) (ASCII only)."""
        self.version += 1
        current = self.lines[line]
        pieces = (current[:character] + text + current[character:]).split("\n")
        self.lines[line : line + 1] = pieces
        position = types.Position(line=line, character=character)
        return (
            types.TEXT_DOCUMENT_DID_CHANGE,
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text=text)
                ],
            ),
        )

    def end_of(self, line: int) -> types.Position:
        return types.Position(line=line, character=len(self.lines[line]))

    def completion(
        self,
        position: types.Position,
        trigger: types.CompletionTriggerKind = types.CompletionTriggerKind.Invoked,
    ) -> tuple[str, types.CompletionParams]:
        return (
            types.TEXT_DOCUMENT_COMPLETION,
            types.CompletionParams(
                text_document=self.identifier, position=position, context=types.CompletionContext(trigger_kind=trigger)
            ),
        )

    def inline(
        self,
        position: types.Position,
        trigger: types.InlineCompletionTriggerKind = types.InlineCompletionTriggerKind.Automatic,
    ) -> tuple[str, types.InlineCompletionParams]:
        return (
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            types.InlineCompletionParams(
                text_document=self.identifier,
                position=position,
                context=types.InlineCompletionContext(trigger_kind=trigger),
            ),
        )


_uri_counter = iter(range(1, 1 << 62))


def new_uri(stem: str = "bench") -> str:
    return f"file:///bench/ws/{stem}_{next(_uri_counter)}.py"
