"""textDocument/completion and textDocument/inlineCompletion: AI suggestions at the cursor.

Both methods share one engine: cache and type-ahead first (instant and free), then debounce and
latest-wins scheduling per document, then the completion pipeline. Menu items replace the typed
word (so editors' filtering keeps them) and, when only closers follow the cursor, those closers
(the suggestion brings its own); ghost text items extend the text already in their range. When
the editor's menu has an item selected (``selectedCompletionInfo``), ghost text continues after it.
A completion the user asked for (trigger kind Invoked) reports ``$/progress`` while it waits.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types
from pygls import uris

from arb_lsp.context import TextSlices
from arb_lsp.debounce import Decision, TypingRhythm, client_debounce, less_client
from arb_lsp.documents import Edit, Snapshot
from arb_lsp.features.progress import waiting
from arb_lsp.features.suggestions import SuggestionTracking
from arb_lsp.features.suggestions import register as register_suggestions
from arb_lsp.language_server import NO_KEY_HINT, ArbLanguageServer
from arb_lsp.openrouter.cache import TTLCache
from arb_lsp.openrouter.errors import OpenRouterError
from arb_lsp.openrouter.routing import TaskType
from arb_lsp.scheduling import LatestWins
from arb_lsp.stable_order import StableOrder

if TYPE_CHECKING:
    # The pipelines (tree-sitter, post-processing, the HTTP stack) are imported at first use, after ``initialize``.
    from arb_lsp.pipelines import CompletionPlan, Suggestion
    from arb_lsp.settings import Settings
    from arb_lsp.workspace_context import ContextSnippet

_WORD_TAIL = re.compile(r"[\w$]+$")
#: A typed word longer than this is not a word: searching a 1 MB line backwards would be quadratic.
_WORD_MAX = 200
#: How much text around a shown suggestion must be unchanged for type-ahead to serve its rest.
_ANCHOR_CHARS = 200
#: Menu labels longer than this are cut: editors truncate (or drop) wider ones themselves.
_LABEL_CHARS = 60
#: Clients whose snippet engine indents a snippet's later lines like the cursor's line (VS Code's
#: SnippetController, Neovim's vim.snippet, Helix's snippet renderer), by ``clientInfo.name``.
_ADJUSTING_SNIPPET_CLIENTS = (
    "visual studio code",
    "vscode",
    "code - oss",
    "vscodium",
    "cursor",
    "neovim",
    "nvim",
    "helix",
)


@dataclass(slots=True)
class _Shown:
    """The last suggestion shown in a document, to serve its rest while the user types it."""

    anchor: int
    before: str
    after: str
    suggestion: Suggestion


@dataclass(frozen=True, slots=True)
class Placed:
    """A suggestion and where it goes: ``word`` is the identifier part typed before the cursor.

    The edit replaces ``word`` and the ``suggestion.replace`` characters after the cursor.
    """

    suggestion: Suggestion
    snapshot: Snapshot
    line: int
    column: int
    word: str
    #: After a selected menu item: the real document's range from the item's start to the end
    #: of what the suggestion replaces (``snapshot`` is then the document with the item accepted).
    after_selected: types.Range | None = None

    def edit_range(self) -> types.Range:
        start = self.snapshot.position(self.line, self.column - len(self.word))
        end = self.snapshot.position(self.line, self.column + self.suggestion.replace)
        return types.Range(start=start, end=end)


class CompletionEngine:
    def __init__(self, server: ArbLanguageServer) -> None:
        self.server = server
        self.scheduler: LatestWins[Suggestion | None] = LatestWins()
        self.answers: TTLCache[Suggestion | None] = TTLCache(max_entries=512, ttl=600)
        self._by_spot: TTLCache[tuple[Settings, Suggestion]] = TTLCache(max_entries=256, ttl=600)
        self._shown: dict[str, _Shown] = {}
        self._last_request: dict[str, float] = {}
        self._rhythm: dict[str, TypingRhythm] = {}
        #: The latest debounce decision (``arbLsp.stats`` shows it: tests and users see why a request waited).
        self.last_debounce: Decision | None = None
        self.tracking = SuggestionTracking(server)
        #: The order workspace context was last sent in, per document (prompt caching: ``arb_lsp.stable_order``).
        self.snippet_order = StableOrder()

    def documents(self) -> set[str]:
        """The documents this engine keeps state for (``forget`` drops one when it is closed)."""
        return {*self._shown, *self._last_request, *self._rhythm}

    def forget(self, uri: str) -> None:
        self.tracking.closed(uri)
        self._shown.pop(uri, None)
        self._last_request.pop(uri, None)
        self._rhythm.pop(unquote(uri), None)
        self.scheduler.supersede(uri)

    def keystroke(self, uri: str, now: float) -> None:
        """An edit arrived for ``uri``: one more beat of the typist's rhythm there."""
        uri = unquote(uri)  # pygls names documents by their decoded URI; requests may not
        rhythm = self._rhythm.get(uri)
        if rhythm is None:
            rhythm = self._rhythm[uri] = TypingRhythm()
        rhythm.keystroke(now)

    def debounce(self, uri: str, settings: Settings, line_before_cursor: str, client_seconds: float) -> Decision:
        """How long this request waits before asking upstream (``arb_lsp.debounce``)."""
        completion = settings.completion
        rhythm = self._rhythm.get(unquote(uri)) or TypingRhythm()
        decision = rhythm.decide(completion.debounce_ms / 1000, completion.debounce, line_before_cursor)
        return less_client(decision, client_seconds)

    async def suggest(
        self,
        uri: str,
        position: types.Position,
        *,
        invoked: bool,
        selected: types.SelectedCompletionInfo | None = None,
        client_seconds: float = 0.0,
    ) -> Placed | None:
        """The suggestion at ``position``; with ``selected`` (a menu item the editor has selected),
        the one that continues after that item's text, as if it had been accepted. ``client_seconds``:
        how long the client itself waited after the last keystroke before asking (its own debounce)."""
        server = self.server
        await server.settled()
        # Imported at first use (after ``settled``: by then the warm-up's worker thread is importing it).
        from arb_lsp.pipelines import plan_completion

        settings = server.services.settings
        if not settings.completion.enabled or server.excluded(uri):
            return None
        snapshot = server.snapshot(uri)
        if snapshot is None:
            return None
        real = snapshot
        if selected is not None:
            start, end = snapshot.offset_at(selected.range.start), snapshot.offset_at(selected.range.end)
            snapshot = dataclasses.replace(
                snapshot, buffer=snapshot.buffer.edit(start, end, selected.text), version=None
            )
            position = snapshot.position(*_line_column(snapshot, start + len(selected.text)))
        offset = snapshot.offset_at(position)
        line, column = snapshot.line_column(position)
        line_text = snapshot.line_text(line)
        word_match = _WORD_TAIL.search(line_text[max(0, column - _WORD_MAX) : column])
        word = word_match.group(0) if word_match else ""

        def placed(suggestion: Suggestion | None) -> Placed | None:
            if not suggestion:
                return None
            if selected is None:
                return Placed(suggestion, snapshot, line, column, word)
            end = real.offset_at(selected.range.end) + suggestion.replace
            span = types.Range(start=selected.range.start, end=real.position(*_line_column(real, end)))
            return Placed(suggestion, snapshot, line, column, word, span)

        ahead = self._type_ahead(uri, snapshot.buffer, offset) if selected is None else None
        if ahead is not None:
            return placed(ahead)
        if not server.services.has_key:
            server.notifier.once("no_key", NO_KEY_HINT)
            return None
        # The same spot of the same version with the same settings: answer before planning anything.
        spot = f"{uri}#{snapshot.version}@{offset}"
        seen = self._by_spot.get(spot) if selected is None else None
        if seen is not None and seen[0] is settings:
            return placed(seen[1])

        models = settings.models_for(TaskType.COMPLETION)

        def plan_with(snippets: Sequence[ContextSnippet]) -> CompletionPlan:
            return plan_completion(
                settings,
                snapshot.buffer,
                offset,
                index=snapshot.index,
                language_id=snapshot.language_id,
                path=server.relative_path(uri),
                context_tokens=server.services.context_tokens(models[0]),
                prompt_price=server.services.prompt_price(models[0]),
                context_snippets=snippets,
                order=self.snippet_order,
                workspace=server.workspace_roots(),
            )

        # Cache and scheduling go by the code around the cursor alone: other files are read (within their
        # own time budget) only once the debounce is over, not for every keystroke of a burst.
        local = plan_with(())
        key = local.key
        cached = self.answers.get(key)
        if cached is not None:
            if selected is None:
                self._remember(uri, snapshot.buffer, offset, cached)
                self._by_spot.put(spot, (settings, cached))
            return placed(cached)

        async def ask() -> Suggestion | None:
            snippets = await self._workspace_context(snapshot, offset, settings)
            return await self._ask(plan_with(snippets) if snippets else local, key)

        # Debounce automatic triggers, and "invoked" ones that arrive in a burst (Neovim's autotrigger).
        now = time.monotonic()
        decision = self.debounce(uri, settings, line_text[:column], client_seconds)
        self.last_debounce = decision
        delay = decision.seconds
        recent = now - self._last_request.get(uri, -1e9) < delay
        self._last_request[uri] = now
        if invoked and not recent:
            delay = 0.0
        suggestion = await self.scheduler.run(uri, key, delay, ask)
        if suggestion is not None and selected is None:
            self._remember(uri, snapshot.buffer, offset, suggestion)
            self._by_spot.put(spot, (settings, suggestion))
        return placed(suggestion)

    async def _workspace_context(self, snapshot: Snapshot, offset: int, settings: Settings) -> list[ContextSnippet]:
        """Code from other files (imports, recent edits, similar windows), found within the time budget."""
        from arb_lsp.workspace_context import ContextRequest, OpenDocument

        if not settings.completion.workspace_context:
            return []
        server = self.server
        # Documents without a file (untitled:) are named by their URI: nothing on disk is relative to them.
        open_documents = tuple(
            OpenDocument(
                _fs_path(other_uri) or other_uri, document.language_id or "", document.source, document.version
            )
            for other_uri, document in server.workspace.text_documents.items()
        )
        request = ContextRequest(
            OpenDocument(
                _fs_path(snapshot.uri) or unquote(snapshot.uri), snapshot.language_id, snapshot.text, snapshot.version
            ),
            offset,
            server.workspace_roots(),
            open_documents,
            tuple(server.workspace_context.history.ranges()),
            outside_workspace=settings.context.outside_workspace,
        )
        budget = settings.completion.context_budget_ms / 1000
        return await server.workspace_context.gather(request, server.excluded, budget)

    async def _ask(self, plan: CompletionPlan, key: str) -> Suggestion | None:
        from arb_lsp.pipelines import finish_completion, run_completion

        services = self.server.services
        started = time.monotonic()
        try:
            timeout = services.settings.completion.timeout_ms / 1000
            raw, model, cost = await run_completion(services.gateway, plan, timeout)
        except OpenRouterError as error:
            if error.kind == "timeout":
                self.tracking.timed_out(plan.models[0])
            self.server.notifier.failure(error)
            return None
        self.tracking.answered(model, (time.monotonic() - started) * 1000)
        suggestion = finish_completion(raw, plan, model, cost)
        self.answers.put(key, suggestion)
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
        return Suggestion(rest[len(typed) :], shown.suggestion.model, None, shown.suggestion.replace)


