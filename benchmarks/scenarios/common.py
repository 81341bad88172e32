"""Helpers the scenarios share: setting the fake's latency, and reading what it recorded."""

from __future__ import annotations

from fake_openrouter import FakeOpenRouter, RecordedRequest, Reply

from benchmarks.lsp_client import LspProcess


def upstream(fake: FakeOpenRouter, *, ttft: float, tps: float | None, reply: str) -> None:
    """Forget what the fake recorded and give it a fixed latency and answer."""
    fake.reset()
    fake.ttft = ttft
    fake.tps = tps
    fake.default_reply = Reply.text(reply)


def describe_upstream(ttft: float, tps: float | None, reply: str) -> str:
    pace = f"{tps:g} pieces/s" if tps else "no pacing"
    return f"fake OpenRouter: time to first token {ttft * 1000:g} ms, {pace}, answer `{reply}`"


def chats_since(fake: FakeOpenRouter, seen: int) -> list[RecordedRequest]:
    return fake.chat_requests()[seen:]


def upstream_seconds(request: RecordedRequest) -> float | None:
    """The upstream's own latency: from the request's arrival to the last byte of its answer."""
    if request.finished_at is None:
        return None
    return request.finished_at - request.started_at


def ended(request: RecordedRequest) -> bool:
    return request.finished_at is not None or request.disconnected


async def ping(server: LspProcess) -> None:
    """A request nobody implements: answered once everything sent before it has been handled."""
    await server.drain()
    await server.request("bench/ping", {})
