"""Prompt caching through OpenRouter: which models cache how, and the ``cache_control`` breakpoint.

OpenRouter's prompt-caching guide (guides/best-practices/prompt-caching): most providers cache a repeated
prompt *prefix* by themselves and bill it at a fraction of the input price (OpenAI 0.25-0.5x from 1,024 tokens,
DeepSeek 0.1x, Gemini 2.5 0.25x from 1,024 tokens for Flash and 4,096 for Pro, Grok and Moonshot 0.25x); Anthropic
and Alibaba cache only up to a ``cache_control`` breakpoint, writing at 1.25x and reading at 0.1x, and not below a
minimum length (Anthropic: 1,024 tokens for Sonnet 4.x and Opus 4/4.1, 4,096 for Opus 4.5+ and Haiku 4.5).

A completion prompt says where its stable part ends (``stable_chars`` of its last message); for an explicitly
caching model whose stable part is long enough, :func:`with_breakpoint` splits that message into two text parts
and marks the first. A breakpoint on a prompt too short to be cached would only be ignored, so none is sent then.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

CacheKind = Literal["automatic", "explicit"]

#: The same cheap estimate the prompt budget uses (``arb_lsp.context``): about 3.5 characters of code a token.
_CHARS_PER_TOKEN = 3.5


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How a model family's providers cache a prompt prefix (multipliers of the input price)."""

    kind: CacheKind
    min_tokens: int
    read: float
    write: float = 1.0


#: Families by id pattern, first match wins (``~`` aliases included); from OpenRouter's caching guide.
_POLICIES: tuple[tuple[re.Pattern[str], CachePolicy], ...] = (
    (
        re.compile(r"^~?anthropic/claude-(opus-4\.[5-9]|haiku-4\.5|opus-[5-9])"),
        CachePolicy("explicit", 4096, 0.1, 1.25),
    ),
    (re.compile(r"^~?anthropic/claude-3(\.5)?-haiku"), CachePolicy("explicit", 2048, 0.1, 1.25)),
    (re.compile(r"^~?anthropic/"), CachePolicy("explicit", 1024, 0.1, 1.25)),
    (re.compile(r"^~?qwen/"), CachePolicy("explicit", 1024, 0.1, 1.25)),
    (re.compile(r"^~?openai/"), CachePolicy("automatic", 1024, 0.25)),
    (re.compile(r"^~?deepseek/"), CachePolicy("automatic", 64, 0.1)),
    (re.compile(r"^~?google/gemini-(2\.5|[3-9])[.\d]*-pro"), CachePolicy("automatic", 4096, 0.25)),
    (re.compile(r"^~?google/gemini-(2\.5|[3-9])"), CachePolicy("automatic", 1024, 0.25)),
    (re.compile(r"^~?x-ai/"), CachePolicy("automatic", 1024, 0.25)),
    (re.compile(r"^~?moonshotai/"), CachePolicy("automatic", 1024, 0.25)),
)


def cache_policy(model: str) -> CachePolicy | None:
    """How ``model``'s providers cache prompts; None when OpenRouter documents no caching for them."""
    for pattern, policy in _POLICIES:
        if pattern.match(model):
            return policy
    return None


def with_breakpoint(messages: Sequence[dict[str, Any]], stable_chars: int, model: str) -> list[dict[str, Any]]:
    """``messages`` with a ``cache_control`` breakpoint after the first ``stable_chars`` of the last one, when
    ``model`` caches only at breakpoints and everything up to it is long enough to be cached; else unchanged.
    A free model (``:free``) gets none: there is nothing to save on it."""
    policy = cache_policy(model)
    result = [dict(message) for message in messages]
    if policy is None or policy.kind != "explicit" or not result or stable_chars <= 0 or model.endswith(":free"):
        return result
    last = result[-1]
    content = last.get("content")
    if not isinstance(content, str) or stable_chars >= len(content):
        return result
    before = sum(len(m.get("content") or "") for m in result[:-1] if isinstance(m.get("content"), str))
    if (before + stable_chars) / _CHARS_PER_TOKEN < policy.min_tokens:
        return result
    last["content"] = [
        {"type": "text", "text": content[:stable_chars], "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": content[stable_chars:]},
    ]
    return result


def session_id(workspace: Sequence[str], task: str) -> str:
    """A stable OpenRouter ``session_id`` for one workspace (its folders) and task: requests that share it
    are kept on the provider holding their cached prompt from the first one on (not from the first cache hit).
    The folders are hashed: their names never leave the machine. Well under OpenRouter's 128 characters."""
    digest = hashlib.sha256("\n".join(sorted(workspace)).encode()).hexdigest()[:20]
    return f"arb-lsp-{task}-{digest}"
