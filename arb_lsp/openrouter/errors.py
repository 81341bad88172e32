"""Typed errors for everything that can go wrong between arb-lsp and OpenRouter.

Each error carries a message a person can act on, a stable ``kind`` (used to show one
message per kind of failure, and recorded in the usage ledger), and whether retrying or
falling back to another model can help. No error text ever contains the API key: messages
are built from OpenRouter's own error text, which is scrubbed by the client before use.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any


class OpenRouterError(Exception):
    """Base class: a request to OpenRouter did not produce a usable answer."""

    kind = "error"
    #: Retrying the same model after a pause may help (408, 429, 5xx, connection trouble).
    retryable = False
    #: Another model in the fallback chain may succeed where this one failed.
    fallback = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        retry_after: float | None = None,
        metadata: dict[str, Any] | None = None,
        model: str | None = None,
        availability: dict[str, Any] | None = None,
        rate_limit: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.metadata = metadata or {}
        self.model = model
        #: OpenRouter's ``error.availability`` (``code``, ``retryable``, ``retry_after``, ``fallback_models``).
        self.availability = availability or {}
        #: ``X-RateLimit-*`` values, from the response headers or ``error.metadata.headers``.
        self.rate_limit = rate_limit or {}
        #: True when OpenRouter itself answered with its JSON error (not a proxy's page or a dropped line).
        self.from_openrouter = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class BadRequestError(OpenRouterError):
    kind = "bad_request"


class InvalidModelError(BadRequestError):
    """400 for a model id OpenRouter does not know: another model in the chain may work."""

    kind = "invalid_model"
    fallback = True


class AuthenticationError(OpenRouterError):
    kind = "auth"


class MissingApiKeyError(AuthenticationError):
    kind = "no_key"


class InsufficientCreditsError(OpenRouterError):
    """402: paid models are out of reach, free ones in the chain may still answer."""

    kind = "credits"
    fallback = True


class ModerationError(OpenRouterError):
    kind = "moderation"


class RefusedError(OpenRouterError):
    """403 that is not moderation: a guardrail, a permission or a region; another model may be allowed."""

    kind = "refused"
    fallback = True


class ReasoningRequiredError(BadRequestError):
    """400: the model's reasoning cannot be switched off; asked again with its lowest effort."""

    kind = "reasoning_required"
    fallback = True


