"""The settings model: environment, ``initializationOptions`` and ``workspace/configuration`` (``arbLsp``).

Settings are one camelCase object. An invalid or unknown value never stops the server: it falls back
to its default, and the problems are collected so the server can say so once, in one message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from arb_lsp.openrouter.base_url import DEFAULT_BASE_URL, base_url_problem
from arb_lsp.openrouter.preferences import TaskPreferences
from arb_lsp.openrouter.routing import Priority, TaskType, select_models

SECTION = "arbLsp"
#: Keys editors keep in the same section for themselves (VS Code's server command, trace level).
EDITOR_ONLY_KEYS = frozenset({"server", "trace"})


class _Section(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


ModelChoice = str | list[str] | None


class ModelSettings(_Section):
    completion: ModelChoice = None
    explain: ModelChoice = None
    docstring: ModelChoice = None
    #: Block (multi-line) completions only: a block is worth a slower, better model.
    completion_block: ModelChoice = None


class CompletionSettings(_Section):
    enabled: bool = True
    debounce_ms: int = Field(100, ge=0, le=5000)
    #: ``adaptive`` follows the typist (``debounce_ms`` is its base, ``arb_lsp.debounce``); ``fixed`` always waits it.
    debounce: Literal["adaptive", "fixed"] = "adaptive"
    max_tokens: int = Field(256, ge=1, le=8192)
    multiline: Literal["auto", "always", "never"] = "auto"
    timeout_ms: int = Field(10000, ge=100, le=120000)
    #: Code from other files of the workspace (imports, recent edits, similar windows) in the prompt.
    workspace_context: bool = True
    #: Time the workspace context providers may take per request, in all.
    context_budget_ms: int = Field(50, ge=0, le=1000)
    #: The most tokens a completion prompt may take; what lies above 2,048 goes to code from other files.
    #: Also capped by the model: half its context length, and a tenth of a cent per prompt (never below 2,048).
    max_prompt_tokens: int = Field(3072, ge=512, le=32768)


class ContextSettings(_Section):
    #: Open documents outside every workspace folder (a file from ~/.config, /etc, another project) as
    #: context for workspace files. Off: what the user opened to look at elsewhere stays on the machine.
    outside_workspace: bool = False


class HoverSettings(_Section):
    enabled: bool = True
    debounce_ms: int = Field(150, ge=0, le=5000)
    timeout_ms: int = Field(30000, ge=100, le=300000)


class DocstringSettings(_Section):
    style: Literal["google", "numpy", "sphinx"] = "google"


class BudgetSettings(_Section):
    daily_usd: float | None = Field(None, ge=0)


Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]


class ReasoningSettings(_Section):
    """OpenRouter reasoning effort per task; None keeps the task's default (completion off, others low)."""

    completion: Effort | None = None
    explain: Effort | None = None
    docstring: Effort | None = None


class ProviderPreferences(BaseModel):
    """OpenRouter's ``provider`` object, passed as given (its own snake_case names: ``sort``, ``order``,
    ``only``, ``ignore``, ``allow_fallbacks``, ``data_collection``, ``zdr``, ``max_price``, ...)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    sort: Literal["price", "throughput", "latency"] | None = None
    data_collection: Literal["allow", "deny"] | None = None
    zdr: bool | None = None
    allow_fallbacks: bool | None = None

    def as_request(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ProviderSettings(_Section):
    """Provider preferences per task; None keeps the default (completion: latency first)."""

    completion: ProviderPreferences | None = None
    explain: ProviderPreferences | None = None
    docstring: ProviderPreferences | None = None


class Settings(_Section):
    api_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    priority: Priority = Priority.COST
    models: ModelSettings = ModelSettings()
    completion: CompletionSettings = CompletionSettings()
    context: ContextSettings = ContextSettings()
    hover: HoverSettings = HoverSettings()
    docstring: DocstringSettings = DocstringSettings()
    budget: BudgetSettings = BudgetSettings()
    reasoning: ReasoningSettings = ReasoningSettings()
    provider: ProviderSettings = ProviderSettings()
    exclude: tuple[str, ...] = ()
    redact_secrets: bool = True

    @field_validator("base_url")
    @classmethod
    def _safe_base_url(cls, value: str) -> str:
        problem = base_url_problem(value.rstrip("/"))
        if problem:
            raise ValueError(problem)
        return value.rstrip("/")

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank_key_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None  # a key pasted with its newline still works
        return value

    def models_for(self, task: TaskType) -> tuple[str, ...]:
        overrides = {k: v for k, v in self.models.model_dump().items() if v}
        return select_models(task, self.priority, overrides)

    def preferences(self) -> dict[TaskType, TaskPreferences]:
        """Each task's reasoning effort and provider preferences, for the gateway."""
        out: dict[TaskType, TaskPreferences] = {}
        for task in TaskType:
            provider: ProviderPreferences | None = getattr(self.provider, task.value)
            out[task] = TaskPreferences(
                reasoning=getattr(self.reasoning, task.value),
                provider=(provider.as_request() or None) if provider is not None else None,
            )
        return out

    def completion_models(self, block: bool) -> tuple[str, ...]:
        """The chain for a completion: ``models.completionBlock`` where a block may be suggested, if set."""
        if block and self.models.completion_block:
            return select_models(TaskType.COMPLETION, self.priority, {"completion": self.models.completion_block})
        return self.models_for(TaskType.COMPLETION)

    @property
    def key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None


