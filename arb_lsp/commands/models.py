"""``arb-lsp models``: OpenRouter's model catalogue as a table, or JSON for scripts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from arb_lsp.commands.base import EXIT_OK, openrouter_session, tell, usable_settings, write_out
from arb_lsp.commands.terminal import count, per_million, table
from arb_lsp.openrouter.types import ModelInfo


def model_record(model: ModelInfo) -> dict[str, Any]:
    """The JSON shape of one model (the same keys as the server's ``arbLsp.listModels``; prices in USD
    per token, as OpenRouter gives them)."""
    return {
        "id": model.id,
        "name": model.name,
        "contextLength": model.context_length,
        "promptPrice": model.pricing.prompt,
        "completionPrice": model.pricing.completion,
        "free": model.is_free,
    }


def matches(model: ModelInfo, words: list[str]) -> bool:
    haystack = f"{model.id} {model.name}".lower()
    return all(word in haystack for word in words)


async def run(args: argparse.Namespace) -> int:
    settings = usable_settings(args)
    async with openrouter_session(settings, need_key=False) as session:
        models = await session.client.list_models()
    words = (args.search or "").lower().split()
    chosen = sorted(
        (m for m in models if (m.is_free or not args.free) and matches(m, words)),
        key=lambda m: m.id,
    )
    if args.json:
        write_out(json.dumps([model_record(m) for m in chosen], indent=2) + "\n")
        return EXIT_OK
    if not chosen:
        tell("no model matches." if words or args.free else "the catalogue is empty.")
        return EXIT_OK
    rows = [
        [
            m.id,
            m.name,
            count(m.context_length) if m.context_length else "?",
            per_million(m.pricing.prompt),
            per_million(m.pricing.completion),
            "free" if m.is_free else "",
        ]
        for m in chosen
    ]
    headers = ["ID", "NAME", "CONTEXT", "PROMPT $/M", "COMPLETION $/M", "FREE"]
    free = sum(1 for m in chosen if m.is_free)
    plural = "s" if len(chosen) != 1 else ""
    write_out(table(headers, rows, right=(2, 3, 4)) + f"\n{len(chosen)} model{plural}, {free} free.\n")
    return EXIT_OK
