"""What features use, built from one set of settings (client, gateway, ledger, exclusion rules), and the
notifier that tells the user about a kind of failure once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from arb_lsp.openrouter.errors import MissingApiKeyError, OpenRouterError

if TYPE_CHECKING:  # imported where first used: not needed to answer ``initialize``
    from arb_lsp.openrouter.ledger import UsageLedger
    from arb_lsp.privacy import ExclusionMatcher
    from arb_lsp.settings import Settings

log = logging.getLogger(__name__)

NO_KEY_HINT = (
    "arb-lsp needs an OpenRouter API key (create one at openrouter.ai/keys): in VS Code run "
    '"arb-lsp: Set OpenRouter API Key"; elsewhere set OPENROUTER_API_KEY or the apiKey setting.'
)


class Notifier:
    """Tells the user about a kind of failure once, not once per keystroke."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._told: set[str] = set()

    def reset(self) -> None:
        self._told.clear()

    def once(self, kind: str, message: str, level: types.MessageType = types.MessageType.Warning) -> None:
        if kind in self._told:
            return
        self._told.add(kind)
        from arb_lsp.privacy.markdown import plain_message  # markdown-it: loaded when first needed

        # Upstream error texts can carry a model's or provider's words: no link in them may become one.
        message = plain_message(message)
        log.warning("%s", message)
        self._server.window_show_message(types.ShowMessageParams(type=level, message=message))

    def failure(self, error: OpenRouterError) -> None:
        if isinstance(error, MissingApiKeyError):
            self.once("no_key", NO_KEY_HINT)
            return
        level = types.MessageType.Error if error.kind in {"auth", "credits"} else types.MessageType.Warning
        self.once(error.kind, f"arb-lsp: {error.message}", level)


class Services:
    """What the features use, built from one set of settings."""

    def __init__(self, settings: Settings, ledger: UsageLedger, notifier: Notifier) -> None:
        from arb_lsp.openrouter.client import RetryPolicy
        from arb_lsp.runtime import build_client, build_exclusions, build_gateway

        self.settings = settings
        self.ledger = ledger
        self.client = build_client(settings, RetryPolicy(attempts=2, max_delay=2.0, max_retry_after=5.0))
        self.gateway = build_gateway(
            self.client,
            settings,
            ledger,
            lambda spent, cap: notifier.once(
                "budget",
                f"arb-lsp: today's spend ${spent:.4f} reached budget.dailyUsd ${cap:.2f}; "
                "only free models are used until tomorrow.",
                types.MessageType.Info,
            ),
            lambda message: notifier.once("free_daily_cap", f"arb-lsp: {message}", types.MessageType.Warning),
        )
        #: The rules for files outside every workspace folder (anchored patterns anchor to ``/``).
        self.exclusions = build_exclusions(settings)
        self._folder_exclusions: dict[str, ExclusionMatcher] = {}
        #: Context windows of the catalogue's models (GET /models needs no key), once loaded.
        self.context_lengths: dict[str, int] = {}
        #: USD per prompt token of the catalogue's models, once loaded.
        self.prompt_prices: dict[str, float] = {}

    def exclusions_in(self, root: str) -> ExclusionMatcher:
        """The rules inside the workspace folder ``root``: there ``/private/**`` means ``<root>/private/**``."""
        matcher = self._folder_exclusions.get(root)
        if matcher is None:
            from arb_lsp.runtime import build_exclusions

            matcher = self._folder_exclusions[root] = build_exclusions(self.settings, root)
        return matcher

    @property
    def has_key(self) -> bool:
        return self.client.has_key

    async def load_catalogue(self) -> None:
        """The catalogue through the gateway (one fetch, shared with a request that needs it meanwhile)."""
        await self.gateway.load_catalogue()
        models = self.gateway.catalogue.values()
        if not models:
            return
        self.context_lengths = {m.id: m.context_length for m in models if m.context_length}
        self.prompt_prices = {m.id: m.pricing.prompt for m in models if m.pricing.prompt >= 0}
        self.gateway.settle_outstanding()  # estimates an earlier run left behind

    async def warm_up(self) -> None:
        """Pay now, off any request's path, what the first completion would: the HTTP client (TLS context),
        its first connection (kept alive in the pool for the first completion), the model catalogue
        (context sizes) and the modules these load. Nothing leaves the machine without a key."""
        if not self.has_key:
            return
        await self.load_catalogue()

    def context_tokens(self, model: str) -> int | None:
        return self.context_lengths.get(model)

    def prompt_price(self, model: str) -> float | None:
        return self.prompt_prices.get(model)

    async def close(self) -> None:
        await self.gateway.drain(2.0)  # what is not settled by then stays an estimate for the next run
        await self.client.close()
