"""What every subcommand shares: exit statuses and errors, output, settings from the environment and
the command line, the OpenRouter session (client, gateway, usage ledger), and running async work so
that Ctrl-C ends it cleanly.

Exit statuses: 0 success, 1 a failure (OpenRouter refused or failed, an unusable answer, a check that
did not pass), 2 a usage error (bad arguments, a missing file, a position outside the file, an
unsupported language, no API key), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from arb_lsp.openrouter.client import OpenRouterClient
from arb_lsp.openrouter.gateway import Gateway
from arb_lsp.openrouter.ledger import UsageEntry, UsageLedger
from arb_lsp.openrouter.retry import RetryPolicy
from arb_lsp.openrouter.routing import TaskType
from arb_lsp.privacy import scrub_key
from arb_lsp.runtime import build_client, build_gateway
from arb_lsp.settings import Settings, from_environment, parse_settings

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

NO_KEY_MESSAGE = (
    "no OpenRouter API key: set the OPENROUTER_API_KEY environment variable "
    "(create a key at https://openrouter.ai/keys)."
)

#: One-shot commands: a person is waiting, so retry briefly (the server uses the same policy).
ONE_SHOT_RETRY = RetryPolicy(attempts=2, max_delay=2.0, max_retry_after=5.0)
#: Batch work (``docstring --all``) can afford to wait out a rate limit rather than lose a definition.
BATCH_RETRY = RetryPolicy(attempts=3, max_delay=8.0, max_retry_after=20.0)


class CommandError(Exception):
    """An expected failure: its message goes to stderr (no traceback) and ``status`` is the exit status."""

    status = EXIT_FAILURE

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class UsageError(CommandError):
    """The command cannot run as invoked: fix the arguments or the environment."""

    status = EXIT_USAGE


# -- output ---------------------------------------------------------------------------------------


def write_out(text: str) -> None:
    """Data for the user or a script, on stdout."""
    sys.stdout.write(text)
    sys.stdout.flush()


def tell(message: str) -> None:
    """A note or an error for the person at the terminal, on stderr (the API key scrubbed out)."""
    sys.stderr.write(f"arb-lsp: {scrub_key(message, os.environ.get('OPENROUTER_API_KEY'))}\n")
    sys.stderr.flush()


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


# -- settings -------------------------------------------------------------------------------------


def model_chain(value: str) -> list[str]:
    """``--model a,b``: the primary model, then its fallbacks (argparse ``type``)."""
    chain = [part.strip() for part in value.split(",") if part.strip()]
    if not chain:
        raise argparse.ArgumentTypeError("expected a model id such as qwen/qwen3-coder:free")
    return chain


def load_settings(args: argparse.Namespace, tasks: tuple[TaskType, ...] = ()) -> tuple[Settings, list[str]]:
    """Settings from the environment (the key, the base URL) and the ``--priority``/``--model`` flags.

    ``--model`` overrides the chain of each task in ``tasks``. The second value lists what was wrong in
    the environment (the setting then has its default); callers decide whether that is fatal.
    """
    overrides: dict[str, Any] = {}
    priority = getattr(args, "priority", None)
    if priority:
        overrides["priority"] = priority
    chain = getattr(args, "model", None)
    if chain:
        overrides["models"] = {task.value: list(chain) for task in tasks}
    settings, problems = parse_settings(from_environment(), overrides)
    return settings, [_environment_name(problem) for problem in problems]


def _environment_name(problem: str) -> str:
    """Problems name settings; on the command line they came from environment variables."""
    for setting, variable in (("baseUrl", "OPENROUTER_BASE_URL"), ("apiKey", "OPENROUTER_API_KEY")):
        if problem.startswith(f"{setting}:"):
            return f"{variable}:{problem.removeprefix(setting + ':')}"
    return problem


def usable_settings(args: argparse.Namespace, tasks: tuple[TaskType, ...] = ()) -> Settings:
    """Settings for a command that talks to OpenRouter: an invalid environment is a usage error.

    The server falls back to the default endpoint with a message; a one-shot command must not quietly
    send code somewhere other than where the user pointed it.
    """
    settings, problems = load_settings(args, tasks)
    if problems:
        raise UsageError("invalid environment: " + "; ".join(problems))
    return settings


# -- the OpenRouter session -------------------------------------------------------------------------


class MeteredLedger(UsageLedger):
    """The usage ledger, also counting what this run spent: every attempt, fallbacks included."""

    def __init__(self, path: str | None = None) -> None:
        super().__init__(path)
        self.run_cost = 0.0
        self.run_requests = 0
        self.last_entry: UsageEntry | None = None

    def record(self, entry: UsageEntry) -> int | None:
        # Count first: the run's cost must stay right even if the disk write fails.
        self.run_cost += entry.cost
        self.run_requests += 1
        self.last_entry = entry
        return super().record(entry)


def open_ledger(kind: type[MeteredLedger] = MeteredLedger) -> MeteredLedger:
    """The shared ledger in the data directory; in memory (and said so) when it cannot be opened."""
    try:
        return kind()
    except (OSError, sqlite3.Error) as error:
        tell(f"cannot open the usage ledger ({error}); this run's usage is not recorded.")
        return kind(":memory:")


@dataclass(slots=True)
class Session:
    settings: Settings
    client: OpenRouterClient
    gateway: Gateway
    ledger: MeteredLedger


#: How long a command waits on the way out for OpenRouter's figures of streams it closed early.
SETTLE_WAIT_S = 5.0


@asynccontextmanager
async def openrouter_session(
    settings: Settings,
    *,
    need_key: bool = True,
    retry: RetryPolicy = ONE_SHOT_RETRY,
    ledger_kind: type[MeteredLedger] = MeteredLedger,
) -> AsyncIterator[Session]:
    """Client, gateway and ledger built as the server builds them; closed on the way out."""
    if need_key and not settings.key:
        raise UsageError(NO_KEY_MESSAGE)
    ledger = open_ledger(ledger_kind)
    client = build_client(settings, retry)
    gateway = build_gateway(
        client,
        settings,
        ledger,
        on_budget_exceeded=lambda spent, cap: tell(
            f"today's spend ${spent:.4f} reached budget.dailyUsd ${cap:.2f}; using free models only."
        ),
        on_free_limit=tell,
    )
    gateway.settle_outstanding()  # estimates earlier runs left behind
    try:
        yield Session(settings, client, gateway, ledger)
    finally:
        # A stream closed early is billed on OpenRouter's side: wait a little for its real cost.
        await gateway.drain(SETTLE_WAIT_S)
        await client.close()
        ledger.close()


# -- running --------------------------------------------------------------------------------------


def run_async(main: Coroutine[Any, Any, int]) -> int:
    """Run ``main``; the first Ctrl-C cancels it (exit 130) instead of raising ``KeyboardInterrupt``.

    Cancelling the task closes whatever stream is open, so the request stops being billed. Work that
    must end tidily (``docstring --all``) catches the ``CancelledError`` itself and returns 130.
    """

    async def guarded() -> int:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        interrupted = False

        def interrupt() -> None:
            nonlocal interrupted
            if not interrupted and task is not None:
                interrupted = True
                task.cancel()

        try:
            loop.add_signal_handler(signal.SIGINT, interrupt)
            installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            installed = False
        try:
            return await main
        except asyncio.CancelledError:
            if not interrupted:
                raise
            sys.stdout.flush()
            tell("interrupted.")
            return EXIT_INTERRUPTED
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGINT)

    try:
        return asyncio.run(guarded())
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
