"""``arb-lsp doctor``: is everything usable? The endpoint, the key, each task's models, the ledger.

Only ``GET /models`` and ``GET /key`` are called: checking costs nothing and never sends code. Each
check says what to fix; the exit status is 0 only when no check failed (warnings are fine).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Literal
from urllib.parse import urlsplit

from arb_lsp.commands.base import (
    EXIT_FAILURE,
    EXIT_OK,
    Session,
    load_settings,
    openrouter_session,
    write_out,
)
from arb_lsp.commands.terminal import usd
from arb_lsp.openrouter.caching import cache_policy
from arb_lsp.openrouter.errors import AuthenticationError, OpenRouterError
from arb_lsp.openrouter.ledger import UsageLedger, default_ledger_path
from arb_lsp.openrouter.routing import TaskType, is_free
from arb_lsp.openrouter.types import KeyInfo, ModelInfo
from arb_lsp.settings import Settings

Status = Literal["ok", "warn", "fail", "skip"]

CREATE_KEY = "create a key at https://openrouter.ai/keys, then export OPENROUTER_API_KEY=<the key>"


@dataclass(slots=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str | None = None


async def run(args: argparse.Namespace) -> int:
    tasks = tuple(TaskType)
    settings, problems = load_settings(args, tasks)
    checks: list[Check] = []
    if problems:
        checks.append(
            Check(
                "endpoint",
                "fail",
                "; ".join(problems),
                "point OPENROUTER_BASE_URL at an https:// API root (plain http only to 127.0.0.1 or localhost), "
                "or unset it for https://openrouter.ai/api/v1",
            )
        )
        checks += [Check(name, "skip", "not checked: fix the endpoint first") for name in ("key", *tasks)]
    else:
        async with openrouter_session(settings, need_key=False) as session:
            checks += await _remote_checks(session, settings, tasks)
    checks.append(_ledger_check())
    _report(args, checks)
    return EXIT_FAILURE if any(c.status == "fail" for c in checks) else EXIT_OK


async def _remote_checks(session: Session, settings: Settings, tasks: tuple[TaskType, ...]) -> list[Check]:
    url = settings.base_url
    plain = " (plain http: loopback only)" if urlsplit(url).scheme == "http" else ""
    try:
        catalogue = {m.id: m for m in await session.client.list_models()}
    except OpenRouterError as error:
        return [
            Check(
                "endpoint",
                "fail",
                error.message,
                "check the network, or OPENROUTER_BASE_URL (the API root, like https://openrouter.ai/api/v1)",
            ),
            *(Check(name, "skip", "not checked: the endpoint is unreachable") for name in ("key", *tasks)),
        ]
    checks = [Check("endpoint", "ok", f"{url} reachable{plain}, {len(catalogue)} models")]
    key_check, info = await _key_check(session, settings)
    checks.append(key_check)
    paid_blocked = info is not None and info.limit_remaining is not None and info.limit_remaining <= 0
    checks += [_models_check(task, settings.models_for(task), catalogue, paid_blocked) for task in tasks]
    if TaskType.COMPLETION in tasks:
        checks.append(_caching_check(settings))
    return checks


def _caching_check(settings: Settings) -> Check:
    """Completion resends nearly the same prompt on every keystroke: paid models whose providers do not
    cache prompts (per OpenRouter's caching guide) bill all of it every time. A warning when the first
    model is one of them; fallbacks are only named."""
    chain = tuple(dict.fromkeys((*settings.models_for(TaskType.COMPLETION), *settings.completion_models(True))))
    uncached = [m for m in chain if not is_free(m) and cache_policy(m) is None]
    if not uncached:
        return Check("caching", "ok", "every paid completion model's provider caches repeated prompts")
    detail = f"no prompt caching documented for {', '.join(uncached)}: each completion there bills its whole prompt"
    if chain and chain[0] not in uncached:
        return Check("caching", "ok", f"{detail} (fallback only)")
    return Check(
        "caching",
        "warn",
        detail,
        "a model from a caching family (OpenAI, DeepSeek, Gemini 2.5, Grok, Moonshot, Anthropic) costs less "
        "while typing (models.completion)",
    )


async def _key_check(session: Session, settings: Settings) -> tuple[Check, KeyInfo | None]:
    if not settings.key:
        return Check("key", "fail", "OPENROUTER_API_KEY is not set", CREATE_KEY), None
    try:
        info = await session.client.key_info()
    except AuthenticationError:
        return (
            Check(
                "key",
                "fail",
                "OpenRouter rejected the key in OPENROUTER_API_KEY (401)",
                "copy the key again from https://openrouter.ai/keys (it may have been deleted or disabled)",
            ),
            None,
        )
    except OpenRouterError as error:
        return Check("key", "fail", error.message, "run doctor again; if it persists, check OpenRouter's status"), None
    parts = ["accepted"]
    if info.limit is None:
        parts.append("no credit limit")
    else:
        remaining = info.limit_remaining if info.limit_remaining is not None else info.limit - info.usage
        parts.append(f"limit {usd(info.limit)}, {usd(max(remaining, 0.0))} left")
    parts.append(f"{usd(info.usage)} used")
    if info.is_free_tier:
        parts.append("free tier (no credits bought: paid models need credits)")
    daily = info.free_model_daily_requests or {}
    if isinstance(daily.get("limit"), int) and isinstance(daily.get("remaining"), int):
        limit, left = daily["limit"], daily["remaining"]
        parts.append(f"free models: {left:,} of {limit:,} requests left today (resets 00:00 UTC)")
        if left <= 0:
            advice = "buy 10 credits to raise it to 1,000 a day, or set a paid model" if limit < 1000 else ""
            return (
                Check(
                    "key",
                    "warn",
                    "; ".join(parts) + ": free models are refused until the reset",
                    advice or "set a paid model (models.* settings) or wait for the reset",
                ),
                info,
            )
    if info.limit_remaining is not None and info.limit_remaining <= 0:
        return (
            Check(
                "key",
                "warn",
                "; ".join(parts) + ": paid models will be refused, free ones still answer",
                "raise the key's limit at https://openrouter.ai/keys or add credits",
            ),
            info,
        )
    return Check("key", "ok", "; ".join(parts)), info


def _models_check(task: TaskType, chain: tuple[str, ...], catalogue: dict[str, ModelInfo], paid_blocked: bool) -> Check:
    """A task is usable when some model of its chain exists (and, without credit, is free)."""
    fix = f"pick models listed by `arb-lsp models` (--model, or the models.{task.value} setting)"
    missing = [m for m in chain if m not in catalogue and not m.startswith("~")]
    # "~vendor/family-latest" ids are router aliases: OpenRouter resolves them, the catalogue may not list them.
    usable = [
        m
        for m in chain
        if m not in missing and (not paid_blocked or (m in catalogue and catalogue[m].is_free) or m.endswith(":free"))
    ]
    described = ", ".join(chain)
    if not usable:
        why = []
        if missing:
            why.append(f"not in the catalogue: {', '.join(missing)}")
        if paid_blocked:
            why.append("no credit left for paid models")
        return Check(task.value, "fail", f"no usable model in {described} ({'; '.join(why)})", fix)
    if missing:
        return Check(
            task.value,
            "warn",
            f"{described}: not in the catalogue: {', '.join(missing)}; requests fall back to {usable[0]}",
            fix,
        )
    return Check(task.value, "ok", described)


def _ledger_check() -> Check:
    path = default_ledger_path()
    try:
        UsageLedger(path).close()
    except (OSError, sqlite3.Error) as error:
        return Check(
            "ledger",
            "warn",
            f"cannot open {path}: {error}; usage is not recorded and budget.dailyUsd cannot be enforced",
            "make the folder writable, or point ARB_LSP_DATA_DIR at one that is",
        )
    return Check("ledger", "ok", f"usage recorded in {path}")


def _report(args: argparse.Namespace, checks: list[Check]) -> None:
    failed = sum(1 for c in checks if c.status == "fail")
    if args.json:
        write_out(json.dumps({"ok": not failed, "checks": [asdict(c) for c in checks]}, indent=2) + "\n")
        return
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        lines.append(
            f"{check.status.upper() if check.status == 'fail' else check.status:<5} "
            f"{check.name:<{width}}  {check.detail}"
        )
        if check.fix and check.status in ("fail", "warn"):
            lines.append(f"{'':<5} {'':<{width}}  fix: {check.fix}")
    verdict = "Everything is usable." if not failed else f"{failed} problem{'s' if failed != 1 else ''} to fix."
    write_out("\n".join(lines) + f"\n\n{verdict}\n")
