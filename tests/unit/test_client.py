"""The OpenRouter client against the fake OpenRouter: parsing, errors, key hygiene, retries, closing."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, Reply

from arb_lsp.openrouter import errors
from arb_lsp.openrouter.client import OpenRouterClient, RetryPolicy, base_url_problem
from arb_lsp.openrouter.types import StreamResult

MODEL = "qwen/qwen3-coder:free"
MESSAGES = [{"role": "user", "content": "say pass"}]


class RecordedSleep:
    """A shortened clock: records the delays the client asks for instead of sleeping them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def make_client(
    fake: FakeOpenRouter, *, attempts: int = 3, sleep: RecordedSleep | None = None, **kwargs: object
) -> OpenRouterClient:
    retry = RetryPolicy(attempts=attempts, sleep=sleep or RecordedSleep())
    return OpenRouterClient(api_key=DEFAULT_API_KEY, base_url=fake.base_url, retry=retry, **kwargs)  # type: ignore[arg-type]


async def collect(client: OpenRouterClient, **params: object) -> tuple[str, object]:
    stream = client.stream(MODEL, MESSAGES, **params)
    text = "".join([piece async for piece in stream])
    return text, stream.result


async def test_complete_returns_typed_response_with_usage_and_attribution(fake: FakeOpenRouter) -> None:
    fake.script(Reply.text("return 42", model="qwen/qwen3-coder", cost=0.00012))
    async with make_client(fake, app_name="tester", app_url="https://example.test") as client:
        response = await client.complete(MODEL, MESSAGES, max_tokens=5)
    assert response.text == "return 42"
    assert response.model == "qwen/qwen3-coder"
    assert response.finish_reason == "stop"
    assert response.usage is not None and response.usage.cost == pytest.approx(0.00012)
    request = fake.chat_requests()[0]
    assert request.headers["x-title"] == "tester"
    assert request.headers["http-referer"] == "https://example.test"
    assert request.headers["authorization"] == f"Bearer {DEFAULT_API_KEY}"
    assert request.json["max_tokens"] == 5 and not request.stream


async def test_stream_yields_pieces_and_usage_after_comments_and_usage_chunk(fake: FakeOpenRouter) -> None:
    fake.script(Reply.text(chunks=["def ", "fé", "e():", " 🎉"], cost=0.5))
    async with make_client(fake) as client:
        text, result = await collect(client)
    assert text == "def fée(): 🎉"
    assert result.usage is not None and result.usage.cost == pytest.approx(0.5)  # type: ignore[attr-defined]
    assert result.finish_reason == "stop"  # type: ignore[attr-defined]
    request = fake.chat_requests()[0]
    assert "usage" not in request.json, "usage: {include: true} is deprecated: usage always comes"
    assert request.headers["x-openrouter-title"] == "arb-lsp"
    assert request.headers["x-openrouter-categories"] == "ide-extension"
    assert request.headers["http-referer"].startswith("https://")


async def test_connection_is_reused_across_requests(fake: FakeOpenRouter) -> None:
    async with make_client(fake) as client:
        for _ in range(3):
            await client.complete(MODEL, MESSAGES)
    assert fake.connections_opened == 1


@pytest.mark.parametrize("shape", ["top", "choice"])
async def test_midstream_error_raises_typed_error_in_both_shapes(fake: FakeOpenRouter, shape: str) -> None:
    fake.script(Reply.midstream_error("Provider disconnected", after="par", code=502, shape=shape))  # type: ignore[arg-type]
    got: list[str] = []
    async with make_client(fake) as client:
        with pytest.raises(errors.UpstreamError) as caught:
            async for piece in client.stream(MODEL, MESSAGES):
                got.append(piece)
    assert "".join(got) == "par"
    assert "Provider disconnected" in caught.value.message
    assert len(fake.chat_requests()) == 1, "never retried after the first token"


async def test_midstream_error_with_string_code(fake: FakeOpenRouter) -> None:
    fake.script(Reply.midstream_error("context too long", after="", code="context_length_exceeded"))
    async with make_client(fake) as client:
        with pytest.raises(errors.StreamError, match="context too long"):
            await collect(client)


