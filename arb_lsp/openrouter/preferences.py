"""What a task asks of a model beyond its messages: reasoning effort, room for it in ``max_tokens``, provider preferences."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arb_lsp.openrouter.routing import TaskType
from arb_lsp.openrouter.types import ModelInfo

EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
#: Share of ``max_tokens`` an effort spends reasoning (OpenRouter's reasoning-tokens guide).
REASONING_SHARE = {"minimal": 0.1, "low": 0.2, "medium": 0.5, "high": 0.8, "xhigh": 0.95}
#: Completion wants an answer now: no thinking. Explanations and docstrings gain from a little.
DEFAULT_EFFORT = {TaskType.COMPLETION: "none", TaskType.EXPLAIN: "low", TaskType.DOCSTRING: "low"}
#: Completion waits on the first token: route to the fastest provider, not the cheapest.
DEFAULT_PROVIDER: Mapping[TaskType, Mapping[str, Any]] = {TaskType.COMPLETION: {"sort": "latency"}}


@dataclass(frozen=True, slots=True)
class TaskPreferences:
    """A task's ``reasoning`` effort and ``provider`` preferences (None: the task's default)."""

    reasoning: str | None = None
    provider: Mapping[str, Any] | None = None


def reasoning_param(task: TaskType, wish: str | None, info: ModelInfo | None) -> dict[str, Any] | None:
    """The ``reasoning`` object for one model: the wish, or its lowest effort where it cannot stop thinking."""
    effort = wish or DEFAULT_EFFORT[task]
    if info is None:
        return {"effort": effort}  # unknown model: say what we want; non-reasoning models ignore it
    if not info.reasons:
        return None
    conf = info.reasoning
    supported = [e for e in EFFORTS if conf is not None and e in conf.supported_efforts]
    if effort == "none":
        if conf is None or not conf.mandatory:
            return {"effort": "none"}
        return {"effort": supported[0]} if supported else {}
    if supported and effort not in supported:
        higher = [e for e in supported if EFFORTS.index(e) >= EFFORTS.index(effort)]
        effort = higher[0] if higher else supported[-1]
    return {"effort": effort}


def sized_max_tokens(max_tokens: Any, reasoning: dict[str, Any] | None, info: ModelInfo | None) -> Any:
    """``max_tokens`` grown so the answer still fits after the effort's share of it goes to reasoning."""
    if not isinstance(max_tokens, int) or reasoning is None:
        return max_tokens
    effort = reasoning.get("effort")
    if effort is None and info is not None and info.reasoning is not None:
        effort = info.reasoning.default_effort or "medium"
    share = REASONING_SHARE.get(str(effort), 0.0)
    return math.ceil(round(max_tokens / (1 - share), 6)) if share else max_tokens