def _line_column(snapshot: Snapshot, offset: int) -> tuple[int, int]:
    line = snapshot.index.line_of(offset)
    return line, offset - snapshot.index.line_start(line)


def _label(word: str, text: str) -> tuple[str, str, str]:
    """The menu label (the typed word, then the first line with code), the same uncut (to filter
    by), and a note of the lines it leaves out."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    head = word + (lines[first].strip() if first else lines[0].rstrip())
    label = head if len(head) <= _LABEL_CHARS else head[: _LABEL_CHARS - 1] + "…"
    more = len([line for line in lines[first + 1 :] if line.strip()])
    return label, head, (f" … +{more} line{'s' if more > 1 else ''}" if more else "")


def _fs_path(uri: str) -> str | None:
    return uris.to_fs_path(uri) if uri.startswith("file:") else None


def record_edit(server: ArbLanguageServer, edit: Edit) -> None:
    """Remember where a document was edited, for the recent-edits context of other documents' completions
    (a whole-text replacement says nothing about where the user is working)."""
    path = _fs_path(edit.uri)
    if path is None or (edit.start == 0 and edit.end == len(edit.before) and edit.end > 0):
        return
    before = edit.before
    server.workspace_context.history.record(path, before.line_of(edit.start), before.line_of(edit.end), edit.text)


def _snippet_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _relative_to(base: str, text: str) -> str | None:
    """``text`` with ``base`` indentation removed from its later lines, or None if one is not under it."""
    first, *rest = text.split("\n")
    if any(line and not line.startswith(base) for line in rest):
        return None
    return "\n".join([first, *(line[len(base) :] for line in rest)])


def completion_items(
    placed: Placed, *, relative: bool = False, label_details: bool = False
) -> list[types.CompletionItem]:
    """One menu item replacing the typed word (and the closers after the cursor it brings its own of).

    The label starts with the typed word and shows the first line, so Helix, Neovim and VS Code
    filter it by what was typed and do not cut it; the other lines are counted in ``labelDetails``
    and shown whole in ``documentation``.  With ``relative`` (a client whose snippet engine indents
    later lines like the cursor's line) the text goes as a snippet with those lines relative to the
    cursor line (``adjustIndentation``); other clients get the absolute text as plain text.
    """
    from arb_lsp.privacy.markdown import sanitize_markdown
    from arb_lsp.syntax.languages import markdown_code_block

    suggestion = placed.suggestion
    line_text = placed.snapshot.line_text(placed.line)
    # Menus edit up to the cursor only: Neovim inserts an item's text at the cursor whatever its
    # range's end.  The closers the suggestion replaces stay if it ends with them, or else are
    # deleted by an additional edit, which every client applies.
    text, span, deletion = suggestion.text, placed.edit_range(), None
    if suggestion.replace:
        span = types.Range(start=span.start, end=placed.snapshot.position(placed.line, placed.column))
        closers = line_text[placed.column : placed.column + suggestion.replace].rstrip()
        if closers and text.endswith(closers):
            text = text[: len(text) - len(closers)]
        else:
            end = placed.snapshot.position(placed.line, placed.column + suggestion.replace)
            deletion = [types.TextEdit(range=types.Range(start=span.end, end=end), new_text="")]
    new_text = placed.word + text
    label, head, more = _label(placed.word, suggestion.text)
    base = line_text[: len(line_text) - len(line_text.lstrip())]
    shifted = _relative_to(base, new_text) if relative else None
    if shifted is not None:
        edit_text, text_format, mode = (
            _snippet_escape(shifted),
            types.InsertTextFormat.Snippet,
            types.InsertTextMode.AdjustIndentation,
        )
    else:
        edit_text, text_format, mode = new_text, types.InsertTextFormat.PlainText, types.InsertTextMode.AsIs
    return [
        types.CompletionItem(
            label=label,
            label_details=types.CompletionItemLabelDetails(detail=more or None, description="arb-lsp")
            if label_details
            else None,
            kind=types.CompletionItemKind.Snippet,
            detail=f"arb-lsp · {suggestion.model}",
            # A fence longer than any backtick run in the text: a suggestion cannot close it and add Markdown.
            documentation=types.MarkupContent(
                kind=types.MarkupKind.Markdown,
                value=sanitize_markdown(markdown_code_block(new_text, placed.snapshot.language_id)),
            ),
            filter_text=head,
            sort_text="0",
            preselect=True,
            insert_text_format=text_format,
            insert_text_mode=mode,
            text_edit=types.TextEdit(range=span, new_text=edit_text),
            additional_text_edits=deletion,
        )
    ]


def inline_items(
    placed: Placed, selected: types.SelectedCompletionInfo | None = None
) -> list[types.InlineCompletionItem]:
    """Ghost text over the typed word, or, after a selected menu item, extending that item's text."""
    if selected is None or placed.after_selected is None:
        text, span = placed.word + placed.suggestion.text, placed.edit_range()
    else:
        text, span = selected.text + placed.suggestion.text, placed.after_selected
    return [types.InlineCompletionItem(insert_text=text, range=span)]


def _completion_item_capabilities(ls: ArbLanguageServer) -> types.ClientCompletionItemOptions | None:
    completion = ls.client_capabilities.text_document and ls.client_capabilities.text_document.completion
    return completion.completion_item if completion else None


def adjusts_indentation(ls: ArbLanguageServer) -> bool:
    """Whether the client indents an item's later lines like the cursor's line: it says so
    (``insertTextModeSupport``), or its snippet engine is known to do it."""
    item = _completion_item_capabilities(ls)
    if item is None:
        return False
    modes = item.insert_text_mode_support.value_set if item.insert_text_mode_support else ()
    if types.InsertTextMode.AdjustIndentation in modes:
        return True
    name = ls.client_name.lower()
    return bool(item.snippet_support) and any(client in name for client in _ADJUSTING_SNIPPET_CLIENTS)


def _label_details(ls: ArbLanguageServer) -> bool:
    item = _completion_item_capabilities(ls)
    return bool(item and item.label_details_support)


def register(server: ArbLanguageServer) -> None:
    engine = CompletionEngine(server)
    server.completion_engine = engine
    register_suggestions(server, engine.tracking)
    server.edit_listeners.append(lambda edit: record_edit(server, edit))
    server.edit_listeners.append(lambda edit: engine.keystroke(edit.uri, time.monotonic()))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "(", " "]))
    async def completion(ls: ArbLanguageServer, params: types.CompletionParams) -> types.CompletionList:
        started = time.monotonic()
        context = params.context
        invoked = context is None or context.trigger_kind == types.CompletionTriggerKind.Invoked
        async with waiting(ls, "Completing…", params.work_done_token, enabled=invoked):
            placed = await engine.suggest(params.text_document.uri, params.position, invoked=invoked)
        items = (
            completion_items(placed, relative=adjusts_indentation(ls), label_details=_label_details(ls))
            if placed
            else []
        )
        return types.CompletionList(is_incomplete=True, items=engine.tracking.mark(placed, items, started))

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(
        ls: ArbLanguageServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        started = time.monotonic()
        invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        selected = params.context.selected_completion_info
        # Neovim 0.12's own inline client already waited 200 ms after the last keystroke.
        waited = client_debounce(ls.client_name, ls.client_version, inline=True)
        async with waiting(ls, "Completing…", params.work_done_token, enabled=invoked):
            placed = await engine.suggest(
                params.text_document.uri, params.position, invoked=invoked, selected=selected, client_seconds=waited
            )
        items = inline_items(placed, selected) if placed else []
        return types.InlineCompletionList(items=engine.tracking.mark(placed, items, started))
