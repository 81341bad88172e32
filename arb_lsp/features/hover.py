"""textDocument/hover: a Markdown explanation of the function (or top-level statement) under the mouse.

Editors send hovers as the mouse moves and cancel them: a hover waits ``hover.debounceMs`` before it
asks, a newer hover in the same document supersedes it, ``$/cancelRequest`` closes its upstream
stream, and answers are cached by the code's content so a second hover over unchanged code is free.
While the model answers, ``$/progress`` says "Explaining…" (``features/progress.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from arb_lsp.features.progress import waiting
from arb_lsp.language_server import NO_KEY_HINT, ArbLanguageServer, off_loop_if_large
from arb_lsp.openrouter.cache import TTLCache
from arb_lsp.openrouter.errors import OpenRouterError
from arb_lsp.scheduling import LatestWins

if TYPE_CHECKING:
    # The pipelines (tree-sitter, post-processing, the HTTP stack) are imported at first use, after ``initialize``.
    from arb_lsp.pipelines import ExplainPlan


def register(server: ArbLanguageServer) -> None:
    scheduler: LatestWins[str | None] = LatestWins()
    # Keyed by the code's hash, not the prompt: the same function in another file is explained once.
    explanations: TTLCache[str] = TTLCache(max_entries=256, ttl=3600)

    def cache_key(plan: ExplainPlan, language_id: str) -> str:
        return f"{plan.target.code_hash}:{language_id}:{','.join(plan.models)}"

    async def explain(ls: ArbLanguageServer, plan: ExplainPlan, key: str) -> str | None:
        from arb_lsp.pipelines import run_explain

        try:
            markdown = await run_explain(ls.services.gateway, plan, ls.services.settings.hover.timeout_ms / 1000)
        except OpenRouterError as error:
            ls.notifier.failure(error)
            return None
        explanations.put(key, markdown)
        return markdown

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: ArbLanguageServer, params: types.HoverParams) -> types.Hover | None:
        from arb_lsp.pipelines import plan_explain
        from arb_lsp.privacy.markdown import sanitize_markdown

        await ls.settled()
        settings = ls.services.settings
        uri = params.text_document.uri
        if not settings.hover.enabled or ls.excluded(uri):
            return None
        snapshot = ls.snapshot(uri)
        if snapshot is None:
            return None
        line, column = snapshot.line_column(params.position)
        plan = await off_loop_if_large(
            snapshot.text,
            plan_explain,
            settings,
            snapshot.text,
            snapshot.language_id,
            line,
            column,
            ls.relative_path(uri),
        )
        if plan is None:
            return None
        if not ls.services.has_key:
            ls.notifier.once("no_key", NO_KEY_HINT)
            return None
        key = cache_key(plan, snapshot.language_id)
        markdown = explanations.get(key)
        if markdown is None:
            delay = settings.hover.debounce_ms / 1000
            async with waiting(ls, "Explaining…", params.work_done_token):
                markdown = await scheduler.run(uri, key, delay, lambda: explain(ls, plan, key))
        if not markdown:
            return None
        target = plan.target
        end_line = min(target.end_line, snapshot.index.line_count() - 1)
        return types.Hover(
            # Sanitised where it is made (format_hover) and again here, whatever path it came by (cache, CLI
            # code shared with the server): the editor renders this, so it is the last line of defence.
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=sanitize_markdown(markdown)),
            range=types.Range(
                start=types.Position(line=target.start_line, character=0),
                end=snapshot.position(end_line, len(snapshot.line_text(end_line))),
            ),
        )
