"""What OpenRouter's errors tell the gateway beyond "this failed": models it suggests instead, and an
account whose negative balance shuts out free models too.

* ``error.availability.fallback_models``: when a model is unavailable (retired, no endpoints, its free
  variant ended…) OpenRouter names models that can take its place. They join the chain after the user's own
  models, never one already tried or already waiting, and never a paid one once the daily budget is spent.
* A 402 on a request that named only ``:free`` models: OpenRouter's limits page says an account with a
  negative credit balance may get 402 errors "including for free models", and that adding credits to bring
  the balance above zero makes them usable again. Then no model can answer, and the message says so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from arb_lsp.openrouter.errors import InsufficientCreditsError, OpenRouterError
from arb_lsp.openrouter.routing import is_free

__all__ = ["NEGATIVE_BALANCE_ADVICE", "negative_balance_error", "suggested_fallbacks"]

#: Models OpenRouter suggests are taken at most this many at a time (its own lists are short).
MAX_SUGGESTED = 3

NEGATIVE_BALANCE_ADVICE = (
    "OpenRouter refused even free models for lack of credits (402): the account's credit balance is negative, "
    "and then free models are refused too. Add credits to bring the balance above zero "
    "(openrouter.ai/settings/credits); free models answer again after that."
)


def suggested_fallbacks(error: OpenRouterError, known: Collection[str], *, paid_allowed: bool) -> list[str]:
    """``error.availability.fallback_models`` that may join the chain: ids OpenRouter suggested, not in
    ``known`` (tried or waiting), free ones only unless ``paid_allowed``."""
    offered = error.availability.get("fallback_models")
    if not isinstance(offered, list):
        return []
    out: list[str] = []
    for model in _ids(offered):
        if model in known or model in out or (not paid_allowed and not is_free(model)):
            continue
        out.append(model)
    return out[:MAX_SUGGESTED]


def _ids(values: Iterable[object]) -> Iterable[str]:
    for value in values:
        # Plain ids as documented; an object with an ``id`` is accepted too, should the shape grow.
        model = value.get("id") if isinstance(value, dict) else value
        if isinstance(model, str) and model.strip() and len(model) < 200:
            yield model.strip()


def negative_balance_error(error: InsufficientCreditsError) -> InsufficientCreditsError:
    """The 402 a request of free models got, with what it means and what to do."""
    return InsufficientCreditsError(
        NEGATIVE_BALANCE_ADVICE, status=error.status, code=error.code, metadata=error.metadata, model=error.model
    )
