"""``arb-lsp usage``: requests, tokens, cost and errors per model and per day, from the usage ledger.

The ledger is the SQLite file the server and these commands append to (in the data directory;
``ARB_LSP_DATA_DIR`` overrides it). Reading it never needs the network or the key.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from arb_lsp.acceptance import acceptance_report, acceptance_totals, join_acceptance
from arb_lsp.commands.base import EXIT_OK, CommandError, write_out
from arb_lsp.commands.terminal import count, table, usd
from arb_lsp.openrouter.ledger import UsageLedger, default_ledger_path

#: ``costUsd`` is what OpenRouter billed; ``estimated`` counts requests whose cost is still our estimate
#: (a stream closed before its usage arrived, not yet settled from OpenRouter's generation stats).
_SUMMED = (
    "requests",
    "promptTokens",
    "completionTokens",
    "costUsd",
    "errors",
    "cancelled",
    "reasoningTokens",
    "estimated",
    "evalRequests",
    "evalCostUsd",
    "cachedTokens",
    "cacheWriteTokens",
    "cacheSavedUsd",
)


def _totals(rows: Iterable[dict[str, Any]], key: str | None) -> list[dict[str, Any]]:
    """The ledger's per-day-and-model rows summed per ``key`` ("model" or "day"), or overall (None)."""
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = row[key] if key else ""
        group = groups.setdefault(name, {**({key: name} if key else {}), **dict.fromkeys(_SUMMED, 0)})
        for field in _SUMMED:
            group[field] += row.get(field, 0)
    for group in groups.values():
        group["costUsd"] = round(group["costUsd"], 10)
        group["evalCostUsd"] = round(group["evalCostUsd"], 10)
        group["cacheSavedUsd"] = round(group["cacheSavedUsd"], 10)
        # Of the prompt tokens, the share the providers billed as read from their prompt cache.
        group["cachedShare"] = round(group["cachedTokens"] / group["promptTokens"], 4) if group["promptTokens"] else 0.0
    return [groups[name] for name in sorted(groups)]


def _with_eval(rows: list[dict[str, Any]], eval_rows: list[dict[str, Any]]) -> None:
    """``evalRequests`` and ``evalCostUsd`` on each row: the part of it ``arb-lsp eval`` spent measuring models."""
    measured = {(row["day"], row["model"]): row for row in eval_rows}
    for row in rows:
        part = measured.get((row["day"], row["model"]), {})
        row["evalRequests"] = part.get("evalRequests", 0)
        row["evalCostUsd"] = part.get("evalCostUsd", 0.0)


def report(days: int) -> dict[str, Any]:
    path = default_ledger_path()
    since = (dt.date.today() - dt.timedelta(days=days - 1)).isoformat()
    rows: list[dict[str, Any]] = []
    if path.exists():  # never create a ledger just to say it is empty
        try:
            ledger = UsageLedger(path)
            try:
                rows = ledger.summary(days)
                _with_eval(rows, ledger.eval_summary(days))
            finally:
                ledger.close()
        except (OSError, sqlite3.Error) as error:  # a broken or locked file
            raise CommandError(f"cannot read the usage ledger {path}: {error}") from None
    total = _totals(rows, None)
    data = {
        "days": days,
        "since": since,
        "ledger": str(path),
        "byModel": _totals(rows, "model"),
        "byDay": _totals(rows, "day"),
        "total": total[0] if total else {**dict.fromkeys(_SUMMED, 0), "cachedShare": 0.0},  # no rows yet
        "rows": rows,
    }
    return _with_suggestions(data, path, days)


def _with_suggestions(data: dict[str, Any], path: Path, days: int) -> dict[str, Any]:
    """The join with the suggestions table (``arb_lsp.acceptance``): per model ``shown``, ``accepted``,
    ``acceptRate``, ``costPerAcceptedUsd``, ``medianMsToSuggestion``; totals and splits in ``suggestions``."""
    try:
        blank = {**dict.fromkeys(_SUMMED, 0), "cachedShare": 0.0}
        data["byModel"] = join_acceptance(data["byModel"], path, days, blank)
        data["suggestions"] = {
            "total": acceptance_totals(path, days),
            "byLanguage": acceptance_report(path, days, "language"),
            "byKind": acceptance_report(path, days, "kind"),
        }
    except sqlite3.Error as error:
        raise CommandError(f"cannot read the usage ledger {path}: {error}") from None
    return data


def _suggestion_table(by_model: list[dict[str, Any]]) -> str:
    rows = [
        [
            g["model"],
            count(g["shown"]),
            count(g["accepted"]),
            "-" if g["acceptRate"] is None else f"{g['acceptRate']:.0%}",
            "-" if g["costPerAcceptedUsd"] is None else usd(g["costPerAcceptedUsd"]),
            "-" if g["medianMsToSuggestion"] is None else f"{g['medianMsToSuggestion']:.0f} ms",
        ]
        for g in by_model
        if g["shown"]
    ]
    if not rows:
        return ""
    headers = ["MODEL", "SHOWN", "ACCEPTED", "ACCEPT RATE", "COST PER ACCEPTED", "MEDIAN TIME TO SUGGESTION"]
    return "Suggestions\n" + table(headers, rows, (1, 2, 3, 4, 5)) + "\n"


def _line(name: str, group: dict[str, Any]) -> list[str]:
    return [
        name,
        count(group["requests"]),
        count(group["promptTokens"]),
        f"{group['cachedShare']:.0%}",
        count(group["completionTokens"]),
        usd(group["costUsd"]),
        usd(group["cacheSavedUsd"]),
        count(group["errors"]),
    ]


def run(args: argparse.Namespace) -> int:
    data = report(args.days)
    if args.json:
        write_out(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    span = "today" if args.days == 1 else f"the last {args.days} days (since {data['since']})"
    if not data["rows"]:
        write_out(f"No requests recorded {span}.\nLedger: {data['ledger']}\n")
        return EXIT_OK
    numbers = (1, 2, 3, 4, 5, 6, 7)
    headers = ["REQUESTS", "PROMPT TOKENS", "CACHED", "COMPLETION TOKENS", "COST", "CACHE SAVED", "ERRORS"]
    by_model = table(["MODEL", *headers], [_line(g["model"], g) for g in data["byModel"]], numbers)
    by_day = table(["DAY", *headers], [_line(g["day"], g) for g in data["byDay"]], numbers)
    total = data["total"]
    write_out(
        f"Usage over {span}\n\n{by_model}\n{by_day}\n{_suggestion_table(data['byModel'])}"
        f"Total: {count(total['requests'])} requests, "
        f"{count(total['promptTokens'] + total['completionTokens'])} tokens, {usd(total['costUsd'])}, "
        f"{count(total['errors'])} errors."
        + (
            f" {count(total['estimated'])} costs are estimates until OpenRouter confirms them."
            if total["estimated"]
            else ""
        )
        + (
            f" Of these, {count(total['evalRequests'])} requests ({usd(total['evalCostUsd'])}) were made by "
            "`arb-lsp eval`."
            if total["evalRequests"]
            else ""
        )
        + f"\nLedger: {data['ledger']}\n"
    )
    return EXIT_OK
