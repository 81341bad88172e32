"""Which suggestions were shown and accepted, what an accepted one cost, and whether a model is too slow.

LSP-free. Every suggestion shown in an editor is one row of the ``suggestions`` table, kept in the
usage ledger's SQLite file (a table of its own: the ``calls`` table is not touched). A row starts
``pending`` and settles once, by these rules:

- ``accepted``: the editor ran the item's command (it does so when the user takes the item: Tab on
  ghost text, Enter / <C-y> on a menu item). Acceptance wins over any earlier settlement, since an
  editor only runs the command when the user took the suggestion.
- ``superseded``: another suggestion was shown in the same document before this one was taken.
- ``dismissed``: not taken within ``DISMISS_AFTER_S``.
- ``partial``: superseded or dismissed after the user had taken part of it (accepted the next
  word / line, or typed it as suggested); ``accepted_chars`` says how much.

The last suggestion shown before the editor closes has no later one to supersede it: it is dismissed at
``shutdown``, and rows a server left pending (killed, crashed) are dismissed by the next tracker that
opens the ledger, once they are older than ``DISMISS_AFTER_S`` (an accept still wins over that).

The same suggestion shown again (the editor asking twice at one spot, or menu and ghost text for the
same cursor) and its rest served while the user types it are not new suggestions: they keep its id.

Nothing here leaves the machine: this is a local ledger, not telemetry. No text is stored, only
lengths, the model, the language and whether it was one line or a block.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from arb_lsp.context import TextSlices

#: A suggestion not taken within this many seconds counts as dismissed (Continue uses 10 s).
DISMISS_AFTER_S = 15.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS suggestions (
    id TEXT PRIMARY KEY,
    ts REAL NOT NULL,
    day TEXT NOT NULL,
    model TEXT NOT NULL,
    language TEXT NOT NULL,
    kind TEXT NOT NULL,
    ms_to_suggestion REAL,
    chars INTEGER NOT NULL DEFAULT 0,
    accepted_chars INTEGER NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX IF NOT EXISTS suggestions_day ON suggestions(day);
"""

Outcome = Literal["pending", "accepted", "partial", "superseded", "dismissed"]
Kind = Literal["line", "block"]


def kind_of(text: str) -> Kind:
    return "block" if "\n" in text else "line"


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).date().isoformat()


