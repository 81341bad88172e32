"""Which models serve which task: the routing table, its fallback chains, and settings overrides.

The catalogue changes every few months, so the table is plain data: a user replaces any chain with
the ``models.completion`` / ``models.explain`` / ``models.docstring`` settings (a string or a list,
first is primary). Chains under ``cost`` start with free models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum


class TaskType(StrEnum):
    COMPLETION = "completion"
    EXPLAIN = "explain"
    DOCSTRING = "docstring"


class Priority(StrEnum):
    COST = "cost"
    SPEED = "speed"
    QUALITY = "quality"


QWEN_CODER_FREE = "qwen/qwen3-coder:free"
LLAMA_70B_FREE = "meta-llama/llama-3.3-70b-instruct:free"
CODESTRAL = "mistralai/codestral-2508"
CLAUDE_SONNET = "~anthropic/claude-sonnet-latest"
GPT_LATEST = "~openai/gpt-latest"

ROUTES: Mapping[TaskType, Mapping[Priority, tuple[str, ...]]] = {
    TaskType.COMPLETION: {
        Priority.COST: (QWEN_CODER_FREE, LLAMA_70B_FREE, CODESTRAL),
        Priority.SPEED: (CODESTRAL, QWEN_CODER_FREE),
        Priority.QUALITY: (CLAUDE_SONNET, GPT_LATEST, CODESTRAL),
    },
    TaskType.EXPLAIN: {
        Priority.COST: (LLAMA_70B_FREE, QWEN_CODER_FREE, CODESTRAL),
        Priority.SPEED: (CODESTRAL, LLAMA_70B_FREE),
        Priority.QUALITY: (CLAUDE_SONNET, GPT_LATEST, LLAMA_70B_FREE),
    },
    TaskType.DOCSTRING: {
        Priority.COST: (QWEN_CODER_FREE, LLAMA_70B_FREE, CODESTRAL),
        Priority.SPEED: (CODESTRAL, QWEN_CODER_FREE),
        Priority.QUALITY: (CLAUDE_SONNET, GPT_LATEST, QWEN_CODER_FREE),
    },
}

#: OpenRouter accepts a short list in the request's ``models`` field for its own fallback.
NATIVE_FALLBACK_LIMIT = 3


def is_free(model: str) -> bool:
    return model.endswith(":free")


def select_models(
    task: TaskType,
    priority: Priority = Priority.COST,
    overrides: Mapping[str, str | Sequence[str]] | None = None,
) -> tuple[str, ...]:
    """The fallback chain for a task: the settings' override if any, else the table's."""
    override = (overrides or {}).get(task.value)
    if isinstance(override, str) and override.strip():
        return (override.strip(),)
    if override and not isinstance(override, str):
        chain = tuple(m.strip() for m in override if isinstance(m, str) and m.strip())
        if chain:
            return chain
    return ROUTES[task][priority]


def free_only(chain: Sequence[str]) -> tuple[str, ...]:
    """The part of a chain that costs nothing; the fallback once the daily budget is spent."""
    free = tuple(m for m in chain if is_free(m))
    return free or (QWEN_CODER_FREE, LLAMA_70B_FREE)
