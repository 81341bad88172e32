"""The HTTP client for OpenRouter's API: chat completions (whole or streamed), models, key, generations.

One long-lived ``httpx.AsyncClient`` per ``OpenRouterClient`` so connections are reused; explicit
timeouts; typed errors with messages a person can act on; bounded retries with backoff that
honour ``Retry-After`` and never happen once a streamed answer has begun. The client knows nothing
about LSP, routing or caching: it sends what it is asked to send.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

import httpx

from arb_lsp import __version__
from arb_lsp.openrouter.base_url import DEFAULT_BASE_URL, base_url_problem
from arb_lsp.openrouter.errors import (
    ConnectionFailedError,
    InvalidResponseError,
    MissingApiKeyError,
    OpenRouterError,
    RequestTimeoutError,
    error_for_code,
    error_for_status,
)
from arb_lsp.openrouter.retry import RetryPolicy, parse_retry_after
from arb_lsp.openrouter.sse import SSEDecoder
from arb_lsp.openrouter.streams import ClosingStream
from arb_lsp.openrouter.types import (
    ChatResponse,
    GenerationStats,
    KeyInfo,
    ModelInfo,
    StreamResult,
    Usage,
)

DEFAULT_APP_NAME = "arb-lsp"
DEFAULT_APP_URL = "https://github.com/arb-lsp/arb-lsp"
#: OpenRouter's app categories (at most two) this client is listed under.
APP_CATEGORIES = "ide-extension"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=5.0)
NO_KEY_MESSAGE = (
    "No OpenRouter API key is set. Set OPENROUTER_API_KEY or the apiKey setting (create a key at openrouter.ai/keys)."
)

#: Chat messages; ``content`` is text, or a list of text parts (one may carry a ``cache_control`` breakpoint).
Messages = Sequence[dict[str, Any]]


class ChatStream(ClosingStream):
    """A streamed chat completion: ``async for text in stream`` yields content as it arrives.

    After the loop, ``result`` holds the served model, finish reason and usage (cost included when
    OpenRouter sent it). Leaving early (break, cancellation, ``aclose()``) closes the HTTP response at
    once, which is what stops generation and billing; ``async with`` makes that deterministic.
    """

    def __init__(self, events: Callable[[StreamResult], AsyncGenerator[str, None]], model: str) -> None:
        self.result = StreamResult(model=model)
        super().__init__(events(self.result))


class OpenRouterClient:
    """Talks to OpenRouter (or any OpenAI-compatible root given as ``base_url``)."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        app_name: str | None = None,
        app_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._api_key = api_key or os.environ.get("OPENROUTER_API_KEY") or None
        self.base_url = (base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        problem = base_url_problem(self.base_url)
        if problem:
            raise ValueError(problem)
        self.app_name = app_name or os.environ.get("OPENROUTER_APP_NAME") or DEFAULT_APP_NAME
        self.app_url = app_url or os.environ.get("OPENROUTER_APP_URL") or DEFAULT_APP_URL
        self.retry = retry or RetryPolicy()
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._client: httpx.AsyncClient | None = None
        self._building = threading.Lock()

    def prepare(self) -> None:
        """Build the connection pool now (safe on a worker thread): its TLS context and CA bundle cost tens
        of milliseconds that would otherwise block the event loop at the first request."""
        _ = self._http

    @property
    def _http(self) -> httpx.AsyncClient:
        """The connection pool, made on first use (or by ``prepare``); built once even when a worker thread
        and the event loop ask at the same time."""
        if self._client is not None:
            return self._client
        with self._building:
            if self._client is None:
                self._client = self._new_http()
        return self._client

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url + "/",
            timeout=self._timeout,
            headers={
                "HTTP-Referer": self.app_url,
                "X-OpenRouter-Title": self.app_name,
                "X-Title": self.app_name,  # the older name, still read by OpenRouter
                "X-OpenRouter-Categories": APP_CATEGORIES,
                "User-Agent": f"arb-lsp/{__version__}",
            },
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=4),
        )

    def __repr__(self) -> str:
        return f"OpenRouterClient(base_url={self.base_url!r}, key={'set' if self._api_key else 'missing'})"

    @property
    def has_key(self) -> bool:
        return self._api_key is not None

    # -- public API -------------------------------------------------------------------------

    async def complete(self, model: str, messages: Messages, **params: Any) -> ChatResponse:
        """One chat completion, not streamed (billed in full even if abandoned)."""
        body = self._chat_body(model, messages, params, stream=False)
        async for attempt in self.retry.retrying():
            with attempt:
                data = await self._request_json("POST", "chat/completions", json=body, model=model)
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            raise self._embedded_error(error, model)
        response = ChatResponse.model_validate(data)
        if not response.choices:
            raise InvalidResponseError(
                f"OpenRouter answered without any choices for {model}. Try again or pick another model.", model=model
            )
        return response

    def stream(self, model: str, messages: Messages, *, retry: RetryPolicy | None = None, **params: Any) -> ChatStream:
        """A streamed chat completion; the request is sent on the first iteration.

        ``retry`` overrides the client's policy for this call (a fallback chain prefers moving on).
        """
        body = self._chat_body(model, messages, params, stream=True)
        policy = retry or self.retry
        return ChatStream(lambda result: self._stream_events(body, result, policy), model)

    async def list_models(self) -> list[ModelInfo]:
        data = await self._request_json("GET", "models", auth=False)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise InvalidResponseError("OpenRouter's model list came back in an unexpected shape.")
        return [ModelInfo.model_validate(item) for item in items if isinstance(item, dict) and "id" in item]

    async def get_free_models(self) -> list[ModelInfo]:
        return [model for model in await self.list_models() if model.is_free]

    async def key_info(self) -> KeyInfo:
        data = await self._request_json("GET", "key")
        return KeyInfo.model_validate(data.get("data") or {})

    async def generation(self, generation_id: str) -> GenerationStats:
        data = await self._request_json("GET", "generation", params={"id": generation_id})
        return GenerationStats.model_validate(data.get("data") or {})

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def __aenter__(self) -> OpenRouterClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- plumbing --------------------------------------------------------------------------

    def _chat_body(self, model: str, messages: Messages, params: dict[str, Any], *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "messages": list(messages), **params}
        if stream:
            body["stream"] = True  # usage always arrives in the last chunk; `usage: {include}` is deprecated
        return body

    def _auth_headers(self) -> dict[str, str]:
        if not self._api_key:
            raise MissingApiKeyError(NO_KEY_MESSAGE)
        return {"Authorization": f"Bearer {self._api_key}"}

    def _scrub(self, text: str) -> str:
        if self._api_key and self._api_key in text:
            text = text.replace(self._api_key, "sk-or-…REDACTED")
        return text

    def _connection_error(self, error: httpx.HTTPError, model: str | None) -> OpenRouterError:
        if isinstance(error, httpx.TimeoutException):
            what = "connecting to" if isinstance(error, httpx.ConnectTimeout) else "waiting for"
            return RequestTimeoutError(
                f"Timed out {what} OpenRouter at {self.base_url}. Check your network, or try again.", model=model
            )
        if isinstance(error, httpx.ConnectError):
            reason = str(error) or type(error).__name__
            if "name" in reason.lower() and ("resolution" in reason.lower() or "known" in reason.lower()):
                reason = "the host name could not be resolved"
            return ConnectionFailedError(
                f"Could not reach OpenRouter at {self.base_url} ({self._scrub(reason)}). "
                "Check your network or the baseUrl setting.",
                model=model,
            )
        return ConnectionFailedError(
            f"The connection to OpenRouter at {self.base_url} dropped ({type(error).__name__}). Try again.",
            model=model,
        )

    def _embedded_error(self, error: dict[str, Any], model: str | None) -> OpenRouterError:
        message = error.get("message")
        metadata = error.get("metadata") if isinstance(error.get("metadata"), dict) else None
        availability = error.get("availability") if isinstance(error.get("availability"), dict) else None
        return error_for_code(
            error.get("code"),
            self._scrub(str(message)) if message else None,
            metadata=metadata,
            model=model,
            availability=availability,
        )

    async def _request_json(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        auth: bool = True,
        model: str | None = None,
    ) -> Any:
        headers = self._auth_headers() if auth else (self._auth_headers() if self._api_key else {})
        try:
            response = await self._http.request(method, path, json=json, params=params, headers=headers)
        except httpx.HTTPError as error:
            raise self._connection_error(error, model) from None
        if response.status_code >= 400:
            raise self._status_error(response, response.content, model)
        try:
            return response.json()
        except ValueError:
            raise self._not_json(response, model) from None

    def _not_json(self, response: httpx.Response, model: str | None) -> InvalidResponseError:
        kind = response.headers.get("content-type", "unknown content").split(";")[0]
        return InvalidResponseError(
            f"OpenRouter answered with {kind}, not JSON (HTTP {response.status_code}). "
            f"Check that the baseUrl setting points at the API root ({DEFAULT_BASE_URL}).",
            status=response.status_code,
            model=model,
        )

    def _status_error(self, response: httpx.Response, content: bytes, model: str | None) -> OpenRouterError:
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        message: str | None = None
        code: int | str | None = None
        metadata: dict[str, Any] | None = None
        availability: dict[str, Any] | None = None
        rate_limit = {
            name.lower().removeprefix("x-ratelimit-"): value
            for name, value in response.headers.items()
            if name.lower().startswith("x-ratelimit-")
        }
        try:
            data = json.loads(content)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            error = data["error"]
            message = str(error.get("message")) if error.get("message") else None
            code = error.get("code")
            metadata = error.get("metadata") if isinstance(error.get("metadata"), dict) else None
            availability = error.get("availability") if isinstance(error.get("availability"), dict) else None
        elif data is None and content.lstrip()[:1] == b"<":
            message = "an HTML error page instead of JSON"
        error = error_for_status(
            status,
            self._scrub(message) if message else None,
            code=code,
            retry_after=retry_after,
            metadata=metadata,
            model=model,
            availability=availability,
            rate_limit=rate_limit,
        )
        error.from_openrouter = isinstance(data, dict) and isinstance(data.get("error"), dict)
        return error

    async def _stream_events(
        self, body: dict[str, Any], result: StreamResult, policy: RetryPolicy
    ) -> AsyncGenerator[str, None]:
        model = str(body.get("model", ""))
        stack = AsyncExitStack()
        first: str | None = None
        events: AsyncGenerator[str, None] | None = None
        try:
            # Retries cover everything up to the first token; after it, an error ends the answer.
            async for attempt in policy.retrying():
                with attempt:
                    await stack.aclose()
                    stack = AsyncExitStack()
                    headers = self._auth_headers()
                    try:
                        response = await stack.enter_async_context(
                            self._http.stream("POST", "chat/completions", json=body, headers=headers)
                        )
                        if response.status_code >= 400:
                            raise self._status_error(response, await response.aread(), model)
                    except httpx.HTTPError as error:
                        raise self._connection_error(error, model) from None
                    # From here the request is a generation OpenRouter may bill, whatever happens next.
                    result.id = response.headers.get("x-generation-id") or result.id
                    content_type = response.headers.get("content-type", "")
                    if "html" in content_type:
                        await response.aread()
                        raise self._not_json(response, model)
                    if "json" in content_type:
                        # Some OpenAI-compatible servers answer a stream request with one JSON body.
                        try:
                            data = json.loads(await response.aread())
                        except ValueError:
                            raise self._not_json(response, model) from None
                        events = _single_body_events(self, data, result, model)
                    else:
                        events = self._parse_stream(response, result, model)
                    stack.push_async_callback(events.aclose)
                    first = await anext(events, None)
            if first is not None:
                result.text += first
                yield first
                assert events is not None
                async for piece in events:
                    result.text += piece
                    yield piece
        finally:
            await stack.aclose()

    async def _parse_stream(
        self, response: httpx.Response, result: StreamResult, model: str
    ) -> AsyncGenerator[str, None]:
        decoder = SSEDecoder()
        done = False
        try:
            async for chunk in response.aiter_raw():
                if done:
                    continue  # read the body to its end so the connection can be reused
                for data in decoder.feed(chunk):
                    if data.strip() == "[DONE]":
                        done = True
                        break
                    piece = self._apply_chunk(data, result, model)
                    if piece is not None:
                        yield piece
            if done:
                return
            for data in decoder.close():
                if data.strip() == "[DONE]":
                    done = True
                    return
                piece = self._apply_chunk(data, result, model)
                if piece is not None:
                    yield piece
        except httpx.HTTPError as error:
            raise self._connection_error(error, model) from None
        if not done and result.finish_reason is None:
            raise ConnectionFailedError(
                f"The connection to OpenRouter dropped before {model} finished its answer. Try again.", model=model
            )

    def _apply_chunk(self, data: str, result: StreamResult, model: str) -> str | None:
        """The chunk's content; "" for a reasoning delta (progress, never text); None for nothing."""
        try:
            chunk = json.loads(data)
        except ValueError:
            raise InvalidResponseError(
                f"OpenRouter sent a broken stream event for {model}. Try again or pick another model.", model=model
            ) from None
        if not isinstance(chunk, dict):
            raise InvalidResponseError(f"OpenRouter sent an unexpected stream event for {model}.", model=model)
        if isinstance(chunk.get("error"), dict):
            raise self._embedded_error(chunk["error"], model)
        result.id = chunk.get("id") or result.id
        result.model = chunk.get("model") or result.model
        result.provider = chunk.get("provider") or result.provider
        if isinstance(chunk.get("usage"), dict):
            result.usage = Usage.model_validate(chunk["usage"])
            # The caching guide places ``cache_discount`` in the response body; take it from either place.
            if result.usage.cache_discount is None and isinstance(chunk.get("cache_discount"), int | float):
                result.usage.cache_discount = float(chunk["cache_discount"])
        choices = chunk.get("choices") or []
        if not choices or not isinstance(choices[0], dict):
            return None
        choice = choices[0]
        if isinstance(choice.get("error"), dict):
            raise self._embedded_error(choice["error"], model)
        if choice.get("finish_reason"):
            result.finish_reason = choice["finish_reason"]
            if choice["finish_reason"] == "error":
                raise error_for_code(None, None, model=model)
        delta = choice.get("delta") or choice.get("message") or {}
        if not isinstance(delta, dict):
            return None
        content = delta.get("content")
        if isinstance(content, str) and content:
            return content
        reasoning = delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            result.reasoning_chars += len(reasoning)
            return ""
        if delta.get("reasoning_details"):
            return ""
        return None


async def _single_body_events(
    client: OpenRouterClient, data: Any, result: StreamResult, model: str
) -> AsyncGenerator[str, None]:
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        raise client._embedded_error(data["error"], model)
    response = ChatResponse.model_validate(data)
    if not response.choices:
        raise InvalidResponseError(f"OpenRouter answered without any choices for {model}.", model=model)
    result.id, result.model, result.usage = response.id, response.model or model, response.usage
    result.finish_reason = response.finish_reason
    if response.text:
        yield response.text


_default_client: OpenRouterClient | None = None


def get_client() -> OpenRouterClient:
    """The process-wide client built from the environment, for scripts; servers build their own."""
    global _default_client
    if _default_client is None:
        _default_client = OpenRouterClient()
    return _default_client
