"""Driving each site through the editor's completion pipeline, for each model, within the run's limits.

Per site, once: the file's text without the removed span, and the workspace context from the rest of the
repository (``commands.oneshot.workspace_snippets``: the document is an open document, so the removed text
is never read back from disk). Per model: ``pipelines.plan_completion`` (the editor's prompt, limits and
stream guards) with the chain cut to that one model, ``pipelines.run_completion`` (read until decided),
``pipelines.finish_completion`` (cleanup, closers, syntax check). Nothing here builds a prompt or cleans an
answer itself.

Limits, checked before each request so that no request certain to fail is sent: ``--max-usd`` (against
what this run has been billed so far, estimates included until settled), the free models' daily cap (what
OpenRouter says is left, and a 429 ``free-models-per-day``), ``budget.dailyUsd``, and failures that every
later request would meet too (key, credits, connection).

What each request cost comes from the ledger: :class:`EvalLedger` marks its rows as eval, ties each row to
the answer it paid for (a context variable set around the request), and follows the settlement that
replaces an estimate with what OpenRouter billed.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from arb_lsp.commands.base import MeteredLedger, Session
from arb_lsp.commands.oneshot import workspace_snippets
from arb_lsp.commands.sources import Source
from arb_lsp.context import LineIndex
from arb_lsp.evaluation.score import Result
from arb_lsp.evaluation.sites import Site
from arb_lsp.openrouter.errors import OpenRouterError
from arb_lsp.openrouter.ledger import UsageEntry
from arb_lsp.openrouter.preferences import TaskPreferences, reasoning_param, sized_max_tokens
from arb_lsp.openrouter.routing import TaskType, is_free
from arb_lsp.openrouter.types import ModelInfo
from arb_lsp.pipelines import CompletionPlan, Suggestion, finish_completion, plan_completion, run_completion
from arb_lsp.postprocess.clean import clean_parts
from arb_lsp.postprocess.edits import closer_edits
from arb_lsp.settings import Settings
from arb_lsp.workspace_context import ContextSnippet, WorkspaceContext

#: Failures every later request would meet too (for paid models, ``credits``): stop asking.
FATAL_KINDS = frozenset({"auth", "no_key", "connection"})
#: A site refused for the rate (free models take 20 requests a minute) waits and is asked again, this often.
RATE_LIMIT_TRIES = 4
RATE_LIMIT_WAIT_S = 5.0
#: A prompt's tokens for the upper bound of its cost: three characters a token (code tokenises denser than prose).
CHARS_PER_TOKEN_BOUND = 3

_PAYING_FOR: contextvars.ContextVar[Result | None] = contextvars.ContextVar("arb_lsp_eval_result", default=None)


class EvalLedger(MeteredLedger):
    """The usage ledger with this run's rows marked as eval and followed until OpenRouter's figures arrive."""

    def __init__(self, path: str | None = None) -> None:
        super().__init__(path)
        self.rows: dict[int, UsageEntry] = {}

    def record(self, entry: UsageEntry) -> int | None:
        entry.eval = True
        row = super().record(entry)
        result = _PAYING_FOR.get()
        if row is not None:
            self.rows[row] = entry
            if result is not None:
                result.rows.append(row)
        return row

    def settle(
        self,
        row_id: int,
        *,
        cost: float,
        prompt_tokens: int,
        completion_tokens: int,
        reasoning_tokens: int,
        cached_tokens: int = 0,
        cache_discount: float = 0.0,
    ) -> None:
        super().settle(
            row_id,
            cost=cost,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            reasoning_tokens=reasoning_tokens,
            cached_tokens=cached_tokens,
            cache_discount=cache_discount,
        )
        entry = self.rows.get(row_id)
        if entry is not None:
            entry.cost, entry.prompt_tokens, entry.completion_tokens = cost, prompt_tokens, completion_tokens
            entry.estimated = False

    def spent(self) -> float:
        """This run's cost so far: OpenRouter's figures where settled, estimates for the rest."""
        return sum(entry.cost for entry in self.rows.values())

    def bill(self, result: Result) -> None:
        """Copy the figures of ``result``'s rows onto it."""
        entries = [self.rows[row] for row in result.rows if row in self.rows]
        result.cost = sum(entry.cost for entry in entries)
        result.prompt_tokens = sum(entry.prompt_tokens for entry in entries)
        result.completion_tokens = sum(entry.completion_tokens for entry in entries)
        result.estimated = any(entry.estimated for entry in entries)