class FreeDailyLimitError(OpenRouterError):
    """429 ``free-models-per-day``: every ``:free`` model refuses until the reset; paid ones still answer."""

    kind = "free_daily_cap"
    fallback = True

    @property
    def limit(self) -> int | None:
        try:
            return int(self.rate_limit.get("limit", ""))
        except ValueError:
            return None

    @property
    def reset_at(self) -> float:
        """Epoch seconds of the reset: ``X-RateLimit-Reset`` (epoch ms), else the next 00:00 UTC."""
        try:
            value = float(self.rate_limit.get("reset", ""))
            return value / 1000 if value > 1e11 else value
        except ValueError:
            return (int(time.time() // 86_400) + 1) * 86_400.0


class EmptyAnswerError(OpenRouterError):
    """The model stopped at ``max_tokens`` (usually while reasoning) before writing any answer."""

    kind = "empty_answer"
    fallback = True


class NoEndpointsError(OpenRouterError):
    """404: no provider serves the model now (or its free variant ended)."""

    kind = "not_found"
    fallback = True


class RequestTimeoutError(OpenRouterError):
    kind = "timeout"
    retryable = True
    fallback = True


class RateLimitError(OpenRouterError):
    kind = "rate_limit"
    retryable = True
    fallback = True


class UpstreamError(OpenRouterError):
    """5xx: OpenRouter or the provider behind it failed."""

    kind = "upstream"
    retryable = True
    fallback = True


class InvalidResponseError(OpenRouterError):
    """A response we cannot use: not JSON (an HTML error page), no choices, a broken stream."""

    kind = "bad_response"
    fallback = True


class ConnectionFailedError(OpenRouterError):
    """The endpoint could not be reached, or the connection dropped."""

    kind = "connection"
    retryable = True
    fallback = True


class StreamError(OpenRouterError):
    """An error reported inside a stream that had started with HTTP 200."""

    kind = "stream"
    fallback = True


class BudgetExceededError(OpenRouterError):
    """The daily budget is spent and no free model is configured for this task."""

    kind = "budget"


_SETTING_HINT = "Set OPENROUTER_API_KEY or the apiKey setting."

#: ``error.availability.code`` values: the model or its endpoints are unusable now, another model may serve.
_AVAILABILITY_HINTS = {
    "model_not_found": "OpenRouter does not know this model; check the models.* settings against `arb-lsp models`",
    "model_deprecated": "the model was retired; pick another in the models.* settings",
    "free_variant_ended": "its free variant ended; pick another model or its paid variant",
    "privacy_restricted": (
        "no provider of it meets your data policy (provider.*: data_collection deny or zdr); "
        "relax that setting or pick another model"
    ),
    "constraint_filtered": "no provider of it meets the provider.* preferences; relax them or pick another model",
    "region_restricted": "it is not offered in your region; pick another model",
    "no_endpoints": "no provider serves it right now; pick another model in the models.* settings",
    "capacity_exhausted": "its providers are at capacity; it usually passes",
    "temporarily_unavailable": "it is temporarily unavailable; it usually passes",
}
_RETRYABLE_CODES = frozenset({"capacity_exhausted", "temporarily_unavailable"})


def free_limit_message(error: FreeDailyLimitError, now: float | None = None) -> str:
    """What happened and what to do, with numbers: the cap, when it resets, how to raise it."""
    now = time.time() if now is None else now
    limit = error.limit or 50
    reset = dt.datetime.fromtimestamp(error.reset_at, dt.UTC)
    hours = max(error.reset_at - now, 0) / 3600
    wait = f"{hours:.0f} h" if hours >= 1 else f"{max(hours * 60, 1):.0f} min"
    raise_it = "10 credits raise it to 1,000, or set a paid model" if limit < 1000 else "set a paid model"
    return (
        f"{limit:,} free requests a day reached; resets at {reset:%H:%M} UTC, in {wait}; {raise_it} "
        "(models.* settings, or priority: speed)."
    )


def _is_free_daily_cap(message: str | None, rate_limit: dict[str, str]) -> bool:
    return "free-models-per-day" in (message or "").lower() or (
        rate_limit.get("remaining") == "0" and "free" in (message or "").lower()
    )


def error_for_status(
    status: int,
    upstream_message: str | None,
    *,
    code: int | str | None = None,
    retry_after: float | None = None,
    metadata: dict[str, Any] | None = None,
    model: str | None = None,
    availability: dict[str, Any] | None = None,
    rate_limit: dict[str, str] | None = None,
) -> OpenRouterError:
    """Build the typed error for an HTTP status, with a message that says what to do.

    OpenRouter's own classification wins over the status and the prose: ``error.availability.code``
    first, then ``error.metadata.error_type``, then the status.
    """
    detail = f": {upstream_message}" if upstream_message else ""
    on_model = f" for {model}" if model else ""
    availability = availability or {}
    rate_limit = dict(rate_limit or {})
    headers = (metadata or {}).get("headers")
    if isinstance(headers, dict):
        for name, value in headers.items():
            if str(name).lower().startswith("x-ratelimit-"):
                rate_limit.setdefault(str(name).lower().removeprefix("x-ratelimit-"), str(value))
    if retry_after is None and isinstance(availability.get("retry_after"), int | float):
        retry_after = float(availability["retry_after"])
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code if code is not None else status,
        "retry_after": retry_after,
        "metadata": metadata,
        "model": model,
        "availability": availability,
        "rate_limit": rate_limit,
    }
    error_type = str((metadata or {}).get("error_type") or "").lower()
    reason = availability.get("code")
    if isinstance(reason, str) and reason:
        hint = _AVAILABILITY_HINTS.get(reason, "pick another model in the models.* settings")
        cls: type[OpenRouterError] = UpstreamError if reason in _RETRYABLE_CODES else NoEndpointsError
        if reason == "model_not_found":
            cls = InvalidModelError
        error = cls(f"{model or 'The model'} is unavailable ({reason}): {hint}.", **kwargs)
        error.retryable = bool(availability.get("retryable", reason in _RETRYABLE_CODES))
        return error
    if status == 429 and _is_free_daily_cap(upstream_message, rate_limit):
        capped = FreeDailyLimitError("", **kwargs)
        capped.message = free_limit_message(capped)
        capped.args = (capped.message,)
        return capped
    if error_type == "rate_limit_exceeded" and status != 429:
        status = 429
    if error_type == "provider_overloaded":
        return UpstreamError(f"The provider{on_model} is overloaded{detail}. It usually passes; try again.", **kwargs)
    if error_type == "context_length_exceeded":
        return InvalidModelError(
            f"The prompt is too long{on_model}{detail}. Pick a model with a longer context.", **kwargs
        )
    if status == 400 and "reasoning is mandatory" in (upstream_message or "").lower():
        return ReasoningRequiredError(
            f"{model or 'The model'} cannot switch its reasoning off{detail}. Its lowest effort is used instead.",
            **kwargs,
        )
    if status == 403 and not (metadata or {}).get("reasons") and not (metadata or {}).get("flagged_input"):
        what = next((w for w in ("guardrail", "permission", "region") if w in error_type), "")
        what = what or next(
            (w for w in ("guardrail", "permission", "region") if w in (upstream_message or "").lower()), ""
        )
        if what:
            advice = {
                "guardrail": "A guardrail on your OpenRouter key or organisation blocks it; check its settings",
                "permission": "The key is not allowed to use it; check the key's permissions at openrouter.ai/keys",
                "region": "It is not offered in your region; pick another model",
            }[what]
            return RefusedError(f"OpenRouter refused{on_model} (403, {what}){detail}. {advice}.", **kwargs)
    if status == 400:
        text = (upstream_message or "").lower()
        if model and ("model" in text and ("valid" in text or "not found" in text or "exist" in text)):
            return InvalidModelError(
                f"OpenRouter does not know the model {model} (400){detail}. "
                "Check the models.* settings against `arb-lsp models`.",
                **kwargs,
            )
        return BadRequestError(f"OpenRouter rejected the request (400){detail}.", **kwargs)
    if status == 401:
        return AuthenticationError(f"OpenRouter rejected the API key (401). {_SETTING_HINT}", **kwargs)
    if status == 402:
        return InsufficientCreditsError(
            "OpenRouter says the account is out of credits (402). "
            "Add credits at openrouter.ai/settings/credits or use free models (priority: cost).",
            **kwargs,
        )
    if status == 403:
        return ModerationError(
            f"OpenRouter's moderation refused the request (403){detail}. "
            "Exclude the file or rephrase the code around the cursor.",
            **kwargs,
        )
    if status == 404:
        return NoEndpointsError(
            f"No provider serves{on_model} right now (404){detail}. Pick another model in the models.* settings.",
            **kwargs,
        )
    if status == 408:
        return RequestTimeoutError(f"OpenRouter timed out{on_model} (408). Try again shortly.", **kwargs)
    if status == 429:
        wait = f" Retry after {retry_after:g} s." if retry_after else ""
        return RateLimitError(
            f"OpenRouter is rate-limiting{on_model} (429).{wait} "
            "Free models allow about 20 requests a minute; add credits or pick a paid model for more.",
            **kwargs,
        )
    if status >= 500:
        return UpstreamError(
            f"OpenRouter or its provider failed{on_model} ({status}){detail}. It usually passes; try again.",
            **kwargs,
        )
    return OpenRouterError(f"OpenRouter answered {status}{detail}.", **kwargs)


def error_for_code(
    code: int | str | None,
    message: str | None,
    *,
    metadata: dict[str, Any] | None = None,
    model: str | None = None,
    availability: dict[str, Any] | None = None,
) -> OpenRouterError:
    """An error object found inside a 200 body or a stream: map numeric codes like statuses."""
    status: int | None = None
    if isinstance(code, int):
        status = code
    elif isinstance(code, str) and code.isdigit():
        status = int(code)
    if status is not None and 400 <= status < 600:
        error = error_for_status(status, message, code=code, metadata=metadata, model=model, availability=availability)
        error.status = None
        return error
    detail = f": {message}" if message else ""
    return StreamError(
        f"The model{f' {model}' if model else ''} stopped with an error{detail}. Try again or pick another model.",
        code=code,
        metadata=metadata,
        model=model,
    )
