"""``arb-lsp eval [PATH] --models ID[,ID...]``: which model completes this repository's code best, how fast,
at what price, measured through the editor's own completion pipeline (``arb_lsp.evaluation``).

The order of a run: list the files and pick the sites (or read ``--sites-file``), save them
(``--save-sites``), read ``/models`` (prices, context sizes; unknown ids are refused before anything is
asked), build every prompt, say how many requests and what they may cost at most, ask to go ahead (unless
``--yes``), ask, wait for OpenRouter's billed figures, and report. Ctrl-C stops asking and reports what
was measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from arb_lsp.commands.base import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    NO_KEY_MESSAGE,
    CommandError,
    Session,
    UsageError,
    openrouter_session,
    tell,
    usable_settings,
    write_out,
)
from arb_lsp.commands.terminal import Progress, count, usd
from arb_lsp.evaluation import files as eval_files
from arb_lsp.evaluation import report
from arb_lsp.evaluation.run import EvalLedger, Evaluation, Prepared, SiteError, cost_bound, prepare
from arb_lsp.evaluation.sites import DEFAULT_SHARES, Site, SitesFileError, pick_sites, read_sites, write_sites
from arb_lsp.openrouter.errors import OpenRouterError
from arb_lsp.openrouter.preferences import TaskPreferences
from arb_lsp.openrouter.routing import TaskType, is_free
from arb_lsp.openrouter.types import ModelInfo
from arb_lsp.runtime import build_exclusions
from arb_lsp.settings import Settings
from arb_lsp.workspace_context import WorkspaceContext

DEFAULT_SITES = 20
DEFAULT_SEED = 1
DEFAULT_CONCURRENCY = 2
MAX_CONCURRENCY = 8
#: How long the report waits for OpenRouter's figures of streams closed early (then they stay estimates).
SETTLE_WAIT_S = 20.0
SETTLE_WAIT_INTERRUPTED_S = 3.0


def _root(path: str | None) -> Path:
    root = Path(path or ".").resolve()
    if not root.is_dir():
        raise UsageError(f"{path}: not a folder (eval measures models on a repository's folder).")
    return root


def _sites(args: argparse.Namespace, root: Path, listing: eval_files.Listing) -> list[Site]:
    if args.sites_file is None:
        sites = pick_sites(listing.files, args.sites, args.seed)
        if not sites:
            raise UsageError(f"no code to sample in {root}: no tracked file in a language arb-lsp parses.")
        return sites
    try:
        sites = read_sites(Path(args.sites_file))
    except OSError as error:
        raise UsageError(f"cannot read {args.sites_file}: {error.strerror or error}") from None
    except SitesFileError as error:
        raise UsageError(f'{error} (each line: {{"file", "line", "column", "endLine", "endColumn"}}).') from None
    if not sites:
        raise UsageError(f"{args.sites_file} holds no sites.")
    usable = {source.relative: source for source in listing.files}
    for site in sites:
        if site.file not in usable or usable[site.file].text is None:
            raise UsageError(
                f"{args.sites_file}: {site.file} is not a file eval may use in {root} (it must exist, be tracked "
                "by git, be in a language arb-lsp parses, be UTF-8 text under 256 KB, and not match the exclusion globs)."
            )
    return sites


async def _catalogue(session: Session, models: list[str]) -> dict[str, ModelInfo]:
    catalogue = {model.id: model for model in await session.client.list_models()}
    session.gateway.set_catalogue(list(catalogue.values()))
    unknown = [model for model in models if model not in catalogue]
    if unknown:
        raise UsageError(
            f"not in OpenRouter's catalogue: {', '.join(unknown)}; find the exact id with "
            "`arb-lsp models --search WORD`."
        )
    return catalogue


async def _free_left(session: Session) -> tuple[int | None, int | None]:
    """Free requests left today and the day's limit, where OpenRouter says (``GET /key``)."""
    try:
        info = await session.client.key_info()
    except OpenRouterError:
        return None, None
    daily = info.free_model_daily_requests or {}
    left, limit = daily.get("remaining"), daily.get("limit")
    return (left if isinstance(left, int) else None), (limit if isinstance(limit, int) else None)