class SiteError(ValueError):
    """A site that does not fit its file (past its end, or an empty span)."""


@dataclass(slots=True)
class Prepared:
    """A site ready to ask: the file without the removed span, the cursor, the truth, the context."""

    site: Site
    language_id: str
    text: str
    offset: int
    truth: str
    snippets: list[ContextSnippet] = field(default_factory=list)
    plans: dict[str, CompletionPlan] = field(default_factory=dict)


def cut(site: Site, original: str) -> tuple[str, int, str]:
    """The text without the site's span, the cursor's offset, and the removed text."""
    index = LineIndex(original)
    lines = index.line_count()
    for line in (site.line, site.end_line):
        if line > lines:
            raise SiteError(f"{site.label}: line {line} is past the end of the file ({lines} lines)")

    def offset(line: int, column: int | None) -> int:
        start, end = index.line_start(line - 1), index.line_end(line - 1)
        if column is None:
            return end
        if column - 1 > end - start:
            raise SiteError(f"{site.file}:{line}:{column}: the line has {end - start} characters")
        return start + column - 1

    start, end = offset(site.line, site.column), offset(site.end_line, site.end_column)
    truth = original[start:end]
    if end <= start or not truth.strip():
        raise SiteError(f"{site.label}: nothing to remove between the start and the end")
    return original[:start] + original[end:], start, truth


async def prepare(
    settings: Settings,
    root: Path,
    site: Site,
    language_id: str,
    original: str,
    models: Sequence[str],
    context_lengths: Callable[[str], int | None],
    context: WorkspaceContext,
) -> Prepared:
    text, offset, truth = cut(site, original)
    source = Source(root / site.file, text, language_id)
    snippets = await workspace_snippets(settings, source, offset, root, context)
    prepared = Prepared(site, language_id, text, offset, truth, snippets)
    index = LineIndex(text)
    for model in models:
        plan = plan_completion(
            settings,
            text,
            offset,
            index=index,
            language_id=language_id,
            path=site.file,
            context_tokens=context_lengths(model),
            context_snippets=snippets,
        )
        prepared.plans[model] = dataclasses.replace(plan, models=(model,))  # this model alone: no fallback
    return prepared


def cost_bound(plan: CompletionPlan, info: ModelInfo, preferences: TaskPreferences) -> float:
    """The most one request can cost at ``/models`` prices: its prompt, and every output token it may use
    (``max_tokens`` grown for reasoning as the gateway grows it)."""
    chars = sum(len(message.get("content") or "") for message in plan.messages)
    prompt = math.ceil(chars / CHARS_PER_TOKEN_BOUND)
    reasoning = reasoning_param(TaskType.COMPLETION, preferences.reasoning, info)
    output = sized_max_tokens(plan.params.get("max_tokens"), reasoning, info)
    request = float((info.pricing.model_extra or {}).get("request") or 0.0)
    return prompt * info.pricing.prompt + (output if isinstance(output, int) else 0) * info.pricing.completion + request


def syntax_verdict(raw: str, plan: CompletionPlan, suggestion: Suggestion | None) -> str:
    """What the syntax check did to the cleaned answer: ``kept``, ``repaired``, ``dropped``; ``none`` when the
    cleanup left nothing to check."""
    insertion, untrimmed = clean_parts(raw, plan.context)
    if insertion is None:
        return "none"
    if suggestion is None:
        return "dropped"
    unchecked = closer_edits(insertion, untrimmed or insertion, plan.context)
    if any(edit.text == suggestion.text and edit.replace == suggestion.replace for edit in unchecked):
        return "kept"
    return "repaired"


NOT_REACHED = "not reached"


