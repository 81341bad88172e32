"""The usage ledger: every call's time, task, model, tokens, cost, latency and outcome, in SQLite.

Costs are what OpenRouter bills. A stream closed before its usage chunk (read until decided, cancelled,
superseded) is written at once with an estimate from ``/models`` prices, marked ``estimated``, and
settled later from ``GET /generation`` (see ``Gateway``); rows still estimated are settled by the next run.

It lives in the user data directory (``ARB_LSP_DATA_DIR`` overrides it, which tests use) and is
shared by the server and the ``arb-lsp usage`` command; WAL mode lets one read while the other writes.
The daily budget is enforced from it, across processes: two editors (or an editor and the CLI) on one
ledger share one budget, because :meth:`UsageLedger.spent_today` sees the other processes' rows the moment
they are committed (SQLite's ``PRAGMA data_version`` says when to sum again, so the check stays cheap).
It never stores prompts, answers or the key.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    day TEXT NOT NULL,
    task TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost REAL NOT NULL DEFAULT 0,
    latency_ms REAL NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL,
    generation_id TEXT
);
CREATE INDEX IF NOT EXISTS calls_day ON calls(day);
"""
#: Columns added after the first release; older ledgers get them on open.
ADDED_COLUMNS = {
    "estimated": "INTEGER NOT NULL DEFAULT 0",
    "reasoning_tokens": "INTEGER NOT NULL DEFAULT 0",
    # 1 for requests made by ``arb-lsp eval`` (measuring models), so ``usage`` can tell them apart.
    "eval": "INTEGER NOT NULL DEFAULT 0",
    # Prompt caching: tokens read from and written to the provider's cache, and what it saved (USD).
    "cached_tokens": "INTEGER NOT NULL DEFAULT 0",
    "cache_write_tokens": "INTEGER NOT NULL DEFAULT 0",
    "cache_discount": "REAL NOT NULL DEFAULT 0",
}


def data_dir() -> Path:
    override = os.environ.get("ARB_LSP_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir("arb-lsp", appauthor=False))


def default_ledger_path() -> Path:
    return data_dir() / "usage.sqlite3"


@dataclass(slots=True)
class UsageEntry:
    task: str
    model: str
    outcome: str  # "ok", "stopped" (read until decided), "cancelled", or an error kind ("rate_limit", ...)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    latency_ms: float = 0.0
    generation_id: str | None = None
    ts: float = field(default_factory=time.time)
    #: True while ``cost`` is our estimate, until OpenRouter's generation stats replace it.
    estimated: bool = False
    reasoning_tokens: int = 0
    #: Made by ``arb-lsp eval`` to measure a model, not by an editor or a one-shot command.
    eval: bool = False
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    #: USD prompt caching saved on this request (OpenRouter's ``cache_discount``; negative for writes).
    cache_discount: float = 0.0


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).date().isoformat()


