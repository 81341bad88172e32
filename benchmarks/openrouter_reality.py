"""Figures against OpenRouter as documented (through the stricter fake), measured on the real server.

``python -m benchmarks.openrouter_reality`` starts the fake OpenRouter and arb-lsp as a subprocess
driven over LSP on stdio, and prints three figures:

1. reasoning tokens per completion, per model: 0 where a model lets reasoning be switched off, the
   lowest effort's share of ``max_tokens`` where it does not;
2. the usage ledger's total against what the fake billed, for block completions closed as soon as the
   insertion is decided (Codestral: Mistral bills the whole answer; Claude: its provider stops);
3. upstream requests for 15 completions after the free models' daily cap, on a key without credits.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, Reply
from lsprotocol import types

from arb_lsp.openrouter.ledger import UsageLedger
from benchmarks import ROOT
from benchmarks.lsp_client import LspProcess

BLOCK = "def add(a, b):\n    "
#: The body, then code at column 0 (which ends the block) and much more the model goes on writing.
BLOCK_ANSWER = "return a + b\nresult = add(1, 2)\n" + "print(result)\n" * 120


def server_env(fake: FakeOpenRouter, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    env.update(
        OPENROUTER_BASE_URL=fake.base_url,
        OPENROUTER_API_KEY=DEFAULT_API_KEY,
        ARB_LSP_DATA_DIR=str(data),
        PYTHONPATH=str(ROOT),
    )
    return env


async def completions(
    fake: FakeOpenRouter, data: Path, init: dict[str, Any], sources: list[tuple[str, int, int]]
) -> list[Any]:
    """One completion per (text, line, column), each in its own document; the server is shut down after."""
    server = LspProcess([sys.executable, "-m", "arb_lsp"], server_env(fake, data), name="arb-lsp")
    await server.launch()
    answers = []
    try:
        await server.initialize({"completion": {"debounceMs": 0}, **init})
        for index, (text, line, column) in enumerate(sources):
            uri = f"file:///bench/reality_{index}.py"
            server.notify(
                types.TEXT_DOCUMENT_DID_OPEN,
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
                ),
            )
            params = types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=column),
            )
            answers.append(await server.request(types.TEXT_DOCUMENT_COMPLETION, params))
        await server.drain()
    finally:
        await server.shutdown()
    return answers


def block_sources(count: int, start: int = 0) -> list[tuple[str, int, int]]:
    return [(BLOCK.replace("add", f"add_{start + i}"), 1, 4) for i in range(count)]


async def reasoning_per_completion(fake: FakeOpenRouter, root: Path) -> dict[str, tuple[float, Any, Any]]:
    """Per model: mean reasoning tokens billed per completion, the reasoning and max_tokens it was sent."""
    models = [
        "~anthropic/claude-sonnet-latest",
        "~openai/gpt-latest",
        "deepseek/deepseek-r1",
        "mistralai/codestral-2508",
    ]
    fake.reset()
    fake.default_reply = Reply.text("return a + b\n")
    for index, model in enumerate(models):
        await completions(fake, root / f"r{index}", {"models": {"completion": model}}, block_sources(3, 10 * index))
    tokens: dict[str, list[int]] = defaultdict(list)
    for stats in fake.billed():
        tokens[stats["model"]].append(int(stats.get("native_tokens_reasoning") or 0))
    sent = {r.json["model"]: (r.json.get("reasoning"), r.json.get("max_tokens")) for r in fake.chat_requests()}
    return {m: (sum(tokens[m]) / max(len(tokens[m]), 1), *sent.get(m, (None, None))) for m in models}


async def ledger_against_billing(fake: FakeOpenRouter, root: Path) -> tuple[float, float, int]:
    fake.reset()
    fake.default_reply = Reply.text(BLOCK_ANSWER, tps=400)
    data = root / "ledger"
    for model in ("mistralai/codestral-2508", "~anthropic/claude-sonnet-latest"):
        await completions(
            fake, data, {"models": {"completion": model}}, block_sources(6, 100 if "claude" in model else 0)
        )
    ledger = UsageLedger(data / "usage.sqlite3")
    try:
        rows = ledger.summary(1)
    finally:
        ledger.close()
    closed_early = sum(1 for r in fake.chat_requests() if r.disconnected)
    return sum(r["costUsd"] for r in rows), fake.billed_total(), closed_early


async def requests_after_free_cap(fake: FakeOpenRouter, root: Path) -> tuple[int, int]:
    fake.reset()
    fake.free_daily_limit, fake.free_requests_today, fake.credits = 50, 50, 0.0
    server_root = root / "cap"
    await completions(fake, server_root, {}, block_sources(15))
    return len(fake.chat_requests()), sum(1 for r in fake.chat_requests() if (r.status or 0) >= 400)


async def main() -> None:
    with FakeOpenRouter() as fake, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        reasoning = await reasoning_per_completion(fake, root)
        ledger_total, billed, closed = await ledger_against_billing(fake, root)
        upstream, refused = await requests_after_free_cap(fake, root)
    print("1. Reasoning tokens per block completion (completion.maxTokens 256, the default)")
    for model, (tokens, param, max_tokens) in reasoning.items():
        print(f"   {model:34} {tokens:6.1f}   sent reasoning={param} max_tokens={max_tokens}")
    gap = abs(ledger_total - billed) / billed * 100 if billed else 0.0
    print(
        f"2. Ledger total ${ledger_total:.6f} vs billed by the fake ${billed:.6f}: {gap:.2f} % apart ({closed} of 12 streams closed early)"
    )
    print(
        f"3. Upstream requests for 15 completions after the daily free cap, no credits: {upstream} ({refused} refused)"
    )


if __name__ == "__main__":
    asyncio.run(main())
