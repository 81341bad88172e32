"""workspace/executeCommand: arbLsp.listModels and arbLsp.showUsage."""

from __future__ import annotations

import asyncio
from typing import Any

from arb_lsp.language_server import ArbLanguageServer, ArbProtocol
from arb_lsp.openrouter.errors import OpenRouterError

LIST_MODELS = "arbLsp.listModels"
SHOW_USAGE = "arbLsp.showUsage"
STATS = "arbLsp.stats"


def _rss_kb() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def register(server: ArbLanguageServer) -> None:
    @server.command(LIST_MODELS)
    async def list_models(ls: ArbLanguageServer, *args: Any) -> list[dict[str, Any]]:
        try:
            models = await ls.services.client.list_models()
        except OpenRouterError as error:
            ls.notifier.failure(error)
            return []
        return [
            {
                "id": m.id,
                "name": m.name,
                "contextLength": m.context_length,
                "promptPrice": m.pricing.prompt,
                "completionPrice": m.pricing.completion,
                "free": m.is_free,
            }
            for m in models
        ]

    @server.command(SHOW_USAGE)
    async def show_usage(ls: ArbLanguageServer, *args: Any) -> dict[str, Any]:
        from arb_lsp.acceptance import acceptance_totals
        from arb_lsp.commands.base import CommandError
        from arb_lsp.commands.usage import report
        from arb_lsp.openrouter.ledger import default_ledger_path

        ledger = ls.ledger
        budget = ls.services.settings.budget.daily_usd
        today = ledger.today()
        usage: dict[str, Any] = {"today": today, "budgetUsd": budget, "days": ledger.summary(7)}
        # What `arb-lsp usage --days 7 --json` says per model, acceptance included, and today's acceptance.
        try:
            week = report(7)
            usage["byModel"], usage["suggestions"] = week["byModel"], week["suggestions"]
            today.update(acceptance_totals(ls.ledger.path or default_ledger_path(), 1))
        except (CommandError, OSError) as error:
            usage["problem"] = str(error)
        return usage

    @server.command(STATS)
    async def stats(ls: ArbLanguageServer, *args: Any) -> dict[str, Any]:
        """The server's own health, for long sessions: what it holds and what is still running."""
        protocol = ls.protocol
        return {
            "pendingMessages": protocol.pending() if isinstance(protocol, ArbProtocol) else None,
            "asyncioTasks": len(asyncio.all_tasks()),
            "backgroundTasks": len(ls.background),
            "openDocuments": len(ls.workspace.text_documents),
            # Per-document state kept outside the workspace: must drop a document when it is closed.
            "documentState": len(ls.completion_engine.documents()) if ls.completion_engine is not None else 0,
            "progressTokens": len(ls.work_done_progress.tokens),
            # Other files are read once per upstream request, after the debounce: not per keystroke.
            "contextRequests": ls.workspace_context.requests,
            # The latest completion's wait before asking upstream, and why (``arb_lsp.debounce``).
            "debounce": _decision(ls.completion_engine.last_debounce if ls.completion_engine is not None else None),
            "ledgerRows": ls.ledger.count(),
            "rssKb": _rss_kb(),
        }


def _decision(decision: Any) -> dict[str, Any] | None:
    return None if decision is None else {"ms": round(decision.seconds * 1000, 3), "reason": decision.reason}
