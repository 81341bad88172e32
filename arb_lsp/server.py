"""create_server(): the wiring of the language server (``arb_lsp.language_server``) and its features
(``arb_lsp.features``), which import the server type from below, never this module."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arb_lsp.features import register_all
from arb_lsp.language_server import ArbLanguageServer

if TYPE_CHECKING:
    from arb_lsp.openrouter.ledger import UsageLedger

__all__ = ["ArbLanguageServer", "create_server"]


def create_server(*, ledger: UsageLedger | None = None) -> ArbLanguageServer:
    """A new server with every feature registered (tests may build several)."""
    server = ArbLanguageServer(ledger=ledger)
    register_all(server)
    return server
