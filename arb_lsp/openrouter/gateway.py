"""Asking a task's models: fallback along the chain, the daily budget, the answer cache and the ledger.

Features hand the gateway a task, its messages and its model chain; the gateway picks the models the
budget and the account's limits allow, asks OpenRouter with the task's reasoning and provider
preferences (``preferences``; and a native ``models`` fallback list of up to three models alike in price class and
reasoning), falls back client-side past whatever a failed request already covered, records every
attempt in the usage ledger at what OpenRouter bills, and caches finished answers.

What OpenRouter bills (``settlement``): the usage chunk when a stream ends; otherwise (read until decided, cancelled,
superseded, broken) an estimate from ``/models`` prices, written at once and marked as such, then
replaced in the background by ``GET /generation`` (which answers 404 for a moment, so it is retried).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from arb_lsp.openrouter.cache import TTLCache, request_key
from arb_lsp.openrouter.caching import with_breakpoint
from arb_lsp.openrouter.client import OpenRouterClient
from arb_lsp.openrouter.errors import (
    EmptyAnswerError,
    FreeDailyLimitError,
    InsufficientCreditsError,
    OpenRouterError,
    ReasoningRequiredError,
)
from arb_lsp.openrouter.hints import negative_balance_error, suggested_fallbacks
from arb_lsp.openrouter.ledger import UsageLedger
from arb_lsp.openrouter.preferences import DEFAULT_PROVIDER, TaskPreferences, reasoning_param, sized_max_tokens
from arb_lsp.openrouter.retry import RetryPolicy
from arb_lsp.openrouter.routing import NATIVE_FALLBACK_LIMIT, TaskType, free_only, is_free
from arb_lsp.openrouter.settlement import Settlement
from arb_lsp.openrouter.streams import ClosingStream
from arb_lsp.openrouter.types import ModelInfo, StreamResult, Usage

log = logging.getLogger(__name__)

NO_RETRY = RetryPolicy(attempts=1)

#: After a 402, paid models are asked again only after this many seconds (credits may be bought).
CREDITS_RECHECK_S = 300.0
#: How long the catalogue fetch may hold a first request, and how soon a failed one is tried again.
CATALOGUE_WAIT_S = 3.0
CATALOGUE_RETRY_S = 60.0


@dataclass(slots=True)
class _Attempt:
    """One request to OpenRouter: the models it covers and the body it carries."""

    models: list[str]
    body: dict[str, Any] = field(default_factory=dict)


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
        #: Called on every delta, reasoning included: a model that thinks is not stalled.
        self.on_progress: Callable[[], None] | None = None
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
        on_free_limit: Callable[[str], None] | None = None,
        preferences: Mapping[TaskType, TaskPreferences] | None = None,
        max_concurrent: int = 4,
    ) -> None:
        self.client = client
        #: Caps requests in flight to OpenRouter, whatever the editor sends.
        self._slots = asyncio.Semaphore(max_concurrent)
        self.ledger = ledger
        self.cache = cache if cache is not None else TTLCache()
        self.budget_usd = budget_usd
        self._on_budget_exceeded = on_budget_exceeded
        self._on_free_limit = on_free_limit
        self._budget_told_day: str | None = None
        self.preferences: Mapping[TaskType, TaskPreferences] = preferences or {}
        #: ``/models`` by id (reasoning and prices), once loaded.
        self.catalogue: dict[str, ModelInfo] = {}
        self._catalogue_tried = -math.inf
        self._catalogue_lock = asyncio.Lock()
        #: Models found to refuse reasoning off although the catalogue did not say so.
        self._mandatory: set[str] = set()
        self._free_limit: FreeDailyLimitError | None = None
        self._no_credits: InsufficientCreditsError | None = None
        self._no_credits_until = 0.0
        #: A 402 on free models (a negative balance): nothing can answer until credits are added.
        self._negative_balance: InsufficientCreditsError | None = None
        self._settlement = Settlement(client, ledger, lambda model: self.catalogue.get(model))

    # -- what may be asked ----------------------------------------------------------------------

    def _budget_spent(self) -> float | None:
        """Today's spend once it reached the budget, else None."""
        if self.budget_usd is None or self.ledger is None:
            return None
        spent = self.ledger.spent_today()
        return spent if spent >= self.budget_usd else None

    def affordable(self, chain: Sequence[str]) -> tuple[str, ...]:
        """The chain, or only its free models once today's spend reached the budget."""
        spent = self._budget_spent()
        if spent is None or self.budget_usd is None:
            return tuple(chain)
        today = time.strftime("%Y-%m-%d")
        if self._budget_told_day != today and self._on_budget_exceeded is not None:
            self._budget_told_day = today
            self._on_budget_exceeded(spent, self.budget_usd)
        return free_only(chain)

    @property
    def free_limited(self) -> bool:
        """True while the free models' daily cap holds (until OpenRouter's reset)."""
        if self._free_limit is not None and time.time() >= self._free_limit.reset_at:
            self._free_limit = None
        return self._free_limit is not None

    @property
    def credits_gone(self) -> bool:
        return self._no_credits is not None and time.monotonic() < self._no_credits_until

    @property
    def balance_negative(self) -> bool:
        """A 402 on free models was seen, less than ``CREDITS_RECHECK_S`` ago (credits may be added)."""
        return self._negative_balance is not None and self.credits_gone

    def _refused_now(self, model: str) -> bool:
        """Asking this model now is certain to fail: its class of model is capped or unpaid."""
        if self.balance_negative:
            return True
        return self.free_limited if is_free(model) else self.credits_gone

    def _blocked(self) -> OpenRouterError:
        """The error for a chain none of whose models can answer now (said once, no request sent)."""
        if self.balance_negative:
            assert self._negative_balance is not None
            return self._negative_balance
        if self.credits_gone:
            assert self._no_credits is not None
            return self._credits_error(self._no_credits)
        assert self._free_limit is not None
        return self._free_limit

    def _credits_error(
        self, error: InsufficientCreditsError, free_failure: OpenRouterError | None = None
    ) -> InsufficientCreditsError:
        """A 402 whose advice fits: never "use free models" when those are what failed."""
        if self.balance_negative:
            assert self._negative_balance is not None
            return self._negative_balance
        if self.free_limited:
            assert self._free_limit is not None
            why = f"the free models' daily limit is reached: {self._free_limit.message}"
        elif free_failure is not None:
            why = f"the free models failed too ({free_failure.message.rstrip('.')})."
        else:
            return error
        return InsufficientCreditsError(
            f"OpenRouter says the account has no credits for paid models (402), and {why} "
            "Add credits at openrouter.ai/settings/credits.",
            status=error.status,
            code=error.code,
            metadata=error.metadata,
            model=error.model,
        )

    def _learn(self, error: OpenRouterError, covered: Sequence[str]) -> None:
        if isinstance(error, FreeDailyLimitError):
            first = self._free_limit is None
            self._free_limit = error
            if first and self._on_free_limit is not None:
                self._on_free_limit(error.message)
        elif isinstance(error, InsufficientCreditsError):
            if all(is_free(m) for m in covered):  # free models refused for credits: the balance is negative
                self._negative_balance = negative_balance_error(error)
            self._no_credits = error
            self._no_credits_until = time.monotonic() + CREDITS_RECHECK_S
        elif isinstance(error, ReasoningRequiredError):
            self._mandatory.update(covered)

    # -- the catalogue --------------------------------------------------------------------------

    def set_catalogue(self, models: Sequence[ModelInfo]) -> None:
        self.catalogue = {m.id: m for m in models}
        self._catalogue_tried = time.monotonic()

    async def load_catalogue(self) -> None:
        """``/models`` once (no key needed), bounded so a slow catalogue never holds an answer long; the
        server's warm-up and the first request share one fetch."""
        if self.catalogue or time.monotonic() - self._catalogue_tried < CATALOGUE_RETRY_S:
            return
        async with self._catalogue_lock:
            if self.catalogue or time.monotonic() - self._catalogue_tried < CATALOGUE_RETRY_S:
                return
            self._catalogue_tried = time.monotonic()
            try:
                async with asyncio.timeout(CATALOGUE_WAIT_S):
                    self.set_catalogue(await self.client.list_models())
            except (OpenRouterError, TimeoutError) as error:
                log.info("model catalogue unavailable: %s", getattr(error, "message", "timed out"))

    def _info(self, model: str) -> ModelInfo | None:
        info = self.catalogue.get(model)
        if info is not None and model in self._mandatory and info.reasoning is not None:
            return info.model_copy(update={"reasoning": info.reasoning.model_copy(update={"mandatory": True})})
        return info

    # -- requests -------------------------------------------------------------------------------

    def _body(self, task: TaskType, model: str, params: dict[str, Any]) -> dict[str, Any]:
        prefs = self.preferences.get(task, TaskPreferences())
        body = dict(params)
        provider = prefs.provider if prefs.provider is not None else DEFAULT_PROVIDER.get(task)
        if provider:
            body.setdefault("provider", dict(provider))
        if "reasoning" not in body:
            info = self._info(model)
            reasoning = reasoning_param(task, prefs.reasoning, info)
            if reasoning is not None:
                body["reasoning"] = reasoning
                body["max_tokens"] = sized_max_tokens(body.get("max_tokens"), reasoning, info)
        return body

    def _attempt(self, task: TaskType, pending: Sequence[str], params: dict[str, Any]) -> _Attempt:
        """The next request: up to three models alike in price class and body, as OpenRouter's own list.

        Free and paid models never share a list: a paid model's 402 would hide the free ones' daily cap.
        """
        first = pending[0]
        body = self._body(task, first, params)
        models = [first]
        for model in pending[1:NATIVE_FALLBACK_LIMIT]:
            if is_free(model) != is_free(first) or not self._joins(task, model, params, body):
                break
            models.append(model)
        if len(models) > 1:
            body["models"] = models
        return _Attempt(models, body)

    def _joins(self, task: TaskType, model: str, params: dict[str, Any], body: dict[str, Any]) -> bool:
        """Whether ``model`` can share a request with ``body``: same parameters, except a ``reasoning``
        object a model that does not reason ignores."""
        own = self._body(task, model, params)
        if own == body:
            return True
        info = self._info(model)
        if info is None or info.reasons:
            return False
        return own == {k: v for k, v in body.items() if k != "reasoning"}

    async def ask(
        self,
        task: TaskType,
        messages: Sequence[dict[str, str]],
        models: Sequence[str],
        **params: Any,
    ) -> Answer:
        """The whole answer (streamed underneath, so a cancel stops billing)."""
        return await self.finish(self.stream(task, messages, models, **params))

    @staticmethod
    async def finish(stream: AnswerStream) -> Answer:
        """Read ``stream`` to its end (closing it whatever happens) and return its answer."""
        async with stream:
            async for _ in stream:
                pass
        assert stream.answer is not None
        return stream.answer

    def stream(
        self,
        task: TaskType,
        messages: Sequence[dict[str, str]],
        models: Sequence[str],
        *,
        stable_chars: int = 0,
        **params: Any,
    ) -> AnswerStream:
        """Text pieces of the answer; set ``on_progress`` on it to hear of every delta, reasoning included.

        ``stable_chars``: how much of the last message stays the same from one request to the next; for a
        model that caches only at a ``cache_control`` breakpoint, one goes there (``openrouter.caching``)."""
        return AnswerStream(
            lambda holder: self._events(holder, task, list(messages), tuple(models), params, stable_chars)
        )

    async def _events(
        self,
        holder: AnswerStream,
        task: TaskType,
        messages: list[dict[str, str]],
        models: tuple[str, ...],
        params: dict[str, Any],
        stable_chars: int = 0,
    ) -> AsyncGenerator[str, None]:
        chain = self.affordable(models)
        key = request_key(chain, messages, params)
        hit = self.cache.get(key)
        if hit is not None:
            holder.answer = Answer(hit.text, hit.model, hit.usage, cached=True)
            if hit.text:
                yield hit.text
            return
        pending = [m for m in chain if not self._refused_now(m)]
        if chain and not pending:
            raise self._blocked()
        await self.load_catalogue()
        last_error: OpenRouterError | None = None
        asked_with_effort: set[str] = set()
        tried: set[str] = set()
        free_failure: OpenRouterError | None = None
        while pending:
            attempt = self._attempt(task, pending, params)
            model = attempt.models[0]
            # With models left to try, falling back beats waiting out a backoff on this one.
            last = len(attempt.models) == len(pending)
            sent = with_breakpoint(messages, stable_chars, model)
            stream = self.client.stream(model, sent, retry=None if last else NO_RETRY, **attempt.body)
            started = time.monotonic()
            outcome = "ok"
            produced = False
            await self._slots.acquire()
            try:
                async for piece in stream:
                    if holder.on_progress is not None:
                        holder.on_progress()
                    if not piece:
                        continue  # a reasoning delta: progress, never text
                    if not produced:
                        produced = True
                        holder.answer = Answer("", stream.result.model or model, complete=False)
                    assert holder.answer is not None
                    holder.answer.text += piece
                    yield piece
                if not produced and stream.result.finish_reason == "length":
                    raise self._empty_answer(stream.result, model, attempt.body)
            except OpenRouterError as error:
                outcome = error.kind
                if produced or not error.fallback:
                    raise
                covered = self._covered(error, attempt.models, stream.result)
                tried.update(covered)
                self._learn(error, covered)
                last_error = error
                if any(is_free(m) for m in covered):
                    free_failure = error
                # OpenRouter's own suggestions join after the user's models (error.availability.fallback_models).
                offered = suggested_fallbacks(error, tried | set(pending), paid_allowed=self._budget_spent() is None)
                pending = [m for m in [*pending, *offered] if m not in covered and not self._refused_now(m)]
                if isinstance(error, ReasoningRequiredError):
                    # Now known to need reasoning: ask once more with its lowest effort.
                    again = [m for m in covered if m not in asked_with_effort and self._info(m) is not None]
                    asked_with_effort.update(again)
                    pending = [*again, *pending]
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
                self._settlement.record(task, model, stream.result, outcome, started, messages)
            answer = Answer(stream.result.text, stream.result.model or model, stream.result.usage)
            holder.answer = answer
            if answer.text:
                self.cache.put(key, answer)
            return
        if last_error is not None:
            if isinstance(last_error, InsufficientCreditsError):
                raise self._credits_error(last_error, free_failure)
            raise last_error
        holder.answer = Answer("", chain[0] if chain else "")

    @staticmethod
    def _covered(error: OpenRouterError, models: list[str], result: StreamResult) -> list[str]:
        """The models a failed request already tried: all of its list when OpenRouter answered with an
        error status (it falls back along the list itself); up to the one serving when the stream broke."""
        if error.status is not None and error.from_openrouter:
            return list(models)  # OpenRouter's own error: its fallback went through the whole list
        served = result.model if result.model in models else models[0]
        return models[: models.index(served) + 1]

    @staticmethod
    def _empty_answer(result: StreamResult, model: str, body: dict[str, Any]) -> EmptyAnswerError:
        served = result.model or model
        thinking = result.reasoning_chars > 0 or (result.usage is not None and result.usage.reasoning_tokens > 0)
        cause = "reasoning" if thinking else "before any text"
        return EmptyAnswerError(
            f"{served} used all {body.get('max_tokens', 'its')} output tokens {cause} and wrote no answer "
            "(finish_reason: length). Lower the reasoning.* setting, raise completion.maxTokens, or pick another model.",
            model=served,
        )

    # -- the ledger: what OpenRouter bills (``settlement``) ----------------------------------------

    def settle_outstanding(self) -> int:
        """Start settling estimates earlier runs left behind; how many."""
        return self._settlement.settle_outstanding()

    async def drain(self, seconds: float) -> None:
        """Let background settlements finish for up to ``seconds``; the rest stay estimates in the ledger,
        settled by the next run."""
        await self._settlement.drain(seconds)
