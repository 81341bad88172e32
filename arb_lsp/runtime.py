"""The services a front end builds from one set of settings: OpenRouter client, gateway and privacy rules.

The language server (``server.Services``) and the command line (``arb_lsp.commands``) must talk to
OpenRouter the same way, so a terminal user gets what the editor gets: these factories hold the
choices that matter (answer cache size and lifetime, the daily budget, the exclusion defaults).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from arb_lsp.openrouter.cache import TTLCache
from arb_lsp.openrouter.client import OpenRouterClient
from arb_lsp.openrouter.gateway import Answer, Gateway
from arb_lsp.openrouter.ledger import UsageLedger
from arb_lsp.openrouter.retry import RetryPolicy
from arb_lsp.privacy import DEFAULT_EXCLUDES, ExclusionMatcher
from arb_lsp.settings import Settings

#: Finished answers are reused for this long (seconds) and up to this many entries.
ANSWER_CACHE_TTL = 900.0
ANSWER_CACHE_ENTRIES = 256


def build_client(settings: Settings, retry: RetryPolicy | None = None) -> OpenRouterClient:
    """A client for the settings' key and base URL (the settings already refused unsafe URLs)."""
    return OpenRouterClient(api_key=settings.key, base_url=settings.base_url, retry=retry)


def build_gateway(
    client: OpenRouterClient,
    settings: Settings,
    ledger: UsageLedger | None,
    on_budget_exceeded: Callable[[float, float], None] | None = None,
    on_free_limit: Callable[[str], None] | None = None,
) -> Gateway:
    """The gateway every task goes through: fallback chains, ``budget.dailyUsd``, the free models' daily
    limit, ``reasoning.*`` and ``provider.*`` per task, answer cache, ledger."""
    return Gateway(
        client,
        ledger=ledger,
        cache=TTLCache[Answer](max_entries=ANSWER_CACHE_ENTRIES, ttl=ANSWER_CACHE_TTL),
        budget_usd=settings.budget.daily_usd,
        on_budget_exceeded=on_budget_exceeded,
        on_free_limit=on_free_limit,
        preferences=settings.preferences(),
    )


def build_exclusions(settings: Settings, root: str | None = None, extra: Sequence[str] = ()) -> ExclusionMatcher:
    """Files never sent anywhere: the defaults (keys, env files, credentials), then ``exclude``, then ``extra``."""
    return ExclusionMatcher((*DEFAULT_EXCLUDES, *settings.exclude, *extra), root)