def open_database(path: Path | str, schema: str) -> sqlite3.Connection:
    """The ledger file (or ``:memory:``) opened for the server's threads, in WAL mode, with ``schema`` applied.

    ``synchronous=NORMAL``: durable enough for a usage record, without an fsync per row.
    """
    target = str(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(target, check_same_thread=False, timeout=5.0)
    if target != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(schema)
    db.commit()
    return db


class UsageLedger:
    """Append-only call records plus the queries the budget and ``arb-lsp usage`` need."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None and str(path) != ":memory:" else path
        self._lock = threading.Lock()
        self._db = open_database(self.path if self.path is not None else default_ledger_path(), SCHEMA)
        with self._lock:
            present = {row[1] for row in self._db.execute("PRAGMA table_info(calls)")}
            for column, declaration in ADDED_COLUMNS.items():
                if column not in present:
                    self._db.execute(f"ALTER TABLE calls ADD COLUMN {column} {declaration}")
            self._db.commit()
        self._spent_day = ""
        self._spent = 0.0
        #: ``PRAGMA data_version`` when ``_spent`` was summed: it changes when another connection commits.
        self._seen_version: int | None = None

    def record(self, entry: UsageEntry) -> int | None:
        """Append the call; its row id (to settle an estimate later)."""
        day = _day(entry.ts)
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO calls (ts, day, task, model, prompt_tokens, completion_tokens, cost, latency_ms, "
                "outcome, generation_id, estimated, reasoning_tokens, cached_tokens, cache_write_tokens, "
                "cache_discount, eval) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.ts,
                    day,
                    entry.task,
                    entry.model,
                    entry.prompt_tokens,
                    entry.completion_tokens,
                    entry.cost,
                    entry.latency_ms,
                    entry.outcome,
                    entry.generation_id,
                    int(entry.estimated),
                    entry.reasoning_tokens,
                    entry.cached_tokens,
                    entry.cache_write_tokens,
                    entry.cache_discount,
                    int(entry.eval),
                ),
            )
            self._db.commit()
            if day == self._spent_day:
                self._spent += entry.cost
        return cursor.lastrowid

    def settle(
        self,
        row_id: int,
        *,
        cost: float,
        prompt_tokens: int,
        completion_tokens: int,
        reasoning_tokens: int,
        cached_tokens: int = 0,
        cache_discount: float = 0.0,
    ) -> None:
        """Replace an estimate with what OpenRouter billed (``/generation`` reports no cache writes)."""
        with self._lock:
            row = self._db.execute("SELECT day, cost FROM calls WHERE id = ?", (row_id,)).fetchone()
            if row is None:
                return
            self._db.execute(
                "UPDATE calls SET cost = ?, prompt_tokens = ?, completion_tokens = ?, reasoning_tokens = ?, "
                "cached_tokens = ?, cache_discount = ?, estimated = 0 WHERE id = ?",
                (cost, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, cache_discount, row_id),
            )
            self._db.commit()
            if row[0] == self._spent_day:
                self._spent += cost - float(row[1])

    def unsettled(self, days: int = 3) -> list[tuple[int, str]]:
        """(row id, generation id) of estimates not yet replaced by OpenRouter's figures."""
        since = (dt.date.today() - dt.timedelta(days=max(days, 1) - 1)).isoformat()
        with self._lock:
            rows = self._db.execute(
                "SELECT id, generation_id FROM calls WHERE estimated = 1 AND generation_id IS NOT NULL AND day >= ?",
                (since,),
            ).fetchall()
        return [(int(row_id), str(gen)) for row_id, gen in rows]

    def spent_today(self) -> float:
        """Today's spend in USD by every process sharing this ledger, as committed so far.

        Our own rows are counted in memory as they are written; the sum is read from disk again only on a
        new day or when another process (another editor, the CLI) committed since the last look, which
        ``PRAGMA data_version`` tells in one cheap statement. Requests still in flight anywhere are not
        counted yet: that is all a shared budget can overshoot by.
        """
        today = _day(time.time())
        with self._lock:
            version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
            if today != self._spent_day or version != self._seen_version:
                row = self._db.execute("SELECT COALESCE(SUM(cost), 0) FROM calls WHERE day = ?", (today,)).fetchone()
                self._spent_day, self._spent, self._seen_version = today, float(row[0]), version
            return self._spent

    def today(self) -> dict[str, Any]:
        today = _day(time.time())
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(cost), 0), COALESCE(SUM(prompt_tokens + completion_tokens), 0) "
                "FROM calls WHERE day = ?",
                (today,),
            ).fetchone()
        return {"day": today, "requests": int(row[0]), "costUsd": float(row[1]), "tokens": int(row[2])}

    def summary(self, days: int = 7) -> list[dict[str, Any]]:
        """Per day and model: requests, tokens, cost, errors, cancellations and mean latency."""
        since = (dt.date.today() - dt.timedelta(days=max(days, 1) - 1)).isoformat()
        with self._lock:
            rows = self._db.execute(
                "SELECT day, model, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost), "
                "SUM(outcome NOT IN ('ok', 'stopped', 'cancelled')), SUM(outcome = 'cancelled'), AVG(latency_ms), "
                "SUM(reasoning_tokens), SUM(estimated), SUM(cached_tokens), SUM(cache_write_tokens), "
                "SUM(cache_discount) "
                "FROM calls WHERE day >= ? GROUP BY day, model ORDER BY day, model",
                (since,),
            ).fetchall()
        return [
            {
                "day": day,
                "model": model,
                "requests": count,
                "promptTokens": int(prompt or 0),
                "completionTokens": int(completion or 0),
                "costUsd": float(cost or 0.0),
                "errors": int(errors or 0),
                "cancelled": int(cancelled or 0),
                "meanLatencyMs": round(float(latency or 0.0), 1),
                "reasoningTokens": int(reasoning or 0),
                "estimated": int(estimated or 0),
                "cachedTokens": int(cached or 0),
                "cacheWriteTokens": int(written or 0),
                "cacheSavedUsd": float(saved or 0.0),
            }
            for (
                day,
                model,
                count,
                prompt,
                completion,
                cost,
                errors,
                cancelled,
                latency,
                reasoning,
                estimated,
                cached,
                written,
                saved,
            ) in rows
        ]

    def eval_summary(self, days: int = 7) -> list[dict[str, Any]]:
        """Per day and model, the requests ``arb-lsp eval`` made and their cost (part of ``summary``'s)."""
        since = (dt.date.today() - dt.timedelta(days=max(days, 1) - 1)).isoformat()
        with self._lock:
            rows = self._db.execute(
                "SELECT day, model, COUNT(*), SUM(cost) FROM calls WHERE eval = 1 AND day >= ? "
                "GROUP BY day, model ORDER BY day, model",
                (since,),
            ).fetchall()
        return [
            {"day": day, "model": model, "evalRequests": int(count), "evalCostUsd": float(cost or 0.0)}
            for day, model, count, cost in rows
        ]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
