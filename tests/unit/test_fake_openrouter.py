"""Tests of the fake OpenRouter server (tests/fake_openrouter.py), driven through httpx."""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

_TESTS_DIR = Path(__file__).resolve().parents[1]
if str(_TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(_TESTS_DIR))

from fake_openrouter import (  # noqa: E402
    DEFAULT_API_KEY,
    ZERO_PRICE_MODEL,
    FakeOpenRouter,
    Reply,
    split_pieces,
)

KEY = DEFAULT_API_KEY
AUTH = {"Authorization": f"Bearer {KEY}"}
MESSAGES = [{"role": "user", "content": "Complete: def add(a, b):"}]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter(api_key=KEY) as fake:
        yield fake


@pytest.fixture
def fake(server: FakeOpenRouter) -> Iterator[FakeOpenRouter]:
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def client(fake: FakeOpenRouter) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, headers=AUTH, timeout=5.0) as c:
        yield c


def chat_body(model: str = "qwen/qwen3-coder:free", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": MESSAGES, **extra}


def sse(lines: list[str]) -> tuple[list[str], list[Any]]:
    """Split raw SSE lines into comment lines and data payloads (JSON decoded, or the raw string)."""
    comments: list[str] = []
    data: list[Any] = []
    for line in lines:
        if line.startswith(":"):
            comments.append(line)
        elif line.startswith("data: "):
            raw = line[len("data: ") :]
            try:
                data.append(json.loads(raw))
            except ValueError:
                data.append(raw)
    return comments, data


def stream_lines(client: httpx.Client, body: dict[str, Any]) -> tuple[httpx.Response, list[str]]:
    with client.stream("POST", "/chat/completions", json={**body, "stream": True}) as response:
        lines = list(response.iter_lines())
    return response, lines


def content_of(data: list[Any]) -> str:
    return "".join(
        choice["delta"].get("content") or ""
        for event in data
        if isinstance(event, dict) and event.get("choices")
        for choice in event["choices"]
        if "delta" in choice
    )


# -- auth, catalogue, key, generation -------------------------------------------------------------


def test_auth_missing_and_wrong_key(fake: FakeOpenRouter) -> None:
    with httpx.Client(base_url=fake.base_url) as c:
        missing = c.post("/chat/completions", json=chat_body())
        wrong = c.get("/key", headers={"Authorization": "Bearer sk-or-v1-wrong-key-000"})
        not_bearer = c.get("/key", headers={"Authorization": KEY})
    assert missing.status_code == 401
    assert missing.json() == {"error": {"code": 401, "message": "No auth credentials found"}}
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == "User not found."
    assert "sk-or-v1-wrong" not in wrong.text
    assert not_bearer.json()["error"]["message"] == "No auth credentials found"
    assert [r.status for r in fake.chat_requests()] == [401]


def test_models_need_no_auth_and_look_like_openrouter(fake: FakeOpenRouter) -> None:
    response = httpx.get(f"{fake.base_url}/models")
    assert response.status_code == 200
    models = {m["id"]: m for m in response.json()["data"]}
    for model_id in (
        "qwen/qwen3-coder:free",
        "meta-llama/llama-3.3-70b-instruct:free",
        "mistralai/codestral-2508",
        "anthropic/claude-sonnet-4.5",
        "openai/gpt-5",
    ):
        assert model_id in models
    for entry in models.values():
        assert isinstance(entry["pricing"]["prompt"], str)
        assert isinstance(entry["pricing"]["completion"], str)
        assert entry["architecture"]["modality"]
        assert entry["top_provider"]["context_length"] == entry["context_length"]
        assert {"name", "created", "description"} <= entry.keys()
    assert models["qwen/qwen3-coder:free"]["pricing"]["prompt"] == "0"
    assert float(models["mistralai/codestral-2508"]["pricing"]["prompt"]) > 0
    zero = models[ZERO_PRICE_MODEL]
    assert ":free" not in zero["id"]
    assert all(float(price) == 0 for price in zero["pricing"].values())


def test_models_list_is_mutable(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.models[:] = [fake.models[0]]
    assert [m["id"] for m in client.get("/models").json()["data"]] == ["qwen/qwen3-coder:free"]


def test_key_endpoint_masks_the_key(fake: FakeOpenRouter, client: httpx.Client) -> None:
    data = client.get("/key").json()["data"]
    assert data["label"] == "sk-or-v1-fak...789"
    assert data["limit"] is None
    assert isinstance(data["usage"], float)
    assert data["is_free_tier"] is False
    assert "rate_limit" in data
    fake.key_info.update(limit=10.0, usage=9.5, limit_remaining=0.5, is_free_tier=True)
    response = client.get("/key")
    assert KEY not in response.text
    assert response.json()["data"]["limit_remaining"] == 0.5


def test_generation_lookup(fake: FakeOpenRouter, client: httpx.Client) -> None:
    answer = client.post("/chat/completions", json=chat_body("openai/gpt-5")).json()
    early = client.get("/generation", params={"id": answer["id"]})
    assert early.status_code == 404, "stats are not there at once"
    assert fake.wait_for(lambda: client.get("/generation", params={"id": answer["id"]}).status_code == 200)
    data = client.get("/generation", params={"id": answer["id"]}).json()["data"]
    assert data["id"] == answer["id"]
    assert data["model"] == "openai/gpt-5"
    assert data["tokens_completion"] == answer["usage"]["completion_tokens"]
    assert data["tokens_prompt"] == answer["usage"]["prompt_tokens"]
    assert data["total_cost"] == pytest.approx(answer["usage"]["cost"])
    assert {"latency", "generation_time"} <= data.keys()
    unknown = client.get("/generation", params={"id": "gen-nope"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == 404


def test_unknown_path_and_bad_bodies(client: httpx.Client) -> None:
    assert client.get("/nothing/here").status_code == 404
    assert client.get("/nothing/here").json()["error"]["code"] == 404
    bad = client.post("/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert client.post("/chat/completions", json={"messages": MESSAGES}).status_code == 400
    assert client.post("/chat/completions", json={"model": "a/b", "messages": []}).status_code == 400


def test_reject_unknown_models(fake: FakeOpenRouter, client: httpx.Client) -> None:
    assert client.post("/chat/completions", json=chat_body("nobody/nothing")).status_code == 200
    fake.reject_unknown_models = True
    response = client.post("/chat/completions", json=chat_body("nobody/nothing"))
    assert response.status_code == 400
    assert "not a valid model ID" in response.json()["error"]["message"]


# -- chat completions ------------------------------------------------------------------------------


def test_non_stream_text(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.text("return a + b"))
    response = client.post("/chat/completions", json=chat_body("mistralai/codestral-2508"))
    assert response.status_code == 200
    body = response.json()
    assert body["id"].startswith("gen-")
    assert body["object"] == "chat.completion"
    assert body["model"] == "mistralai/codestral-2508"
    assert body["provider"] == "Mistral"
    choice = body["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": "return a + b", "refusal": None}
    assert choice["finish_reason"] == "stop"
    assert choice["native_finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert isinstance(usage["cost"], float) and usage["cost"] > 0
    free = client.post("/chat/completions", json=chat_body("qwen/qwen3-coder:free")).json()
    assert free["choices"][0]["message"]["content"] == "pass"
    assert free["usage"]["cost"] == 0.0


def test_stream_framing(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.text("def add(a, b):\n    return a + b\n", usage={"prompt_tokens": 7}, cost=0.5))
    response, lines = stream_lines(client, chat_body())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert lines[0] == ": OPENROUTER PROCESSING"
    _, data = sse(lines)
    assert data[-1] == "[DONE]"
    events = data[:-1]
    content_chunks = [e for e in events if e["choices"]]
    assert len(content_chunks) > 3
    assert all(e["object"] == "chat.completion.chunk" for e in events)
    assert all(c["choices"][0]["delta"]["role"] == "assistant" for c in content_chunks)
    assert [c["choices"][0]["finish_reason"] for c in content_chunks][-2:] == [None, "stop"]
    assert content_of(events) == "def add(a, b):\n    return a + b\n"
    usage_chunk = events[-1]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"]["prompt_tokens"] == 7
    assert usage_chunk["usage"]["cost"] == 0.5
    assert usage_chunk["usage"]["completion_tokens"] == len(content_chunks)


def test_stream_explicit_chunks_and_pacing(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.text(chunks=["a", "b", "c", "d"], tps=40))
    arrivals: list[float] = []
    pieces: list[str] = []
    with client.stream("POST", "/chat/completions", json=chat_body(stream=True)) as response:
        for line in response.iter_lines():
            if line.startswith("data: {"):
                event = json.loads(line[6:])
                if event["choices"]:
                    arrivals.append(time.monotonic())
                    pieces.append(event["choices"][0]["delta"]["content"])
    assert pieces == ["a", "b", "c", "d"]
    assert arrivals[-1] - arrivals[0] >= 0.06  # three gaps of 25 ms: received incrementally


def test_ttft_sends_processing_comments(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.processing_interval = 0.04
    fake.ttft = 0.2
    started = time.monotonic()
    first_data: float | None = None
    comments = 0
    with client.stream("POST", "/chat/completions", json=chat_body(stream=True)) as response:
        for line in response.iter_lines():
            if line.startswith(":") and first_data is None:
                comments += 1
            elif line.startswith("data: {") and first_data is None:
                first_data = time.monotonic()
    assert first_data is not None and first_data - started >= 0.18
    assert comments >= 3  # one at once, then one per 40 ms while waiting


def test_non_stream_waits_for_ttft(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.text("x", ttft=0.15))
    started = time.monotonic()
    assert client.post("/chat/completions", json=chat_body()).status_code == 200
    assert time.monotonic() - started >= 0.14


def test_models_array_serves_first_or_scripted(fake: FakeOpenRouter, client: httpx.Client) -> None:
    body = {"models": ["openai/gpt-5", "qwen/qwen3-coder:free"], "messages": MESSAGES}
    assert client.post("/chat/completions", json=body).json()["model"] == "openai/gpt-5"
    assert fake.chat_requests()[-1].model == "openai/gpt-5"
    fake.script(Reply.text("fallback", model="qwen/qwen3-coder:free"))
    _, lines = stream_lines(client, body)
    _, data = sse(lines)
    assert {e["model"] for e in data if isinstance(e, dict)} == {"qwen/qwen3-coder:free"}


def test_stop_and_max_tokens_are_honoured(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.text("return a + b\n\ndef other():"), Reply.text("one two three four five"))
    stopped = client.post("/chat/completions", json=chat_body(stop=["\n\n"])).json()
    assert stopped["choices"][0]["message"]["content"] == "return a + b"
    assert stopped["choices"][0]["finish_reason"] == "stop"
    limited = client.post("/chat/completions", json=chat_body(max_tokens=2)).json()
    assert limited["choices"][0]["message"]["content"] == "one two"
    assert limited["choices"][0]["finish_reason"] == "length"
    fake.honor_stop = False
    fake.script(Reply.text("a\n\nb"))
    raw = client.post("/chat/completions", json=chat_body(stop="\n\n")).json()
    assert raw["choices"][0]["message"]["content"] == "a\n\nb"


def test_split_pieces_round_trip() -> None:
    text = "  def f(x):\n\treturn   x*2  \n"
    pieces = split_pieces(text)
    assert "".join(pieces) == text
    assert all(len(p.strip()) <= 4 for p in pieces)


# -- reply kinds -----------------------------------------------------------------------------------


def test_error_reply_with_retry_after(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(
        Reply.error(429, "Rate limit exceeded", retry_after=3, metadata={"provider_name": "X"}),
        Reply.error(402, "Insufficient credits"),
        Reply.error(404, "Free variant ended", code="free_variant_ended"),
    )
    limited = client.post("/chat/completions", json=chat_body())
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3"
    assert limited.json() == {
        "error": {"code": 429, "message": "Rate limit exceeded", "metadata": {"provider_name": "X"}}
    }
    response, _ = stream_lines(client, chat_body())
    assert response.status_code == 402
    assert "retry-after" not in response.headers
    ended = client.post("/chat/completions", json=chat_body())
    assert ended.status_code == 404
    assert ended.json()["error"]["code"] == "free_variant_ended"


def test_midstream_error_top_shape(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.midstream_error("Provider disconnected", after="return a", code=502))
    response, lines = stream_lines(client, chat_body())
    assert response.status_code == 200
    _, data = sse(lines)
    assert data[-1] == "[DONE]"
    error_chunk = data[-2]
    assert error_chunk["error"] == {"code": 502, "message": "Provider disconnected"}
    assert error_chunk["choices"][0]["finish_reason"] == "error"
    assert error_chunk["choices"][0]["delta"] == {"content": ""}
    assert content_of(data[:-2]) == "return a"


def test_midstream_error_choice_shape_without_done(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.midstream_error("boom", shape="choice", code="server_error", done=False))
    _, lines = stream_lines(client, chat_body())
    _, data = sse(lines)
    assert "[DONE]" not in data
    choice = data[-1]["choices"][0]
    assert choice["error"] == {"code": "server_error", "message": "boom"}
    assert choice["finish_reason"] == "error"
    assert "error" not in data[-1]
    assert content_of(data[:-1]) == "partial text"


def test_midstream_error_non_stream(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.midstream_error("boom"))
    body = client.post("/chat/completions", json=chat_body()).json()
    assert body["error"]["message"] == "boom"
    assert body["choices"][0]["finish_reason"] == "error"


def test_ok_with_error(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.ok_with_error("upstream failed", code=503), Reply.ok_with_error("again"))
    plain = client.post("/chat/completions", json=chat_body())
    assert plain.status_code == 200
    assert plain.json()["choices"] is None
    assert plain.json()["error"] == {"code": 503, "message": "upstream failed"}
    _, lines = stream_lines(client, chat_body())
    _, data = sse(lines)
    assert data[0]["choices"] is None
    assert data[0]["error"]["message"] == "again"


def test_no_choices(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.no_choices(), Reply.no_choices())
    body = client.post("/chat/completions", json=chat_body()).json()
    assert body["choices"] == [] and "error" not in body
    _, lines = stream_lines(client, chat_body())
    _, data = sse(lines)
    assert data[0]["choices"] == [] and data[-1] == "[DONE]"


def test_html(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.html(), Reply.html(503))
    page = client.post("/chat/completions", json=chat_body())
    assert page.status_code == 502
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.lstrip().startswith("<!DOCTYPE html>")
    response, _ = stream_lines(client, chat_body())
    assert response.status_code == 503


def test_garbage(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.garbage(), Reply.garbage(), Reply.garbage(500))
    plain = client.post("/chat/completions", json=chat_body())
    assert plain.status_code == 200
    with pytest.raises(ValueError):
        plain.json()
    _, lines = stream_lines(client, chat_body())
    data_lines = [line for line in lines if line.startswith("data: ") and line != "data: [DONE]"]
    assert data_lines
    with pytest.raises(ValueError):
        json.loads(data_lines[0][6:])
    assert client.post("/chat/completions", json=chat_body()).status_code == 500


def test_hang_non_stream_client_timeout_is_recorded(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.hang())
    with pytest.raises(httpx.ReadTimeout):
        client.post("/chat/completions", json=chat_body(), timeout=0.15)
    assert fake.wait_for(lambda: fake.chat_requests()[0].disconnected, timeout=1.0)
    record = fake.chat_requests()[0]
    assert record.finished_at is None
    assert record.disconnected_at is not None and record.disconnected_at >= record.started_at


async def test_hang_stream_disconnect_is_noticed(fake: FakeOpenRouter) -> None:
    fake.script(Reply.hang())
    async with (
        httpx.AsyncClient(base_url=fake.base_url, headers=AUTH) as client,
        client.stream("POST", "/chat/completions", json=chat_body(stream=True)) as response,
    ):
        assert response.status_code == 200
        async for line in response.aiter_lines():
            assert line == ": OPENROUTER PROCESSING"
            break
        closed_at = time.monotonic()
    assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=1.0)
    record = fake.chat_requests()[0]
    assert record.disconnected_at is not None and record.disconnected_at - closed_at < 0.5


async def test_hang_without_headers(fake: FakeOpenRouter) -> None:
    fake.script(Reply.hang(send_headers=False))
    async with httpx.AsyncClient(base_url=fake.base_url, headers=AUTH, timeout=0.1) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/chat/completions", json=chat_body())
    assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=1.0)
    assert fake.chat_requests()[0].status is None


async def test_slow_stream_stops_when_client_leaves(fake: FakeOpenRouter) -> None:
    fake.script(Reply.text("word " * 200, tps=20))
    async with (
        httpx.AsyncClient(base_url=fake.base_url, headers=AUTH) as client,
        client.stream("POST", "/chat/completions", json=chat_body(stream=True)) as response,
    ):
        async for line in response.aiter_lines():
            if line.startswith("data: {"):
                break
    assert await fake.wait_for_async(lambda: fake.chat_requests()[0].disconnected, timeout=1.0)
    record = fake.chat_requests()[0]
    assert await fake.wait_for_async(lambda: record.generation_id is not None, timeout=1.0)
    assert record.generation_id is not None
    generation = fake.generation(record.generation_id)
    assert generation is not None and generation["cancelled"] is True
    assert generation["tokens_completion"] < 20


def test_drop_before_response(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.drop(), Reply.drop(reset=True))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/chat/completions", json=chat_body())
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post("/chat/completions", json=chat_body())
    records = fake.chat_requests()
    assert [r.dropped for r in records] == [True, True]
    assert all(r.status is None and not r.disconnected for r in records)
    assert client.post("/chat/completions", json=chat_body()).status_code == 200


def test_drop_mid_stream(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.drop("return a"), Reply.drop("partial"))
    received: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream("POST", "/chat/completions", json=chat_body(stream=True)) as response,
    ):
        for line in response.iter_lines():
            received.append(line)
    _, data = sse(received)
    assert content_of(data) == "return a"
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/chat/completions", json=chat_body())


# -- scripting -------------------------------------------------------------------------------------


def test_script_queue_per_model(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.text("for codestral"), model="mistralai/codestral-2508")
    fake.script(Reply.text("first"), Reply.text("second"))

    def ask(model: str) -> str:
        answer = client.post("/chat/completions", json=chat_body(model)).json()
        return str(answer["choices"][0]["message"]["content"])

    assert ask("openai/gpt-5") == "first"
    assert fake.scripts_remaining == 2
    assert ask("mistralai/codestral-2508") == "for codestral"
    assert ask("mistralai/codestral-2508") == "second"
    assert ask("openai/gpt-5") == "pass"
    assert fake.scripts_remaining == 0


def test_responder_and_callable_default(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.default_reply = lambda body: Reply.text(f"default for {body['model']}")
    assert client.post("/chat/completions", json=chat_body("a/b")).json()["choices"][0]["message"]["content"] == (
        "default for a/b"
    )

    def echo(body: dict[str, Any]) -> Reply | None:
        last = body["messages"][-1]["content"]
        return Reply.text(last.upper()) if "echo" in last else None

    fake.responder = echo
    echoed = client.post(
        "/chat/completions", json={"model": "a/b", "messages": [{"role": "user", "content": "echo me"}]}
    )
    assert echoed.json()["choices"][0]["message"]["content"] == "ECHO ME"
    fallback = client.post("/chat/completions", json=chat_body("c/d")).json()
    assert fallback["choices"][0]["message"]["content"] == "default for c/d"


def test_responder_exception_becomes_500(fake: FakeOpenRouter, client: httpx.Client) -> None:
    def broken(body: dict[str, Any]) -> Reply | None:
        raise RuntimeError("responder bug")

    fake.responder = broken
    response = client.post("/chat/completions", json=chat_body())
    assert response.status_code == 500
    assert fake.server_errors and "responder bug" in fake.server_errors[0]


def test_reset_restores_defaults(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.text("scripted"))
    fake.ttft = 5.0
    fake.tps = 1.0
    fake.default_reply = Reply.text("changed")
    fake.models.clear()
    fake.key_info["limit"] = 1.0
    client.get("/key")
    fake.reset()
    assert fake.requests == [] and fake.scripts_remaining == 0
    assert (fake.ttft, fake.tps) == (0.0, None)
    assert fake.default_reply == Reply.text("pass")
    assert fake.responder is None
    assert len(fake.models) >= 6
    assert fake.key_info["limit"] is None
    assert fake.connections_opened == 0
    assert client.post("/chat/completions", json=chat_body()).json()["choices"][0]["message"]["content"] == ("pass")


# -- connections and recording ---------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(fake: FakeOpenRouter) -> None:
    with httpx.Client(base_url=fake.base_url, headers=AUTH) as c:
        c.get("/models")
        c.post("/chat/completions", json=chat_body())
        stream_lines(c, chat_body())
        c.post("/chat/completions", json=chat_body())
    assert fake.connections_opened == 1
    records = fake.requests
    assert len(records) == 4
    assert len({r.connection_id for r in records}) == 1
    assert all(r.finished_at is not None and not r.disconnected for r in records)


def test_recorded_request_fields(fake: FakeOpenRouter, client: httpx.Client) -> None:
    client.post("/chat/completions?x=1", json=chat_body(stream=False, temperature=0.2))
    record = fake.requests[0]
    assert record.method == "POST"
    assert record.path == "/api/v1/chat/completions"
    assert record.query == {"x": "1"}
    assert record.headers["authorization"] == f"Bearer {KEY}"
    assert record.json["temperature"] == 0.2
    assert record.model == "qwen/qwen3-coder:free"
    assert record.messages == MESSAGES
    assert record.stream is False
    assert record.finished_at is not None and record.finished_at >= record.started_at
    assert record.status == 200
    assert KEY not in repr(record)


def test_raw_socket_chunked_body_and_malformed_request(fake: FakeOpenRouter) -> None:
    body = json.dumps(chat_body()).encode()
    request = (
        b"POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + KEY.encode()
        + b"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    )
    with socket.create_connection(("127.0.0.1", fake.port), timeout=2) as sock:
        sock.sendall(request)
        reply = _recv_all(sock)
    assert reply.startswith(b"HTTP/1.1 200 OK")
    assert b'"content": "pass"' in reply
    with socket.create_connection(("127.0.0.1", fake.port), timeout=2) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert _recv_all(sock).startswith(b"HTTP/1.1 400")


def _recv_all(sock: socket.socket) -> bytes:
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out


def test_key_never_logged_or_echoed(fake: FakeOpenRouter, client: httpx.Client, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG, logger="fake_openrouter")
    bodies = [
        client.get("/key").text,
        client.post("/chat/completions", json=chat_body()).text,
        client.get("/generation", params={"id": "x"}).text,
        httpx.get(f"{fake.base_url}/key", headers={"Authorization": "Bearer nope"}).text,
    ]
    assert caplog.records  # one debug line per request
    assert KEY not in caplog.text
    assert all(KEY not in body for body in bodies)


def test_stop_while_a_request_hangs() -> None:
    fake = FakeOpenRouter().start()
    fake.script(Reply.hang())
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.post(f"{fake.base_url}/chat/completions", json=chat_body(), headers=AUTH, timeout=5)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    assert fake.wait_for(lambda: len(fake.chat_requests()) == 1, timeout=2)
    started = time.monotonic()
    fake.stop()
    thread.join(2)
    assert time.monotonic() - started < 1.0
    assert errors and isinstance(errors[0], httpx.HTTPError)
    fake.stop()  # idempotent


def test_any_key_mode() -> None:
    with FakeOpenRouter(api_key=None) as fake:
        ok = httpx.get(f"{fake.base_url}/key", headers={"Authorization": "Bearer whatever"})
        assert ok.status_code == 200
        assert httpx.get(f"{fake.base_url}/key").status_code == 401


def test_command_line() -> None:
    script = _TESTS_DIR / "fake_openrouter.py"
    with subprocess.Popen(
        [sys.executable, str(script), "--port", "0", "--reply", "cli reply", "--ttft-ms", "1"],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            base_url = proc.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
            answer = httpx.post(f"{base_url}/chat/completions", json=chat_body(), headers=AUTH, timeout=5)
            assert answer.json()["choices"][0]["message"]["content"] == "cli reply"
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=5) == 0


# -- as OpenRouter's documentation says: reasoning, billing, limits, availability ---------------------


def test_reasoning_deltas_come_before_content_and_are_billed_as_output(client: httpx.Client) -> None:
    response, lines = stream_lines(client, chat_body("~anthropic/claude-sonnet-latest", max_tokens=100))
    assert response.headers["x-generation-id"].startswith("gen-")
    _, data = sse(lines)
    deltas = [d["choices"][0]["delta"] for d in data if isinstance(d, dict) and d.get("choices")]
    kinds = ["reasoning" if d.get("reasoning") else "content" for d in deltas if d.get("reasoning") or d["content"]]
    assert kinds[0] == "reasoning" and "reasoning" not in kinds[kinds.index("content") :]
    assert all(d["reasoning_details"][0]["type"] == "reasoning.text" for d in deltas if d.get("reasoning"))
    usage = next(d["usage"] for d in data if isinstance(d, dict) and d.get("usage"))
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 50, "medium effort is half of max_tokens"
    assert usage["completion_tokens"] == 50 + 1  # "pass" is one piece
    assert usage["cost"] == pytest.approx(usage["prompt_tokens"] * 0.000003 + 51 * 0.000015)


def test_reasoning_can_be_switched_off_except_where_mandatory(client: httpx.Client) -> None:
    off = {"reasoning": {"effort": "none"}}
    claude = client.post("/chat/completions", json=chat_body("~anthropic/claude-sonnet-latest", **off)).json()
    assert claude["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0
    disabled = {"reasoning": {"enabled": False}}
    assert client.post("/chat/completions", json=chat_body("openai/gpt-5", **disabled)).status_code == 400
    refused = client.post("/chat/completions", json=chat_body("openai/gpt-5", **off))
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "Reasoning is mandatory for this endpoint and cannot be disabled."
    alias = client.post("/chat/completions", json=chat_body("~openai/gpt-latest", max_tokens=100, **off)).json()
    assert alias["usage"]["completion_tokens_details"]["reasoning_tokens"] == 10, "remapped to minimal"
    low = client.post("/chat/completions", json=chat_body("openai/gpt-5", max_tokens=100, reasoning={"effort": "low"}))
    assert low.json()["usage"]["completion_tokens_details"]["reasoning_tokens"] == 20


def test_reasoning_can_use_up_max_tokens_and_leave_an_empty_answer(client: httpx.Client) -> None:
    body = chat_body("deepseek/deepseek-r1", max_tokens=4, reasoning={"max_tokens": 4})
    answer = client.post("/chat/completions", json=body).json()
    assert answer["choices"][0]["message"]["content"] == ""
    assert answer["choices"][0]["finish_reason"] == "length"


def test_models_lists_reasoning_objects(client: httpx.Client) -> None:
    models = {m["id"]: m for m in client.get("/models").json()["data"]}
    assert models["~openai/gpt-latest"]["reasoning"]["mandatory"] is True
    assert models["deepseek/deepseek-r1"]["reasoning"]["supported_efforts"][0] == "low"
    assert models["~anthropic/claude-sonnet-latest"]["reasoning"]["default_enabled"] is True
    assert "reasoning" not in models["mistralai/codestral-2508"]


@pytest.mark.parametrize(("model", "whole"), [("mistralai/codestral-2508", True), ("openai/gpt-5", False)])
async def test_billing_after_a_disconnect_depends_on_the_provider(
    fake: FakeOpenRouter, model: str, whole: bool
) -> None:
    fake.script(Reply.text("word " * 100, tps=50))
    async with (
        httpx.AsyncClient(base_url=fake.base_url, headers=AUTH) as client,
        client.stream("POST", "/chat/completions", json=chat_body(model, stream=True)) as response,
    ):
        async for line in response.aiter_lines():
            if '"content": "word' in line or '"content": " word' in line:
                break
    record = fake.chat_requests()[0]
    assert await fake.wait_for_async(lambda: record.generation_id is not None, timeout=3.0)
    assert record.generation_id is not None
    stats = fake.generation(record.generation_id)
    assert stats is not None and stats["cancelled"] is True
    content_tokens = stats["tokens_completion"] - stats["native_tokens_reasoning"]
    assert (content_tokens == 101) is whole, stats  # 100 words and the trailing space
    assert fake.billed_total() == pytest.approx(stats["total_cost"])


def test_free_models_daily_cap(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.free_daily_limit = 2
    assert [client.post("/chat/completions", json=chat_body()).status_code for _ in range(2)] == [200, 200]
    capped = client.post("/chat/completions", json=chat_body())
    assert capped.status_code == 429
    error = capped.json()["error"]
    assert "free-models-per-day" in error["message"]
    reset = int(capped.headers["x-ratelimit-reset"])
    assert reset % 86_400_000 == 0 and reset > time.time() * 1000
    assert error["metadata"]["headers"]["X-RateLimit-Reset"] == str(reset)
    assert client.post("/chat/completions", json=chat_body("mistralai/codestral-2508")).status_code == 200
    key = client.get("/key").json()["data"]["free_model_daily_requests"]
    assert key == {"limit": 2, "used": 2, "remaining": 0}


def test_no_credits_answers_402_for_paid_models(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.credits = 0.0
    paid = client.post("/chat/completions", json=chat_body("mistralai/codestral-2508"))
    assert paid.status_code == 402 and "credits" in paid.json()["error"]["message"]
    assert client.post("/chat/completions", json=chat_body()).status_code == 200
    fake.credits = -1.0
    assert client.post("/chat/completions", json=chat_body()).status_code == 402


def test_native_fallback_tries_the_list_and_returns_the_last_error(fake: FakeOpenRouter, client: httpx.Client) -> None:
    first, second, third = "a/one", "b/two", "c/three"
    four = client.post("/chat/completions", json=chat_body(first, models=[first, second, third, "d/four"]))
    assert four.status_code == 400 and four.json()["error"]["message"] == "'models' array must have 3 items or fewer."
    fake.script(Reply.error(503, "down"), model=first)
    fake.script(Reply.text("from two"), model=second)
    served = client.post("/chat/completions", json=chat_body(first, models=[first, second, third])).json()
    assert (served["model"], served["choices"][0]["message"]["content"]) == (second, "from two")
    assert fake.chat_requests()[-1].attempted == [first, second]
    fake.default_reply = Reply.error(502, "all down")
    fake.script(Reply.error(429, "busy"), model=third)
    failed = client.post("/chat/completions", json=chat_body(first, models=[first, second, third]))
    assert failed.status_code == 429 and fake.chat_requests()[-1].attempted == [first, second, third]


def test_availability_errors(fake: FakeOpenRouter, client: httpx.Client) -> None:
    fake.script(Reply.unavailable("privacy_restricted", fallback_models=["x/y"]))
    fake.script(
        Reply.unavailable("capacity_exhausted", retryable=True, retry_after=7, error_type="provider_overloaded")
    )
    privacy = client.post("/chat/completions", json=chat_body())
    assert privacy.status_code == 404
    assert privacy.json()["error"]["availability"]["code"] == "privacy_restricted"
    assert privacy.json()["error"]["availability"]["fallback_models"] == ["x/y"]
    busy = client.post("/chat/completions", json=chat_body())
    assert busy.status_code == 503 and busy.headers["retry-after"] == "7"
    error = busy.json()["error"]
    assert error["availability"]["retryable"] is True and error["metadata"]["error_type"] == "provider_overloaded"