def from_environment() -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if os.environ.get("OPENROUTER_API_KEY"):
        raw["apiKey"] = os.environ["OPENROUTER_API_KEY"]
    if os.environ.get("OPENROUTER_BASE_URL"):
        raw["baseUrl"] = os.environ["OPENROUTER_BASE_URL"]
    return raw


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge of camelCase dicts; ``update`` wins, ``None`` values in it are ignored."""
    merged = dict(base)
    for key, value in update.items():
        if value is None:
            continue
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _drop(raw: dict[str, Any], location: tuple[int | str, ...]) -> bool:
    """Remove the value at ``location`` (or its nearest droppable parent) so the default applies."""
    path = [str(part) for part in location]
    while path:
        node: Any = raw
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            del node[path[-1]]
            return True
        path.pop()
    return False


def _describe(location: tuple[int | str, ...], message: str) -> str:
    name = ".".join(str(p) for p in location if not isinstance(p, int))
    return f"{name}: {message.removeprefix('Value error, ').rstrip('.')}"


def parse_settings(*sources: Mapping[str, Any] | None) -> tuple[Settings, list[str]]:
    """Settings from sources in rising precedence, plus what was wrong with them.

    An invalid value falls back to what the sources before it said (so a bad ``baseUrl`` setting
    keeps OPENROUTER_BASE_URL), and to the default when none did.
    """
    accepted: dict[str, Any] = {}
    problems: list[str] = []
    for source in sources:
        if not isinstance(source, Mapping):
            continue
        section = source.get(SECTION) if isinstance(source.get(SECTION), Mapping) else source
        update = {k: v for k, v in _plain(section).items() if k not in EDITOR_ONLY_KEYS}
        accepted = _validated(merge(accepted, update), accepted, problems)
    try:
        return Settings.model_validate(accepted), problems
    except ValidationError:  # cannot happen once _validated has dropped every bad value
        return Settings(), problems


def _validated(candidate: dict[str, Any], previous: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    for _ in range(64):
        try:
            Settings.model_validate(candidate)
            return candidate
        except ValidationError as invalid:
            progressed = False
            for error in invalid.errors():
                location = tuple(error["loc"])
                # A union's error names the branch type last; the setting's own path is what matters.
                while location and isinstance(location[-1], str) and location[-1] in {"str", "list[str]", "none"}:
                    location = location[:-1]
                problems.append(_describe(location, error["msg"]))
                progressed = _restore(candidate, previous, location) or progressed
            if not progressed:
                break
    return previous


def _restore(candidate: dict[str, Any], previous: dict[str, Any], location: tuple[int | str, ...]) -> bool:
    """Put back the earlier value at ``location`` (or drop it, so the default applies)."""
    path = [str(part) for part in location]
    earlier: Any = previous
    for part in path:
        earlier = earlier.get(part) if isinstance(earlier, dict) else None
    if earlier is None:
        return _drop(candidate, location)
    node: Any = candidate
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or node.get(path[-1]) == earlier:
        return _drop(candidate, location)
    node[path[-1]] = earlier
    return True


def _plain(value: Any) -> Any:
    """A deep copy made of plain dicts and lists (clients send all kinds of mappings)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def settings_message(problems: list[str]) -> str | None:
    if not problems:
        return None
    listed = "; ".join(dict.fromkeys(problems))
    return f"arb-lsp ignored invalid settings and used their defaults: {listed}."
