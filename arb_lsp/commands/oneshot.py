"""``arb-lsp complete|explain|docstring FILE:LINE:COL``: the server's pipelines, once, at a position.

Each command runs exactly what the editor feature runs (``arb_lsp.pipelines``): the same context, the
same prompt, the same model chain and the same post-processing, so a terminal answer is an editor answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from arb_lsp.commands.base import (
    EXIT_OK,
    CommandError,
    UsageError,
    openrouter_session,
    tell,
    usable_settings,
    write_out,
)
from arb_lsp.commands.sources import (
    SUPPORTED_SUFFIXES,
    Position,
    Source,
    apply_edits,
    locate,
    parse_position,
    read_source,
    unified_diff,
    write_atomically,
)
from arb_lsp.docstrings import can_document
from arb_lsp.explain import format_cost
from arb_lsp.openrouter.routing import TaskType
from arb_lsp.pipelines import (
    deadline,
    finish_completion,
    plan_completion,
    plan_docstring,
    plan_explain,
    run_completion,
    run_docstring,
)
from arb_lsp.runtime import build_exclusions
from arb_lsp.settings import Settings
from arb_lsp.syntax import find_definition, supports_language
from arb_lsp.workspace_context import ContextRequest, ContextSnippet, OpenDocument, WorkspaceContext


def _open(spec: str, settings: Settings) -> tuple[Position, Source]:
    """The file at a ``FILE:LINE:COL``, refused when the exclusion globs say it must never be sent."""
    position = parse_position(spec)
    source = read_source(position.path)
    if build_exclusions(settings).is_excluded(str(position.path.absolute())):
        raise UsageError(f"{position.path} matches the exclusion globs (keys, env files, credentials): not sent.")
    return position, source


def _one_position(targets: list[str]) -> None:
    if len(targets) != 1 or Path(targets[0]).exists():
        raise UsageError("docstring takes one FILE:LINE:COL; for whole files and folders add --all.")


#: A one-shot command has no keystrokes to keep up with: it lets the providers finish (up to this long).
CLI_CONTEXT_SECONDS = 2.0


async def workspace_snippets(
    settings: Settings,
    source: Source,
    offset: int,
    root: Path | None = None,
    context: WorkspaceContext | None = None,
) -> list[ContextSnippet]:
    """What the editor's completion would add from other files, with ``root`` (default: the working
    folder) as the workspace. The document itself is an open document: its text is ``source.text``,
    never what is on disk (``arb-lsp eval`` removes the code it asks for from it). A ``context`` kept
    across calls keeps its caches (file texts, outlines)."""
    if not settings.completion.workspace_context or settings.completion.context_budget_ms <= 0:
        return []
    path = str(source.path.absolute())
    folder = str(root if root is not None else Path.cwd())  # the caller passes it absolute
    roots = (folder,) if path.startswith(folder.rstrip(os.sep) + os.sep) else ()
    exclusions = build_exclusions(settings, folder if root is not None else None)
    document = OpenDocument(path, source.language_id, source.text, None)
    request = ContextRequest(document, offset, roots, (document,), ())
    return await (context or WorkspaceContext()).gather(request, exclusions.is_excluded, CLI_CONTEXT_SECONDS)


async def complete(args: argparse.Namespace) -> int:
    settings = usable_settings(args, (TaskType.COMPLETION,))
    position, source = _open(args.position, settings)
    where = locate(source, position)
    snippets = await workspace_snippets(settings, source, where.offset)
    async with openrouter_session(settings) as session:
        plan = plan_completion(
            settings,
            source.text,
            where.offset,
            index=where.index,
            language_id=source.language_id,
            path=source.prompt_path,
            context_snippets=snippets,
            workspace=(str(Path.cwd()),),
        )
        raw, model, cost = await run_completion(session.gateway, plan, settings.completion.timeout_ms / 1000)
    suggestion = finish_completion(raw, plan, model, cost)
    text = suggestion.text if suggestion else ""
    if args.json:
        result: dict[str, object] = {"text": text, "model": model, "cost": cost}
        if suggestion and suggestion.replace:
            result["replace"] = suggestion.replace  # characters after the cursor the text replaces (closers)
        write_out(json.dumps(result, indent=2) + "\n")
    elif text:
        write_out(text if text.endswith("\n") else text + "\n")
    if not text:
        tell(f"{model} suggested nothing to insert at {position}.")
    return EXIT_OK


async def explain(args: argparse.Namespace) -> int:
    settings = usable_settings(args, (TaskType.EXPLAIN,))
    position, source = _open(args.position, settings)
    where = locate(source, position)
    plan = plan_explain(settings, source.text, source.language_id, where.line, where.column, source.prompt_path)
    if plan is None:
        raise UsageError(f"{position}: nothing to explain there (a blank or comment-only line).")
    async with openrouter_session(settings) as session:
        stream = session.gateway.stream(TaskType.EXPLAIN, plan.messages, plan.models, **plan.params)
        written = ""
        try:
            # The hover's deadline: a hanging model ends with an error, not a terminal that waits forever.
            async with deadline(settings.hover.timeout_ms / 1000, "explain the code"), stream:
                async for piece in stream:
                    if not written:
                        piece = piece.lstrip("\n")
                    written += piece
                    write_out(piece)
        finally:
            if written and not written.endswith("\n"):
                write_out("\n")
    answer = stream.answer
    model = answer.model if answer else plan.models[0]
    if not written.strip():
        tell(f"{model} returned no explanation.")
    footer = f"— {model}"
    cost = format_cost(answer.cost if answer and not answer.cached else None)
    if cost is not None:
        footer += f" · {cost}"
    write_out(f"\n{footer}\n")
    return EXIT_OK


async def docstring(args: argparse.Namespace) -> int:
    _one_position(args.targets)
    settings = usable_settings(args, (TaskType.DOCSTRING,))
    position, source = _open(args.targets[0], settings)
    if not supports_language(source.language_id):
        raise UsageError(
            f"{source.path}: docstrings are written for {', '.join(SUPPORTED_SUFFIXES)} files only "
            f"(the syntax of {source.path.suffix or 'this file'} is not parsed)."
        )
    where = locate(source, position)
    definition = find_definition(source.text, source.language_id, where.line, where.column)
    if definition is None:
        raise UsageError(f"{position}: no function, method or class there.")
    if not can_document(definition):
        raise UsageError(
            f"{position}: {definition.kind} {definition.name} is a one-liner; "
            "put its body on its own line to leave room for a docstring."
        )
    async with openrouter_session(settings) as session:
        plan = plan_docstring(settings, definition, args.style)
        edit = await run_docstring(session.gateway, plan, source.text)
        entry = session.ledger.last_entry
    model = entry.model if entry else plan.models[0]
    if edit is None:
        raise CommandError(
            f"{model}'s answer for {definition.name} was not a usable docstring; "
            "try again or pick another model with --model."
        )
    new_text, _ = apply_edits(source.text, [edit])
    cost = format_cost(entry.cost if entry else None)
    by = f"by {model}" + (f", {cost}" if cost else "")
    if args.write:
        write_atomically(source.path, new_text, expected=source.text)
        tell(f"documented {definition.kind} {definition.name} in {source.path} ({by}).")
    else:
        write_out(unified_diff(source.text, new_text, source.path.as_posix()))
        if sys.stdout.isatty():
            tell(f"docstring for {definition.kind} {definition.name} ({by}); --write applies it.")
    return EXIT_OK
