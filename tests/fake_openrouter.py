"""A fake OpenRouter API server for tests and benchmarks (standard library only).

``FakeOpenRouter`` is a real HTTP/1.1 server on 127.0.0.1 that answers like OpenRouter's ``/api/v1`` API:
``GET /models``, ``GET /key``, ``GET /generation?id=...`` and ``POST /chat/completions`` (plain JSON or
server-sent events). It runs its own asyncio loop in a daemon thread, so sync tests, async tests,
benchmarks and the command line can all use it::

    with FakeOpenRouter() as fake:
        fake.script(Reply.text("hello", ttft=0.2, tps=50), Reply.error(429, "slow down", retry_after=3))
        ...  # point the client at fake.base_url with fake.api_key
        assert fake.chat_requests()[0].model == "qwen/qwen3-coder:free"

The HTTP handling is written by hand on asyncio streams (no ``http.server``) because the fake has to
misbehave on purpose (drop connections, hang, send HTML or broken JSON) and has to notice when the client
goes away: each connection has a reader task that keeps reading from the socket while a response is being
written, and end-of-file there means the client disconnected.

Standalone use (for benchmarks and manual runs)::

    python tests/fake_openrouter.py --port 8765 --ttft-ms 300 --tps 40 --reply "return 42"

It prints the base URL and serves until Ctrl-C. The API key is never echoed in a response or a log line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import hashlib
import hmac
import itertools
import json
import logging
import math
import os
import re
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "DEFAULT_API_KEY",
    "FREE_MODEL",
    "KEEPS_BILLING_PROVIDERS",
    "PAID_MODEL",
    "ZERO_PRICE_MODEL",
    "FakeOpenRouter",
    "Oracle",
    "RecordedRequest",
    "Reply",
    "default_key_info",
    "default_models",
    "mask_key",
]

log = logging.getLogger("fake_openrouter")

JSONDict = dict[str, Any]
ReplyKind = Literal[
    "text", "error", "midstream_error", "ok_with_error", "no_choices", "html", "garbage", "hang", "drop"
]
Responder = Callable[[JSONDict], "Reply | None"]

DEFAULT_API_KEY = "sk-or-v1-fake-test-key-0123456789"
API_PREFIX = "/api/v1"
PROVIDER_NAME = "FakeProvider"
PROCESSING_COMMENT = b": OPENROUTER PROCESSING\n\n"
DONE_EVENT = b"data: [DONE]\n\n"

FREE_MODEL = "qwen/qwen3-coder:free"
PAID_MODEL = "mistralai/codestral-2508"
ZERO_PRICE_MODEL = "fakeprovider/zero-price-chat"

#: Share of ``max_tokens`` a reasoning effort spends on thinking (OpenRouter's reasoning-tokens guide).
REASONING_SHARE = {"minimal": 0.1, "low": 0.2, "medium": 0.5, "high": 0.8, "xhigh": 0.95}
EFFORT_ORDER = ("minimal", "low", "medium", "high", "xhigh")
#: Reasoning tokens a reasoning model spends when the request sets no ``max_tokens``.
DEFAULT_REASONING_TOKENS = 64
#: Providers that keep generating (and billing) after the client closes a stream (api_reference/streaming).
KEEPS_BILLING_PROVIDERS = frozenset({"Mistral", "Google", "Amazon Bedrock", "Groq"})
MANDATORY_REASONING_MESSAGE = "Reasoning is mandatory for this endpoint and cannot be disabled."
MODELS_LIMIT_MESSAGE = "'models' array must have 3 items or fewer."
FREE_DAILY_MESSAGE = (
    "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day"
)
NO_CREDITS_MESSAGE = (
    "Insufficient credits. This account never purchased credits. Make sure your key is on the correct account "
    "or org, and if so, purchase more at https://openrouter.ai/settings/credits"
)
#: HTTP status OpenRouter answers with for each ``error.availability.code``.
AVAILABILITY_STATUS = {
    "model_not_found": 404,
    "no_endpoints": 404,
    "model_deprecated": 404,
    "free_variant_ended": 404,
    "privacy_restricted": 404,
    "constraint_filtered": 404,
    "region_restricted": 403,
    "capacity_exhausted": 503,
    "temporarily_unavailable": 503,
}

_MAX_HEAD_BYTES = 64 * 1024
_MAX_BODY_BYTES = 32 * 1024 * 1024
_PIECE_RE = re.compile(r"\s*\S{1,4}|\s+")


def mask_key(key: str) -> str:
    """Return the label OpenRouter shows for a key: its first 12 and last 3 characters."""
    if len(key) <= 15:
        return "sk-or-v1-..."
    return f"{key[:12]}...{key[-3:]}"


def split_pieces(text: str) -> list[str]:
    """Split text into token-like pieces of a few characters (leading whitespace kept with the word)."""
    return _PIECE_RE.findall(text)


def _model_entry(
    model_id: str,
    name: str,
    *,
    context_length: int,
    prompt: str,
    completion: str,
    max_completion_tokens: int | None,
    description: str,
    tokenizer: str = "Other",
    created: int = 1_750_000_000,
    reasoning: JSONDict | None = None,
) -> JSONDict:
    entry: JSONDict = {
        "id": model_id,
        "canonical_slug": model_id.removesuffix(":free"),
        "hugging_face_id": "",
        "name": name,
        "created": created,
        "description": description,
        "context_length": context_length,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "tokenizer": tokenizer,
            "instruct_type": None,
        },
        "pricing": {
            "prompt": prompt,
            "completion": completion,
            "request": "0",
            "image": "0",
            "web_search": "0",
            "internal_reasoning": "0",
        },
        "top_provider": {
            "context_length": context_length,
            "max_completion_tokens": max_completion_tokens,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature", "top_p", "stop", "seed", "tools"],
    }
    if reasoning is not None:
        entry["reasoning"] = reasoning
        entry["supported_parameters"] += ["reasoning", "include_reasoning"]
    return entry


def _reasoning(efforts: tuple[str, ...], default: str, *, enabled: bool = True, mandatory: bool = False) -> JSONDict:
    return {
        "supported_efforts": list(efforts),
        "default_effort": default,
        "default_enabled": enabled,
        "mandatory": mandatory,
    }


def default_models() -> list[JSONDict]:
    """Return a fresh copy of the default model catalogue (prices are strings, USD per token)."""
    return [
        _model_entry(
            "qwen/qwen3-coder:free",
            "Qwen: Qwen3 Coder 480B A35B (free)",
            context_length=262_144,
            prompt="0",
            completion="0",
            max_completion_tokens=262_144,
            description="Free variant of Qwen3 Coder, a mixture-of-experts code model.",
            tokenizer="Qwen3",
            created=1_753_230_546,
        ),
        _model_entry(
            "meta-llama/llama-3.3-70b-instruct:free",
            "Meta: Llama 3.3 70B Instruct (free)",
            context_length=131_072,
            prompt="0",
            completion="0",
            max_completion_tokens=2_048,
            description="Free variant of Llama 3.3 70B Instruct.",
            tokenizer="Llama3",
            created=1_733_506_137,
        ),
        _model_entry(
            "mistralai/codestral-2508",
            "Mistral: Codestral 2508",
            context_length=256_000,
            prompt="0.0000003",
            completion="0.0000009",
            max_completion_tokens=None,
            description="Mistral's code model, good at fill-in-the-middle.",
            tokenizer="Mistral",
            created=1_754_079_630,
        ),
        _model_entry(
            "anthropic/claude-sonnet-4.5",
            "Anthropic: Claude Sonnet 4.5",
            context_length=1_000_000,
            prompt="0.000003",
            completion="0.000015",
            max_completion_tokens=64_000,
            description="Anthropic's Sonnet model.",
            tokenizer="Claude",
            created=1_759_161_676,
            reasoning=_reasoning(("low", "medium", "high"), "medium", enabled=False),
        ),
        _model_entry(
            "~anthropic/claude-sonnet-latest",
            "Anthropic: Claude Sonnet (latest)",
            context_length=1_000_000,
            prompt="0.000003",
            completion="0.000015",
            max_completion_tokens=64_000,
            description="Always the newest Claude Sonnet; reasons by default.",
            tokenizer="Claude",
            created=1_770_000_000,
            reasoning=_reasoning(("low", "medium", "high"), "medium", enabled=True),
        ),
        _model_entry(
            "openai/gpt-5",
            "OpenAI: GPT-5",
            context_length=400_000,
            prompt="0.00000125",
            completion="0.00001",
            max_completion_tokens=128_000,
            description="OpenAI's GPT-5.",
            tokenizer="GPT",
            created=1_754_587_413,
            reasoning=_reasoning(("minimal", "low", "medium", "high"), "medium", mandatory=True),
        ),
        _model_entry(
            "~openai/gpt-latest",
            "OpenAI: GPT (latest)",
            context_length=400_000,
            prompt="0.00000125",
            completion="0.00001",
            max_completion_tokens=128_000,
            description="Always the newest GPT; its reasoning cannot be switched off.",
            tokenizer="GPT",
            created=1_770_000_000,
            reasoning=_reasoning(("minimal", "low", "medium", "high"), "medium", mandatory=True),
        ),
        _model_entry(
            "deepseek/deepseek-r1",
            "DeepSeek: R1",
            context_length=163_840,
            prompt="0.0000004",
            completion="0.000002",
            max_completion_tokens=163_840,
            description="DeepSeek's reasoning model; it always thinks first.",
            tokenizer="DeepSeek",
            created=1_737_381_095,
            reasoning=_reasoning(("low", "medium", "high"), "medium", mandatory=True),
        ),
        _model_entry(
            ZERO_PRICE_MODEL,
            "FakeProvider: Zero Price Chat",
            context_length=32_768,
            prompt="0",
            completion="0",
            max_completion_tokens=4_096,
            description="A model without ':free' in its id whose prices are all zero.",
            created=1_740_000_000,
        ),
    ]


def provider_for(model: str) -> str:
    """The provider the fake says served ``model``: Mistral's models run at Mistral (which bills on)."""
    return "Mistral" if model.startswith("mistralai/") else PROVIDER_NAME