class SuggestionStore:
    """The ``suggestions`` table: one row per suggestion shown, updated when it settles."""

    def __init__(self, path: Path | str) -> None:
        from arb_lsp.openrouter.ledger import open_database

        self._lock = threading.Lock()
        self._db = open_database(path, SCHEMA)

    def add(self, suggestion_id: str, *, model: str, language: str, kind: Kind, ms: float | None, chars: int) -> None:
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO suggestions (id, ts, day, model, language, kind, ms_to_suggestion, chars) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (suggestion_id, now, _day(now), model, language, kind, ms, chars),
            )
            self._db.commit()

    def settle(self, suggestion_id: str, outcome: Outcome, accepted_chars: int) -> None:
        with self._lock:
            if outcome == "accepted":
                # The whole text: the editor inserted all of it.
                self._db.execute(
                    "UPDATE suggestions SET outcome = 'accepted', accepted_chars = chars WHERE id = ?",
                    (suggestion_id,),
                )
            else:
                self._db.execute(
                    "UPDATE suggestions SET outcome = ?, accepted_chars = MAX(accepted_chars, ?) "
                    "WHERE id = ? AND outcome != 'accepted'",
                    (outcome, accepted_chars, suggestion_id),
                )
            self._db.commit()

    def progress(self, suggestion_id: str, accepted_chars: int) -> None:
        """How much of a pending suggestion was taken so far (kept if the server stops before it settles)."""
        with self._lock:
            self._db.execute(
                "UPDATE suggestions SET accepted_chars = MAX(accepted_chars, ?) WHERE id = ? AND outcome = 'pending'",
                (accepted_chars, suggestion_id),
            )
            self._db.commit()

    def settle_stale(self, shown_before: float) -> int:
        """Dismiss (or, when part was taken, mark partial) rows still pending that were shown before
        ``shown_before`` (epoch seconds): left by a server that stopped without settling them."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE suggestions SET outcome = CASE WHEN accepted_chars > 0 THEN 'partial' ELSE 'dismissed' END "
                "WHERE outcome = 'pending' AND ts < ?",
                (shown_before,),
            )
            self._db.commit()
        return cursor.rowcount

    def outcome(self, suggestion_id: str) -> tuple[Outcome, int] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT outcome, accepted_chars FROM suggestions WHERE id = ?", (suggestion_id,)
            ).fetchone()
        return (row[0], int(row[1])) if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclass(slots=True)
class _Pending:
    id: str
    anchor: int
    text: str
    shown_at: float
    accepted_chars: int = 0


class AcceptanceTracker:
    """The settlement rules (module docstring), over the pending suggestion of each document."""

    def __init__(
        self,
        store: SuggestionStore,
        *,
        clock: Callable[[], float] = time.monotonic,
        dismiss_after: float = DISMISS_AFTER_S,
    ) -> None:
        self.store = store
        self._clock = clock
        self._dismiss_after = dismiss_after
        self._pending: dict[str, _Pending] = {}
        # What an earlier run left pending (it was stopped without a shutdown) would stay pending for good.
        store.settle_stale(time.time() - dismiss_after)

    def shown(
        self,
        uri: str,
        document: TextSlices,
        anchor: int,
        text: str,
        *,
        model: str,
        language: str,
        ms: float | None,
    ) -> str:
        """The id of the suggestion ``text`` shown at offset ``anchor`` of ``document``: a new one, or
        the pending one it repeats or continues."""
        self.expire()
        now = self._clock()
        pending = self._pending.get(uri)
        if pending is not None:
            if pending.anchor == anchor and pending.text == text:
                pending.shown_at = now  # shown again: still being looked at
                return pending.id
            typed = document[pending.anchor : anchor] if anchor > pending.anchor else ""
            if typed and pending.text == typed + text:
                # Its rest, while the user takes it piece by piece (next word, or typing it).
                if len(typed) > pending.accepted_chars:
                    pending.accepted_chars = len(typed)
                    self.store.progress(pending.id, len(typed))
                pending.shown_at = now
                return pending.id
            if typed and pending.text.startswith(typed):
                pending.accepted_chars = max(pending.accepted_chars, len(typed))
            del self._pending[uri]
            self._settle(pending, "superseded")
        suggestion_id = uuid.uuid4().hex
        self.store.add(suggestion_id, model=model, language=language, kind=kind_of(text), ms=ms, chars=len(text))
        self._pending[uri] = _Pending(suggestion_id, anchor, text, now)
        return suggestion_id

    def accepted(self, suggestion_id: str) -> None:
        for uri, pending in list(self._pending.items()):
            if pending.id == suggestion_id:
                del self._pending[uri]
        self.store.settle(suggestion_id, "accepted", 0)

    def closed(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            self._settle(pending, "dismissed")

    def settle_all(self) -> None:
        """The editor is closing: every suggestion still shown is dismissed (partial if part was taken)."""
        for uri in list(self._pending):
            self._settle(self._pending.pop(uri), "dismissed")

    def expire(self) -> None:
        """Settle as dismissed what was not taken in time."""
        now = self._clock()
        for uri, pending in list(self._pending.items()):
            if now - pending.shown_at > self._dismiss_after:
                del self._pending[uri]
                self._settle(pending, "dismissed")

    def _settle(self, pending: _Pending, outcome: Outcome) -> None:
        self.store.settle(pending.id, "partial" if pending.accepted_chars else outcome, pending.accepted_chars)


# -- latency health -------------------------------------------------------------------------------

#: Model answers looked at per model, and how many are needed before judging.
HEALTH_WINDOW = 10
HEALTH_MIN_SAMPLES = 5
#: A median time to suggestion above this (ms) is too slow for typing; Copilot-class tools aim for
#: well under a second, Cody's single-line P75 is 690 ms.
SLOW_MEDIAN_MS = 1500.0
#: Share of recent requests that timed out before it is worth telling.
TIMEOUT_SHARE = 0.3

ADVICE = (
    'Try arbLsp.priority "speed", put a faster model first in models.completion, '
    'or keep latency-first routing (provider.completion {"sort": "latency"}, the default) and cap it '
    'with "preferred_max_latency".'
)


@dataclass(slots=True)
class LatencyWatch:
    """Recent model answers per model: time to answer in ms, or None for a timeout."""

    window: int = HEALTH_WINDOW
    min_samples: int = HEALTH_MIN_SAMPLES
    slow_ms: float = SLOW_MEDIAN_MS
    timeout_share: float = TIMEOUT_SHARE
    _recent: dict[str, deque[float | None]] = field(default_factory=dict)

    def answered(self, model: str, ms: float) -> str | None:
        return self._observe(model, ms)

    def timed_out(self, model: str) -> str | None:
        return self._observe(model, None)

    def _observe(self, model: str, ms: float | None) -> str | None:
        """A message for the user when ``model`` is now unhealthy, else None."""
        recent = self._recent.setdefault(model, deque(maxlen=self.window))
        recent.append(ms)
        if len(recent) < self.min_samples:
            return None
        timeouts = sum(1 for value in recent if value is None)
        if timeouts / len(recent) >= self.timeout_share:
            return (
                f"arb-lsp: {timeouts} of the last {len(recent)} suggestions from {model} timed out "
                f"(completion.timeoutMs). {ADVICE}"
            )
        answered = [value for value in recent if value is not None]
        median = statistics.median(answered)
        if median > self.slow_ms:
            return (
                f"arb-lsp: suggestions from {model} are slow: {median / 1000:.1f} s median over the last "
                f"{len(answered)}. {ADVICE}"
            )
        return None


# -- reports --------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def acceptance_report(path: Path | str, days: int, group: str = "model") -> dict[str, dict[str, Any]]:
    """Per ``group`` (``model``, ``language`` or ``kind``) over the last ``days`` days: ``shown``,
    ``accepted``, ``partiallyAccepted``, ``dismissed`` (superseded included), ``acceptRate``,
    ``medianMsToSuggestion``, and per model ``costPerAcceptedUsd`` (completion spend / accepted)."""
    if group not in {"model", "language", "kind"}:
        raise ValueError(group)
    if not Path(path).exists():  # never create a ledger just to report it empty
        return {}
    since = (dt.date.today() - dt.timedelta(days=max(days, 1) - 1)).isoformat()
    db = sqlite3.connect(str(path), timeout=5.0)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "suggestions" not in tables:
            return {}
        rows = db.execute(
            f"SELECT {group}, COUNT(*), SUM(outcome = 'accepted'), "
            "SUM(outcome != 'accepted' AND accepted_chars > 0), "
            "SUM(outcome IN ('dismissed', 'superseded')) FROM suggestions WHERE day >= ? "
            f"GROUP BY {group} ORDER BY {group}",
            (since,),
        ).fetchall()
        times: dict[str, list[float]] = {}
        for name, ms in db.execute(
            f"SELECT {group}, ms_to_suggestion FROM suggestions WHERE day >= ? AND ms_to_suggestion IS NOT NULL",
            (since,),
        ):
            times.setdefault(name, []).append(float(ms))
        spend: dict[str, float] = {}
        if group == "model" and "calls" in tables:
            spend = {
                model: float(cost or 0.0)
                for model, cost in db.execute(
                    # Rows of ``arb-lsp eval`` (measuring models) are no suggestion's cost.
                    "SELECT model, SUM(cost) FROM calls WHERE task = 'completion' AND eval = 0 AND day >= ? "
                    "GROUP BY model",
                    (since,),
                )
            }
    finally:
        db.close()
    report: dict[str, dict[str, Any]] = {}
    for name, shown, accepted, partial, dismissed in rows:
        accepted, partial = int(accepted or 0), int(partial or 0)
        entry: dict[str, Any] = {
            "shown": int(shown),
            "accepted": accepted,
            "partiallyAccepted": partial,
            "dismissed": int(dismissed or 0),
            "acceptRate": _rate(accepted, int(shown)),
            "medianMsToSuggestion": round(statistics.median(times[name]), 1) if times.get(name) else None,
        }
        if group == "model":
            entry["costPerAcceptedUsd"] = round(spend.get(name, 0.0) / accepted, 10) if accepted else None
        report[name] = entry
    return report


def acceptance_totals(path: Path | str, days: int) -> dict[str, Any]:
    """All models together: ``shown``, ``accepted``, ``acceptRate`` and ``costPerAcceptedUsd``."""
    by_model = acceptance_report(path, days)
    shown = sum(entry["shown"] for entry in by_model.values())
    accepted = sum(entry["accepted"] for entry in by_model.values())
    return {
        "shown": shown,
        "accepted": accepted,
        "acceptRate": _rate(accepted, shown),
        "costPerAcceptedUsd": round(_completion_spend(path, days) / accepted, 10) if accepted else None,
    }


def _completion_spend(path: Path | str, days: int) -> float:
    if not Path(path).exists():
        return 0.0
    since = (dt.date.today() - dt.timedelta(days=max(days, 1) - 1)).isoformat()
    db = sqlite3.connect(str(path), timeout=5.0)
    try:
        row = db.execute(
            "SELECT COALESCE(SUM(cost), 0) FROM calls WHERE task = 'completion' AND eval = 0 AND day >= ?",
            (since,),
        ).fetchone()
    except sqlite3.OperationalError:  # no calls table yet
        return 0.0
    finally:
        db.close()
    return float(row[0])


#: The fields ``join_acceptance`` adds to each model's usage row.
ACCEPTANCE_FIELDS = ("shown", "accepted", "acceptRate", "costPerAcceptedUsd", "medianMsToSuggestion")


def join_acceptance(
    by_model: list[dict[str, Any]], path: Path | str, days: int, blank: dict[str, Any]
) -> list[dict[str, Any]]:
    """``arb-lsp usage``'s per-model rows with the acceptance fields added; a model that only has
    suggestions in the window (answers cached from before it) gets a row of its own, ``blank`` otherwise."""
    acceptance = acceptance_report(path, days)
    empty = dict.fromkeys(ACCEPTANCE_FIELDS)
    empty.update(shown=0, accepted=0)
    rows = [{**row, **{k: acceptance.get(row["model"], empty)[k] for k in ACCEPTANCE_FIELDS}} for row in by_model]
    known = {row["model"] for row in by_model}
    for model, entry in acceptance.items():
        if model not in known:
            rows.append({"model": model, **blank, **{k: entry[k] for k in ACCEPTANCE_FIELDS}})
    return sorted(rows, key=lambda row: row["model"])
