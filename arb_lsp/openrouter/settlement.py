"""The usage ledger at what OpenRouter bills: each request recorded, estimates settled from ``GET /generation``."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence

from arb_lsp.openrouter.client import OpenRouterClient
from arb_lsp.openrouter.errors import NoEndpointsError, OpenRouterError
from arb_lsp.openrouter.ledger import UsageEntry, UsageLedger
from arb_lsp.openrouter.routing import TaskType
from arb_lsp.openrouter.types import ModelInfo, StreamResult

log = logging.getLogger(__name__)

#: Pauses between ``GET /generation`` tries: it answers 404 until the generation is recorded.
SETTLE_DELAYS = (0.3, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


def _chars(messages: Sequence[dict[str, str]]) -> int:
    return sum(len(m.get("content") or "") for m in messages if isinstance(m, dict))


class Settlement:
    """Writes each request to the ledger: OpenRouter's usage when the stream brought it; otherwise an
    estimate from ``/models`` prices at once, replaced in the background by ``GET /generation``."""

    def __init__(
        self, client: OpenRouterClient, ledger: UsageLedger | None, prices: Callable[[str], ModelInfo | None]
    ) -> None:
        self.client = client
        self.ledger = ledger
        #: A model's catalogue entry (for its prices), or None when the catalogue does not know it.
        self._prices = prices
        self._settling: dict[int, asyncio.Task[None]] = {}

    def estimate(self, model: str, messages: Sequence[dict[str, str]], result: StreamResult) -> tuple[int, int, float]:
        """Tokens and cost from ``/models`` prices, about four characters a token."""
        info = self._prices(model)
        prompt = math.ceil(_chars(messages) / 4)
        completion = math.ceil((len(result.text) + result.reasoning_chars) / 4)
        if info is None:
            return prompt, completion, 0.0
        return prompt, completion, prompt * info.pricing.prompt + completion * info.pricing.completion

    def record(
        self,
        task: TaskType,
        model: str,
        result: StreamResult,
        outcome: str,
        started: float,
        messages: Sequence[dict[str, str]],
    ) -> None:
        """One ledger row for a request that ended with ``outcome``: billed, estimated, or nothing billed."""
        if self.ledger is None:
            return
        usage = result.usage
        served = result.model or model
        estimated = usage is None and bool(result.id)
        if usage is not None:
            prompt, completion, cost = usage.prompt_tokens, usage.completion_tokens, usage.cost
            if cost is None:
                cost = self.estimate(served, messages, result)[2]
        elif estimated:
            prompt, completion, cost = self.estimate(served, messages, result)
        else:
            prompt, completion, cost = 0, 0, 0.0  # refused before any generation: nothing billed
        try:
            row = self.ledger.record(
                UsageEntry(
                    task=task.value,
                    model=served,
                    outcome=outcome,
                    prompt_tokens=prompt,
                    completion_tokens=completion,
                    cost=cost,
                    latency_ms=(time.monotonic() - started) * 1000,
                    generation_id=result.id or None,
                    estimated=estimated,
                    reasoning_tokens=usage.reasoning_tokens if usage is not None else 0,
                    cached_tokens=usage.cached_tokens if usage is not None else 0,
                    cache_write_tokens=usage.cache_write_tokens if usage is not None else 0,
                    cache_discount=(usage.cache_discount or 0.0) if usage is not None else 0.0,
                )
            )
        except Exception:  # the ledger must never break an answer
            log.exception("could not record usage")
            return
        if estimated and row is not None:
            self._settle_later(row, result.id)

    def _settle_later(self, row: int, generation_id: str) -> None:
        if row in self._settling:
            return
        try:
            task = asyncio.get_running_loop().create_task(self._settle(row, generation_id))
        except RuntimeError:  # no loop (closing): the row stays an estimate, settled by the next run
            return
        self._settling[row] = task
        task.add_done_callback(lambda _: self._settling.pop(row, None))

    async def _settle(self, row: int, generation_id: str) -> None:
        """Replace the estimate with OpenRouter's figures once ``GET /generation`` has them."""
        for delay in SETTLE_DELAYS:
            await asyncio.sleep(delay)
            try:
                stats = await self.client.generation(generation_id)
            except NoEndpointsError:
                continue  # not recorded yet
            except OpenRouterError as error:
                log.info("generation %s not settled: %s", generation_id, error.message)
                return
            if stats.total_cost is None:
                continue
            if self.ledger is not None:
                self.ledger.settle(
                    row,
                    cost=stats.total_cost,
                    prompt_tokens=stats.tokens_prompt or 0,
                    completion_tokens=stats.tokens_completion or 0,
                    reasoning_tokens=stats.native_tokens_reasoning or 0,
                    cached_tokens=stats.native_tokens_cached or 0,
                    cache_discount=stats.cache_discount or 0.0,
                )
            return

    def settle_outstanding(self) -> int:
        """Start settling estimates earlier runs left behind; how many."""
        if self.ledger is None or not self.client.has_key:
            return 0
        rows = self.ledger.unsettled()
        for row, generation_id in rows:
            self._settle_later(row, generation_id)
        return len(rows)

    async def drain(self, seconds: float) -> None:
        """Let background settlements finish for up to ``seconds``; the rest stay estimates in the ledger,
        settled by the next run."""
        tasks = list(self._settling.values())
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=seconds)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