def next_utc_midnight_ms(now: float | None = None) -> int:
    """When OpenRouter's free-model day ends: the next 00:00 UTC, in epoch milliseconds."""
    now = time.time() if now is None else now
    return (int(now // 86_400) + 1) * 86_400_000


def default_key_info(api_key: str | None) -> JSONDict:
    """Return the default ``GET /key`` data (an unlimited, non-free-tier key)."""
    return {
        "label": mask_key(api_key or DEFAULT_API_KEY),
        "limit": None,
        "usage": 0.0,
        "usage_daily": 0.0,
        "usage_weekly": 0.0,
        "usage_monthly": 0.0,
        "limit_remaining": None,
        "limit_reset": None,
        "is_free_tier": False,
        "is_provisioning_key": False,
        "rate_limit": {"requests": -1, "interval": "10s"},
    }


# ------------------------------------------------------------------------------------------------
# Prompt caching (guides/best-practices/prompt-caching)

#: Characters per token of the fake's tokenizer (the same estimate as its ``prompt_tokens``).
CHARS_PER_TOKEN = 4
#: The automatic caches are looked up by blocks of this many tokens (then to the character within one).
_BLOCK_TOKENS = 64
#: How long a cached prefix lives without being used (Anthropic's default TTL; others keep it 5-10 minutes).
CACHE_TTL_S = 300.0
#: OpenRouter rejects a longer ``session_id`` (its broadcast docs).
SESSION_ID_MAX = 128


@dataclass(frozen=True)
class CacheFamily:
    """How one family's providers cache prompts: automatically (every prefix) or only up to ``cache_control``
    breakpoints; the minimum cached length, the granularity of cached counts, the read and write multipliers."""

    explicit: bool
    min_tokens: int
    read: float
    write: float = 1.0
    granularity: int = 1


#: Model id prefixes and how they cache, from OpenRouter's prompt-caching guide. First match wins.
CACHE_FAMILIES: tuple[tuple[str, CacheFamily], ...] = (
    ("anthropic/claude-opus-4.5", CacheFamily(True, 4096, 0.1, 1.25)),
    ("anthropic/claude-haiku-4.5", CacheFamily(True, 4096, 0.1, 1.25)),
    ("anthropic/", CacheFamily(True, 1024, 0.1, 1.25)),
    ("qwen/", CacheFamily(True, 1024, 0.1, 1.25)),
    ("openai/", CacheFamily(False, 1024, 0.25, granularity=128)),
    ("deepseek/", CacheFamily(False, 64, 0.1, granularity=64)),
    ("google/gemini-2.5-pro", CacheFamily(False, 4096, 0.25)),
    ("google/gemini-2.5", CacheFamily(False, 1024, 0.25)),
    ("x-ai/", CacheFamily(False, 1024, 0.25)),
    ("moonshotai/", CacheFamily(False, 1024, 0.25)),
)


def cache_family(model: str) -> CacheFamily | None:
    """How ``model`` (an alias ``~`` included) caches; None for families OpenRouter documents no caching for."""
    bare = model.lstrip("~")
    return next((family for prefix, family in CACHE_FAMILIES if bare.startswith(prefix)), None)


@dataclass(frozen=True)
class CacheOutcome:
    """What one request read from and wrote to the prompt cache, in tokens."""

    cached_tokens: int = 0
    cache_write_tokens: int = 0


def serialize_prompt(body: JSONDict) -> tuple[str, list[int], list[int]]:
    """The prompt as the provider reads it: one text, plus the offsets where content blocks end and where
    ``cache_control`` breakpoints are (a top-level ``cache_control`` marks the end of the prompt)."""
    text = ""
    ends: list[int] = []
    breakpoints: list[int] = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        text += f"<|{message.get('role')}|>"
        content = message.get("content")
        parts = [{"text": content}] if isinstance(content, str) else content if isinstance(content, list) else []
        for part in parts:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                text += part["text"]
                ends.append(len(text))
                if isinstance(part.get("cache_control"), dict):
                    breakpoints.append(len(text))
    if isinstance(body.get("cache_control"), dict) and text:
        breakpoints.append(len(text))
    return text, ends, breakpoints


@dataclass
class _BlockCache:
    """An automatic cache: digest of a prompt's blocks up to one -> (last use, the prompt last stored through
    it), and the first blocks of the prompts it holds (for a match shorter than one block)."""

    links: dict[bytes, tuple[float, str]] = field(default_factory=dict)
    firsts: dict[str, float] = field(default_factory=dict)
    pruned: float = 0.0

    def prune(self, now: float) -> None:
        """Forget what expired (at most every few seconds: the walk is as long as the cache)."""
        if now - self.pruned < 5:
            return
        self.pruned = now
        self.links = {link: found for link, found in self.links.items() if now - found[0] <= CACHE_TTL_S}
        self.firsts = {first: used for first, used in self.firsts.items() if now - used <= CACHE_TTL_S}


class PromptCache:
    """Cached prompt prefixes per model (one provider each), as the documented families cache them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: model -> prefix -> last use (monotonic seconds), for the families cached up to a breakpoint.
        self._prefixes: dict[str, dict[str, float]] = {}
        #: model -> the automatic cache's blocks.
        self._blocks: dict[str, _BlockCache] = {}

    def clear(self) -> None:
        with self._lock:
            self._prefixes.clear()
            self._blocks.clear()

    def use(self, model: str, body: JSONDict) -> CacheOutcome:
        """Look the request's prompt up, store what it caches, and say what was read and written."""
        family = cache_family(model)
        if family is None:
            return CacheOutcome()
        text, ends, breakpoints = serialize_prompt(body)
        now = time.monotonic()
        with self._lock:
            if family.explicit:
                stored = self._prefixes.setdefault(model, {})
                for prefix, used in list(stored.items()):
                    if now - used > CACHE_TTL_S:
                        del stored[prefix]
                return self._explicit(family, stored, text, ends, breakpoints, now)
            blocks = self._blocks.setdefault(model, _BlockCache())
            blocks.prune(now)
            return self._automatic(family, blocks, text, now)

    @staticmethod
    def _automatic(family: CacheFamily, stored: _BlockCache, text: str, now: float) -> CacheOutcome:
        # Like a provider, by blocks: a chain of digests, one per block of the prompt (each covering all
        # before it), so a lookup costs one pass over this prompt, not one comparison per stored prompt
        # (the naive baseline's whole-file prompts made that quadratic). Within the first block that
        # misses, the prompt is compared with the text last stored through the previous block.
        size = _BLOCK_TOKENS * CHARS_PER_TOKEN
        digest = hashlib.blake2b(digest_size=16)
        chain: list[bytes] = []
        for start in range(0, len(text) - size + 1, size):
            digest.update(text[start : start + size].encode("utf-8", "surrogatepass"))
            chain.append(digest.digest())
        matched, previous = 0, ""
        for link in chain:
            found = stored.links.get(link)
            if found is None or now - found[0] > CACHE_TTL_S:
                break
            matched, previous = matched + size, found[1]
        if previous:
            matched += _common_prefix(text[matched : matched + size], previous[matched : matched + size])
        else:  # the first block missed: compare with the stored prompts' first blocks (few)
            live = (first for first, used in stored.firsts.items() if now - used <= CACHE_TTL_S)
            matched = max((_common_prefix(text[:size], first) for first in live), default=0)
        cached = matched // CHARS_PER_TOKEN // family.granularity * family.granularity
        if cached < family.min_tokens:
            cached = 0
        if len(text) // CHARS_PER_TOKEN >= family.min_tokens:
            for link in chain:
                stored.links[link] = (now, text)
            stored.firsts[text[:size]] = now
        return CacheOutcome(cached_tokens=cached)

    @staticmethod
    def _explicit(
        family: CacheFamily, stored: dict[str, float], text: str, ends: list[int], breakpoints: list[int], now: float
    ) -> CacheOutcome:
        # A hit is a stored prefix ending at one of this prompt's block boundaries, up to its last breakpoint.
        last = max(breakpoints, default=0)
        hit = max((end for end in ends if end <= last and text[:end] in stored), default=0)
        if hit:
            stored[text[:hit]] = now
        cached = hit // CHARS_PER_TOKEN
        written = 0
        for point in sorted(breakpoints):
            tokens = point // CHARS_PER_TOKEN
            if tokens >= family.min_tokens and point > hit:
                written = tokens - cached
                stored[text[:point]] = now
        return CacheOutcome(cached_tokens=cached, cache_write_tokens=written)


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of ``a`` and ``b``, by bisection on slices (fast for long prompts)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass(frozen=True)
class Reply:
    """How the fake answers one chat request. Build it with the class methods, not directly."""

    kind: ReplyKind
    content: str = ""
    chunks: tuple[str, ...] | None = None
    model: str | None = None
    ttft: float | None = None
    tps: float | None = None
    usage: JSONDict | None = None
    cost: float | None = None
    finish_reason: str = "stop"
    status: int = 200
    message: str = ""
    code: int | str | None = None
    metadata: JSONDict | None = None
    retry_after: float | None = None
    headers: tuple[tuple[str, str], ...] = ()
    shape: Literal["top", "choice"] = "top"
    done: bool = True
    send_headers: bool = True
    reset: bool = False
    body: str | None = None
    reasoning_tokens: int | None = None
    availability: JSONDict | None = None

    @classmethod
    def text(
        cls,
        content: str = "",
        *,
        model: str | None = None,
        ttft: float | None = None,
        tps: float | None = None,
        chunks: Iterable[str] | None = None,
        usage: JSONDict | None = None,
        cost: float | None = None,
        finish_reason: str = "stop",
        reasoning_tokens: int | None = None,
    ) -> Reply:
        """A normal answer. ``reasoning_tokens`` overrides how long a reasoning model thinks first. ``chunks`` (if given) are the exact stream pieces and replace ``content``;
        ``ttft`` is the delay before the first content, ``tps`` the pieces per second after it; ``model``
        is the model reported as having served; ``usage`` entries override the computed ones."""
        chunk_tuple = tuple(chunks) if chunks is not None else None
        if chunk_tuple is not None:
            content = "".join(chunk_tuple)
        return cls(
            "text",
            content=content,
            chunks=chunk_tuple,
            model=model,
            ttft=ttft,
            tps=tps,
            usage=usage,
            cost=cost,
            finish_reason=finish_reason,
            reasoning_tokens=reasoning_tokens,
        )

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        *,
        code: int | str | None = None,
        retry_after: float | None = None,
        metadata: JSONDict | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """An error before any stream: ``{"error": {"code", "message"[, "metadata"]}}`` with that status
        (``code`` defaults to the status) and a ``Retry-After`` header if ``retry_after`` is given."""
        return cls(
            "error",
            status=status,
            message=message,
            code=status if code is None else code,
            retry_after=retry_after,
            metadata=metadata,
            headers=tuple((headers or {}).items()),
        )

    @classmethod
    def unavailable(
        cls,
        code: str,
        message: str = "",
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        requested_models: Iterable[str] = (),
        fallback_models: Iterable[str] = (),
        error_type: str | None = None,
    ) -> Reply:
        """An availability error: ``error.availability {code, retryable, retry_after, requested_models,
        fallback_models, docs_url}`` with the status OpenRouter gives that code (``status`` overrides)."""
        status = status or AVAILABILITY_STATUS.get(code, 404)
        availability: JSONDict = {
            "code": code,
            "retryable": retryable,
            "retry_after": retry_after,
            "requested_models": list(requested_models),
            "fallback_models": list(fallback_models),
            "docs_url": "https://openrouter.ai/docs/api-reference/errors",
        }
        metadata = {"error_type": error_type} if error_type else None
        return cls(
            "error",
            status=status,
            message=message or code.replace("_", " "),
            code=status,
            retry_after=retry_after,
            metadata=metadata,
            availability=availability,
        )

    @classmethod
    def midstream_error(
        cls,
        message: str,
        *,
        after: str = "partial text",
        code: int | str = 502,
        shape: Literal["top", "choice"] = "top",
        metadata: JSONDict | None = None,
        done: bool = True,
        model: str | None = None,
        ttft: float | None = None,
        tps: float | None = None,
    ) -> Reply:
        """HTTP 200, some content (``after``), then an error chunk with ``finish_reason: "error"``; ``shape``
        "top" puts ``error`` at the top level of the chunk, "choice" inside ``choices[0]``. ``done=False``
        ends the stream without ``data: [DONE]``. Non-streaming: a 200 body with the same error."""
        return cls(
            "midstream_error",
            content=after,
            message=message,
            code=code,
            shape=shape,
            metadata=metadata,
            done=done,
            model=model,
            ttft=ttft,
            tps=tps,
        )

    @classmethod
    def ok_with_error(
        cls, message: str, code: int | str = 502, *, metadata: JSONDict | None = None, done: bool = True
    ) -> Reply:
        """HTTP 200 with ``"choices": null`` and an ``error`` object (the first data event when streaming)."""
        return cls("ok_with_error", message=message, code=code, metadata=metadata, done=done)

    @classmethod
    def no_choices(cls) -> Reply:
        """HTTP 200 with ``"choices": []`` and no error (streaming: one such chunk, then ``[DONE]``)."""
        return cls("no_choices")

    @classmethod
    def html(cls, status: int = 502, body: str | None = None) -> Reply:
        """An HTML error page (``text/html``) with that status, like a proxy in front of the API sends."""
        return cls("html", status=status, body=body)

    @classmethod
    def garbage(cls, status: int = 200) -> Reply:
        """A body that is not JSON; when streaming with status 200, a ``data:`` line with broken JSON."""
        return cls("garbage", status=status)

    @classmethod
    def hang(cls, *, send_headers: bool = True) -> Reply:
        """Send the response headers (and one processing comment when streaming), then nothing more until
        the client disconnects or the server stops. ``send_headers=False`` sends nothing at all."""
        return cls("hang", send_headers=send_headers)

    @classmethod
    def drop(cls, after_text: str = "", *, reset: bool = False) -> Reply:
        """Close the connection abruptly: before any response, or (with ``after_text``) after sending the
        headers and that much content. ``reset=True`` closes with a TCP RST instead of a FIN."""
        return cls("drop", content=after_text, reset=reset)

    def pieces(self) -> list[str]:
        """The content as the stream pieces it is sent in."""
        if self.chunks is not None:
            return list(self.chunks)
        return split_pieces(self.content)


@dataclass(kw_only=True)
class RecordedRequest:
    """One HTTP request the fake received, updated while it is being answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(default=b"", repr=False)
    json: Any = field(default=None, repr=False)
    started_at: float
    finished_at: float | None = None
    disconnected: bool = False
    disconnected_at: float | None = None
    status: int | None = None
    reply: Reply | None = None
    generation_id: str | None = None
    dropped: bool = False
    connection_id: int = 0
    #: The ``X-Generation-Id`` this request's response carries (set once a chat answer is chosen).
    response_generation_id: str | None = None
    #: The models the fake tried for this request, in order (native ``models`` fallback).
    attempted: list[str] = field(default_factory=list)

    @property
    def model(self) -> str | None:
        """The requested model: the first of ``models`` if given, else ``model``."""
        if not isinstance(self.json, dict):
            return None
        models = self.json.get("models")
        if isinstance(models, list) and models and isinstance(models[0], str):
            return models[0]
        model = self.json.get("model")
        return model if isinstance(model, str) else None

    @property
    def stream(self) -> bool:
        return isinstance(self.json, dict) and bool(self.json.get("stream"))

    @property
    def messages(self) -> list[Any]:
        if isinstance(self.json, dict) and isinstance(self.json.get("messages"), list):
            return list(self.json["messages"])
        return []

    @property
    def is_chat(self) -> bool:
        return self.method == "POST" and self.path.rstrip("/") == f"{API_PREFIX}/chat/completions"


class _BadRequest(Exception):
    pass


class _Conn:
    """Per-connection state: the bytes read so far and whether the peer has gone away."""

    def __init__(self, conn_id: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.id = conn_id
        self.reader = reader
        self.writer = writer
        self.buf = bytearray()
        self.eof = False
        self.data_event = asyncio.Event()
        self.closed = asyncio.Event()
        self.current: RecordedRequest | None = None
        self.server_closing = False
        self.close_after = False


class FakeOpenRouter:
    """A fake OpenRouter server on 127.0.0.1, serving from its own thread. See the module docstring."""

    def __init__(self, api_key: str | None = DEFAULT_API_KEY, *, port: int = 0) -> None:
        """``api_key=None`` accepts any bearer token (the Authorization header is still required)."""
        self._initial_api_key = api_key
        self._requested_port = port
        self._lock = threading.RLock()
        self._scripts: list[tuple[str | None, Reply]] = []
        self._requests: list[RecordedRequest] = []
        self._generations: dict[str, JSONDict] = {}
        self._generation_ready: dict[str, float] = {}
        self._conn_ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._port: int | None = None
        self._conn_tasks: set[asyncio.Task[Any]] = set()
        self.server_errors: list[str] = []
        self.connections_opened = 0
        #: Prompt prefixes cached per model, as the providers of the documented families cache them.
        self.prompt_cache = PromptCache()
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.api_key: str | None = self._initial_api_key
        self.models: list[JSONDict] = default_models()
        self.key_info: JSONDict = default_key_info(self._initial_api_key)
        self.default_reply: Reply | Callable[[JSONDict], Reply] = Reply.text("pass")
        self.responder: Responder | None = None
        self.ttft: float = 0.0
        self.tps: float | None = None
        self.processing_interval: float = 0.1
        self.honor_stop: bool = True
        self.honor_max_tokens: bool = True
        self.reject_unknown_models: bool = False
        #: Seconds a generation's stats answer 404 before ``GET /generation`` has them (as OpenRouter does).
        self.generation_delay: float = 0.2
        #: Free-model requests a day (50 below 10 credits bought, 1000 above); None: no cap.
        self.free_daily_limit: int | None = None
        self.free_requests_today: int = 0
        #: Epoch ms the free-model day resets at; None: the next 00:00 UTC.
        self.free_reset_ms: int | None = None
        #: Credits left; None: plenty. At 0 or below paid models answer 402 (below 0 free ones too).
        self.credits: float | None = None
        #: Try each model of a request's ``models`` list in turn, as OpenRouter does.
        self.native_fallback: bool = True
        #: Retired models: each answers 404 ``model_deprecated`` with these ``error.availability.fallback_models``.
        self.retired: dict[str, list[str]] = {}

    # ----------------------------------------------------------------------------------------------
    # Lifecycle

    def start(self) -> FakeOpenRouter:
        """Start serving (returns once the socket is listening)."""
        if self._thread is not None:
            raise RuntimeError("FakeOpenRouter already started")
        self._ready.clear()
        self._start_error = None
        self._thread = threading.Thread(target=self._thread_main, name="fake-openrouter", daemon=True)
        self._thread.start()
        self._ready.wait(10.0)
        if self._start_error is not None:
            self._thread.join(5.0)
            self._thread = None
            raise RuntimeError(f"FakeOpenRouter could not start: {self._start_error}") from self._start_error
        if self._port is None:
            raise RuntimeError("FakeOpenRouter did not start in time")
        return self

    def stop(self) -> None:
        """Stop serving; open connections are closed. Safe to call twice."""
        thread, loop, stop_event = self._thread, self._loop, self._stop_event
        if thread is None:
            return
        if loop is not None and stop_event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop_event.set)
        thread.join(10.0)
        self._thread = None
        self._loop = None
        self._port = None

    def __enter__(self) -> FakeOpenRouter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeOpenRouter is not running")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no path)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v1``, what a client uses as OpenRouter's base URL."""
        return f"{self.root_url}{API_PREFIX}"

    def reset(self) -> None:
        """Forget scripts, recorded requests, generations and counters; restore every default knob."""
        with self._lock:
            self._scripts.clear()
            self._requests.clear()
            self._generations.clear()
            self._generation_ready.clear()
            self.server_errors.clear()
            self.connections_opened = 0
            self.prompt_cache.clear()
            self._set_defaults()

    # ----------------------------------------------------------------------------------------------
    # Scripting and inspection

    def script(self, *replies: Reply, model: str | None = None) -> None:
        """Queue replies, consumed one per chat request in order. With ``model``, they only answer requests
        whose model (first of ``models``, else ``model``) is exactly that."""
        for reply in replies:
            if not isinstance(reply, Reply):
                raise TypeError(f"expected a Reply, got {type(reply).__name__}")
        with self._lock:
            self._scripts.extend((model, reply) for reply in replies)

    @property
    def scripts_remaining(self) -> int:
        """How many scripted replies have not been used yet."""
        with self._lock:
            return len(self._scripts)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot list of every request received so far (the records themselves stay live)."""
        with self._lock:
            return list(self._requests)

    def chat_requests(self) -> list[RecordedRequest]:
        """The recorded ``POST /api/v1/chat/completions`` requests."""
        return [r for r in self.requests if r.is_chat]

    def generation(self, generation_id: str) -> JSONDict | None:
        """The data ``GET /generation`` would return for that id, or None."""
        with self._lock:
            data = self._generations.get(generation_id)
            return copy.deepcopy(data) if data is not None else None

    def billed_total(self) -> float:
        """What the fake billed in USD over every generation so far (to compare with a usage ledger)."""
        with self._lock:
            return sum(float(g.get("total_cost") or 0.0) for g in self._generations.values())

    def billed(self) -> list[JSONDict]:
        """Every generation's stats, in the order they were recorded."""
        with self._lock:
            return [copy.deepcopy(g) for g in self._generations.values()]

    def free_reset(self) -> int:
        return self.free_reset_ms if self.free_reset_ms is not None else next_utc_midnight_ms()

    def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0, interval: float = 0.005) -> bool:
        """Poll ``predicate()`` until it is truthy (True) or ``timeout`` seconds pass (False). For sync
        code: in an async test this blocks the test's loop, use ``wait_for_async`` there."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    async def wait_for_async(
        self,
        predicate: Callable[[], object],
        timeout: float = 5.0,  # noqa: ASYNC109 - mirrors wait_for; a plain polling deadline
        interval: float = 0.005,
    ) -> bool:
        """Like ``wait_for`` but sleeps with ``asyncio.sleep`` so the caller's loop keeps running."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(interval)

    # ----------------------------------------------------------------------------------------------
    # Server thread

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # pragma: no cover - reported to start() or logged
            if not self._ready.is_set():
                self._start_error = exc
                self._ready.set()
            else:
                log.exception("fake OpenRouter loop crashed")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        try:
            server = await asyncio.start_server(
                self._on_connection, "127.0.0.1", self._requested_port, reuse_address=True
            )
        except OSError as exc:
            self._start_error = exc
            self._ready.set()
            return
        self._port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            server.close()
            tasks = list(self._conn_tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await server.wait_closed()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._conn_tasks.add(task)
        with self._lock:
            self.connections_opened += 1
        conn = _Conn(next(self._conn_ids), reader, writer)
        pump = asyncio.create_task(self._pump(conn))
        try:
            while await self._serve_one(conn):
                pass
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            self._internal_error(exc)
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
            conn.server_closing = True
            with contextlib.suppress(Exception):
                writer.close()
            if task is not None:
                self._conn_tasks.discard(task)

    async def _pump(self, conn: _Conn) -> None:
        """Read everything the client sends; at end-of-file, mark the request in flight as abandoned."""
        try:
            while True:
                data = await conn.reader.read(65536)
                if not data:
                    break
                conn.buf += data
                conn.data_event.set()
        except (ConnectionError, OSError):
            pass
        conn.eof = True
        conn.data_event.set()
        conn.closed.set()
        rec = conn.current
        if not conn.server_closing and rec is not None and rec.finished_at is None:
            self._mark_disconnected(rec)

    @staticmethod
    def _mark_disconnected(rec: RecordedRequest) -> None:
        if not rec.disconnected:
            rec.disconnected_at = time.monotonic()
            rec.disconnected = True

    def _internal_error(self, exc: BaseException) -> None:
        log.error("fake OpenRouter internal error: %r", exc, exc_info=exc)
        with self._lock:
            self.server_errors.append(repr(exc))

    # ----------------------------------------------------------------------------------------------
    # HTTP parsing

    async def _read_until(self, conn: _Conn, sep: bytes, limit: int) -> bytes | None:
        while True:
            idx = conn.buf.find(sep)
            if idx >= 0:
                end = idx + len(sep)
                data = bytes(conn.buf[:end])
                del conn.buf[:end]
                return data
            if len(conn.buf) > limit:
                raise _BadRequest("header section too large")
            if conn.eof:
                return None
            conn.data_event.clear()
            await conn.data_event.wait()

    async def _read_exact(self, conn: _Conn, n: int) -> bytes | None:
        while len(conn.buf) < n:
            if conn.eof:
                return None
            conn.data_event.clear()
            await conn.data_event.wait()
        data = bytes(conn.buf[:n])
        del conn.buf[:n]
        return data

    async def _read_chunked(self, conn: _Conn) -> bytes | None:
        out = bytearray()
        while True:
            line = await self._read_until(conn, b"\r\n", 1024)
            if line is None:
                return None
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise _BadRequest("bad chunk size") from exc
            if size == 0:
                while True:  # trailers, up to the empty line
                    trailer = await self._read_until(conn, b"\r\n", _MAX_HEAD_BYTES)
                    if trailer is None:
                        return None
                    if trailer == b"\r\n":
                        return bytes(out)
            data = await self._read_exact(conn, size + 2)
            if data is None:
                return None
            out += data[:-2]
            if len(out) > _MAX_BODY_BYTES:
                raise _BadRequest("body too large")

    async def _serve_one(self, conn: _Conn) -> bool:
        """Read and answer one request; True if the connection can serve another."""
        while conn.buf.startswith(b"\r\n"):
            del conn.buf[:2]
        try:
            head = await self._read_until(conn, b"\r\n\r\n", _MAX_HEAD_BYTES)
        except _BadRequest:
            await self._send_bare_error(conn, 431, "Request header fields too large")
            return False
        if head is None:
            return False
        try:
            method, target, version, headers = self._parse_head(head)
        except _BadRequest as exc:
            await self._send_bare_error(conn, 400, str(exc))
            return False
        parts = urlsplit(target)
        rec = RecordedRequest(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=headers,
            started_at=time.monotonic(),
            connection_id=conn.id,
        )
        with self._lock:
            self._requests.append(rec)
        conn.current = rec
        connection_tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        conn.close_after = "close" in connection_tokens or (
            version == "HTTP/1.0" and "keep-alive" not in connection_tokens
        )
        try:
            if "chunked" in headers.get("transfer-encoding", "").lower():
                body = await self._read_chunked(conn)
            else:
                length = int(headers.get("content-length", "0") or "0")
                if length < 0 or length > _MAX_BODY_BYTES:
                    raise _BadRequest("bad content-length")
                body = await self._read_exact(conn, length)
        except (_BadRequest, ValueError) as exc:
            conn.close_after = True
            await self._send_json(conn, rec, 400, _error_body(400, f"Bad request: {exc}"))
            return False
        if body is None:
            self._mark_disconnected(rec)
            return False
        rec.body = body
        if body:
            try:
                rec.json = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                rec.json = None
        try:
            keep = await self._dispatch(conn, rec)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._internal_error(exc)
            if rec.status is None and not conn.closed.is_set():
                conn.close_after = True
                await self._send_json(conn, rec, 500, _error_body(500, f"Fake server error: {exc!r}"))
            return False
        log.debug("%s %s -> %s", rec.method, rec.path, rec.status)
        conn.current = None
        return keep and not conn.close_after and not conn.closed.is_set()

    @staticmethod
    def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
        try:
            text = head.decode("latin-1")
        except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes anything
            raise _BadRequest("undecodable head") from exc
        lines = text.split("\r\n")
        request_line = lines[0].split(" ")
        if len(request_line) != 3 or not request_line[2].startswith("HTTP/1."):
            raise _BadRequest("malformed request line")
        method, target, version = request_line
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise _BadRequest("malformed header line")
            headers[name.lower()] = value.strip()
        return method.upper(), target, version, headers

    # ----------------------------------------------------------------------------------------------
    # HTTP writing

    @staticmethod
    def _head(status: int, headers: list[tuple[str, str]], *, close: bool) -> bytes:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = [
            f"HTTP/1.1 {status} {phrase}",
            f"Date: {formatdate(usegmt=True)}",
            "Server: fake-openrouter",
            *(f"{name}: {value}" for name, value in headers),
            f"Connection: {'close' if close else 'keep-alive'}",
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _write(self, conn: _Conn, data: bytes, *, last_of: RecordedRequest | None = None) -> bool:
        """Write and flush; False if the client is gone (then the request is marked disconnected).

        ``last_of``: these are the final bytes of that request's response. Its ``finished_at`` is set just
        before they are handed to the socket, so a client that has read the whole response (from another
        thread) always sees it set.
        """
        if conn.closed.is_set():
            return False
        if last_of is not None:
            last_of.finished_at = time.monotonic()
        try:
            conn.writer.write(data)
            await conn.writer.drain()
        except (ConnectionError, OSError):
            conn.closed.set()
            if last_of is not None:
                last_of.finished_at = None
            if conn.current is not None and conn.current.finished_at is None:
                self._mark_disconnected(conn.current)
            return False
        return not conn.closed.is_set()

    async def _send_raw(
        self,
        conn: _Conn,
        rec: RecordedRequest,
        status: int,
        content_type: str,
        body: bytes,
        extra_headers: Iterable[tuple[str, str]] = (),
    ) -> bool:
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra_headers]
        if rec.response_generation_id:
            headers.append(("X-Generation-Id", rec.response_generation_id))
        rec.status = status
        return await self._write(conn, self._head(status, headers, close=conn.close_after) + body, last_of=rec)

    async def _send_json(
        self,
        conn: _Conn,
        rec: RecordedRequest,
        status: int,
        payload: Any,
        extra_headers: Iterable[tuple[str, str]] = (),
    ) -> bool:
        body = json.dumps(payload).encode()
        return await self._send_raw(conn, rec, status, "application/json", body, extra_headers)

    async def _send_bare_error(self, conn: _Conn, status: int, message: str) -> None:
        body = json.dumps(_error_body(status, message)).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        await self._write(conn, self._head(status, headers, close=True) + body)

    async def _start_stream(self, conn: _Conn, rec: RecordedRequest, *, comment: bool = True) -> bool:
        headers = [
            ("Content-Type", "text/event-stream"),
            ("Cache-Control", "no-cache"),
            ("Transfer-Encoding", "chunked"),
        ]
        if rec.response_generation_id:
            headers.append(("X-Generation-Id", rec.response_generation_id))
        rec.status = 200
        data = self._head(200, headers, close=conn.close_after)
        if comment:
            data += _chunk(PROCESSING_COMMENT)
        return await self._write(conn, data)

    async def _send_event(self, conn: _Conn, payload: JSONDict) -> bool:
        return await self._write(conn, _chunk(b"data: " + json.dumps(payload).encode() + b"\n\n"))

    async def _end_stream(self, conn: _Conn, rec: RecordedRequest, *, done: bool = True) -> bool:
        data = (_chunk(DONE_EVENT) if done else b"") + b"0\r\n\r\n"
        return await self._write(conn, data, last_of=rec)

    async def _pause(self, conn: _Conn, seconds: float) -> bool:
        """Sleep, waking early if the client disconnects; True if the client is still there."""
        if seconds <= 0:
            return not conn.closed.is_set()
        try:
            await asyncio.wait_for(conn.closed.wait(), seconds)
        except TimeoutError:
            return True
        return False

    async def _wait_ttft(self, conn: _Conn, ttft: float) -> bool:
        """Wait ``ttft`` seconds, sending a processing comment every ``processing_interval``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ttft
        interval = max(self.processing_interval, 0.001)
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return not conn.closed.is_set()
            if not await self._pause(conn, min(interval, remaining)):
                return False
            if deadline - loop.time() > 0 and not await self._write(conn, _chunk(PROCESSING_COMMENT)):
                return False

    def _abort(self, conn: _Conn, *, reset: bool) -> None:
        conn.server_closing = True
        transport = conn.writer.transport
        if reset:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()

    # ----------------------------------------------------------------------------------------------
    # Routing

    async def _dispatch(self, conn: _Conn, rec: RecordedRequest) -> bool:
        path = rec.path.rstrip("/")
        routes: dict[tuple[str, str], Callable[[_Conn, RecordedRequest], Any]] = {
            ("GET", f"{API_PREFIX}/models"): self._handle_models,
            ("GET", f"{API_PREFIX}/key"): self._handle_key,
            ("GET", f"{API_PREFIX}/generation"): self._handle_generation,
            ("POST", f"{API_PREFIX}/chat/completions"): self._handle_chat,
        }
        handler = routes.get((rec.method, path))
        if handler is None:
            return await self._send_json(conn, rec, 404, _error_body(404, "Not Found"))
        if path != f"{API_PREFIX}/models":
            problem = self._auth_problem(rec)
            if problem is not None:
                return await self._send_json(conn, rec, 401, _error_body(401, problem))
        result: bool = await handler(conn, rec)
        return result

    def _auth_problem(self, rec: RecordedRequest) -> str | None:
        scheme, _, token = rec.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return "No auth credentials found"
        expected = self.api_key
        if expected is not None and not hmac.compare_digest(token.encode(), expected.encode()):
            return "User not found."
        return None

    async def _handle_models(self, conn: _Conn, rec: RecordedRequest) -> bool:
        return await self._send_json(conn, rec, 200, {"data": self.models})

    async def _handle_key(self, conn: _Conn, rec: RecordedRequest) -> bool:
        data = dict(self.key_info)
        data.setdefault("label", mask_key(self.api_key or DEFAULT_API_KEY))
        if self.free_daily_limit is not None:
            used = min(self.free_requests_today, self.free_daily_limit)
            data["free_model_daily_requests"] = {
                "limit": self.free_daily_limit,
                "used": used,
                "remaining": self.free_daily_limit - used,
            }
        return await self._send_json(conn, rec, 200, {"data": data})

    async def _handle_generation(self, conn: _Conn, rec: RecordedRequest) -> bool:
        gen_id = rec.query.get("id", "")
        if not gen_id:
            return await self._send_json(conn, rec, 400, _error_body(400, "Missing generation id"))
        data = self.generation(gen_id)
        with self._lock:
            ready_at = self._generation_ready.get(gen_id, 0.0)
        if data is None or time.monotonic() < ready_at:
            return await self._send_json(conn, rec, 404, _error_body(404, f"Generation {gen_id} not found"))
        return await self._send_json(conn, rec, 200, {"data": data})

    def _choose_reply(self, body: JSONDict, model: str, *, first: bool = True) -> Reply:
        """A script for this model (unkeyed ones only for a request's first model), else the responder's
        answer, else the default reply."""
        with self._lock:
            for index, (wanted, reply) in enumerate(self._scripts):
                if wanted == model or (wanted is None and first):
                    del self._scripts[index]
                    return reply
        if self.responder is not None:
            answer = self.responder(body)
            if answer is not None:
                return answer
        default = self.default_reply
        return default if isinstance(default, Reply) else default(body)

    async def _handle_chat(self, conn: _Conn, rec: RecordedRequest) -> bool:
        body = rec.json
        if not isinstance(body, dict):
            return await self._send_json(conn, rec, 400, _error_body(400, "Invalid JSON body"))
        model = rec.model
        if not model:
            return await self._send_json(conn, rec, 400, _error_body(400, "No model specified"))
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return await self._send_json(
                conn, rec, 400, _error_body(400, 'Input required: specify "prompt" or "messages"')
            )
        session = body.get("session_id", rec.headers.get("x-session-id"))
        if session is not None and (not isinstance(session, str) or not session or len(session) > SESSION_ID_MAX):
            return await self._send_json(
                conn, rec, 400, _error_body(400, f"session_id must be a string of 1 to {SESSION_ID_MAX} characters")
            )
        models = body.get("models")
        if isinstance(models, list) and len(models) > 3:
            return await self._send_json(conn, rec, 400, _error_body(400, MODELS_LIMIT_MESSAGE))
        candidates = [model]
        if isinstance(models, list) and self.native_fallback:
            candidates += [m for m in models if isinstance(m, str) and m not in candidates]
        reply, served = Reply.error(500, "no model tried"), model
        for index, candidate in enumerate(candidates):
            rec.attempted.append(candidate)
            refusal = self._refusal(candidate, body)
            if refusal is None:
                candidate_body = body if index == 0 else {**body, "model": candidate}
                reply = self._choose_reply(candidate_body, candidate, first=index == 0)
            else:
                reply = refusal
            served = reply.model or candidate
            # OpenRouter moves on to the next model on any error before a stream starts, and returns the
            # last model's error when every one failed.
            if reply.kind != "error":
                break
        rec.reply = reply
        stream = bool(body.get("stream"))
        answer = _ChatAnswer(self, conn, rec, reply, body, served_model=served)
        return await answer.run(stream)

    def _entry(self, model: str) -> JSONDict | None:
        return next((m for m in self.models if m.get("id") == model), None)

    def _refusal(self, model: str, body: JSONDict) -> Reply | None:
        """What OpenRouter itself answers before any provider sees the request: unknown model, reasoning
        that cannot be switched off, no credits, the free models' daily cap."""
        entry = self._entry(model)
        if self.reject_unknown_models and entry is None:
            return Reply.error(400, f"{model} is not a valid model ID")
        conf = entry.get("reasoning") if entry else None
        if isinstance(conf, dict) and conf.get("mandatory") and not model.startswith("~"):
            if _reasoning_request(body)[0] == "none":
                return Reply.error(400, MANDATORY_REASONING_MESSAGE)
        if model in self.retired:
            return Reply.unavailable(
                "model_deprecated",
                f"{model} is deprecated",
                requested_models=[model],
                fallback_models=self.retired[model],
            )
        free = model.endswith(":free")
        # A negative balance refuses free models too (OpenRouter's limits page, "Credit limits").
        if self.credits is not None and (self.credits < 0 or (self.credits <= 0 and not free)):
            return Reply.error(402, NO_CREDITS_MESSAGE)
        if free and self.free_daily_limit is not None:
            with self._lock:
                if self.free_reset_ms is not None and time.time() * 1000 >= self.free_reset_ms:
                    # The free day is over at the reset time the cap's headers announced: counting starts again.
                    self.free_requests_today = 0
                    self.free_reset_ms += 86_400_000
                capped = self.free_requests_today >= self.free_daily_limit
                if not capped:
                    self.free_requests_today += 1
            if capped:
                reset = str(self.free_reset())
                headers = {
                    "X-RateLimit-Limit": str(self.free_daily_limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset,
                }
                return Reply.error(
                    429,
                    FREE_DAILY_MESSAGE,
                    metadata={"headers": headers, "error_type": "rate_limit_exceeded"},
                    headers=headers,
                )
        return None

    def reasoning_plan(self, model: str, body: JSONDict) -> tuple[int, bool]:
        """How many reasoning tokens ``model`` spends on this request, and whether they are streamed."""
        entry = self._entry(model)
        conf = entry.get("reasoning") if entry else None
        if not isinstance(conf, dict):
            return 0, False
        effort, budget, exclude = _reasoning_request(body)
        efforts = [e for e in EFFORT_ORDER if e in (conf.get("supported_efforts") or EFFORT_ORDER)]
        if effort is None and budget is None:
            effort = str(conf.get("default_effort") or "medium") if conf.get("default_enabled") else "none"
        if effort == "none" and conf.get("mandatory"):
            effort = efforts[0] if efforts else "low"  # an alias remaps "none" to its lowest effort
        if effort == "none":
            return 0, False
        limit = body.get("max_tokens", body.get("max_completion_tokens"))
        if budget is not None:
            tokens = budget
        elif isinstance(limit, int) and not isinstance(limit, bool):
            tokens = int(limit * REASONING_SHARE.get(effort or "medium", 0.5))
        else:
            tokens = DEFAULT_REASONING_TOKENS
        return max(tokens, 0), not exclude

    # ----------------------------------------------------------------------------------------------
    # Accounting

    def _price(self, model: str, key: str) -> float:
        for entry in self.models:
            if entry.get("id") == model:
                try:
                    return max(float(entry.get("pricing", {}).get(key, "0")), 0.0)
                except (TypeError, ValueError):
                    return 0.0
        return 0.0

    def _usage(
        self,
        reply: Reply,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        reasoning_tokens: int = 0,
        cache: CacheOutcome | None = None,
    ) -> JSONDict:
        """Usage as OpenRouter reports it: ``completion_tokens`` includes reasoning, billed as output; prompt
        tokens read from the cache are billed at the family's read price, those written at its write price, and
        ``cache_discount`` is what that saved against the full input price (negative when writes cost more)."""
        completion_tokens += reasoning_tokens
        cache = cache or CacheOutcome()
        family = cache_family(model)
        price = self._price(model, "prompt")
        read = family.read if family else 1.0
        write = family.write if family else 1.0
        plain = max(prompt_tokens - cache.cached_tokens - cache.cache_write_tokens, 0)
        prompt_cost = price * (plain + cache.cached_tokens * read + cache.cache_write_tokens * write)
        discount = prompt_tokens * price - prompt_cost
        cost = prompt_cost + completion_tokens * self._price(model, "completion") + self._price(model, "request")
        usage: JSONDict = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "cost": float(cost if reply.cost is None else reply.cost),
            "is_byok": False,
            "prompt_tokens_details": {
                "cached_tokens": cache.cached_tokens,
                "cache_write_tokens": cache.cache_write_tokens,
            },
            "cache_discount": float(discount),
            "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
        }
        if reply.usage:
            usage.update(reply.usage)
        return usage

    def _record_generation(self, gen_id: str, data: JSONDict) -> None:
        with self._lock:
            self._generations[gen_id] = data
            self._generation_ready[gen_id] = time.monotonic() + self.generation_delay


class _ChatAnswer:
    """Writes the answer to one chat request according to its Reply."""

    def __init__(
        self,
        fake: FakeOpenRouter,
        conn: _Conn,
        rec: RecordedRequest,
        reply: Reply,
        body: JSONDict,
        served_model: str,
    ) -> None:
        self.fake = fake
        self.conn = conn
        self.rec = rec
        self.reply = reply
        self.body = body
        self.model = served_model
        self.gen_id = f"gen-{int(time.time())}-{uuid.uuid4().hex[:20]}"
        self.created = int(time.time())
        self.ttft = fake.ttft if reply.ttft is None else reply.ttft
        self.tps = fake.tps if reply.tps is None else reply.tps
        self.prompt_tokens = _estimate_prompt_tokens(body.get("messages"))
        # The provider reads (and caches) the prompt once it takes the request: not for refusals before it.
        taken = reply.kind not in ("error", "html", "garbage")
        cache = fake.prompt_cache.use(served_model, body) if taken else CacheOutcome()
        cached = min(cache.cached_tokens, self.prompt_tokens)
        self.cache = CacheOutcome(cached, min(cache.cache_write_tokens, self.prompt_tokens - cached))
        self.first_content_at: float | None = None
        self.sent: list[str] = []
        self.provider = provider_for(served_model)
        rec.response_generation_id = self.gen_id
        planned, self.show_reasoning = fake.reasoning_plan(served_model, body)
        if reply.reasoning_tokens is not None and planned:
            planned = reply.reasoning_tokens
        self.reasoning_tokens = planned
        self.reasoning_sent = 0
        self.planned: list[str] = []

    async def run(self, stream: bool) -> bool:
        kind = self.reply.kind
        if kind == "text":
            return await (self._text_stream() if stream else self._text_plain())
        if kind == "error":
            return await self._error()
        if kind == "midstream_error":
            return await (self._midstream_stream() if stream else self._midstream_plain())
        if kind == "ok_with_error":
            return await (self._ok_with_error_stream() if stream else self._ok_with_error_plain())
        if kind == "no_choices":
            return await (self._no_choices_stream() if stream else self._no_choices_plain())
        if kind == "html":
            return await self._html()
        if kind == "garbage":
            return await self._garbage(stream)
        if kind == "hang":
            return await self._hang(stream)
        if kind == "drop":
            return await self._drop(stream)
        raise ValueError(f"unknown reply kind {kind!r}")

    # -- helpers -----------------------------------------------------------------------------------

    def _limited_pieces(self, pieces: list[str], finish_reason: str) -> tuple[list[str], str]:
        fake, body = self.fake, self.body
        if fake.honor_stop:
            stops = body.get("stop")
            stop_list = [stops] if isinstance(stops, str) else stops if isinstance(stops, list) else []
            text = "".join(pieces)
            cuts = [text.find(s) for s in stop_list if isinstance(s, str) and s and s in text]
            if cuts:
                pieces = _truncate_chars(pieces, min(cuts))
                finish_reason = "stop"
        if fake.honor_max_tokens:
            limit = body.get("max_tokens", body.get("max_completion_tokens"))
            if isinstance(limit, int) and not isinstance(limit, bool):
                # Reasoning tokens count against max_tokens: thinking can leave no room for the answer.
                self.reasoning_tokens = min(self.reasoning_tokens, max(limit, 0))
                room = max(limit - self.reasoning_tokens, 0)
                if room < len(pieces):
                    pieces = pieces[:room]
                    finish_reason = "length"
        self.planned = pieces
        return pieces, finish_reason

    def _base(self, obj: str) -> JSONDict:
        return {
            "id": self.gen_id,
            "provider": self.provider,
            "model": self.model,
            "object": obj,
            "created": self.created,
        }

    def _chunk_payload(self, delta: JSONDict, finish_reason: str | None) -> JSONDict:
        payload = self._base("chat.completion.chunk")
        payload["choices"] = [
            {
                "index": 0,
                "delta": delta,
                "finish_reason": finish_reason,
                "native_finish_reason": finish_reason,
                "logprobs": None,
            }
        ]
        return payload

    def _error_obj(self) -> JSONDict:
        err: JSONDict = {"code": self.reply.code, "message": self.reply.message}
        if self.reply.metadata is not None:
            err["metadata"] = self.reply.metadata
        if self.reply.availability is not None:
            err["availability"] = self.reply.availability
        return err

    def _finish_generation(self, sent_pieces: list[str], finish_reason: str, *, streamed: bool) -> None:
        now = time.monotonic()
        completion_tokens = len(sent_pieces)
        reasoning = self.reasoning_tokens if not streamed else self.reasoning_sent
        if self.rec.disconnected and self.provider in KEEPS_BILLING_PROVIDERS:
            # This provider does not stop when the client goes away: the whole answer is billed.
            completion_tokens = max(completion_tokens, len(self.planned))
            reasoning = self.reasoning_tokens
        usage = self.fake._usage(self.reply, self.model, self.prompt_tokens, completion_tokens, reasoning, self.cache)
        first = self.first_content_at if self.first_content_at is not None else now
        self.rec.generation_id = self.gen_id
        self.fake._record_generation(
            self.gen_id,
            {
                "id": self.gen_id,
                "model": self.model,
                "provider_name": self.provider,
                "created_at": formatdate(self.created, usegmt=True),
                "streamed": streamed,
                "cancelled": self.rec.disconnected,
                "finish_reason": finish_reason,
                "native_finish_reason": finish_reason,
                "total_cost": usage["cost"],
                "usage": usage["cost"],
                "is_byok": False,
                "tokens_prompt": usage["prompt_tokens"],
                "tokens_completion": usage["completion_tokens"],
                "native_tokens_prompt": usage["prompt_tokens"],
                "native_tokens_completion": usage["completion_tokens"],
                "native_tokens_reasoning": reasoning,
                "native_tokens_cached": usage["prompt_tokens_details"]["cached_tokens"],
                "cache_discount": usage["cache_discount"],
                "latency": round((first - self.rec.started_at) * 1000),
                "generation_time": round((now - first) * 1000),
                "origin": "",
                "api_type": "completions",
            },
        )

    async def _stream_reasoning(self, gap: float) -> bool:
        """Reasoning deltas (``delta.reasoning`` and ``reasoning_details``), 8 tokens a chunk, before any
        content; False if the client went away. Excluded reasoning is spent (and billed) but not sent."""
        left = self.reasoning_tokens
        index = 0
        while left > 0:
            step = min(8, left)
            if index and gap and not await self.fake._pause(self.conn, gap):
                return False
            if self.show_reasoning:
                text = "think " * step
                delta = {
                    "role": "assistant",
                    "content": "",
                    "reasoning": text,
                    "reasoning_details": [{"type": "reasoning.text", "text": text, "format": "unknown", "index": 0}],
                }
                if not await self.fake._send_event(self.conn, self._chunk_payload(delta, None)):
                    return False
            self.reasoning_sent += step
            left -= step
            index += 1
        return True

    async def _stream_pieces(self, pieces: list[str], last_finish: str | None) -> list[str] | None:
        """Send content chunks after the TTFT wait, paced by tps; the sent pieces (also kept in
        ``self.sent``), or None if the client went away. ``last_finish`` is set on the last chunk."""
        conn = self.conn
        sent = self.sent
        if not await self.fake._wait_ttft(conn, self.ttft):
            return None
        gap = 1.0 / self.tps if self.tps else 0.0
        if not await self._stream_reasoning(gap):
            return None
        for index, piece in enumerate(pieces):
            if index and gap and not await self.fake._pause(conn, gap):
                return None
            is_last = index == len(pieces) - 1
            delta = {"role": "assistant", "content": piece}
            if self.first_content_at is None:
                self.first_content_at = time.monotonic()
            if not await self.fake._send_event(conn, self._chunk_payload(delta, last_finish if is_last else None)):
                return None
            sent.append(piece)
        return sent

    # -- kinds -------------------------------------------------------------------------------------

    async def _text_plain(self) -> bool:
        pieces, finish = self._limited_pieces(self.reply.pieces(), self.reply.finish_reason)
        duration = self.ttft + (len(pieces) / self.tps if self.tps else 0.0)
        if not await self.fake._pause(self.conn, duration):
            self._finish_generation(pieces, finish, streamed=False)
            return False
        self.first_content_at = time.monotonic()
        payload = self._base("chat.completion")
        payload["choices"] = [
            {
                "index": 0,
                "logprobs": None,
                "finish_reason": finish,
                "native_finish_reason": finish,
                "message": {"role": "assistant", "content": "".join(pieces), "refusal": None},
            }
        ]
        payload["usage"] = self.fake._usage(
            self.reply, self.model, self.prompt_tokens, len(pieces), self.reasoning_tokens, self.cache
        )
        if self.reasoning_tokens and self.show_reasoning:
            payload["choices"][0]["message"]["reasoning"] = "think " * self.reasoning_tokens
        self._finish_generation(pieces, finish, streamed=False)
        return await self.fake._send_json(self.conn, self.rec, 200, payload)

    async def _text_stream(self) -> bool:
        pieces, finish = self._limited_pieces(self.reply.pieces(), self.reply.finish_reason)
        if not await self.fake._start_stream(self.conn, self.rec):
            return False
        sent = await self._stream_pieces(pieces or [""], finish)
        if sent is None:
            self._finish_generation([p for p in self.sent if p], finish, streamed=True)
            return False
        usage_chunk = self._base("chat.completion.chunk")
        usage_chunk["choices"] = []
        usage_chunk["usage"] = self.fake._usage(
            self.reply, self.model, self.prompt_tokens, len(pieces), self.reasoning_sent, self.cache
        )
        self._finish_generation(pieces, finish, streamed=True)
        if not await self.fake._send_event(self.conn, usage_chunk):
            return False
        return await self.fake._end_stream(self.conn, self.rec)

    async def _error(self) -> bool:
        headers = list(self.reply.headers)
        if self.reply.retry_after is not None:
            value = self.reply.retry_after
            headers.append(("Retry-After", str(int(value)) if float(value).is_integer() else str(value)))
        return await self.fake._send_json(self.conn, self.rec, self.reply.status, {"error": self._error_obj()}, headers)

    async def _midstream_stream(self) -> bool:
        pieces = self.reply.pieces()
        if not await self.fake._start_stream(self.conn, self.rec):
            return False
        sent = await self._stream_pieces(pieces, None)
        if sent is None:
            return False
        self._finish_generation(sent, "error", streamed=True)
        if self.reply.shape == "top":
            payload = self._chunk_payload({"content": ""}, "error")
            payload["error"] = self._error_obj()
        else:
            payload = self._base("chat.completion.chunk")
            payload["choices"] = [{"index": 0, "error": self._error_obj(), "finish_reason": "error", "delta": {}}]
        if not await self.fake._send_event(self.conn, payload):
            return False
        return await self.fake._end_stream(self.conn, self.rec, done=self.reply.done)

    async def _midstream_plain(self) -> bool:
        pieces = self.reply.pieces()
        if not await self.fake._pause(self.conn, self.ttft):
            return False
        choice: JSONDict = {
            "index": 0,
            "finish_reason": "error",
            "native_finish_reason": "error",
            "message": {"role": "assistant", "content": "".join(pieces)},
        }
        payload = self._base("chat.completion")
        if self.reply.shape == "top":
            payload["error"] = self._error_obj()
        else:
            choice["error"] = self._error_obj()
        payload["choices"] = [choice]
        self._finish_generation(pieces, "error", streamed=False)
        return await self.fake._send_json(self.conn, self.rec, 200, payload)

    def _ok_with_error_payload(self, obj: str) -> JSONDict:
        payload = self._base(obj)
        payload["choices"] = None
        payload["error"] = self._error_obj()
        return payload

    async def _ok_with_error_plain(self) -> bool:
        return await self.fake._send_json(self.conn, self.rec, 200, self._ok_with_error_payload("chat.completion"))

    async def _ok_with_error_stream(self) -> bool:
        if not await self.fake._start_stream(self.conn, self.rec):
            return False
        if not await self.fake._send_event(self.conn, self._ok_with_error_payload("chat.completion.chunk")):
            return False
        return await self.fake._end_stream(self.conn, self.rec, done=self.reply.done)

    async def _no_choices_plain(self) -> bool:
        payload = self._base("chat.completion")
        payload["choices"] = []
        payload["usage"] = self.fake._usage(self.reply, self.model, self.prompt_tokens, 0, 0, self.cache)
        return await self.fake._send_json(self.conn, self.rec, 200, payload)

    async def _no_choices_stream(self) -> bool:
        if not await self.fake._start_stream(self.conn, self.rec):
            return False
        payload = self._base("chat.completion.chunk")
        payload["choices"] = []
        if not await self.fake._send_event(self.conn, payload):
            return False
        return await self.fake._end_stream(self.conn, self.rec)

    async def _html(self) -> bool:
        status = self.reply.status
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        title = f"{status} {phrase}"
        page = self.reply.body or (
            f"<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n"
            f"<body><center><h1>{title}</h1></center><hr><center>cloudflare</center></body></html>\n"
        )
        return await self.fake._send_raw(self.conn, self.rec, status, "text/html; charset=utf-8", page.encode())

    async def _garbage(self, stream: bool) -> bool:
        if stream and self.reply.status == 200:
            if not await self.fake._start_stream(self.conn, self.rec):
                return False
            broken = b'data: {"id": "' + self.gen_id.encode() + b'", "choices": [{"delta": {"content": "oo\n\n'
            if not await self.fake._write(self.conn, _chunk(broken)):
                return False
            return await self.fake._end_stream(self.conn, self.rec)
        return await self.fake._send_raw(
            self.conn, self.rec, self.reply.status, "application/json", b'<<not json>> {"choices": ['
        )

    async def _hang(self, stream: bool) -> bool:
        conn = self.conn
        if self.reply.send_headers:
            if stream:
                ok = await self.fake._start_stream(conn, self.rec)
            else:
                self.rec.status = 200
                head = self.fake._head(
                    200,
                    [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
                    close=conn.close_after,
                )
                ok = await self.fake._write(conn, head)
            if not ok:
                return False
        await conn.closed.wait()
        return False

    async def _drop(self, stream: bool) -> bool:
        conn, rec = self.conn, self.rec
        after = self.reply.content
        if after:
            if stream:
                if not await self.fake._start_stream(conn, rec):
                    return False
                if await self._stream_pieces(self.reply.pieces(), None) is None:
                    return False
            else:
                payload = self._base("chat.completion")
                payload["choices"] = [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": after}}
                ]
                body = json.dumps(payload).encode()
                cut = body.index(after.encode()) + len(after.encode()) if after.encode() in body else 1
                rec.status = 200
                head = self.fake._head(
                    200,
                    [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                    close=conn.close_after,
                )
                if not await self.fake._write(conn, head + body[:cut]):
                    return False
        rec.dropped = True
        self.fake._abort(conn, reset=self.reply.reset)
        return False


def _chunk(data: bytes) -> bytes:
    """Frame bytes as one HTTP/1.1 chunk."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def _error_body(code: int, message: str) -> JSONDict:
    return {"error": {"code": code, "message": message}}


def _truncate_chars(pieces: list[str], limit: int) -> list[str]:
    out: list[str] = []
    used = 0
    for piece in pieces:
        if used + len(piece) <= limit:
            out.append(piece)
            used += len(piece)
            continue
        if limit - used > 0:
            out.append(piece[: limit - used])
        break
    return out


def _reasoning_request(body: JSONDict) -> tuple[str | None, int | None, bool]:
    """The request's reasoning wish: (effort or "none" or None, token budget, exclude)."""
    conf = body.get("reasoning")
    effort: str | None = None
    budget: int | None = None
    exclude = False
    if isinstance(body.get("reasoning_effort"), str):
        effort = body["reasoning_effort"]
    if isinstance(conf, dict):
        if isinstance(conf.get("effort"), str):
            effort = conf["effort"]
        if isinstance(conf.get("max_tokens"), int):
            budget = conf["max_tokens"]
        if conf.get("enabled") is False:
            effort = "none"
        exclude = bool(conf.get("exclude"))
    return effort, budget, exclude


def _estimate_prompt_tokens(messages: Any) -> int:
    """About four characters per token over the text of the messages."""
    if not isinstance(messages, list):
        return 0
    chars = 0
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    chars += len(part["text"])
    return max(1, math.ceil(chars / 4)) if messages else 0


class Oracle:
    """Oracle mode, for ``arb-lsp eval`` tests: told the text removed at each site, it answers each model
    exactly, wrapped the way chat models wrap answers, wrongly, or with nothing. Install it as the fake's
    ``responder``; a request it cannot place gets the fake's default reply.

    A request is placed by the text around the cursor marker in its messages: of the sites it knows, the
    one whose text before the cursor ends the prompt's text before a marker, and whose text after the
    removed span starts the prompt's text after it, over the most characters (so neither the prompt's
    layout around the file nor a window cut at either end matters).

    Modes per model (``modes``; ``default`` for the others): ``exact`` (the removed text), ``wrapped`` (in a
    code fence with a sentence after it), ``wrong`` (a plausible identifier that is not it), ``empty``, and
    ``rambling`` (exactly, then more lines at column 0 than anyone reads: the client stops reading early).
    ``ttft`` per model (seconds) makes one model slower than another.
    """

    MARKER = "{{FILL_HERE}}"
    MODES = ("exact", "wrapped", "wrong", "empty", "rambling")
    #: Characters of each side of a site kept to place requests.
    SIDE_CHARS = 300

    def __init__(
        self, modes: dict[str, str] | None = None, *, default: str = "exact", ttft: dict[str, float] | None = None
    ) -> None:
        for mode in [*(modes or {}).values(), default]:
            if mode not in self.MODES:
                raise ValueError(f"unknown oracle mode {mode!r} (one of {', '.join(self.MODES)})")
        self.modes = dict(modes or {})
        self.default = default
        self.ttft = dict(ttft or {})
        self._lock = threading.Lock()
        self._sites: list[tuple[str, str, str]] = []  # (before, after, truth)
        self._followed: tuple[str, str] | None = None  # (root, sites file)
        self._stamp: tuple[float, int] | None = None
        #: (model, mode, truth or None when the request could not be placed), one per request answered.
        self.answered: list[tuple[str, str, str | None]] = []

    def add(self, before: str, after: str, truth: str) -> None:
        """A site: the file's text before the cursor, after the removed span, and the removed text."""
        with self._lock:
            self._sites.append((before[-self.SIDE_CHARS :], after[: self.SIDE_CHARS], truth))

    def add_site(
        self, text: str, line: int, column: int, end_line: int | None = None, end_column: int | None = None
    ) -> str:
        """A site as a sites file gives it (1-based, columns in characters, the end excluded; ``end_column``
        defaults to the end of ``end_line``, which defaults to ``line``); returns the removed text."""
        starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

        def offset(row: int, col: int | None) -> int:
            start = starts[row - 1]
            stop = text.find("\n", start)
            stop = len(text) if stop == -1 else stop
            if stop > start and text[stop - 1] == "\r":
                stop -= 1
            return stop if col is None else start + col - 1

        begin, end = offset(line, column), offset(end_line or line, end_column)
        self.add(text[:begin], text[end:], text[begin:end])
        return text[begin:end]

    def follow(self, root: str, sites_file: str) -> None:
        """Read the sites from ``sites_file`` (JSON lines, paths relative to ``root``), again whenever it
        changes: ``arb-lsp eval --save-sites`` writes it before its first request."""
        with self._lock:
            self._followed = (root, sites_file)
            self._stamp = None

    def _refresh(self) -> None:
        if self._followed is None:
            return
        root, path = self._followed
        try:
            info = os.stat(path)
        except OSError:
            return
        stamp = (info.st_mtime, info.st_size)
        if stamp == self._stamp:
            return
        with open(path, encoding="utf-8") as handle:
            lines = [json.loads(line) for line in handle if line.strip()]
        with self._lock:
            self._sites.clear()
            self._stamp = stamp
        for site in lines:
            with open(os.path.join(root, site["file"]), encoding="utf-8", newline="") as handle:
                text = handle.read()
            self.add_site(text, site["line"], site.get("column", 1), site.get("endLine"), site.get("endColumn"))

    def truth_for(self, messages: Any) -> str | None:
        """The removed text of the site a request's messages are about, or None."""
        self._refresh()
        texts = [m.get("content") for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
        best, best_score = None, 0
        with self._lock:
            sites = list(self._sites)
        for content in texts:
            if not isinstance(content, str):
                continue
            position = content.find(self.MARKER)
            while position != -1:
                head, tail = content[:position], content[position + len(self.MARKER) :]
                for before, after, truth in sites:
                    score = _common_suffix(head, before) + _common_prefix(tail, after)
                    if score > best_score:
                        best, best_score = truth, score
                position = content.find(self.MARKER, position + 1)
        return best

    def answer(self, mode: str, truth: str) -> str:
        if mode == "exact":
            return truth
        if mode == "wrapped":
            return f"```\n{truth}\n```\nThis completes the code at the cursor."
        if mode == "wrong":
            return "oracle_wrong_answer"
        if mode == "rambling":
            return truth + "\n" + "rambling_on_and_on()\n" * 60
        return ""

    def __call__(self, body: JSONDict) -> Reply | None:
        model = str(body.get("model") or "")
        truth = self.truth_for(body.get("messages"))
        mode = self.modes.get(model, self.default)
        with self._lock:
            self.answered.append((model, mode, truth))
        if truth is None:
            return None
        return Reply.text(self.answer(mode, truth), ttft=self.ttft.get(model))


def _common_suffix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        size += 1
    return size


def main(argv: list[str] | None = None) -> int:
    """Command line: serve a fake OpenRouter until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Fake OpenRouter API server for tests and benchmarks.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: pick a free one)")
    parser.add_argument("--ttft-ms", type=float, default=0.0, help="time to first token, milliseconds")
    parser.add_argument("--tps", type=float, default=None, help="stream pieces per second (default: no pacing)")
    parser.add_argument("--reply", default="pass", help="the text every chat request gets")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the accepted key (default: the test key)")
    parser.add_argument("--any-key", action="store_true", help="accept any bearer token")
    parser.add_argument("--verbose", action="store_true", help="log one line per request")
    parser.add_argument(
        "--oracle-sites",
        metavar="FILE",
        help="oracle mode: answer the sites of this sites file (JSON lines, as arb-lsp eval --save-sites writes)",
    )
    parser.add_argument("--oracle-root", default=".", metavar="DIR", help="the folder the sites' paths are relative to")
    parser.add_argument(
        "--oracle",
        action="append",
        default=[],
        metavar="MODEL=MODE[:TTFT_MS]",
        help="how the oracle answers MODEL: exact, wrapped, wrong or empty, after TTFT_MS (repeatable)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")
    fake = FakeOpenRouter(api_key=None if args.any_key else args.api_key, port=args.port)
    fake.ttft = args.ttft_ms / 1000.0
    fake.tps = args.tps
    fake.default_reply = Reply.text(args.reply)
    if args.oracle_sites:
        modes, ttft = {}, {}
        for spec in args.oracle:
            model, _, how = spec.partition("=")
            mode, _, delay = how.partition(":")
            modes[model] = mode or "exact"
            if delay:
                ttft[model] = float(delay) / 1000.0
        oracle = Oracle(modes, ttft=ttft)
        oracle.follow(args.oracle_root, args.oracle_sites)
        fake.responder = oracle
    fake.start()
    print(fake.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
