"""``arb-lsp docstring PATH... --all``: document every function, method and class that has no docstring.

Files come from ``sources.discover`` (``.gitignore`` respected, exclusion globs enforced, supported
languages only). Definitions are asked for one at a time, in file order, through the same pipeline as
the editor's code action. A file's edits are all computed against the text that was read, then applied
together and written atomically, so a file is either untouched or completely rewritten.

Stops: ``--max-usd`` (checked before each request against what this run has spent, fallbacks included),
a failure no other definition would escape (bad key, no credits, unreachable endpoint), and Ctrl-C. On
Ctrl-C the file in progress is left untouched, files already written stay written, and the exit status is
130; a ``--max-usd`` stop keeps (writes) the docstrings the current file already paid for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

from arb_lsp.commands.base import (
    BATCH_RETRY,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    NO_KEY_MESSAGE,
    CommandError,
    MeteredLedger,
    Session,
    UsageError,
    openrouter_session,
    tell,
    usable_settings,
    write_out,
)
from arb_lsp.commands.sources import (
    Source,
    apply_edits,
    discover,
    read_source,
    unified_diff,
    write_atomically,
)
from arb_lsp.commands.terminal import Progress, usd
from arb_lsp.docstrings import can_document
from arb_lsp.openrouter.errors import OpenRouterError
from arb_lsp.openrouter.routing import TaskType
from arb_lsp.pipelines import DocEdit, plan_docstring, run_docstring
from arb_lsp.runtime import build_exclusions
from arb_lsp.syntax import Definition, iter_definitions

#: Failures that every later request would hit too: stop instead of paying for (or waiting on) them.
FATAL_KINDS = frozenset({"auth", "no_key", "credits", "budget", "connection"})
#: The interrupted summary names the written files up to this many.
LISTED_FILES = 50


@dataclass(slots=True)
class FileWork:
    source: Source
    definitions: list[Definition]
    edits: list[DocEdit] = field(default_factory=list)


@dataclass(slots=True)
class Tally:
    total: int
    documented: int = 0
    unusable: int = 0
    failed: int = 0
    written: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)  # diffs shown (without --write)
    write_failures: int = 0
    stop: str | None = None  # why the run ended early
    interrupted: bool = False
    files_left: int = 0

    @property
    def done(self) -> int:
        return self.documented + self.unusable + self.failed


def _uncancel() -> None:
    """The interrupt was handled here: later awaits (closing the connection) must run normally."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


def undocumented(source: Source) -> list[Definition]:
    return [d for d in iter_definitions(source.text, source.language_id) if d.doc.existing is None and can_document(d)]


async def run(args: argparse.Namespace) -> int:
    settings = usable_settings(args, (TaskType.DOCSTRING,))
    if not settings.key:
        raise UsageError(NO_KEY_MESSAGE)
    exclusions = build_exclusions(settings, os.getcwd(), args.exclude)
    found = discover(args.targets, exclusions)
    for path in found.unsupported:
        tell(f"skipping {path}: no docstrings for this language.")
    work: list[FileWork] = []
    for path in found.files:
        try:
            source = read_source(path)
        except CommandError as error:
            tell(f"skipping {error.message}")
            continue
        definitions = undocumented(source)
        if definitions:
            work.append(FileWork(source, definitions))
    tally = Tally(total=sum(len(w.definitions) for w in work))
    skipped = []
    if found.ignored:
        skipped.append(f"{found.ignored} ignored by .gitignore")
    if found.excluded:
        skipped.append(f"{len(found.excluded)} excluded")
    scope = f"{tally.total} definitions without docstrings in {len(work)} of {len(found.files)} files"
    tell(scope + (f" ({', '.join(skipped)})." if skipped else "."))
    if not tally.total:
        return EXIT_OK

    progress = Progress(tally.total)
    ledger: MeteredLedger | None = None
    try:
        async with openrouter_session(settings, retry=BATCH_RETRY) as session:
            ledger = session.ledger
            for position, item in enumerate(work):
                await _document_file(args, session, item, tally, progress)
                if tally.interrupted:
                    # Its edits are dropped: the file stays exactly as it was.
                    tally.documented -= len(item.edits)
                elif item.edits:
                    _finish_file(args, item, tally, progress)
                if tally.stop or tally.interrupted:
                    started = bool(item.edits) and not tally.interrupted
                    tally.files_left = len(work) - position - (1 if started else 0)
                    break
    except asyncio.CancelledError:
        # Ctrl-C while closing the connection, after the last file: everything is already written.
        _uncancel()
        tally.interrupted = True
    progress.close()
    _summary(args, tally, ledger.run_cost if ledger else 0.0, ledger.run_requests if ledger else 0)
    if tally.interrupted:
        return EXIT_INTERRUPTED
    complete = tally.stop is None and tally.documented == tally.total and not tally.write_failures
    return EXIT_OK if complete else EXIT_FAILURE


