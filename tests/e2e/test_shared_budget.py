"""Two editors, one budget: two server processes on one usage ledger (two VS Code windows, or VS Code and
Neovim) keep one ``budget.dailyUsd`` between them, overshooting by no more than the requests in flight."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fake_openrouter import FREE_MODEL, PAID_MODEL, FakeOpenRouter, Reply
from lsp_support import complete, lsp_session, open_document
from lsprotocol import types
from pytest_lsp import LanguageClient

COST = 0.001
#: Worth 9.5 paid requests.
BUDGET = 0.0095
ROUNDS = 12


def billed(body: dict[str, Any]) -> Reply:
    model = (body.get("models") or [body.get("model")])[0]
    return Reply.text("compute()", cost=COST if model == PAID_MODEL else 0.0)


async def _ask(client: LanguageClient, name: str) -> bool:
    line = f"{name} = "
    uri = open_document(client, line + "\n", uri=f"file:///work/ws/{name}.py")
    return bool((await complete(client, uri, types.Position(line=0, character=len(line)))).items)


async def test_two_servers_on_one_ledger_share_one_daily_budget(fake: FakeOpenRouter, tmp_path: Path) -> None:
    options = {"models": {"completion": [PAID_MODEL, FREE_MODEL]}, "budget": {"dailyUsd": BUDGET}}
    fake.default_reply = billed
    shared = tmp_path / "data"  # one ARB_LSP_DATA_DIR: one ledger
    async with (
        lsp_session(fake, shared, init_options=options) as first,
        lsp_session(fake, shared, init_options=options) as second,
    ):
        answered: list[bool] = []
        for i in range(ROUNDS):
            # Interleaved, and each pair at the same time: one request of the other process may be in flight.
            answered += await asyncio.gather(_ask(first, f"a_{i}"), _ask(second, f"b_{i}"))
    assert all(answered), "past the budget, free models still answer"
    paid = [r for r in fake.chat_requests() if r.model == PAID_MODEL]
    # 9.5 requests' worth: the 10th is still under the budget when asked; one more may be in flight elsewhere.
    assert 10 <= len(paid) <= 10 + 1, len(paid)
    assert round(fake.billed_total(), 6) == round(len(paid) * COST, 6)