STATUS_CASES = [
    (400, errors.BadRequestError, "rejected the request"),
    (401, errors.AuthenticationError, "Set OPENROUTER_API_KEY or the apiKey setting"),
    (402, errors.InsufficientCreditsError, "credits"),
    (403, errors.ModerationError, "moderation"),
    (404, errors.NoEndpointsError, "No provider"),
    (408, errors.RequestTimeoutError, "timed out"),
    (429, errors.RateLimitError, "rate-limiting"),
    (500, errors.UpstreamError, "failed"),
    (502, errors.UpstreamError, "failed"),
    (503, errors.UpstreamError, "failed"),
]


@pytest.mark.parametrize(("status", "kind", "hint"), STATUS_CASES)
@pytest.mark.parametrize("streamed", [False, True])
async def test_each_status_maps_to_a_typed_actionable_error(
    fake: FakeOpenRouter, status: int, kind: type[errors.OpenRouterError], hint: str, streamed: bool
) -> None:
    fake.default_reply = Reply.error(status, f"upstream says {status}")
    async with make_client(fake, attempts=1) as client:
        with pytest.raises(kind) as caught:
            if streamed:
                await collect(client)
            else:
                await client.complete(MODEL, MESSAGES)
    assert hint in caught.value.message
    assert caught.value.status == status
    assert DEFAULT_API_KEY not in str(caught.value) and DEFAULT_API_KEY not in repr(caught.value)


async def test_bad_key_is_401_with_setting_hint_and_key_never_in_text(fake: FakeOpenRouter) -> None:
    secret = "sk-or-v1-" + "ab" * 32
    client = OpenRouterClient(api_key=secret, base_url=fake.base_url, retry=RetryPolicy(sleep=RecordedSleep()))
    assert secret not in repr(client)
    with pytest.raises(errors.AuthenticationError) as caught:
        await client.complete(MODEL, MESSAGES)
    await client.close()
    assert "OPENROUTER_API_KEY" in caught.value.message
    assert secret not in str(caught.value)


async def test_upstream_message_echoing_the_key_is_scrubbed(fake: FakeOpenRouter) -> None:
    fake.default_reply = Reply.error(400, f"bad header Bearer {DEFAULT_API_KEY}")
    async with make_client(fake, attempts=1) as client:
        with pytest.raises(errors.BadRequestError) as caught:
            await client.complete(MODEL, MESSAGES)
    assert DEFAULT_API_KEY not in caught.value.message


async def test_missing_key_fails_before_sending(fake: FakeOpenRouter) -> None:
    client = OpenRouterClient(api_key=None, base_url=fake.base_url)
    with pytest.raises(errors.MissingApiKeyError, match="OPENROUTER_API_KEY"):
        await client.complete(MODEL, MESSAGES)
    await client.close()
    assert fake.chat_requests() == []


UNUSABLE = {
    "error in a 200": (Reply.ok_with_error("Provider returned error", code=502), errors.UpstreamError),
    "no choices": (Reply.no_choices(), errors.InvalidResponseError),
    "html": (Reply.html(200), errors.InvalidResponseError),
    "garbage": (Reply.garbage(), errors.InvalidResponseError),
}


@pytest.mark.parametrize("case", list(UNUSABLE))
async def test_unusable_200_bodies(fake: FakeOpenRouter, case: str) -> None:
    fake.default_reply, kind = UNUSABLE[case]
    async with make_client(fake, attempts=1) as client:
        with pytest.raises(kind):
            await client.complete(MODEL, MESSAGES)


@pytest.mark.parametrize("case", ["error in a 200", "html", "garbage"])
async def test_unusable_200_streams_raise_from_the_client(fake: FakeOpenRouter, case: str) -> None:
    fake.default_reply, kind = UNUSABLE[case]
    async with make_client(fake, attempts=1) as client:
        with pytest.raises(kind):
            await collect(client)  # the client itself raises: a broken stream is not "no text"


async def test_a_stream_without_choices_yields_nothing(fake: FakeOpenRouter) -> None:
    """Choice-less chunks are normal in a stream (OpenRouter's usage chunk is one): no text, no finish reason."""
    fake.default_reply = Reply.no_choices()
    async with make_client(fake, attempts=1) as client:
        text, result = await collect(client)
    assert text == "" and isinstance(result, StreamResult) and result.finish_reason is None


