"""Fallback chains, native fallback lists, the answer cache, the usage ledger and the daily budget."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, Reply

from arb_lsp.openrouter import errors
from arb_lsp.openrouter.cache import TTLCache
from arb_lsp.openrouter.client import ChatStream, OpenRouterClient, RetryPolicy
from arb_lsp.openrouter.gateway import Answer, Gateway, TaskPreferences
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
    assert fake.chat_requests()[0].json["models"] == [FREE_A, FREE_B], "free and paid models never share a list"
    assert fake.chat_requests()[0].json["model"] == FREE_A


@pytest.mark.parametrize(
    "failure",
    [
        Reply.error(429, "free model rate limit"),
        Reply.error(404, "No endpoints found", code=404),
        Reply.error(502, "provider down"),
    ],
)
async def test_openrouter_falls_back_along_the_native_list_in_one_request(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger, failure: Reply
) -> None:
    fake.script(failure, model=FREE_A)
    fake.script(Reply.text("from B", model=FREE_B), model=FREE_B)
    answer = await Gateway(client, ledger=ledger).ask(TaskType.COMPLETION, MESSAGES, CHAIN)
    assert (answer.text, answer.model) == ("from B", FREE_B)
    assert [r.attempted for r in fake.chat_requests()] == [[FREE_A, FREE_B]]
    assert ledger.count() == 1


@pytest.mark.parametrize(
    "failure", [Reply.drop(), Reply.midstream_error("overloaded", after="", code=503)], ids=["drop", "midstream"]
)
async def test_falls_back_client_side_when_the_served_model_fails_before_the_first_token(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger, failure: Reply
) -> None:
    fake.script(failure, model=FREE_A)
    fake.script(Reply.text("from B", model=FREE_B), model=FREE_B)
    answer = await Gateway(client, ledger=ledger).ask(TaskType.COMPLETION, MESSAGES, CHAIN)
    assert (answer.text, answer.model) == ("from B", FREE_B)
    assert [r.model for r in fake.chat_requests()] == [FREE_A, FREE_B]
    outcomes = [row["errors"] for row in ledger.summary(1)]
    assert sum(outcomes) == 1 and ledger.count() == 2


async def test_no_fallback_for_auth_errors(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    fake.default_reply = Reply.error(401, "bad key")
    with pytest.raises(errors.AuthenticationError):
        await Gateway(client).ask(TaskType.COMPLETION, MESSAGES, CHAIN)
    assert len(fake.chat_requests()) == 1


async def test_out_of_credits_falls_back_to_free_models_only(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    chain = (PAID, "openai/gpt-5", FREE_B)
    fake.credits = 0.0
    gateway = Gateway(client)
    answer = await gateway.ask(TaskType.COMPLETION, MESSAGES, chain)
    assert answer.model == FREE_B
    assert [r.attempted for r in fake.chat_requests()] == [[PAID], [FREE_B]], "gpt-5 is paid too: not asked"
    await gateway.ask(TaskType.COMPLETION, [{"role": "user", "content": "again"}], chain)
    assert [r.attempted for r in fake.chat_requests()][-1] == [FREE_B], "no paid request certain to fail"


async def test_all_models_failing_raises_the_last_error(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    fake.default_reply = Reply.error(503, "down")
    with pytest.raises(errors.UpstreamError):
        await Gateway(client).ask(TaskType.EXPLAIN, MESSAGES, CHAIN)
    # The free pair failed as a whole inside one request: never asked again.
    assert [r.attempted for r in fake.chat_requests()] == [[FREE_A, FREE_B], [PAID]]


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


# -- against OpenRouter as documented: limits, reasoning, billing, routing -----------------------------


async def test_free_daily_cap_is_said_once_and_stops_requests_certain_to_fail(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    fake.free_daily_limit, fake.free_requests_today, fake.credits = 50, 50, 0.0
    told: list[str] = []
    gateway = Gateway(client, ledger=ledger, on_free_limit=told.append)
    raised: list[errors.OpenRouterError] = []
    for i in range(15):
        with pytest.raises(errors.OpenRouterError) as caught:
            await gateway.ask(TaskType.COMPLETION, [{"role": "user", "content": f"n{i}"}], CHAIN)
        raised.append(caught.value)
    assert len(fake.chat_requests()) == 2, [r.attempted for r in fake.chat_requests()]
    assert len(told) == 1 and told[0].startswith("50 free requests a day reached; resets at 00:00 UTC, in ")
    assert "10 credits raise it to 1,000, or set a paid model" in told[0]
    assert all(isinstance(e, errors.InsufficientCreditsError) for e in raised)
    assert "free models" not in raised[0].message.replace("the free models' daily limit", "")
    assert "50 free requests a day reached" in raised[0].message


async def test_free_cap_read_from_error_metadata_alone(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    reset = str(int(__import__("time").time() * 1000) + 2 * 3_600_000)
    fake.script(
        Reply.error(429, "Rate limit exceeded: free-models-per-day", metadata={"headers": {"X-RateLimit-Reset": reset}})
    )
    gateway = Gateway(client)
    answer = await gateway.ask(TaskType.EXPLAIN, MESSAGES, (FREE_A, PAID))
    assert answer.model == PAID and gateway.free_limited
    await gateway.ask(TaskType.EXPLAIN, [{"role": "user", "content": "x"}], (FREE_A, PAID))
    assert [r.attempted for r in fake.chat_requests()] == [[FREE_A], [PAID], [PAID]]


async def test_402_alone_advises_free_models(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    fake.credits = 0.0
    with pytest.raises(errors.InsufficientCreditsError) as caught:
        await Gateway(client).ask(TaskType.EXPLAIN, MESSAGES, (PAID,))
    assert "use free models" in caught.value.message


async def test_402_after_free_models_failed_does_not_advise_them(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    fake.credits = 0.0
    fake.script(Reply.error(429, "slow down"), Reply.error(429, "slow down"), model=FREE_A)
    with pytest.raises(errors.InsufficientCreditsError) as caught:
        await Gateway(client).ask(TaskType.EXPLAIN, MESSAGES, (FREE_A, PAID))
    assert "use free models" not in caught.value.message and "free models failed too" in caught.value.message


async def test_completion_switches_reasoning_off_and_the_others_think_a_little(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    gateway = Gateway(client)
    await gateway.ask(TaskType.COMPLETION, MESSAGES, ("~anthropic/claude-sonnet-latest",), max_tokens=64)
    await gateway.ask(TaskType.EXPLAIN, MESSAGES, ("~anthropic/claude-sonnet-latest",), max_tokens=400)
    completion, explain = fake.chat_requests()
    assert completion.json["reasoning"] == {"effort": "none"} and completion.json["max_tokens"] == 64
    assert completion.json["provider"] == {"sort": "latency"}, "completion routes latency first"
    assert explain.json["reasoning"] == {"effort": "low"} and explain.json["max_tokens"] == 500
    assert "provider" not in explain.json


async def test_mandatory_reasoning_uses_the_lowest_effort_and_room_for_the_answer(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    fake.default_reply = Reply.text("return a + b")
    answer = await Gateway(client, ledger=ledger).ask(TaskType.COMPLETION, MESSAGES, ("openai/gpt-5",), max_tokens=32)
    assert answer.text == "return a + b"
    (request,) = fake.chat_requests()
    assert request.json["reasoning"] == {"effort": "minimal"} and request.json["max_tokens"] == 36
    assert ledger.summary(1)[0]["reasoningTokens"] == 3


async def test_a_model_found_to_need_reasoning_is_asked_again_with_effort(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    gateway = Gateway(client)
    await gateway.load_catalogue()
    gateway.catalogue["openai/gpt-5"].reasoning.mandatory = False  # type: ignore[union-attr]  # a stale catalogue
    answer = await gateway.ask(TaskType.COMPLETION, MESSAGES, ("openai/gpt-5",), max_tokens=32)
    assert answer.text == "pass"
    assert [r.json["reasoning"] for r in fake.chat_requests()] == [{"effort": "none"}, {"effort": "minimal"}]


async def test_reasoning_deltas_are_progress_never_text(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    fake.default_reply = Reply.text("done", tps=200)
    stream = Gateway(client).stream(TaskType.EXPLAIN, MESSAGES, ("deepseek/deepseek-r1",), max_tokens=400)
    ticks: list[int] = []
    stream.on_progress = lambda: ticks.append(1)
    answer = await Gateway.finish(stream)
    assert answer.text == "done" and len(ticks) > 2  # 100 reasoning tokens (low) in chunks of 8, then "done"


async def test_an_empty_answer_cut_by_length_falls_back_naming_the_cause(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    fake.script(Reply.text("never shown", reasoning_tokens=500), model="deepseek/deepseek-r1")
    answer = await Gateway(client).ask(TaskType.EXPLAIN, MESSAGES, ("deepseek/deepseek-r1", PAID), max_tokens=40)
    assert answer.model == PAID
    fake.script(Reply.text("never shown", reasoning_tokens=500), model="deepseek/deepseek-r1")
    with pytest.raises(errors.EmptyAnswerError) as caught:
        await Gateway(client).ask(
            TaskType.EXPLAIN, [{"role": "user", "content": "b"}], ("deepseek/deepseek-r1",), max_tokens=40
        )
    assert "reasoning" in caught.value.message and "no answer" in caught.value.message


async def test_a_stream_closed_early_is_estimated_then_settled_from_generation_stats(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    fake.script(Reply.text("word " * 200, tps=100))  # Codestral: Mistral bills the whole answer anyway
    gateway = Gateway(client, ledger=ledger)
    stream = gateway.stream(TaskType.COMPLETION, MESSAGES, (PAID,))
    async with stream:
        async for _ in stream:
            break
    (row,) = ledger.summary(1)
    assert row["estimated"] == 1 and 0 < row["costUsd"] < fake.billed_total() / 2
    await gateway.drain(5.0)
    (row,) = ledger.summary(1)
    assert row["estimated"] == 0 and row["costUsd"] == pytest.approx(fake.billed_total())


async def test_estimates_left_by_an_earlier_run_are_settled_by_the_next(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    fake.script(Reply.text("word " * 200, tps=100))
    first = Gateway(client, ledger=ledger)
    stream = first.stream(TaskType.COMPLETION, MESSAGES, (PAID,))
    async with stream:
        async for _ in stream:
            break
    await first.drain(0.0)  # shut down at once: the estimate stays in the ledger
    assert ledger.summary(1)[0]["estimated"] == 1
    second = Gateway(client, ledger=ledger)
    assert second.settle_outstanding() == 1
    await second.drain(5.0)
    assert ledger.summary(1)[0]["costUsd"] == pytest.approx(fake.billed_total())


async def test_provider_preferences_per_task(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    prefs = {
        TaskType.COMPLETION: TaskPreferences(provider={"sort": "throughput", "zdr": True}),
        TaskType.EXPLAIN: TaskPreferences(reasoning="high", provider={"data_collection": "deny"}),
    }
    gateway = Gateway(client, preferences=prefs)
    await gateway.ask(TaskType.COMPLETION, MESSAGES, (PAID,))
    await gateway.ask(TaskType.EXPLAIN, MESSAGES, ("openai/gpt-5",), max_tokens=100)
    completion, explain = fake.chat_requests()
    assert completion.json["provider"] == {"sort": "throughput", "zdr": True}
    assert explain.json["provider"] == {"data_collection": "deny"}
    assert explain.json["reasoning"] == {"effort": "high"} and explain.json["max_tokens"] == 500


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (Reply.unavailable("privacy_restricted"), "not_found", "data policy"),
        (Reply.unavailable("region_restricted"), "not_found", "region"),
        (
            Reply.error(403, "Blocked by guardrail", metadata={"error_type": "guardrail_blocked"}),
            "refused",
            "guardrail",
        ),
        (Reply.error(403, "Key lacks permission for this model"), "refused", "permission"),
    ],
    ids=["privacy", "region", "guardrail", "permission"],
)
async def test_refusals_fall_back_with_their_own_message(
    fake: FakeOpenRouter, client: OpenRouterClient, reply: Reply, kind: str, words: str
) -> None:
    fake.script(reply, model="a/one")
    answer = await Gateway(client).ask(TaskType.EXPLAIN, MESSAGES, ("a/one", PAID))
    assert answer.model == PAID
    fake.default_reply = reply
    with pytest.raises(errors.OpenRouterError) as caught:
        await Gateway(client).ask(TaskType.EXPLAIN, [{"role": "user", "content": "z"}], ("a/one",))
    assert caught.value.kind == kind and words in caught.value.message
    assert "moderation" not in caught.value.message


async def test_retryable_availability_is_retried_after_its_pause(fake: FakeOpenRouter) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    fake.script(Reply.unavailable("capacity_exhausted", retryable=True, retry_after=2))
    async with OpenRouterClient(
        api_key=DEFAULT_API_KEY, base_url=fake.base_url, retry=RetryPolicy(attempts=2, sleep=sleep)
    ) as client:
        answer = await Gateway(client).ask(TaskType.EXPLAIN, MESSAGES, (PAID,))
    assert answer.text == "pass" and waits == [2.0]
    fake.script(Reply.unavailable("no_endpoints", retryable=False, retry_after=2))
    async with OpenRouterClient(
        api_key=DEFAULT_API_KEY, base_url=fake.base_url, retry=RetryPolicy(attempts=2, sleep=sleep)
    ) as client:
        with pytest.raises(errors.NoEndpointsError):
            await Gateway(client).ask(TaskType.EXPLAIN, [{"role": "user", "content": "q"}], (PAID,))
    assert waits == [2.0], "not retryable: not retried"


# -- OpenRouter's hints: error.availability.fallback_models, 402 on free models, the free cap's reset --------

RETIRED = "old/retired-model"


async def test_fallback_models_openrouter_suggests_join_the_chain_after_the_users_own(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    fake.retired = {RETIRED: [RETIRED, FREE_B, PAID]}
    fake.script(Reply.error(503, "down"), model=PAID)
    answer = await Gateway(client).ask(TaskType.EXPLAIN, MESSAGES, (RETIRED, PAID))
    # The user's own PAID first (once: not again as a suggestion), then OpenRouter's FREE_B; RETIRED never twice.
    assert [r.attempted for r in fake.chat_requests()] == [[RETIRED], [PAID], [FREE_B]]
    assert answer.model == FREE_B


async def test_suggested_paid_models_are_not_asked_once_the_budget_is_spent(
    fake: FakeOpenRouter, client: OpenRouterClient, ledger: UsageLedger
) -> None:
    ledger.record(UsageEntry(task="explain", model=PAID, outcome="ok", cost=2.0))
    fake.retired = {FREE_A: [PAID, "openai/gpt-5", FREE_B]}
    answer = await Gateway(client, ledger=ledger, budget_usd=1.0).ask(TaskType.EXPLAIN, MESSAGES, (FREE_A,))
    assert [r.attempted for r in fake.chat_requests()] == [[FREE_A], [FREE_B]]
    assert answer.model == FREE_B


async def test_a_402_on_free_models_stops_free_models_too_with_openrouters_advice(
    fake: FakeOpenRouter, client: OpenRouterClient
) -> None:
    fake.credits = -0.5
    gateway = Gateway(client)
    for text in ("one", "two"):
        with pytest.raises(errors.InsufficientCreditsError) as caught:
            await gateway.ask(TaskType.COMPLETION, [{"role": "user", "content": text}], CHAIN)
        assert "balance is negative" in caught.value.message and "above zero" in caught.value.message
    # One request: the free pair's 402 says the paid model (and the free ones, next time) would fail too.
    assert [r.attempted for r in fake.chat_requests()] == [[FREE_A, FREE_B]]


async def test_the_free_cap_lifts_at_openrouters_reset_time(fake: FakeOpenRouter, client: OpenRouterClient) -> None:
    import asyncio
    import time

    reset_ms = int(time.time() * 1000) + 1500
    fake.free_daily_limit, fake.free_reset_ms = 1, reset_ms
    gateway = Gateway(client)
    for i in range(3):
        await gateway.ask(TaskType.EXPLAIN, [{"role": "user", "content": f"before {i}"}], (FREE_A, PAID))
    assert [r.attempted for r in fake.chat_requests()] == [[FREE_A], [FREE_A], [PAID], [PAID]]
    assert gateway.free_limited
    await asyncio.sleep(max(0.0, reset_ms / 1000 - time.time()) + 0.2)  # time moves past OpenRouter's reset
    assert not gateway.free_limited
    answer = await gateway.ask(TaskType.EXPLAIN, [{"role": "user", "content": "after"}], (FREE_A, PAID))
    assert answer.model == FREE_A and fake.chat_requests()[-1].attempted == [FREE_A]
