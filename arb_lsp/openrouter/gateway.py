"""Asking a task's models: fallback along the chain, the daily budget, the answer cache and the ledger.

Features hand the gateway a task, its messages and its model chain; the gateway picks the models the
budget allows, asks OpenRouter (with its native ``models`` fallback list), falls back client-side on
what the router returns (429 on a free model, 404 no endpoints, 5xx, dropped connections), records
every attempt in the usage ledger and caches finished answers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from arb_lsp.openrouter.cache import TTLCache, request_key
from arb_lsp.openrouter.client import OpenRouterClient, RetryPolicy
from arb_lsp.openrouter.errors import InsufficientCreditsError, OpenRouterError
from arb_lsp.openrouter.ledger import UsageEntry, UsageLedger
from arb_lsp.openrouter.routing import NATIVE_FALLBACK_LIMIT, TaskType, free_only, is_free
from arb_lsp.openrouter.streams import ClosingStream
from arb_lsp.openrouter.types import StreamResult, Usage

log = logging.getLogger(__name__)

NO_RETRY = RetryPolicy(attempts=1)


@dataclass(slots=True)
class Answer:
    text: str
    model: str
    usage: Usage | None = None
    cached: bool = False
    complete: bool = True  # False when the reader stopped before the model finished

    @property
    def cost(self) -> float | None:
        return self.usage.cost if self.usage else None


class AnswerStream(ClosingStream):
    """Text pieces of one answer; ``answer`` is filled in as they arrive. Close it to stop paying."""

    def __init__(self, events: Callable[[AnswerStream], AsyncGenerator[str, None]]) -> None:
        self.answer: Answer | None = None
        super().__init__(events(self))


class Gateway:
    def __init__(
        self,
        client: OpenRouterClient,
        *,
        ledger: UsageLedger | None = None,
        cache: TTLCache[Answer] | None = None,
        budget_usd: float | None = None,
        on_budget_exceeded: Callable[[float, float], None] | None = None,
        max_concurrent: int = 4,
    ) -> None:
        self.client = client
        #: Caps requests in flight to OpenRouter, whatever the editor sends.
        self._slots = asyncio.Semaphore(max_concurrent)
        self.ledger = ledger
        self.cache = cache if cache is not None else TTLCache()
        self.budget_usd = budget_usd
        self._on_budget_exceeded = on_budget_exceeded
        self._budget_told_day: str | None = None

    def affordable(self, chain: Sequence[str]) -> tuple[str, ...]:
        """The chain, or only its free models once today's spend reached the budget."""
        if self.budget_usd is None or self.ledger is None:
            return tuple(chain)
        spent = self.ledger.spent_today()
        if spent < self.budget_usd:
            return tuple(chain)
        today = time.strftime("%Y-%m-%d")
        if self._budget_told_day != today and self._on_budget_exceeded is not None:
            self._budget_told_day = today
            self._on_budget_exceeded(spent, self.budget_usd)
        return free_only(chain)

    async def ask(
        self, task: TaskType, messages: Sequence[dict[str, str]], models: Sequence[str], **params: Any
    ) -> Answer:
        """The whole answer (streamed underneath, so a cancel stops billing)."""
        async with self.stream(task, messages, models, **params) as stream:
            async for _ in stream:
                pass
        assert stream.answer is not None
        return stream.answer

    def stream(
        self, task: TaskType, messages: Sequence[dict[str, str]], models: Sequence[str], **params: Any
    ) -> AnswerStream:
        return AnswerStream(lambda holder: self._events(holder, task, list(messages), tuple(models), params))

    async def _events(
        self,
        holder: AnswerStream,
        task: TaskType,
        messages: list[dict[str, str]],
        models: tuple[str, ...],
        params: dict[str, Any],
    ) -> AsyncGenerator[str, None]:
        chain = self.affordable(models)
        key = request_key(chain, messages, params)
        hit = self.cache.get(key)
        if hit is not None:
            holder.answer = Answer(hit.text, hit.model, hit.usage, cached=True)
            if hit.text:
                yield hit.text
            return
        last_error: OpenRouterError | None = None
        credits_gone = False
        for index, model in enumerate(chain):
            if credits_gone and not is_free(model):
                continue
            native = [m for m in chain[index:] if not credits_gone or is_free(m)][:NATIVE_FALLBACK_LIMIT]
            body = dict(params)
            if len(native) > 1:
                body["models"] = native
            # With models left to try, falling back beats waiting out a backoff on this one.
            last = index == len(chain) - 1
            stream = self.client.stream(model, messages, retry=None if last else NO_RETRY, **body)
            started = time.monotonic()
            outcome = "ok"
            produced = False
            await self._slots.acquire()
            try:
                async for piece in stream:
                    if not produced:
                        produced = True
                        holder.answer = Answer("", stream.result.model or model, complete=False)
                    assert holder.answer is not None
                    holder.answer.text += piece
                    yield piece
            except OpenRouterError as error:
                outcome = error.kind
                last_error = error
                if produced or not error.fallback:
                    raise
                credits_gone = credits_gone or isinstance(error, InsufficientCreditsError)
                continue
            except asyncio.CancelledError:
                outcome = "cancelled"
                raise
            except GeneratorExit:
                outcome = "stopped"
                raise
            finally:
                try:
                    await stream.aclose()
                finally:
                    self._slots.release()  # only once the connection is really closed
                self._record(task, model, stream.result, outcome, started)
            answer = Answer(stream.result.text, stream.result.model or model, stream.result.usage)
            holder.answer = answer
            if answer.text:
                self.cache.put(key, answer)
            return
        if last_error is not None:
            raise last_error
        holder.answer = Answer("", chain[0] if chain else "")

    def _record(self, task: TaskType, model: str, result: StreamResult, outcome: str, started: float) -> None:
        if self.ledger is None:
            return
        usage = result.usage or Usage()
        try:
            self.ledger.record(
                UsageEntry(
                    task=task.value,
                    model=result.model or model,
                    outcome=outcome,
                    prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens,
                    cost=usage.cost or 0.0,
                    latency_ms=(time.monotonic() - started) * 1000,
                    generation_id=result.id or None,
                )
            )
        except Exception:  # the ledger must never break an answer
            log.exception("could not record usage")
