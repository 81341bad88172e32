"""workspace/executeCommand: arbLsp.listModels and arbLsp.showUsage."""

from __future__ import annotations

from typing import Any

from arb_lsp.openrouter.errors import OpenRouterError
from arb_lsp.server import ArbLanguageServer

LIST_MODELS = "arbLsp.listModels"
SHOW_USAGE = "arbLsp.showUsage"


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
        ledger = ls.ledger
        budget = ls.services.settings.budget.daily_usd
        return {"today": ledger.today(), "budgetUsd": budget, "days": ledger.summary(7)}