class Evaluation:
    """Asks every (site, model) pair with ``concurrency`` requests at a time, within the run's limits."""

    def __init__(
        self,
        session: Session,
        ledger: EvalLedger,
        sites: Sequence[Prepared],
        models: Sequence[str],
        *,
        concurrency: int,
        max_usd: float | None,
        free_left: int | None,
        on_progress: Callable[[Evaluation], None] = lambda _: None,
    ) -> None:
        self.session = session
        self.ledger = ledger
        self.sites = list(sites)
        self.models = list(models)
        self.concurrency = max(1, concurrency)
        self.max_usd = max_usd
        self.free_left = free_left
        self.on_progress = on_progress
        self.results: dict[tuple[int, str], Result] = {
            (i, model): Result(model, target=site.truth, skipped=NOT_REACHED)
            for i, site in enumerate(self.sites)
            for model in self.models
        }
        self.total = len(self.results)
        self.done = 0
        self.started = time.monotonic()
        self.stop: str | None = None  # why every model stopped
        self.paid_stop: str | None = None  # why the paid models stopped (--max-usd, budget, credits)
        self.stopped: dict[str, str] = {}  # why one model stopped (a cap)
        self.timeout = session.settings.completion.timeout_ms / 1000

    def remaining_seconds(self) -> float | None:
        if not self.done:
            return None
        return (time.monotonic() - self.started) / self.done * (self.total - self.done)

    def _refusal(self, model: str) -> str | None:
        """Why ``model`` must not be asked now (None: it may)."""
        if self.stop is not None:
            return self.stop
        if model in self.stopped:
            return self.stopped[model]
        gateway = self.session.gateway
        if is_free(model):
            if (self.free_left is not None and self.free_left <= 0) or gateway.free_limited:
                self.stopped[model] = "the free models' daily limit is reached"
                return self.stopped[model]
            return None
        spent = self.ledger.spent()
        if self.max_usd is not None and spent > 0 and spent >= self.max_usd:
            self.paid_stop = f"--max-usd ${self.max_usd:g} reached"
        elif gateway.credits_gone:
            self.paid_stop = "no credits for paid models (402)"
        elif gateway.affordable((model,)) != (model,):
            self.paid_stop = "budget.dailyUsd reached"
        else:
            return None
        return self.paid_stop

    async def run(self) -> None:
        jobs: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        for key in self.results:
            jobs.put_nowait(key)
        workers = [asyncio.create_task(self._worker(jobs)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _worker(self, jobs: asyncio.Queue[tuple[int, str]]) -> None:
        while not jobs.empty():
            index, model = jobs.get_nowait()
            await self._ask(index, model, self.results[(index, model)])
            self.done += 1
            self.on_progress(self)

    async def _ask(self, index: int, model: str, result: Result) -> None:
        refusal = self._refusal(model)
        if refusal is not None:
            result.skipped = refusal
            return
        result.skipped = None
        if is_free(model) and self.free_left is not None:
            self.free_left -= 1
        prepared = self.sites[index]
        plan = prepared.plans[model]
        token = _PAYING_FOR.set(result)
        try:
            for attempt in range(1, RATE_LIMIT_TRIES + 1):
                try:
                    await self._complete(prepared, plan, result)
                    return
                except OpenRouterError as error:
                    if error.kind == "rate_limit" and attempt < RATE_LIMIT_TRIES:
                        # A pause, not a failure of the model: the site is asked again once the rate allows.
                        await asyncio.sleep(min(error.retry_after or RATE_LIMIT_WAIT_S, 60.0))
                        continue
                    self._failed(model, result, error)
                    return
        except asyncio.CancelledError:
            result.skipped = "interrupted"
            raise
        finally:
            _PAYING_FOR.reset(token)

    async def _complete(self, prepared: Prepared, plan: CompletionPlan, result: Result) -> None:
        """The editor's pipeline, once: ask (read until decided), clean up, check the syntax."""
        started = time.monotonic()
        raw, served, cost = await run_completion(self.session.gateway, plan, self.timeout)
        suggestion = finish_completion(raw, plan, served, cost)
        result.ms = (time.monotonic() - started) * 1000
        result.syntax = syntax_verdict(raw, plan, suggestion)
        if suggestion is not None:
            result.shown = True
            result.text = suggestion.text
            result.replaces = prepared.text[prepared.offset : prepared.offset + suggestion.replace]
            result.target = prepared.truth + result.replaces

    def _failed(self, model: str, result: Result, error: OpenRouterError) -> None:
        """An answer that failed; the run stops where every later request would fail too. (A 429 for the free
        models' daily cap needs nothing here: the gateway refuses them from then on, see ``_refusal``.)"""
        result.error = error.message
        if error.kind in FATAL_KINDS:
            self.stop = error.message

    def settle_costs(self) -> None:
        for result in self.results.values():
            self.ledger.bill(result)

    def by_site(self) -> list[dict[str, Result]]:
        return [{model: self.results[(i, model)] for model in self.models} for i in range(len(self.sites))]
