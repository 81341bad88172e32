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
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import attrs
from lsprotocol import types

from arb_lsp.language_server import ArbLanguageServer

if TYPE_CHECKING:
    from arb_lsp.acceptance import AcceptanceTracker, LatencyWatch

log = logging.getLogger(__name__)

DID_ACCEPT = "arbLsp.didAcceptSuggestion"

ItemT = Any  # types.CompletionItem | types.InlineCompletionItem


def _ledger_error() -> type[Exception]:
    """sqlite's error type, imported when one is being handled (sqlite is not needed to answer initialize)."""
    import sqlite3

    return sqlite3.Error


class SuggestionTracking:
    """Per server: the tracker over the ledger file, and the latency watch (both made on first use)."""

    def __init__(self, server: ArbLanguageServer) -> None:
        self.server = server
        self._tracker: AcceptanceTracker | None = None
        self._watch: LatencyWatch | None = None

    @property
    def tracker(self) -> AcceptanceTracker:
        if self._tracker is None:
            from arb_lsp.acceptance import AcceptanceTracker, SuggestionStore
            from arb_lsp.openrouter.ledger import default_ledger_path

            path = self.server.ledger.path
            self._tracker = AcceptanceTracker(SuggestionStore(path if path is not None else default_ledger_path()))
        return self._tracker

    @property
    def watch(self) -> LatencyWatch:
        if self._watch is None:
            from arb_lsp.acceptance import LatencyWatch

            self._watch = LatencyWatch()
        return self._watch

    def mark(self, placed: Any, items: list[ItemT], started: float) -> list[ItemT]:
        """``items`` (built for ``placed``) with the accept command of the suggestion they show."""
        if placed is None or not items:
            return items
        snapshot = placed.snapshot
        anchor = snapshot.index.line_start(placed.line) + placed.column
        try:
            suggestion_id = self.tracker.shown(
                unquote(snapshot.uri),
                snapshot.buffer,
                anchor,
                placed.suggestion.text,
                model=placed.suggestion.model,
                language=snapshot.language_id,
                ms=(time.monotonic() - started) * 1000,
            )
        except _ledger_error() as error:  # a locked or broken ledger must not cost the user a suggestion
            log.warning("recording a shown suggestion failed: %s", error)
            return items
        command = types.Command(title="arb-lsp: suggestion accepted", command=DID_ACCEPT, arguments=[suggestion_id])
        return [attrs.evolve(item, command=command) for item in items]

    def closed(self, uri: str) -> None:
        """The document was closed: its pending suggestion is dismissed."""
        if self._tracker is None:
            return  # nothing was shown yet
        try:
            self._tracker.closed(unquote(uri))
        except _ledger_error() as error:
            log.warning("recording a dismissed suggestion failed: %s", error)

    def shutdown(self) -> None:
        """The editor is closing: the suggestions still shown were not taken."""
        if self._tracker is None:
            return
        try:
            self._tracker.settle_all()
        except _ledger_error() as error:
            log.warning("recording dismissed suggestions at shutdown failed: %s", error)

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
        except _ledger_error() as error:  # the user's accepted text is in; only the count is lost
            log.warning("recording an accepted suggestion failed: %s", error)
