"""Typed shapes of OpenRouter's JSON, tolerant of fields we do not know yet."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Open(BaseModel):
    """OpenRouter adds fields over time: keep them, never fail on them."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Message(_Open):
    role: str
    content: str | None = None


class Usage(_Open):
    """Token counts and cost as OpenRouter bills them; ``completion_tokens`` includes reasoning."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost: float | None = None
    completion_tokens_details: dict[str, Any] | None = None
    prompt_tokens_details: dict[str, Any] | None = None
    #: What prompt caching saved (USD, negative when cache writes cost more than they saved).
    cache_discount: float | None = None

    @property
    def reasoning_tokens(self) -> int:
        value = (self.completion_tokens_details or {}).get("reasoning_tokens")
        return int(value) if isinstance(value, int | float) else 0

    @property
    def cached_tokens(self) -> int:
        """Prompt tokens read from the provider's prompt cache (billed at its read price)."""
        value = (self.prompt_tokens_details or {}).get("cached_tokens")
        return int(value) if isinstance(value, int | float) else 0

    @property
    def cache_write_tokens(self) -> int:
        """Prompt tokens written to the prompt cache (Anthropic, Alibaba: billed at the write price)."""
        value = (self.prompt_tokens_details or {}).get("cache_write_tokens")
        return int(value) if isinstance(value, int | float) else 0


class Choice(_Open):
    index: int = 0
    message: Message | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None


class ChatResponse(_Open):
    """A non-streamed chat completion."""

    id: str = ""
    model: str = ""
    provider: str | None = None
    created: int | None = None
    choices: list[Choice] = Field(default_factory=list)
    usage: Usage | None = None

    @property
    def text(self) -> str:
        if not self.choices or self.choices[0].message is None:
            return ""
        return self.choices[0].message.content or ""

    @property
    def finish_reason(self) -> str | None:
        return self.choices[0].finish_reason if self.choices else None


class StreamResult(_Open):
    """What a finished (or abandoned) stream told us, beyond its text."""

    id: str = ""
    model: str = ""
    provider: str | None = None
    finish_reason: str | None = None
    usage: Usage | None = None
    text: str = ""
    #: Characters of reasoning received (``delta.reasoning``): progress that is never text.
    reasoning_chars: int = 0


class Pricing(_Open):
    prompt: float = 0.0
    completion: float = 0.0

    @field_validator("prompt", "completion", mode="before")
    @classmethod
    def _price(cls, value: Any) -> float:
        # Prices arrive as strings of USD per token; "-1" marks variable-priced routers.
        try:
            return float(value)
        except (TypeError, ValueError):
            return 0.0


class ReasoningInfo(_Open):
    """A ``/models`` entry's ``reasoning`` object: which efforts it takes and whether it can be off."""

    supported_efforts: list[str] = Field(default_factory=list)
    default_effort: str | None = None
    default_enabled: bool = False
    mandatory: bool = False


class ModelInfo(_Open):
    id: str
    name: str = ""
    description: str = ""
    context_length: int | None = None
    pricing: Pricing = Field(default_factory=Pricing)
    reasoning: ReasoningInfo | None = None
    supported_parameters: list[str] = Field(default_factory=list)

    @property
    def reasons(self) -> bool:
        """Whether the model takes the ``reasoning`` parameter at all."""
        return self.reasoning is not None or "reasoning" in self.supported_parameters

    @property
    def is_free(self) -> bool:
        return self.id.endswith(":free") or (self.pricing.prompt == 0 and self.pricing.completion == 0)


class KeyInfo(_Open):
    label: str = ""
    limit: float | None = None
    usage: float = 0.0
    limit_remaining: float | None = None
    is_free_tier: bool = False
    #: ``{limit, used, remaining}`` of today's ``:free`` requests, where OpenRouter reports it.
    free_model_daily_requests: dict[str, int] | None = None


class GenerationStats(_Open):
    id: str = ""
    model: str = ""
    total_cost: float | None = None
    tokens_prompt: int | None = None
    tokens_completion: int | None = None
    native_tokens_reasoning: int | None = None
    native_tokens_cached: int | None = None
    cache_discount: float | None = None
    cancelled: bool | None = None
    latency: float | None = None
    generation_time: float | None = None
