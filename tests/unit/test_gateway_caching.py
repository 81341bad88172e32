"""The gateway with prompt caching, against the fake OpenRouter (which caches and bills as documented): the
breakpoint it adds per model, and ledger rows that carry what the provider cached, whether the usage chunk came
or the stream was closed early and settled from ``GET /generation``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, Reply

from arb_lsp.openrouter.client import OpenRouterClient, RetryPolicy
from arb_lsp.openrouter.gateway import Gateway
from arb_lsp.openrouter.ledger import UsageLedger
from arb_lsp.openrouter.routing import TaskType

CLAUDE = "anthropic/claude-sonnet-4.5"
STABLE = "".join(f"def helper_{i}(x):\n    return x * {i}\n\n" for i in range(250))


def messages(tail: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "You complete code."}, {"role": "user", "content": STABLE + tail}]


@pytest.fixture
async def client(fake: FakeOpenRouter) -> AsyncIterator[OpenRouterClient]:
    client = OpenRouterClient(api_key=DEFAULT_API_KEY, base_url=fake.base_url, retry=RetryPolicy(attempts=1))
    yield client
    await client.close()


@pytest.fixture
def ledger(tmp_path):  # type: ignore[no-untyped-def]
    ledger = UsageLedger(tmp_path / "usage.sqlite3")
    yield ledger
    ledger.close()


async def test_whole_answers_record_cached_and_written_tokens(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    fake.default_reply = Reply.text("return 1")
    gateway = Gateway(client, ledger=ledger)
    for tail in ("a", "ab"):
        await gateway.ask(TaskType.COMPLETION, messages(tail), (CLAUDE,), stable_chars=len(STABLE))
    first, second = (r.json["messages"][-1]["content"] for r in fake.chat_requests())
    assert first[0] == second[0]  # the same stable block, with its breakpoint: read back
    assert first[0]["cache_control"] == {"type": "ephemeral"} and first[0]["text"] == STABLE
    (row,) = ledger.summary(1)
    billed = fake.billed()
    assert row["cachedTokens"] == billed[1]["native_tokens_cached"] > 0
    assert row["cacheWriteTokens"] > 0
    assert row["costUsd"] == pytest.approx(fake.billed_total())
    assert row["cacheSavedUsd"] == pytest.approx(sum(g["cache_discount"] for g in billed))


async def test_a_stream_closed_early_settles_its_cached_tokens_from_generation_stats(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    fake.generation_delay = 0.0
    fake.default_reply = Reply.text("word " * 100, tps=200)
    gateway = Gateway(client, ledger=ledger)
    for tail in ("a", "ab"):
        stream = gateway.stream(TaskType.COMPLETION, messages(tail), (CLAUDE,), stable_chars=len(STABLE))
        async with stream:
            async for _ in stream:
                break  # read until decided: no usage chunk
    await gateway.drain(5.0)
    (row,) = ledger.summary(1)
    assert row["estimated"] == 0
    assert row["costUsd"] == pytest.approx(fake.billed_total())
    assert row["cachedTokens"] == sum(g["native_tokens_cached"] for g in fake.billed()) > 0