async def _document_file(
    args: argparse.Namespace, session: Session, item: FileWork, tally: Tally, progress: Progress
) -> None:
    source = item.source
    for definition in item.definitions:
        spent = session.ledger.run_cost
        # "--max-usd 0" lets free answers go on and stops at the first paid one.
        if args.max_usd is not None and spent > 0 and spent >= args.max_usd:
            tally.stop = f"--max-usd {usd(args.max_usd)} reached"
            return
        label = f"{source.path}:{definition.start_line + 1} {definition.kind} {definition.name}"
        progress.status(tally.done, spent, label)
        try:
            plan = plan_docstring(session.settings, definition, args.style)
            edit = await run_docstring(session.gateway, plan, source.text)
        except asyncio.CancelledError:  # Ctrl-C (see base.run_async): stop here, tidily
            _uncancel()
            tally.interrupted = True
            return
        except OpenRouterError as error:
            tally.failed += 1
            progress.line(f"[{tally.done}/{tally.total}] {label}: failed: {error.message}")
            if error.kind in FATAL_KINDS:
                tally.stop = error.message
                return
            continue
        spent = session.ledger.run_cost
        if edit is None:
            tally.unusable += 1
            progress.line(f"[{tally.done}/{tally.total}] {label}: the answer was not a usable docstring")
            continue
        item.edits.append(edit)
        tally.documented += 1
        if not progress.tty:
            progress.line(f"[{tally.done}/{tally.total}] {label}: documented (total {usd(spent)})")


def _finish_file(args: argparse.Namespace, item: FileWork, tally: Tally, progress: Progress) -> None:
    source = item.source
    new_text, applied = apply_edits(source.text, item.edits)
    if args.write:
        try:
            write_atomically(source.path, new_text, expected=source.text)
        except CommandError as error:
            tally.write_failures += 1
            progress.line(error.message)
            return
        tally.written.append(source.path)
        progress.line(f"wrote {source.path} ({applied} docstring{'s' if applied != 1 else ''})")
    else:
        write_out(unified_diff(source.text, new_text, source.path.as_posix()))
        tally.changed.append(source.path)


def _summary(args: argparse.Namespace, tally: Tally, cost: float, requests: int) -> None:
    parts = [f"documented {tally.documented} of {tally.total} definitions"]
    if args.write:
        parts.append(f"wrote {len(tally.written)} file{'s' if len(tally.written) != 1 else ''}")
    else:
        parts.append(f"{len(tally.changed)} file diff{'s' if len(tally.changed) != 1 else ''} (nothing written)")
    if tally.unusable:
        parts.append(f"{tally.unusable} unusable answer{'s' if tally.unusable != 1 else ''}")
    if tally.failed:
        parts.append(f"{tally.failed} failed")
    if tally.write_failures:
        parts.append(f"{tally.write_failures} not written")
    parts.append(f"cost {usd(cost)} in {requests} request{'s' if requests != 1 else ''}")
    head = "interrupted: " if tally.interrupted else (f"stopped ({tally.stop}): " if tally.stop else "")
    tell(head + "; ".join(parts) + ".")
    if tally.files_left:
        left = f"{tally.files_left} file{'s' if tally.files_left != 1 else ''}"
        tell(f"{left} left untouched" + (", the one in progress included." if tally.interrupted else "."))
    if tally.interrupted and tally.written:
        for path in tally.written[:LISTED_FILES]:
            tell(f"  written: {path}")
        if len(tally.written) > LISTED_FILES:
            tell(f"  ... and {len(tally.written) - LISTED_FILES} more")
