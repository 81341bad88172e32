"""Upstream faults end to end, beyond the completion matrix of ``test_completion.py``.

Hangs cut by the feature's deadline, every fault on the hover and docstring paths, refused connections,
``Retry-After``, fallback along a two-model chain, and the cap on requests in flight to OpenRouter. In
every case the editor gets an answer in bounded time, the user one message per kind of failure, and the
server keeps answering.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from fake_openrouter import FakeOpenRouter, Reply
from hardening_support import PROMPT_S, Session, docstring, hover, max_overlap, request_end, session, stats, timed
from lsp_support import complete, cursor, inline, open_document
from lsprotocol import types

SOURCE = (
    "def add(a, b):\n"
    "    total = a + b\n"
    "    return total\n"
    "\n"
    "\n"
    "def scale(values, factor):\n"
    "    result = [v * factor for v in values]\n"
    "    return result\n"
)
ADD_BODY, SCALE_BODY, ADD_DEF = 1, 6, 0

SINGLE = {
    "hover": {"debounceMs": 0},
    "models": {"completion": "only/completer", "explain": "only/explainer", "docstring": "only/documenter"},
}


async def healthy(running: Session) -> None:
    """Nothing left running: ``arbLsp.stats`` itself is the only pending message (the command and its handler)."""
    numbers = await stats(running.client)
    assert numbers["pendingMessages"] <= 2, numbers
    assert numbers["progressTokens"] == 0, numbers
    assert numbers["backgroundTasks"] <= 1, numbers


# -- hangs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("send_headers", [True, False], ids=["headers-then-silence", "nothing-at-all"])
async def test_a_hanging_completion_answers_empty_at_its_deadline_and_closes_the_stream(
    fake: FakeOpenRouter, tmp_path: Path, send_headers: bool
) -> None:
    fake.default_reply = Reply.hang(send_headers=send_headers)
    options = {**SINGLE, "completion": {"debounceMs": 0, "timeoutMs": 500}}
    async with session(fake, tmp_path, init_options=options) as running:
        client = running.client
        text, position = cursor("value = █\n")
        uri = open_document(client, text)
        result, took = await timed(complete(client, uri, position))
        assert not result.items
        assert 0.4 <= took < 5, f"answered after {took:.2f} s for a 0.5 s deadline"
        assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=3), (
            "the hanging stream was left open"
        )
        ghost, took = await timed(inline(client, uri, types.Position(line=0, character=position.character)))
        assert not ghost.items and took < 5
        await asyncio.sleep(0.1)
        shown = running.shown()
        assert len(shown) == 1, shown
        assert "0.5 s" in shown[0] and "longer" in shown[0], shown[0]
        await healthy(running)


async def test_a_hanging_hover_answers_none_at_its_deadline(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.hang()
    options = {**SINGLE, "hover": {"debounceMs": 0, "timeoutMs": 500}}
    async with session(fake, tmp_path, init_options=options) as running:
        uri = open_document(running.client, SOURCE)
        result, took = await timed(hover(running.client, uri, ADD_BODY))
        assert result is None and took < 5
        assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=3)
        await asyncio.sleep(0.1)
        shown = running.shown()
        assert len(shown) == 1 and "0.5 s" in shown[0], shown
        await healthy(running)


# -- every fault on the hover and docstring paths ---------------------------------------------------

FAULTS = [
    ("401", Reply.error(401, "User not found."), "API key"),
    ("402", Reply.error(402, "Insufficient credits"), "credits"),
    ("429 retry-after", Reply.error(429, "slow down", retry_after=1), "rate-limiting"),
    ("500", Reply.error(500, "internal"), "failed"),
    ("502", Reply.error(502, "bad gateway"), "failed"),
    ("503", Reply.error(503, "overloaded"), "failed"),
    ("html", Reply.html(502), "HTML"),
    ("html 200", Reply.html(200), "not JSON"),
    ("garbage", Reply.garbage(), "broken stream"),
    ("garbage 500", Reply.garbage(500), "failed"),
    ("200 with error", Reply.ok_with_error("provider error", code=502), "failed"),
    ("mid-stream top", Reply.midstream_error("boom", after="", code=502, shape="top"), "boom"),
    ("mid-stream choice", Reply.midstream_error("boom", after="", code=502, shape="choice"), "boom"),
    ("mid-stream after text", Reply.midstream_error("boom", after="Adds two", code="server_error"), "boom"),
    ("mid-stream no done", Reply.midstream_error("boom", after="", code=502, done=False), "boom"),
    ("drop", Reply.drop(), "dropped"),
    ("drop after text", Reply.drop("Adds two numbers"), "dropped"),
    ("reset", Reply.drop(reset=True), "OpenRouter"),
]


@pytest.mark.parametrize(("name", "reply", "hint"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_hover_and_docstring_faults_answer_promptly_with_one_message(
    fake: FakeOpenRouter, tmp_path: Path, name: str, reply: Reply, hint: str
) -> None:
    fake.default_reply = reply
    async with session(fake, tmp_path, init_options=SINGLE) as running:
        client = running.client
        uri = open_document(client, SOURCE)
        for line in (ADD_BODY, SCALE_BODY):
            result, _ = await timed(hover(client, uri, line))
            assert result is None, (name, result)
        action, _ = await timed(docstring(client, uri, ADD_DEF))
        assert action is not None and action.edit is None, name
        await asyncio.sleep(0.1)
        shown = running.shown()
        assert len(shown) == 1, (name, shown)
        assert hint in shown[0], (name, shown[0])
        await healthy(running)
        # The fault passes: the same server answers.
        fake.default_reply = Reply.text("Adds two numbers.")
        asked = len(fake.chat_requests())
        recovered, _ = await timed(hover(client, uri, ADD_BODY))
        if name == "402":  # after a 402, paid models are not asked for a while: that request would fail
            assert recovered is None and len(fake.chat_requests()) == asked
        else:
            assert recovered is not None and "Adds two numbers." in str(recovered.contents)
    assert fake.server_errors == []


async def test_a_long_retry_after_is_not_retried_early(fake: FakeOpenRouter, tmp_path: Path) -> None:
    """OpenRouter says when to come back: asking again sooner spends a rate-limited request for nothing,
    and waiting a minute would hold the hover for a minute. The server answers at once and says so."""
    fake.default_reply = Reply.error(429, "slow down", retry_after=60)
    async with session(fake, tmp_path, init_options=SINGLE) as running:
        uri = open_document(running.client, SOURCE)
        result, took = await timed(hover(running.client, uri, ADD_BODY))
        assert result is None and took < PROMPT_S
        await asyncio.sleep(0.1)
        shown = running.shown()
        assert len(shown) == 1 and "60" in shown[0], shown
    starts = [r.started_at for r in fake.chat_requests()]
    assert len(starts) == 1, f"asked again {starts[1] - starts[0]:.1f} s after being told to wait 60 s"


async def test_a_short_retry_after_is_waited_out_before_the_retry(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.script(Reply.error(429, "slow down", retry_after=2))
    fake.default_reply = Reply.text("Adds two numbers.")
    async with session(fake, tmp_path, init_options=SINGLE) as running:
        uri = open_document(running.client, SOURCE)
        result, took = await timed(hover(running.client, uri, ADD_BODY))
        assert result is not None and took < PROMPT_S
        assert running.shown() == []
    first, second = fake.chat_requests()
    assert second.started_at - request_end(first) >= 1.9


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_refused_connection_answers_promptly_with_one_message(tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/api/v1"
    async with session(None, tmp_path, init_options=SINGLE, env={"OPENROUTER_BASE_URL": base_url}) as running:
        client = running.client
        uri = open_document(client, SOURCE)
        menu, _ = await timed(complete(client, uri, types.Position(line=2, character=16)))
        assert not menu.items
        assert (await timed(hover(client, uri, ADD_BODY)))[0] is None
        action, _ = await timed(docstring(client, uri, ADD_DEF))
        assert action is not None and action.edit is None
        await asyncio.sleep(0.1)
        shown = running.shown()
        assert len(shown) == 1, shown
        assert base_url in shown[0] and "reach" in shown[0], shown[0]
        await healthy(running)


# -- fallback ---------------------------------------------------------------------------------------

CHAIN = {
    "hover": {"debounceMs": 0},
    "models": {"explain": ["a/first", "b/second"], "docstring": ["a/first", "b/second"]},
}
FALLBACK_FAULTS = [
    ("429", Reply.error(429, "free limit")),
    ("404", Reply.error(404, "No endpoints found")),
    ("502", Reply.error(502, "bad gateway")),
    ("html", Reply.html(503)),
    ("garbage", Reply.garbage()),
    ("drop", Reply.drop()),
    ("mid-stream", Reply.midstream_error("boom", after="", code=502)),
]


@pytest.mark.parametrize(("name", "fault"), FALLBACK_FAULTS, ids=[f[0] for f in FALLBACK_FAULTS])
async def test_hover_and_docstring_fall_back_to_the_second_model(
    fake: FakeOpenRouter, tmp_path: Path, name: str, fault: Reply
) -> None:
    fake.responder = lambda body: fault if body.get("model") == "a/first" else None
    fake.default_reply = Reply.text('"""Add a and b."""', model="b/second")
    async with session(fake, tmp_path, init_options=CHAIN) as running:
        client = running.client
        uri = open_document(client, SOURCE)
        explained, _ = await timed(hover(client, uri, ADD_BODY))
        assert explained is not None and "Add a and b." in str(explained.contents), name
        action, _ = await timed(docstring(client, uri, ADD_DEF))
        assert action is not None and action.edit is not None, name
        await asyncio.sleep(0.1)
        assert running.shown() == [], "a fallback that worked is not the user's problem"
    # An error before the stream is OpenRouter's to fall back on (the native list); a broken stream is ours.
    served = [r.attempted[-1] for r in fake.chat_requests()]
    assert served.count("b/second") == 2 and fake.chat_requests()[0].attempted[0] == "a/first", served
    first = fake.chat_requests()[0]
    assert first.json.get("models") == ["a/first", "b/second"], "OpenRouter is given the chain to fall back on too"


# -- concurrency ------------------------------------------------------------------------------------


def distinct_source(i: int) -> str:
    return f"def work_{i}(items):\n    picked = [x for x in items if x > {i}]\n    return sum(picked) * {i}\n"


async def test_parallel_hovers_never_have_more_than_four_requests_in_flight(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("Sums what is picked.", ttft=0.4, tps=20)
    async with session(fake, tmp_path, init_options=SINGLE) as running:
        client = running.client
        uris = [open_document(client, distinct_source(i)) for i in range(12)]
        results, _ = await timed(asyncio.gather(*(hover(client, uri, 1) for uri in uris)), 3 * PROMPT_S)
        assert all(result is not None for result in results)
        await healthy(running)
    requests = fake.chat_requests()
    assert len(requests) == 12
    assert max_overlap(requests) == 4, f"{max_overlap(requests)} requests were in flight at once"


async def test_parallel_completions_never_have_more_than_four_requests_in_flight(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("compute()", ttft=0.3)
    async with session(fake, tmp_path, init_options=SINGLE) as running:
        client = running.client
        documents = [open_document(client, f"value_{i} = \n") for i in range(10)]
        positions = [types.Position(line=0, character=len(f"value_{i} = ")) for i in range(10)]
        results, _ = await timed(
            asyncio.gather(*(complete(client, uri, p) for uri, p in zip(documents, positions, strict=True))),
            3 * PROMPT_S,
        )
        assert all(result.items for result in results)
    assert max_overlap(fake.chat_requests()) <= 4