async def test_html_error_page_says_so(fake: FakeOpenRouter) -> None:
    fake.default_reply = Reply.html(502)
    async with make_client(fake, attempts=1) as client:
        with pytest.raises(errors.UpstreamError, match="HTML"):
            await client.complete(MODEL, MESSAGES)


async def test_hanging_response_is_cut_by_read_timeout(fake: FakeOpenRouter) -> None:
    fake.default_reply = Reply.hang()
    timeout = httpx.Timeout(connect=1.0, read=0.2, write=1.0, pool=1.0)
    async with make_client(fake, attempts=1, timeout=timeout) as client:
        with pytest.raises(errors.RequestTimeoutError, match="Timed out"):
            await collect(client)
    assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected)


async def test_refused_connection_is_typed_and_says_what_to_check() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = OpenRouterClient(
        api_key=DEFAULT_API_KEY,
        base_url=f"http://127.0.0.1:{port}/api/v1",
        retry=RetryPolicy(attempts=2, sleep=RecordedSleep()),
    )
    with pytest.raises(errors.ConnectionFailedError, match="baseUrl"):
        await client.complete(MODEL, MESSAGES)
    await client.close()


async def test_dropped_connection_before_and_after_first_token(fake: FakeOpenRouter) -> None:
    fake.script(Reply.drop(), Reply.drop(), Reply.drop())
    async with make_client(fake) as client:
        with pytest.raises(errors.ConnectionFailedError):
            await collect(client)
    assert len(fake.chat_requests()) == 3, "dropped before any token: retried up to the attempt limit"
    fake.reset()
    fake.script(Reply.drop(after_text="half an answ"))
    async with make_client(fake) as client:
        with pytest.raises(errors.ConnectionFailedError):
            await collect(client)
    assert len(fake.chat_requests()) == 1, "never retried once a token arrived"


async def test_retry_after_is_honoured_and_a_longer_one_than_the_cap_is_not_waited(fake: FakeOpenRouter) -> None:
    sleep = RecordedSleep()
    fake.script(Reply.error(429, "slow down", retry_after=3), Reply.error(503, "busy", retry_after=2), Reply.text("ok"))
    async with make_client(fake, sleep=sleep) as client:
        response = await client.complete(MODEL, MESSAGES)
    assert response.text == "ok"
    assert sleep.delays == [3.0, 2.0]
    assert len(fake.chat_requests()) == 3
    fake.reset()
    fake.script(Reply.error(429, "come back in an hour", retry_after=3600), Reply.text("too early"))
    async with make_client(fake, sleep=sleep) as client:
        with pytest.raises(errors.RateLimitError, match="3600"):
            await client.complete(MODEL, MESSAGES)
    assert len(fake.chat_requests()) == 1, "asking again before the server said so only burns the quota"


async def test_backoff_is_bounded_exponential_with_jitter(fake: FakeOpenRouter) -> None:
    sleep = RecordedSleep()
    fake.default_reply = Reply.error(502, "bad gateway")
    async with make_client(fake, attempts=4, sleep=sleep) as client:
        with pytest.raises(errors.UpstreamError):
            await client.complete(MODEL, MESSAGES)
    assert len(fake.chat_requests()) == 4
    assert len(sleep.delays) == 3 and all(0 <= d <= 8.0 for d in sleep.delays)


@pytest.mark.parametrize("status", [400, 401, 402, 403])
async def test_no_retry_for_client_errors(fake: FakeOpenRouter, status: int) -> None:
    fake.default_reply = Reply.error(status, "no")
    async with make_client(fake) as client:
        with pytest.raises(errors.OpenRouterError):
            await collect(client)
    assert len(fake.chat_requests()) == 1


async def test_leaving_a_stream_early_closes_the_connection(fake: FakeOpenRouter) -> None:
    fake.script(Reply.text("x" * 400, chunks=["x"] * 400, tps=200))
    async with make_client(fake) as client:
        async with client.stream(MODEL, MESSAGES) as stream:
            async for _ in stream:
                break
        assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=2)


async def test_break_without_async_with_also_closes(fake: FakeOpenRouter) -> None:
    fake.script(Reply.text("y" * 400, chunks=["y"] * 400, tps=200))
    async with make_client(fake) as client:
        async for _ in client.stream(MODEL, MESSAGES):
            break
        assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=2)


