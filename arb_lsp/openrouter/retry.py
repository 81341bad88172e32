"""When to ask OpenRouter again: 408/429/5xx and connection failures, with backoff that honours ``Retry-After``."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_random_exponential

from arb_lsp.openrouter.errors import OpenRouterError

Sleep = Callable[[float], Awaitable[None]]


class RetryPolicy:
    """How often and how long to retry 408/429/5xx and connection failures."""

    def __init__(
        self,
        attempts: int = 3,
        *,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        max_retry_after: float = 20.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.attempts = max(1, attempts)
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self._backoff = wait_random_exponential(multiplier=base_delay, max=max_delay)

    def _worth_retrying(self, error: BaseException) -> bool:
        """Retryable kinds only, and never sooner than the server asked: a long Retry-After ends the try."""
        if not isinstance(error, OpenRouterError) or not error.retryable:
            return False
        return error.retry_after is None or error.retry_after <= self.max_retry_after

    def delay(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, OpenRouterError) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_retry_after)
        return float(self._backoff(state))

    def retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.delay,
            retry=retry_if_exception(self._worth_retrying),
            sleep=self.sleep,
            reraise=True,
        )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (a number of seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
