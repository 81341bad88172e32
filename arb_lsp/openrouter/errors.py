"""Typed errors for everything that can go wrong between arb-lsp and OpenRouter.

Each error carries a message a person can act on, a stable ``kind`` (used to show one
message per kind of failure, and recorded in the usage ledger), and whether retrying or
falling back to another model can help. No error text ever contains the API key: messages
are built from OpenRouter's own error text, which is scrubbed by the client before use.
"""

from __future__ import annotations

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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.metadata = metadata or {}
        self.model = model

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


def error_for_status(
    status: int,
    upstream_message: str | None,
    *,
    code: int | str | None = None,
    retry_after: float | None = None,
    metadata: dict[str, Any] | None = None,
    model: str | None = None,
) -> OpenRouterError:
    """Build the typed error for an HTTP status, with a message that says what to do."""
    detail = f": {upstream_message}" if upstream_message else ""
    on_model = f" for {model}" if model else ""
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code if code is not None else status,
        "retry_after": retry_after,
        "metadata": metadata,
        "model": model,
    }
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
    code: int | str | None, message: str | None, *, metadata: dict[str, Any] | None = None, model: str | None = None
) -> OpenRouterError:
    """An error object found inside a 200 body or a stream: map numeric codes like statuses."""
    status: int | None = None
    if isinstance(code, int):
        status = code
    elif isinstance(code, str) and code.isdigit():
        status = int(code)
    if status is not None and 400 <= status < 600:
        error = error_for_status(status, message, code=code, metadata=metadata, model=model)
        error.status = None
        return error
    detail = f": {message}" if message else ""
    return StreamError(
        f"The model{f' {model}' if model else ''} stopped with an error{detail}. Try again or pick another model.",
        code=code,
        metadata=metadata,
        model=model,
    )
