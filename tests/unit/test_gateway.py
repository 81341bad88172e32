"""Fallback chains, native fallback lists, the answer cache, the usage ledger and the daily budget."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, Reply

from arb_lsp.openrouter import errors
from arb_lsp.openrouter.cache import TTLCache
from arb_lsp.openrouter.client import ChatStream, OpenRouterClient, RetryPolicy
from arb_lsp.openrouter.gateway import Answer, Gateway
from arb_lsp.openrouter.ledger import UsageEntry, UsageLedger
from arb_lsp.openrouter.routing import ROUTES, Priority, TaskType, free_only, select_models

FREE_A = "qwen/qwen3-coder:free"
FREE_B = "meta-llama/llama-3.3-70b-instruct:free"
PAID = "mistralai/codestral-2508"
CHAIN = (FREE_A, FREE_B, PAID)
MESSAGES = [{"role": "user", "content": "hi"}]


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def client(fake: FakeOpenRouter):  # type: ignore[no-untyped-def]
    client = OpenRouterClient(
        api_key=DEFAULT_API_KEY, base_url=fake.base_url, retry=RetryPolicy(attempts=1, sleep=no_sleep)
    )
    yield client
    await client.close()


@pytest.fixture
def ledger(tmp_path):  # type: ignore[no-untyped-def]
    ledger = UsageLedger(tmp_path / "usage.sqlite3")
    yield ledger
    ledger.close()


async def test_native_models_list_is_sent(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    answer = await Gateway(client).ask(TaskType.COMPLETION, MESSAGES, CHAIN)
    assert answer.text == "pass"
    assert fake.chat_requests()[0].json["models"] == list(CHAIN)
    assert fake.chat_requests()[0].json["model"] == FREE_A


@pytest.mark.parametrize(
    "failure",
    [
        Reply.error(429, "free model rate limit"),
        Reply.error(404, "No endpoints found", code=404),
        Reply.error(502, "provider down"),
        Reply.drop(),
        Reply.midstream_error("overloaded", after="", code=503),
    ],
)
async def test_falls_back_client_side_before_the_first_token(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger, failure: Reply
) -> None:
    fake.script(failure, model=FREE_A)
    fake.script(Reply.text("from B", model=FREE_B), model=FREE_B)
    answer = await Gateway(client, ledger=ledger).ask(TaskType.COMPLETION, MESSAGES, CHAIN)
    assert (answer.text, answer.model) == ("from B", FREE_B)
    assert [r.model for r in fake.chat_requests()] == [FREE_A, FREE_B]
    assert fake.chat_requests()[1].json["models"] == [FREE_B, PAID]
    outcomes = [row["errors"] for row in ledger.summary(1)]
    assert sum(outcomes) == 1 and ledger.count() == 2


async def test_no_fallback_for_auth_errors(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    fake.default_reply = Reply.error(401, "bad key")
    with pytest.raises(errors.AuthenticationError):
        await Gateway(client).ask(TaskType.COMPLETION, MESSAGES, CHAIN)
    assert len(fake.chat_requests()) == 1


async def test_out_of_credits_falls_back_to_free_models_only(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    chain = (PAID, "openai/gpt-5", FREE_B)
    fake.script(Reply.error(402, "Insufficient credits"), model=PAID)
    answer = await Gateway(client).ask(TaskType.COMPLETION, MESSAGES, chain)
    assert answer.model == FREE_B
    assert [r.model for r in fake.chat_requests()] == [PAID, FREE_B]


async def test_all_models_failing_raises_the_last_error(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    fake.default_reply = Reply.error(503, "down")
    with pytest.raises(errors.UpstreamError):
        await Gateway(client).ask(TaskType.EXPLAIN, MESSAGES, CHAIN)
    assert len(fake.chat_requests()) == 3


async def test_cache_hit_sends_nothing(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    gateway = Gateway(client, cache=TTLCache[Answer](ttl=60))
    first = await gateway.ask(TaskType.EXPLAIN, MESSAGES, CHAIN, max_tokens=10)
    second = await gateway.ask(TaskType.EXPLAIN, MESSAGES, CHAIN, max_tokens=10)
    third = await gateway.ask(TaskType.EXPLAIN, MESSAGES, CHAIN, max_tokens=11)
    assert (first.cached, second.cached, third.cached) == (False, True, False)
    assert second.text == first.text
    assert len(fake.chat_requests()) == 2


def test_cache_is_bounded_lru_with_ttl() -> None:
    now = [0.0]
    cache: TTLCache[int] = TTLCache(max_entries=2, ttl=10, clock=lambda: now[0])
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)  # evicts b, the least recently used
    assert cache.get("b") is None and cache.get("a") == 1
    now[0] = 11
    assert cache.get("a") is None and len(cache) == 1


async def test_ledger_records_tokens_cost_and_outcome(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    fake.script(Reply.text("answer", cost=0.002))
    await Gateway(client, ledger=ledger).ask(TaskType.DOCSTRING, MESSAGES, (PAID,))
    (row,) = ledger.summary(1)
    assert row["model"] == PAID and row["requests"] == 1 and row["errors"] == 0
    assert row["costUsd"] == pytest.approx(0.002) and row["completionTokens"] > 0
    assert ledger.today()["costUsd"] == pytest.approx(0.002)


async def test_stopping_a_stream_early_is_recorded_and_closes_upstream(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    fake.script(Reply.text("z" * 300, chunks=["z"] * 300, tps=300))
    stream = Gateway(client, ledger=ledger).stream(TaskType.COMPLETION, MESSAGES, (FREE_A,))
    async with stream:
        async for _ in stream:
            break
    assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=2)
    assert ledger.summary(1)[0]["requests"] == 1


async def test_a_stream_left_early_is_closed_explicitly_before_its_slot_is_freed(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    """With garbage collection off and the client's stream held here, only the gateway's own ``aclose`` can
    close the connection; the gateway's one slot must still be taken while it does (so a waiting request
    never runs alongside a connection that is still open)."""
    fake.script(Reply.text(chunks=["z"] * 100, tps=5))
    gateway = Gateway(client, max_concurrent=1)
    held: list[ChatStream] = []
    closes: list[tuple[bool, bool]] = []  # (slot taken when aclose began, slot taken when it had finished)
    real_stream = client.stream

    def spied_stream(*args: Any, **kwargs: Any) -> ChatStream:
        stream = real_stream(*args, **kwargs)
        held.append(stream)
        real_close = stream.aclose

        async def aclose() -> None:
            taken = gateway._slots.locked()
            await real_close()
            closes.append((taken, gateway._slots.locked()))

        stream.aclose = aclose  # type: ignore[method-assign]
        return stream

    client.stream = spied_stream  # type: ignore[method-assign]
    gc.disable()
    try:
        stream = gateway.stream(TaskType.COMPLETION, MESSAGES, (FREE_A,))
        async with stream:
            async for _ in stream:
                break
        assert closes == [(True, True)], "closed by the gateway, while its slot was still taken"
        assert not gateway._slots.locked(), "the slot is free once the stream is closed"
        first = fake.chat_requests()[0]
        assert await fake.wait_for_async(lambda: first.disconnected, timeout=5), "the fake saw the close"
        assert len(held) == 1
    finally:
        gc.enable()


async def test_budget_spent_means_free_models_only_and_one_notice(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    ledger.record(UsageEntry(task="completion", model=PAID, outcome="ok", cost=1.5))
    notices: list[tuple[float, float]] = []
    gateway = Gateway(client, ledger=ledger, budget_usd=1.0, on_budget_exceeded=lambda s, c: notices.append((s, c)))
    await gateway.ask(TaskType.COMPLETION, MESSAGES, (PAID, FREE_B))
    await gateway.ask(TaskType.COMPLETION, [{"role": "user", "content": "again"}], (PAID, FREE_B))
    assert [r.model for r in fake.chat_requests()] == [FREE_B, FREE_B]
    assert notices == [(1.5, 1.0)]


async def test_under_budget_uses_paid_models(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    gateway = Gateway(client, ledger=ledger, budget_usd=1.0)
    await gateway.ask(TaskType.COMPLETION, MESSAGES, (PAID, FREE_B))
    assert fake.chat_requests()[0].model == PAID


def test_routing_table_and_overrides() -> None:
    assert select_models(TaskType.COMPLETION, Priority.COST)[0].endswith(":free")
    assert select_models(TaskType.COMPLETION, Priority.QUALITY) == ROUTES[TaskType.COMPLETION][Priority.QUALITY]
    assert select_models(TaskType.EXPLAIN, Priority.COST, {"explain": "x/y"}) == ("x/y",)
    assert select_models(TaskType.EXPLAIN, Priority.COST, {"explain": ["x/y", "z/w"]}) == ("x/y", "z/w")
    assert free_only((PAID, FREE_B)) == (FREE_B,)
    assert all(m.endswith(":free") for m in free_only((PAID,)))


def test_reading_only_until_decided_is_not_an_error(ledger: UsageLedger) -> None:
    ledger.record(UsageEntry(task="completion", model=FREE_A, outcome="stopped"))
    ledger.record(UsageEntry(task="completion", model=FREE_A, outcome="cancelled"))
    ledger.record(UsageEntry(task="completion", model=FREE_A, outcome="rate_limit"))
    (row,) = ledger.summary(1)
    assert (row["requests"], row["errors"], row["cancelled"]) == (3, 1, 1)
