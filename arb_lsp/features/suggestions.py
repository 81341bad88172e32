"""The command each suggestion carries, and what the server learns from it.

Every finished inline item and menu item gets ``command: arbLsp.didAcceptSuggestion [id]``: VS Code
runs an inline item's command when the user accepts the ghost text, VS Code and Neovim run a
completion item's command after inserting it. The id names a row of the ``suggestions`` table
(``arb_lsp.acceptance``); the rules for shown, accepted, partly accepted, superseded and dismissed live
there. This module also feeds model answer times and timeouts to the latency watch, which tells the
user once per model when suggestions come too slowly.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any
from urllib.parse import unquote

import attrs
from lsprotocol import types

from arb_lsp.acceptance import AcceptanceTracker, LatencyWatch, SuggestionStore
from arb_lsp.openrouter.ledger import default_ledger_path
from arb_lsp.server import ArbLanguageServer

log = logging.getLogger(__name__)

DID_ACCEPT = "arbLsp.didAcceptSuggestion"

ItemT = Any  # types.CompletionItem | types.InlineCompletionItem


class SuggestionTracking:
    """Per server: the tracker over the ledger file, and the latency watch."""

    def __init__(self, server: ArbLanguageServer) -> None:
        self.server = server
        path = server.ledger.path
        self.store = SuggestionStore(path if path is not None else default_ledger_path())
        self.tracker = AcceptanceTracker(self.store)
        self.watch = LatencyWatch()

    def mark(self, placed: Any, items: list[ItemT], started: float) -> list[ItemT]:
        """``items`` (built for ``placed``) with the accept command of the suggestion they show."""
        if placed is None or not items:
            return items
        snapshot = placed.snapshot
        anchor = snapshot.index.line_start(placed.line) + placed.column
        try:
            suggestion_id = self.tracker.shown(
                unquote(snapshot.uri),
                snapshot.text,
                anchor,
                placed.suggestion.text,
                model=placed.suggestion.model,
                language=snapshot.language_id,
                ms=(time.monotonic() - started) * 1000,
            )
        except sqlite3.Error as error:  # a locked or broken ledger must not cost the user a suggestion
            log.warning("recording a shown suggestion failed: %s", error)
            return items
        command = types.Command(title="arb-lsp: suggestion accepted", command=DID_ACCEPT, arguments=[suggestion_id])
        return [attrs.evolve(item, command=command) for item in items]

    def closed(self, uri: str) -> None:
        """The document was closed: its pending suggestion is dismissed."""
        try:
            self.tracker.closed(unquote(uri))
        except sqlite3.Error as error:
            log.warning("recording a dismissed suggestion failed: %s", error)

    def answered(self, model: str, ms: float) -> None:
        self._tell(model, self.watch.answered(model, ms))

    def timed_out(self, model: str) -> None:
        self._tell(model, self.watch.timed_out(model))

    def _tell(self, model: str, message: str | None) -> None:
        if message is not None:
            self.server.notifier.once(f"latency:{model}", message)


def _suggestion_id(args: tuple[Any, ...]) -> str | None:
    first = args[0] if args else None
    if isinstance(first, list):  # pygls may hand over the arguments list as one value
        first = first[0] if first else None
    return first if isinstance(first, str) and first else None


def register(server: ArbLanguageServer, tracking: SuggestionTracking) -> None:
    @server.command(DID_ACCEPT)
    async def did_accept(ls: ArbLanguageServer, *args: Any) -> None:
        suggestion_id = _suggestion_id(args)
        if suggestion_id is None:
            return
        try:
            tracking.tracker.accepted(suggestion_id)
        except sqlite3.Error as error:  # the user's accepted text is in; only the count is lost
            log.warning("recording an accepted suggestion failed: %s", error)
