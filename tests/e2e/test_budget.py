"""The daily budget reached by the running server's own spending, over LSP.

The ledger starts empty; the server's paid answers are what brings today's spend past ``budget.dailyUsd``,
so a server that read the spend once and never counted its own calls would keep paying.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fake_openrouter import FREE_MODEL, PAID_MODEL, FakeOpenRouter, Reply
from hardening_support import session, timed
from lsp_support import complete, open_document
from lsprotocol import types

#: Each paid answer costs this much; the budget is below two of them, above one.
COST = 0.006
BUDGET = 0.01


def billed(body: dict[str, Any]) -> Reply:
    """An answer billed like OpenRouter would: ``COST`` for the paid model, nothing for a free one."""
    model = (body.get("models") or [body.get("model")])[0]
    return Reply.text("compute()", cost=COST if model == PAID_MODEL else 0.0)


async def test_the_sessions_own_spending_reaches_the_budget_then_only_free_models_are_used(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    options = {"models": {"completion": [PAID_MODEL, FREE_MODEL]}, "budget": {"dailyUsd": BUDGET}}
    fake.default_reply = billed
    async with session(fake, tmp_path, init_options=options) as running:
        client = running.client
        answered = []
        for i in range(4):
            line = f"value_{i} = "
            uri = open_document(client, line + "\n")
            result, _ = await timed(complete(client, uri, types.Position(line=0, character=len(line))))
            answered.append(bool(result.items))
        told = running.shown("budget")
    assert answered == [True] * 4, "past the budget, free models still answer"
    # Under the budget before each of the first two calls; $0.012 spent after them, so free models only.
    assert [r.model for r in fake.chat_requests()] == [PAID_MODEL, PAID_MODEL, FREE_MODEL, FREE_MODEL]
    assert [r.json.get("models", [r.model]) for r in fake.chat_requests()[2:]] == [[FREE_MODEL]] * 2
    assert told == [
        f"arb-lsp: today's spend ${2 * COST:.4f} reached budget.dailyUsd ${BUDGET:.2f}; "
        "only free models are used until tomorrow."
    ], running.shown()
