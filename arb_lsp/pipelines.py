"""The three pipelines, LSP-free: context -> prompt -> gateway -> post-process.

The server's features and the one-shot CLI commands both run these, so a terminal user gets exactly
what the editor shows. Everything that leaves the machine passes ``outgoing`` first (secret redaction).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from arb_lsp.context import (
    NEIGHBOUR_SHARE,
    CompletionContext,
    Lines,
    Snippet,
    TextSlices,
    build_completion_context,
    chars_for_tokens,
)
from arb_lsp.docstrings import can_document, clean_docstring, docstring_edit, docstring_messages
from arb_lsp.explain import explain_messages, format_hover
from arb_lsp.openrouter.cache import request_key
from arb_lsp.openrouter.caching import session_id
from arb_lsp.openrouter.errors import RequestTimeoutError
from arb_lsp.openrouter.gateway import Gateway
from arb_lsp.openrouter.routing import TaskType
from arb_lsp.postprocess import guard_stops, is_decided, suggest_edit
from arb_lsp.privacy import redact
from arb_lsp.prompts import completion_max_tokens, completion_prompt, completion_stop
from arb_lsp.settings import Settings
from arb_lsp.stable_order import StableOrder
from arb_lsp.syntax import Definition, ExplainTarget, find_definition, find_explain_target
from arb_lsp.workspace_context import ContextSnippet, merge_snippets

#: Prompt budget for the code around the cursor (with its share of code from other files): small windows
#: answer faster and cost less. ``completion.maxPromptTokens`` above this goes to code from other files.
COMPLETION_PROMPT_TOKENS = 2048
#: The most a completion prompt should cost where the model is priced per token: a tenth of a cent. At
#: $0.30 per million prompt tokens that is 3,333 tokens; at $3, the budget stays at COMPLETION_PROMPT_TOKENS.
MAX_PROMPT_USD = 0.001


def completion_prompt_tokens(max_prompt_tokens: int, context_tokens: int | None, prompt_price: float | None) -> int:
    """The prompt budget for a model: ``max_prompt_tokens`` within half its context length and, when it is
    priced, :data:`MAX_PROMPT_USD` per prompt (never below :data:`COMPLETION_PROMPT_TOKENS` for price)."""
    tokens = max_prompt_tokens
    if prompt_price:
        tokens = min(tokens, max(COMPLETION_PROMPT_TOKENS, int(MAX_PROMPT_USD / prompt_price)))
    if context_tokens:
        tokens = min(tokens, context_tokens // 2)
    return tokens


def neighbour_share(budget_tokens: int) -> float:
    """Of a prompt budget, the share for code from other files: NEIGHBOUR_SHARE of the first
    COMPLETION_PROMPT_TOKENS, and every token above them (the code around the cursor keeps its window)."""
    if budget_tokens <= COMPLETION_PROMPT_TOKENS:
        return NEIGHBOUR_SHARE
    extra = budget_tokens - COMPLETION_PROMPT_TOKENS
    return (NEIGHBOUR_SHARE * COMPLETION_PROMPT_TOKENS + extra) / budget_tokens


def outgoing(text: str, settings: Settings) -> str:
    return redact(text).text if settings.redact_secrets and text else text


@dataclass(frozen=True, slots=True)
class CompletionPlan:
    """Everything needed to ask for (or look up) one completion."""

    context: CompletionContext
    messages: list[dict[str, str]]
    models: tuple[str, ...]
    params: dict[str, Any]
    #: Characters of the last message that stay the same while the user types here (prompt caching).
    stable_chars: int = 0

    @property
    def key(self) -> str:
        return request_key(self.models, self.messages, self.params)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Insert ``text`` at the cursor, replacing the ``replace`` characters after it on its line
    (closers the suggestion brings its own of)."""

    text: str
    model: str
    cost: float | None = None
    replace: int = 0


def plan_completion(
    settings: Settings,
    text: TextSlices,
    offset: int,
    *,
    index: Lines,
    language_id: str,
    path: str,
    neighbours: Sequence[Snippet] = (),
    context_tokens: int | None = None,
    context_snippets: Sequence[ContextSnippet] = (),
    prompt_price: float | None = None,
    order: StableOrder | None = None,
    workspace: Sequence[str] = (),
) -> CompletionPlan:
    """``context_snippets`` (from the workspace context providers) are merged by priority into the budget,
    which follows the model (:func:`completion_prompt_tokens`); without them the code gets the base budget.
    ``order`` keeps what was sent for this document before in its place (prompt caching). ``workspace``
    (its folders) names the OpenRouter session the request belongs to, which keeps it on the provider
    holding its cached prompt."""
    budget = completion_prompt_tokens(settings.completion.max_prompt_tokens, context_tokens, prompt_price)
    share = NEIGHBOUR_SHARE
    if context_snippets or neighbours:
        share = neighbour_share(budget)
    else:
        budget = min(budget, COMPLETION_PROMPT_TOKENS)
    if context_snippets:
        chars = chars_for_tokens(budget)
        # The code windows are cut from this span; what they already show is not sent twice.
        shown = text[max(0, offset - chars) : offset + chars]
        merged = merge_snippets(context_snippets, int(chars * share), shown)
        neighbours = (*neighbours, *merged)
    if order is not None:
        neighbours = order.arrange(path, neighbours)
    context = build_completion_context(
        text,
        offset,
        index=index,
        language_id=language_id,
        path=path,
        budget_chars=chars_for_tokens(budget),
        multiline=settings.completion.multiline,
        neighbours=neighbours,
        neighbour_share=share,
    )
    if settings.redact_secrets:
        context = dataclasses.replace(
            context,
            prefix=outgoing(context.prefix, settings),
            suffix=outgoing(context.suffix, settings),
            neighbours=tuple(Snippet(s.path, outgoing(s.text, settings)) for s in context.neighbours),
        )
    params: dict[str, Any] = {
        "max_tokens": completion_max_tokens(context, settings.completion.max_tokens),
        "temperature": 0.1,
        "stop": guard_stops(context, completion_stop(context)),
        "session_id": session_id(workspace, TaskType.COMPLETION.value),
    }
    models = settings.completion_models(context.multiline)
    prompt = completion_prompt(context)
    return CompletionPlan(context, prompt.messages, models, params, prompt.stable_chars)