async def _prepare_all(
    settings: Settings,
    root: Path,
    sites: list[Site],
    listing: eval_files.Listing,
    models: list[str],
    catalogue: dict[str, ModelInfo],
) -> list[Prepared]:
    texts = {source.relative: source for source in listing.files}
    context = WorkspaceContext()
    prepared = []
    for site in sites:
        source = texts[site.file]
        text = source.text
        if text is None:  # checked when the sites were picked or read: it changed meanwhile
            raise CommandError(f"{site.file} can no longer be read as UTF-8 text.")
        try:
            prepared.append(
                await prepare(
                    settings,
                    root,
                    site,
                    source.language_id,
                    text,
                    models,
                    lambda model: catalogue[model].context_length,
                    context,
                )
            )
        except SiteError as error:
            if site.kind != "given":
                raise
            raise UsageError(f"{error}.") from None
    return prepared


def _plan_message(
    prepared: list[Prepared],
    models: list[str],
    catalogue: dict[str, ModelInfo],
    settings: Settings,
    free_left: int | None,
    free_limit: int | None,
    max_usd: float | None,
    concurrency: int,
) -> str:
    preferences = settings.preferences().get(TaskType.COMPLETION) or TaskPreferences()
    bound = sum(cost_bound(site.plans[model], catalogue[model], preferences) for site in prepared for model in models)
    requests = len(prepared) * len(models)
    prompt_chars = sum(len(m.get("content") or "") for site in prepared for m in site.plans[models[0]].messages)
    lines = [
        f"eval: {len(prepared)} sites x {len(models)} model{'s' if len(models) != 1 else ''} = {count(requests)} "
        f"requests, {concurrency} at a time; prompts of about {count(prompt_chars // max(len(prepared), 1) // 4)} "
        f"tokens; at most {usd(bound)} at /models prices.",
    ]
    free = [model for model in models if is_free(model)]
    if free:
        planned = len(prepared) * len(free)
        if free_left is not None:
            lines.append(
                f"free models: {count(free_left)} of {count(free_limit or free_left)} requests left today, "
                f"{count(planned)} planned" + (f"; they stop after {count(free_left)}." if planned > free_left else ".")
            )
        else:
            lines.append(
                "free models: OpenRouter does not say how many requests are left today (50 a day below 10 credits "
                "bought, 1,000 above); a free model stops at the first refusal."
            )
    if max_usd is not None:
        lines.append(f"paid models stop once this run has been billed {usd(max_usd)} (--max-usd).")
    return "\n".join(lines)


async def _read_line() -> str:
    """A line from stdin, read on a daemon thread: Ctrl-C while waiting must not wait for Enter to exit
    (``asyncio.to_thread``'s executor is joined at exit)."""
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str] = loop.create_future()

    def answer(text: str) -> None:
        if not line.done():
            line.set_result(text)

    def read() -> None:
        loop.call_soon_threadsafe(answer, sys.stdin.readline())

    threading.Thread(target=read, name="arb-lsp-eval-confirm", daemon=True).start()
    return await line


async def _confirm(args: argparse.Namespace, message: str) -> None:
    tell(message)
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("not asking without a terminal: add --yes to go ahead (requests and cost above).")
    sys.stderr.write("Go ahead? [y/N] ")
    sys.stderr.flush()
    answer = await _read_line()
    if answer.strip().lower() not in ("y", "yes"):
        raise CommandError("nothing asked.", EXIT_OK)


