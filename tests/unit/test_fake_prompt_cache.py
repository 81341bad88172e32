"""The fake OpenRouter's prompt caching (tests/fake_openrouter.py), as OpenRouter's caching guide describes it:
automatic prefix caching for OpenAI-like families (with their minimum and granularity), caching only up to a
``cache_control`` breakpoint for Anthropic (writes 1.25x, reads 0.1x), and bills that agree with ``/generation``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

_TESTS_DIR = Path(__file__).resolve().parents[1]
if str(_TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(_TESTS_DIR))

from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, Reply  # noqa: E402

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
OPENAI = "openai/gpt-5"
CLAUDE = "anthropic/claude-sonnet-4.5"
CODESTRAL = "mistralai/codestral-2508"
#: About 2,000 of the fake's tokens (four characters each): above every family's minimum but Opus 4.5's.
STABLE = "".join(f"def helper_{i}(x):\n    return x * {i}\n\n" for i in range(250))


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        server.default_reply = Reply.text("ok")
        server.generation_delay = 0.0
        yield server


def ask(fake: FakeOpenRouter, model: str, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {"model": model, "messages": messages, "reasoning": {"effort": "minimal"}, **extra}
    response = httpx.post(f"{fake.base_url}/chat/completions", json=body, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def plain(tail: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": "You complete code."}, {"role": "user", "content": STABLE + tail}]


def marked(tail: str, stable: str = STABLE) -> list[dict[str, Any]]:
    parts = [
        {"type": "text", "text": stable, "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": tail},
    ]
    return [{"role": "system", "content": "You complete code."}, {"role": "user", "content": parts}]


def details(data: dict[str, Any]) -> tuple[int, int]:
    usage = data["usage"]["prompt_tokens_details"]
    return usage["cached_tokens"], usage["cache_write_tokens"]


def test_an_automatically_caching_model_bills_a_repeated_prefix_at_its_read_price(fake: FakeOpenRouter) -> None:
    first = ask(fake, OPENAI, plain("x = 1"))
    second = ask(fake, OPENAI, plain("x = 12"))
    assert details(first) == (0, 0)
    cached, written = details(second)
    assert written == 0
    assert cached >= 1024 and cached % 128 == 0  # OpenAI: from 1,024 tokens, in steps of 128
    assert cached <= second["usage"]["prompt_tokens"]
    price = 0.00000125
    saved = cached * price * 0.75
    assert second["usage"]["cache_discount"] == pytest.approx(saved)
    full = second["usage"]["prompt_tokens"] * price + second["usage"]["completion_tokens"] * 0.00001
    assert second["usage"]["cost"] == pytest.approx(full - saved)


def test_a_prompt_below_the_minimum_is_not_cached(fake: FakeOpenRouter) -> None:
    short = [{"role": "user", "content": "def f():\n    return 1\n" * 20}]
    ask(fake, OPENAI, short)
    assert details(ask(fake, OPENAI, short)) == (0, 0)


def test_a_different_start_misses_the_cache(fake: FakeOpenRouter) -> None:
    ask(fake, OPENAI, plain("x"))
    changed = [{"role": "system", "content": "You complete code!"}, plain("x")[1]]
    assert details(ask(fake, OPENAI, changed)) == (0, 0)


def test_anthropic_caches_nothing_without_a_breakpoint(fake: FakeOpenRouter) -> None:
    ask(fake, CLAUDE, plain("a"))
    assert details(ask(fake, CLAUDE, plain("b"))) == (0, 0)


def test_anthropic_writes_at_the_breakpoint_then_reads_it(fake: FakeOpenRouter) -> None:
    first = ask(fake, CLAUDE, marked("a = 1"))
    cached, written = details(first)
    assert cached == 0 and written > 1024
    assert first["usage"]["cache_discount"] == pytest.approx(-written * 0.000003 * 0.25)
    second = ask(fake, CLAUDE, marked("a = 12"))
    cached, written = details(second)
    assert written == 0 and cached == details(first)[1]
    assert second["usage"]["cache_discount"] == pytest.approx(cached * 0.000003 * 0.9)
    assert second["usage"]["cost"] < first["usage"]["cost"]


def test_anthropic_writes_nothing_below_its_minimum(fake: FakeOpenRouter) -> None:
    first = ask(fake, CLAUDE, marked("a", stable="def f(): pass\n" * 10))
    second = ask(fake, CLAUDE, marked("b", stable="def f(): pass\n" * 10))
    assert details(first) == (0, 0) and details(second) == (0, 0)


def test_a_family_without_documented_caching_never_caches(fake: FakeOpenRouter) -> None:
    ask(fake, CODESTRAL, marked("a"))
    data = ask(fake, CODESTRAL, marked("a"))
    assert details(data) == (0, 0)
    assert data["usage"]["cache_discount"] == 0


def test_generation_stats_agree_with_the_bill(fake: FakeOpenRouter) -> None:
    ask(fake, CLAUDE, marked("a"))
    data = ask(fake, CLAUDE, marked("b"))
    stats = fake.generation(data["id"])
    assert stats is not None
    assert stats["total_cost"] == pytest.approx(data["usage"]["cost"])
    assert stats["native_tokens_cached"] == details(data)[0]
    assert stats["cache_discount"] == pytest.approx(data["usage"]["cache_discount"])
    assert fake.billed_total() == pytest.approx(sum(g["total_cost"] for g in fake.billed()))


def test_caches_are_per_model(fake: FakeOpenRouter) -> None:
    ask(fake, OPENAI, plain("a"))
    assert details(ask(fake, "~openai/gpt-latest", plain("a"))) == (0, 0)


@pytest.mark.parametrize("session", ["x" * 129, "", 12])
def test_a_bad_session_id_is_refused(fake: FakeOpenRouter, session: object) -> None:
    body = {"model": OPENAI, "messages": plain("a"), "session_id": session}
    response = httpx.post(f"{fake.base_url}/chat/completions", json=body, headers=AUTH, timeout=10)
    assert response.status_code == 400
    assert "session_id" in response.json()["error"]["message"]


def test_a_session_id_of_up_to_128_characters_is_accepted(fake: FakeOpenRouter) -> None:
    ask(fake, OPENAI, plain("a"), session_id="s" * 128)
