"""textDocument/completion and textDocument/inlineCompletion: AI suggestions at the cursor.

Both methods share one engine: cache and type-ahead first (instant and free), then debounce and
latest-wins scheduling per document, then the completion pipeline. Menu items replace the typed
word (so editors' filtering keeps them); ghost text items extend the text already in their range.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types

from arb_lsp.context import Snippet, TextSlices
from arb_lsp.documents import Snapshot
from arb_lsp.openrouter.cache import TTLCache
from arb_lsp.openrouter.errors import OpenRouterError
from arb_lsp.openrouter.routing import TaskType
from arb_lsp.scheduling import LatestWins
from arb_lsp.server import NO_KEY_HINT, ArbLanguageServer

if TYPE_CHECKING:
    # The pipelines (tree-sitter, post-processing, the HTTP stack) are imported at first use, after ``initialize``.
    from arb_lsp.pipelines import CompletionPlan, Suggestion
    from arb_lsp.settings import Settings

_WORD_TAIL = re.compile(r"[\w$]+$")
#: A typed word longer than this is not a word: searching a 1 MB line backwards would be quadratic.
_WORD_MAX = 200
#: How much text around a shown suggestion must be unchanged for type-ahead to serve its rest.
_ANCHOR_CHARS = 200
#: Other open documents shown to the model, and how much of each (their heads: imports, definitions).
_NEIGHBOURS = 2
_NEIGHBOUR_CHARS = 1200


@dataclass(slots=True)
class _Shown:
    """The last suggestion shown in a document, to serve its rest while the user types it."""

    anchor: int
    before: str
    after: str
    suggestion: Suggestion


@dataclass(frozen=True, slots=True)
class Placed:
    """A suggestion and where it goes: ``word`` is the identifier part typed before the cursor."""

    suggestion: Suggestion
    snapshot: Snapshot
    line: int
    column: int
    word: str


class CompletionEngine:
    def __init__(self, server: ArbLanguageServer) -> None:
        self.server = server
        self.scheduler: LatestWins[Suggestion | None] = LatestWins()
        self.answers: TTLCache[Suggestion | None] = TTLCache(max_entries=512, ttl=600)
        self._by_spot: TTLCache[tuple[Settings, Suggestion]] = TTLCache(max_entries=256, ttl=600)
        self._shown: dict[str, _Shown] = {}
        self._last_request: dict[str, float] = {}

    def documents(self) -> set[str]:
        """The documents this engine keeps state for (``forget`` drops one when it is closed)."""
        return {*self._shown, *self._last_request}

    def forget(self, uri: str) -> None:
        self._shown.pop(uri, None)
        self._last_request.pop(uri, None)
        self.scheduler.supersede(uri)

    async def suggest(self, uri: str, position: types.Position, *, invoked: bool) -> Placed | None:
        from arb_lsp.pipelines import plan_completion

        server = self.server
        await server.settled()
        settings = server.services.settings
        if not settings.completion.enabled or server.excluded(uri):
            return None
        snapshot = server.snapshot(uri)
        if snapshot is None:
            return None
        offset = snapshot.offset_at(position)
        line, column = snapshot.line_column(position)
        line_text = snapshot.line_text(line)
        word_match = _WORD_TAIL.search(line_text[max(0, column - _WORD_MAX) : column])
        word = word_match.group(0) if word_match else ""

        def placed(suggestion: Suggestion | None) -> Placed | None:
            return Placed(suggestion, snapshot, line, column, word) if suggestion else None

        ahead = self._type_ahead(uri, snapshot.buffer, offset)
        if ahead is not None:
            return placed(ahead)
        if not server.services.has_key:
            server.notifier.once("no_key", NO_KEY_HINT)
            return None
        # The same spot of the same version with the same settings: answer before planning anything.
        spot = f"{uri}#{snapshot.version}@{offset}"
        seen = self._by_spot.get(spot)
        if seen is not None and seen[0] is settings:
            return placed(seen[1])

        models = settings.models_for(TaskType.COMPLETION)
        plan = plan_completion(
            settings,
            snapshot.buffer,
            offset,
            index=snapshot.index,
            language_id=snapshot.language_id,
            path=server.relative_path(uri),
            neighbours=self._neighbours(uri, snapshot.language_id),
            context_tokens=server.services.context_tokens(models[0]),
        )
        key = plan.key
        cached = self.answers.get(key)
        if cached is not None:
            self._remember(uri, snapshot.buffer, offset, cached)
            self._by_spot.put(spot, (settings, cached))
            return placed(cached)

        # Debounce automatic triggers, and "invoked" ones that arrive in a burst (Neovim's autotrigger).
        now = time.monotonic()
        delay = settings.completion.debounce_ms / 1000
        recent = now - self._last_request.get(uri, -1e9) < delay
        self._last_request[uri] = now
        if invoked and not recent:
            delay = 0.0
        suggestion = await self.scheduler.run(uri, key, delay, lambda: self._ask(plan))
        if suggestion is not None:
            self._remember(uri, snapshot.buffer, offset, suggestion)
            self._by_spot.put(spot, (settings, suggestion))
        return placed(suggestion)

    def _neighbours(self, uri: str, language_id: str) -> list[Snippet]:
        """The heads of other open documents in the same language (imports, top definitions), if allowed."""
        snippets: list[Snippet] = []
        for other_uri, document in self.server.workspace.text_documents.items():
            if len(snippets) >= _NEIGHBOURS or other_uri == unquote(uri) or document.language_id != language_id:
                continue
            if self.server.excluded(other_uri):
                continue
            head = document.source[:_NEIGHBOUR_CHARS]
            head = head[: head.rfind("\n") + 1] if "\n" in head else head
            if head.strip():
                snippets.append(Snippet(self.server.relative_path(other_uri), head))
        return snippets

    async def _ask(self, plan: CompletionPlan) -> Suggestion | None:
        from arb_lsp.pipelines import finish_completion, run_completion

        services = self.server.services
        try:
            timeout = services.settings.completion.timeout_ms / 1000
            raw, model, cost = await run_completion(services.gateway, plan, timeout)
        except OpenRouterError as error:
            self.server.notifier.failure(error)
            return None
        suggestion = finish_completion(raw, plan, model, cost)
        self.answers.put(plan.key, suggestion)
        return suggestion

    def _remember(self, uri: str, text: TextSlices, offset: int, suggestion: Suggestion) -> None:
        self._shown[uri] = _Shown(
            offset, text[max(0, offset - _ANCHOR_CHARS) : offset], text[offset : offset + _ANCHOR_CHARS], suggestion
        )

    def _type_ahead(self, uri: str, text: TextSlices, offset: int) -> Suggestion | None:
        from arb_lsp.pipelines import Suggestion

        shown = self._shown.get(uri)
        if shown is None or offset <= shown.anchor:
            return None
        typed = text[shown.anchor : offset]
        rest = shown.suggestion.text
        if not rest.startswith(typed) or len(typed) >= len(rest):
            return None
        if text[max(0, shown.anchor - len(shown.before)) : shown.anchor] != shown.before:
            return None
        if text[offset : offset + len(shown.after)] != shown.after:
            return None
        return Suggestion(rest[len(typed) :], shown.suggestion.model, None)


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def _snippet_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _relative_to(base: str, text: str) -> str | None:
    """``text`` with ``base`` indentation removed from its later lines, or None if one is not under it."""
    first, *rest = text.split("\n")
    if any(line and not line.startswith(base) for line in rest):
        return None
    return "\n".join([first, *(line[len(base) :] for line in rest)])


def completion_items(placed: Placed, *, snippets: bool = False) -> list[types.CompletionItem]:
    """One menu item replacing the typed word.

    With snippet support the text goes as a snippet whose later lines are relative to the cursor
    line (``adjustIndentation``): that is how Neovim and VS Code insert a whole multi-line item,
    where a plain-text item would be cut at its first space (Neovim) or indented twice.
    """
    suggestion = placed.suggestion
    start = placed.snapshot.position(placed.line, placed.column - len(placed.word))
    end = placed.snapshot.position(placed.line, placed.column)
    new_text = placed.word + suggestion.text
    label = placed.word + _first_line(suggestion.text).strip()
    if "\n" in suggestion.text:
        label += " …"
    line_text = placed.snapshot.line_text(placed.line)
    relative = _relative_to(line_text[: len(line_text) - len(line_text.lstrip())], new_text) if snippets else None
    if relative is not None:
        edit_text, text_format, mode = (
            _snippet_escape(relative),
            types.InsertTextFormat.Snippet,
            types.InsertTextMode.AdjustIndentation,
        )
    else:
        edit_text, text_format, mode = new_text, types.InsertTextFormat.PlainText, types.InsertTextMode.AsIs
    return [
        types.CompletionItem(
            label=label[:80],
            kind=types.CompletionItemKind.Snippet,
            detail=f"arb-lsp · {suggestion.model}",
            documentation=types.MarkupContent(
                kind=types.MarkupKind.Markdown,
                value=f"```{placed.snapshot.language_id}\n{new_text}\n```",
            ),
            filter_text=new_text,
            sort_text="0",
            preselect=True,
            insert_text_format=text_format,
            insert_text_mode=mode,
            text_edit=types.TextEdit(range=types.Range(start=start, end=end), new_text=edit_text),
        )
    ]


def inline_items(placed: Placed) -> list[types.InlineCompletionItem]:
    start = placed.snapshot.position(placed.line, placed.column - len(placed.word))
    end = placed.snapshot.position(placed.line, placed.column)
    return [
        types.InlineCompletionItem(
            insert_text=placed.word + placed.suggestion.text,
            range=types.Range(start=start, end=end),
        )
    ]


def _snippet_support(ls: ArbLanguageServer) -> bool:
    completion = ls.client_capabilities.text_document and ls.client_capabilities.text_document.completion
    item = completion.completion_item if completion else None
    return bool(item and item.snippet_support)


def register(server: ArbLanguageServer) -> None:
    engine = CompletionEngine(server)
    server.completion_engine = engine

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "(", " "]))
    async def completion(ls: ArbLanguageServer, params: types.CompletionParams) -> types.CompletionList:
        context = params.context
        invoked = context is None or context.trigger_kind == types.CompletionTriggerKind.Invoked
        placed = await engine.suggest(params.text_document.uri, params.position, invoked=invoked)
        items = completion_items(placed, snippets=_snippet_support(ls)) if placed else []
        return types.CompletionList(is_incomplete=True, items=items)

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(
        ls: ArbLanguageServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        placed = await engine.suggest(params.text_document.uri, params.position, invoked=invoked)
        return types.InlineCompletionList(items=inline_items(placed) if placed else [])
