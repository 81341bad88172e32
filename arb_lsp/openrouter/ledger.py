"""The usage ledger: every call's time, task, model, tokens, cost, latency and outcome, in SQLite.

It lives in the user data directory (``ARB_LSP_DATA_DIR`` overrides it, which tests use) and is
shared by the server and the ``arb-lsp usage`` command; WAL mode lets one read while the other writes.
The daily budget is enforced from it. It never stores prompts, answers or the key.
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


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).date().isoformat()


class UsageLedger:
    """Append-only call records plus the queries the budget and ``arb-lsp usage`` need."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None and str(path) != ":memory:" else path
        target = str(self.path) if self.path is not None else str(default_ledger_path())
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(target, check_same_thread=False, timeout=5.0)
        with self._lock:
            if target != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._db.commit()
        self._spent_day = ""
        self._spent = 0.0

    def record(self, entry: UsageEntry) -> None:
        day = _day(entry.ts)
        with self._lock:
            self._db.execute(
                "INSERT INTO calls (ts, day, task, model, prompt_tokens, completion_tokens, cost, latency_ms, "
                "outcome, generation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                ),
            )
            self._db.commit()
            if day == self._spent_day:
                self._spent += entry.cost

    def spent_today(self) -> float:
        """Today's spend in USD; read from disk once a day, then kept up to date in memory."""
        today = _day(time.time())
        if today != self._spent_day:
            with self._lock:
                row = self._db.execute("SELECT COALESCE(SUM(cost), 0) FROM calls WHERE day = ?", (today,)).fetchone()
            self._spent_day, self._spent = today, float(row[0])
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
                "SUM(outcome NOT IN ('ok', 'stopped', 'cancelled')), SUM(outcome = 'cancelled'), AVG(latency_ms) "
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
            }
            for day, model, count, prompt, completion, cost, errors, cancelled, latency in rows
        ]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