class Deadline:
    """``seconds`` from the last sign of progress: a model streaming its reasoning is not stalled."""

    def __init__(self, timeout: asyncio.Timeout, seconds: float) -> None:
        self._timeout = timeout
        self._seconds = seconds

    def extend(self) -> None:
        self._timeout.reschedule(asyncio.get_running_loop().time() + self._seconds)


@asynccontextmanager
async def deadline(seconds: float, what: str) -> AsyncIterator[Deadline]:
    """Cut work that outlives its use (a hanging upstream) with an error that says so."""
    try:
        async with asyncio.timeout(seconds) as timeout:
            yield Deadline(timeout, seconds)
    except TimeoutError:
        raise RequestTimeoutError(
            f"The model took longer than {seconds:g} s to {what}; try again, or pick a faster model (priority: speed)."
        ) from None


async def run_completion(
    gateway: Gateway, plan: CompletionPlan, seconds: float = 10.0
) -> tuple[str, str, float | None]:
    """The model's raw answer, read only until it decides the insertion (then the stream is closed).

    `is_decided` is the stream guard: it also stops at a line that retypes the code below the
    cursor, at degenerate repetition, at a refusal and at a closing wrapper tag, so what is not
    used is not generated, nor billed, any further.
    """
    raw = ""
    stream = gateway.stream(
        TaskType.COMPLETION, plan.messages, plan.models, stable_chars=plan.stable_chars, **plan.params
    )
    async with deadline(seconds, "suggest a completion") as timer, stream:
        stream.on_progress = timer.extend
        async for piece in stream:
            raw += piece
            if is_decided(raw, plan.context):
                break
    answer = stream.answer
    return raw, (answer.model if answer else plan.models[0]), (answer.cost if answer else None)


def finish_completion(raw: str, plan: CompletionPlan, model: str, cost: float | None) -> Suggestion | None:
    edit = suggest_edit(raw, plan.context)
    return Suggestion(edit.text, model, cost, edit.replace) if edit else None


# -- explain (hover) ------------------------------------------------------------------------------

#: Code sent for an explanation is cut to this many characters at a line boundary.
EXPLAIN_MAX_CHARS = 6000


@dataclass(frozen=True, slots=True)
class ExplainPlan:
    target: ExplainTarget
    messages: list[dict[str, str]]
    models: tuple[str, ...]
    params: dict[str, Any]


def plan_explain(
    settings: Settings, text: str, language_id: str, line: int, column: int, path: str
) -> ExplainPlan | None:
    """None when there is nothing to explain (blank line, comments only): no upstream call then."""
    target = find_explain_target(text, language_id, line, column, EXPLAIN_MAX_CHARS)
    if target is None:
        return None
    safe = dataclasses.replace(target, code=outgoing(target.code, settings))
    params: dict[str, Any] = {"max_tokens": 400, "temperature": 0.2}
    return ExplainPlan(target, explain_messages(safe, language_id, path), settings.models_for(TaskType.EXPLAIN), params)


async def run_explain(gateway: Gateway, plan: ExplainPlan, seconds: float = 30.0) -> str:
    async with deadline(seconds, "explain the code") as timer:
        stream = gateway.stream(TaskType.EXPLAIN, plan.messages, plan.models, **plan.params)
        stream.on_progress = timer.extend
        answer = await gateway.finish(stream)
    return format_hover(answer.text, model=answer.model, cost_usd=None if answer.cached else answer.cost)


# -- docstrings (code action) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocstringPlan:
    definition: Definition
    messages: list[dict[str, str]]
    models: tuple[str, ...]
    params: dict[str, Any]
    style: str


@dataclass(frozen=True, slots=True)
class DocEdit:
    """Replace (start_line, start_col)-(end_line, end_col) (code points) with ``new_text``."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    new_text: str


def find_documentable(text: str, language_id: str, line: int, column: int) -> Definition | None:
    """The definition at the position, if a doc can be placed for it (not a Python one-liner)."""
    definition = find_definition(text, language_id, line, column)
    return definition if definition is not None and can_document(definition) else None


def plan_docstring(settings: Settings, definition: Definition, style: str | None = None) -> DocstringPlan:
    style = style or settings.docstring.style
    safe = dataclasses.replace(definition, text=outgoing(definition.text, settings))
    params: dict[str, Any] = {"max_tokens": 600, "temperature": 0.2}
    return DocstringPlan(
        definition, docstring_messages(safe, style), settings.models_for(TaskType.DOCSTRING), params, style
    )


async def run_docstring(gateway: Gateway, plan: DocstringPlan, text: str, seconds: float = 90.0) -> DocEdit | None:
    """The edit that inserts (or replaces) the documentation; None when the answer was unusable."""
    async with deadline(seconds, "write the docstring") as timer:
        stream = gateway.stream(TaskType.DOCSTRING, plan.messages, plan.models, **plan.params)
        stream.on_progress = timer.extend
        answer = await gateway.finish(stream)
    doc = clean_docstring(answer.text, plan.definition, plan.style)
    if doc is None:
        return None
    edit = docstring_edit(text, plan.definition, doc)
    return DocEdit(*edit) if edit is not None else None
