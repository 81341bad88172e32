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
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost: float | None = None


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


class ModelInfo(_Open):
    id: str
    name: str = ""
    description: str = ""
    context_length: int | None = None
    pricing: Pricing = Field(default_factory=Pricing)

    @property
    def is_free(self) -> bool:
        return self.id.endswith(":free") or (self.pricing.prompt == 0 and self.pricing.completion == 0)


class KeyInfo(_Open):
    label: str = ""
    limit: float | None = None
    usage: float = 0.0
    limit_remaining: float | None = None
    is_free_tier: bool = False


class GenerationStats(_Open):
    id: str = ""
    model: str = ""
    total_cost: float | None = None
    tokens_prompt: int | None = None
    tokens_completion: int | None = None
    latency: float | None = None
    generation_time: float | None = None