def _progress_display(progress: Progress) -> Callable[[Evaluation], None]:
    """Requests done, spend so far and time left: a bar redrawn on a terminal, else a line every tenth."""
    shown_step = -1

    def show(evaluation: Evaluation) -> None:
        nonlocal shown_step
        left = evaluation.remaining_seconds()
        spent = evaluation.ledger.spent()
        label = "" if left is None else ("under 1 s left" if left < 1 else f"about {left:.0f} s left")
        if progress.tty:
            progress.status(evaluation.done, spent, label)
            return
        step = evaluation.done * 10 // max(evaluation.total, 1)
        if step != shown_step:
            shown_step = step
            progress.line(
                f"eval: {evaluation.done}/{evaluation.total} requests, {usd(spent)} so far, {label}".rstrip(", ")
            )

    return show


EVAL_EXTRA_MISSING = (
    "arb-lsp eval needs rapidfuzz (edit similarity), which comes with the eval extra: "
    "pip install 'arb-lsp[eval]' (from a clone: pip install '.[eval]')"
)


async def run(args: argparse.Namespace) -> int:
    try:
        import rapidfuzz  # noqa: F401  (the eval extra)
    except ImportError:
        raise UsageError(EVAL_EXTRA_MISSING) from None
    settings = usable_settings(args)
    if not settings.key:
        raise UsageError(NO_KEY_MESSAGE)
    root = _root(args.path)
    listing = eval_files.list_files(root, build_exclusions(settings, str(root)))
    sites = _sites(args, root, listing)
    if args.save_sites:
        write_sites(Path(args.save_sites), sites)
        tell(f"saved {len(sites)} sites to {args.save_sites} (rerun them with --sites-file).")
    models: list[str] = list(dict.fromkeys(args.models))
    max_usd = args.max_usd if args.max_usd is not None else settings.budget.daily_usd
    interrupted = False
    async with openrouter_session(settings, ledger_kind=EvalLedger) as session:
        ledger = session.ledger
        assert isinstance(ledger, EvalLedger)
        catalogue = await _catalogue(session, models)
        prepared = await _prepare_all(settings, root, sites, listing, models, catalogue)
        free_left, free_limit = await _free_left(session) if any(is_free(m) for m in models) else (None, None)
        await _confirm(
            args,
            _plan_message(prepared, models, catalogue, settings, free_left, free_limit, max_usd, args.concurrency),
        )
        progress = Progress(len(prepared) * len(models))
        evaluation = Evaluation(
            session,
            ledger,
            prepared,
            models,
            concurrency=args.concurrency,
            max_usd=max_usd,
            free_left=free_left,
            on_progress=_progress_display(progress),
        )
        started = time.monotonic()
        try:
            await evaluation.run()
        except asyncio.CancelledError:  # Ctrl-C (see base.run_async): report what was measured
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            interrupted = True
        progress.close()
        tell(f"asked in {time.monotonic() - started:.1f} s; waiting for OpenRouter's billed figures...")
        await session.gateway.drain(SETTLE_WAIT_INTERRUPTED_S if interrupted else SETTLE_WAIT_S)
        evaluation.settle_costs()
        info = report.RunInfo(
            root=str(root),
            seed=None if args.sites_file else args.seed,
            models=models,
            shares=DEFAULT_SHARES,
            requests=len(ledger.rows),
            cost=ledger.spent(),
            stop=evaluation.stop or evaluation.paid_stop,
            interrupted=interrupted,
            skipped=dict(evaluation.stopped),
        )
    rows = [
        report.SiteRow(
            site.site.file,
            site.site.line,
            site.site.column,
            site.site.end_line,
            site.site.end_column,
            site.site.kind,
            site.language_id,
            site.truth,
            results,
            site.plans[models[0]].context.multiline,
        )
        for site, results in zip(prepared, evaluation.by_site(), strict=True)
    ]
    data = report.build(info, rows)
    if args.json:
        write_out(json.dumps(data, indent=2) + "\n")
    elif args.markdown:
        write_out(report.render_markdown(data))
    else:
        write_out(report.render_text(data))
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILURE if info.stop or info.skipped else EXIT_OK