async def test_cancelling_a_stream_task_closes_the_connection(fake: FakeOpenRouter) -> None:
    fake.script(Reply.text("slow", ttft=30))
    async with make_client(fake) as client:
        task = asyncio.ensure_future(collect(client))
        assert await fake.wait_for_async(lambda: len(fake.chat_requests()) == 1)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=2)


async def test_models_free_models_key_and_generation(fake: FakeOpenRouter) -> None:
    async with make_client(fake) as client:
        models = await client.list_models()
        free = await client.get_free_models()
        key = await client.key_info()
        response = await client.complete(MODEL, MESSAGES)
        with pytest.raises(errors.NoEndpointsError):
            await client.generation(response.id)  # OpenRouter has no stats for a moment
        await asyncio.sleep(fake.generation_delay + 0.05)
        stats = await client.generation(response.id)
    ids = {m.id for m in models}
    assert {"qwen/qwen3-coder:free", "mistralai/codestral-2508"} <= ids
    assert all(m.is_free for m in free) and "mistralai/codestral-2508" not in {m.id for m in free}
    assert any(not m.id.endswith(":free") for m in free), "all-zero pricing counts as free"
    assert next(m for m in models if m.id == "mistralai/codestral-2508").pricing.prompt > 0
    assert DEFAULT_API_KEY not in key.label
    assert stats.id == response.id and stats.tokens_completion is not None


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://openrouter.ai/api/v1", True),
        ("http://127.0.0.1:9/api/v1", True),
        ("http://localhost:9/api/v1", True),
        ("http://[::1]:9/api/v1", True),
        ("http://openrouter.ai/api/v1", False),
        ("ftp://x", False),
    ],
)
def test_plain_http_only_to_loopback(url: str, ok: bool) -> None:
    assert (base_url_problem(url) is None) is ok


async def test_finished_streams_leave_the_connection_reusable(fake: FakeOpenRouter) -> None:
    async with make_client(fake) as client:
        for _ in range(3):
            await collect(client)
    assert fake.connections_opened == 1


# -- OpenRouter as documented: reasoning deltas, generation ids, limits, availability -----------------


async def test_reasoning_deltas_are_empty_pieces_never_text(fake: FakeOpenRouter) -> None:
    fake.script(Reply.text("return 1"))
    async with make_client(fake) as client:
        stream = client.stream("deepseek/deepseek-r1", MESSAGES, max_tokens=80)
        pieces = [piece async for piece in stream]
    assert "" in pieces and "".join(pieces) == "return 1"
    assert pieces[0] == "" and pieces[-1] != "", "reasoning comes first"
    assert stream.result.reasoning_chars > 0 and stream.result.usage is not None
    assert stream.result.usage.reasoning_tokens == 40  # medium: half of max_tokens


async def test_generation_id_is_known_even_when_the_stream_breaks(fake: FakeOpenRouter) -> None:
    fake.script(Reply.drop("partial", reset=True))
    async with make_client(fake, attempts=1) as client:
        stream = client.stream(MODEL, MESSAGES)
        with pytest.raises(errors.ConnectionFailedError):
            async for _ in stream:
                pass
    assert stream.result.id == fake.chat_requests()[0].response_generation_id


async def test_free_daily_cap_is_read_from_the_headers(fake: FakeOpenRouter) -> None:
    fake.free_daily_limit, fake.free_requests_today = 1000, 1000
    fake.free_reset_ms = 1_900_000_000_000
    async with make_client(fake, attempts=3) as client:
        with pytest.raises(errors.FreeDailyLimitError) as caught:
            async for _ in client.stream(MODEL, MESSAGES):
                pass
    error = caught.value
    assert len(fake.chat_requests()) == 1, "certain to fail until the reset: never retried"
    assert error.limit == 1000 and error.reset_at == 1_900_000_000
    assert error.message.startswith("1,000 free requests a day reached; resets at ")
    assert "10 credits" not in error.message and "set a paid model" in error.message


async def test_availability_decides_over_status_and_prose(fake: FakeOpenRouter) -> None:
    fake.script(Reply.unavailable("model_deprecated", "Service Unavailable", status=503))
    async with make_client(fake, attempts=3) as client:
        with pytest.raises(errors.NoEndpointsError) as caught:
            await client.complete(MODEL, MESSAGES)
    assert len(fake.chat_requests()) == 1 and "retired" in caught.value.message
    assert caught.value.availability["code"] == "model_deprecated"
