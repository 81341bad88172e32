"""The one-shot subcommands: ``arb-lsp models|complete|explain|docstring|usage|doctor|eval``.

``arb_lsp.cli.main`` hands any first argument that is not an option to :func:`run_subcommand`. Each
command lives in its own module and imports what it needs only when it runs, so ``arb-lsp usage``
does not pay for tree-sitter. Expected failures print one line on stderr and set the exit status
(see ``commands.base``); the API key comes from ``OPENROUTER_API_KEY`` only, never from the arguments.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from arb_lsp.commands.base import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    CommandError,
    UsageError,
    model_chain,
    run_async,
    tell,
)
from arb_lsp.openrouter.errors import OpenRouterError

__all__ = ["build_parser", "run_subcommand"]

_ENVIRONMENT = """\
environment:
  OPENROUTER_API_KEY   the OpenRouter key (never taken from the command line)
  OPENROUTER_BASE_URL  API root (default https://openrouter.ai/api/v1; plain http only to loopback)
  ARB_LSP_DATA_DIR     where the usage ledger lives (default: the user data folder)"""

_EXIT_STATUS = "exit status: 0 success, 1 failure, 2 usage error, 130 interrupted."


def _epilog(*examples: str) -> str:
    lines = "\n".join(f"  {example}" for example in examples)
    return f"examples:\n{lines}\n\n{_ENVIRONMENT}\n\n{_EXIT_STATUS}"


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _usd(value: str) -> float:
    try:
        amount = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an amount in USD such as 0.50, got {value!r}") from None
    if not amount >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError("must be zero or more")
    return amount


def _routing_options() -> argparse.ArgumentParser:
    """``--model`` and ``--priority``, shared by the commands that ask a model."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("model choice")
    group.add_argument(
        "--model",
        type=model_chain,
        metavar="ID[,ID...]",
        help="model to use, then fallbacks (default: the routing table for --priority)",
    )
    group.add_argument(
        "--priority",
        choices=("cost", "speed", "quality"),
        help="pick models from the routing table by cost (the default: free models first), speed or quality",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    routing = _routing_options()
    parser = argparse.ArgumentParser(
        prog="arb-lsp",
        description="One-shot commands of arb-lsp (run `arb-lsp` without a command to serve LSP).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog("arb-lsp models --free", "arb-lsp explain src/app.py:42:1", "arb-lsp doctor"),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, summary: str, examples: Sequence[str], parents: Sequence[argparse.ArgumentParser] = ()
    ) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=summary,
            description=summary,
            parents=list(parents),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            epilog=_epilog(*examples),
        )

    models = command(
        "models",
        "List OpenRouter's models: id, name, context length, prices per million tokens.",
        ["arb-lsp models", "arb-lsp models --free", "arb-lsp models --search coder --json | jq '.[].id'"],
    )
    models.add_argument("--free", action="store_true", help="only the free models")
    models.add_argument("--search", metavar="TEXT", help="only models whose id or name contain every word of TEXT")
    models.add_argument("--json", action="store_true", help="JSON for scripts (prices in USD per token)")

    complete = command(
        "complete",
        "Print the completion the editor would insert at FILE:LINE:COL.",
        [
            "arb-lsp complete src/app.py:12:9",
            "arb-lsp complete main.go:30:5 --json",
            "arb-lsp complete a.ts:3:1 --model mistralai/codestral-2508",
        ],
        [routing],
    )
    complete.add_argument("position", metavar="FILE:LINE:COL", help="1-based line and column (in characters)")
    complete.add_argument("--json", action="store_true", help="print {text, model, cost} as JSON")

    explain = command(
        "explain",
        "Explain the code at FILE:LINE:COL (the hover's explanation), streamed as it arrives.",
        ["arb-lsp explain src/app.py:42:5", "arb-lsp explain lib.rs:10:1 --priority quality"],
        [routing],
    )
    explain.add_argument("position", metavar="FILE:LINE:COL", help="1-based line and column (in characters)")

    docstring = command(
        "docstring",
        "Write the docstring of the definition at FILE:LINE:COL (a diff, or --write), or with --all of "
        "every undocumented function, method and class under the given files and folders.",
        [
            "arb-lsp docstring src/app.py:12:5            # show the diff",
            "arb-lsp docstring src/app.py:12:5 --write    # edit the file",
            "arb-lsp docstring src --all --write --max-usd 0.50",
            "arb-lsp docstring src tests/helpers.py --all --exclude 'src/vendor/**'",
        ],
        [routing],
    )
    docstring.add_argument(
        "targets", nargs="+", metavar="FILE:LINE:COL | PATH", help="a position, or with --all files and folders"
    )
    docstring.add_argument("--style", choices=("google", "numpy", "sphinx"), help="Python docstring style")
    docstring.add_argument("--write", action="store_true", help="edit the files in place instead of printing a diff")
    docstring.add_argument(
        "--all", action="store_true", help="every definition without a docstring (respects .gitignore)"
    )
    docstring.add_argument(
        "--max-usd",
        type=_usd,
        metavar="USD",
        help="with --all: stop before the next request once this run has spent USD (0: at the first paid answer)",
    )
    docstring.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="with --all: also skip files matching this glob (repeatable; keys and env files are always skipped)",
    )

    usage = command(
        "usage",
        "Show requests, tokens, cost and errors per model and per day, from the local usage ledger.",
        ["arb-lsp usage", "arb-lsp usage --days 30 --json"],
    )
    usage.add_argument("--days", type=_positive, default=7, metavar="N", help="how many days back (default 7)")
    usage.add_argument("--json", action="store_true", help="JSON for scripts")

    doctor = command(
        "doctor",
        "Check the key, the endpoint and each task's models, and say what to fix.",
        ["arb-lsp doctor", "arb-lsp doctor --priority quality", "arb-lsp doctor --json"],
        [routing],
    )
    doctor.add_argument("--json", action="store_true", help="the checks as JSON")
    _eval_command(command)
    return parser


_EVAL_DESCRIPTION = """\
Measure models on the code of the repository at PATH, through the editor's own completion pipeline.

Sites are picked with tree-sitter in the files git tracks (every file outside hidden folders when PATH is
not in a git checkout), never in excluded files (keys, env files, credentials), in the languages arb-lsp
parses. Each site removes real code after a cursor: the rest of a line after a token (25%), call arguments,
an assignment's right-hand side, a condition, a whole line (15% each), the last 2-6 lines of a function
body (15%). Each model is asked for it exactly as the editor asks (workspace context from the rest of the
repository, prompt, stream guards, cleanup, syntax check), and the answer is compared with what was removed.

Figures per model, language and kind of site: exact match (trailing whitespace ignored), edit similarity
(1 - Levenshtein distance / length), how often a suggestion was shown, how often the syntax check repaired
or dropped one, time from the request to the final text (p50, p95), tokens, and what OpenRouter billed (per
suggestion, per exact match). A last line names the model to set as models.completion (sites where the
editor asks for the rest of a line) and models.completionBlock (where it asks for a block: an emptied line,
an opener ending the line): the cheapest within 5 points of the best exact match, and the fastest.

Before asking anything it says how many requests it will make and the most they can cost (from /models
prices and the prompts' sizes), and waits for a yes (--yes skips that; without a terminal --yes is
required). Requests are marked as eval in the usage ledger (`arb-lsp usage` counts them apart). Free
models stop when OpenRouter's daily limit of free requests is used up. Ctrl-C stops asking and prints the
figures of what was measured (exit status 130); a run that stopped early (--max-usd, the free models'
daily limit, a failure every request would meet) exits with 1 after its report."""


def _eval_command(command: Callable[..., argparse.ArgumentParser]) -> None:
    evaluate = command(
        "eval",
        "Measure models on a repository's code through the editor's completion pipeline (exact match, speed, cost).",
        [
            "arb-lsp eval --models qwen/qwen3-coder:free,mistralai/codestral-2508",
            "arb-lsp eval ~/src/app --models mistralai/codestral-2508 --sites 50 --max-usd 0.20",
            "arb-lsp eval --models A,B --save-sites sites.jsonl --yes --json > run1.json",
            "arb-lsp eval --models C --sites-file sites.jsonl --yes --markdown > report.md",
        ],
    )
    evaluate.description = _EVAL_DESCRIPTION
    evaluate.add_argument(
        "path", nargs="?", metavar="PATH", help="the repository's folder (default: the working folder)"
    )
    evaluate.add_argument(
        "--models",
        type=model_chain,
        required=True,
        metavar="ID[,ID...]",
        help="the OpenRouter model ids to measure, comma-separated (each alone: no fallback)",
    )
    evaluate.add_argument(
        "--sites", type=_positive, default=20, metavar="N", help="how many sites to pick (default 20)"
    )
    evaluate.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="S",
        help="the seed of the pick: the same seed picks the same sites (default 1)",
    )
    evaluate.add_argument(
        "--sites-file",
        metavar="F",
        help='ask at the sites in F instead of picking: JSON lines {"file", "line", "column", "endLine", '
        '"endColumn"}, 1-based, columns in characters, the end excluded (default: the end of endLine; endLine '
        "defaults to line); paths relative to PATH",
    )
    evaluate.add_argument(
        "--save-sites", metavar="F", help="write the sites of this run to F (JSON lines, as --sites-file reads)"
    )
    evaluate.add_argument(
        "--yes", action="store_true", help="go ahead without asking (needed when stdin is not a terminal)"
    )
    evaluate.add_argument(
        "--max-usd",
        type=_usd,
        metavar="USD",
        help="stop asking paid models once this run has been billed USD (default: budget.dailyUsd if set; "
        "0: stop at the first paid answer); free models go on",
    )
    evaluate.add_argument(
        "--concurrency",
        type=_concurrency,
        default=2,
        metavar="N",
        help="requests in flight at once, 1 to 8 (default 2)",
    )
    output = evaluate.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="the figures as JSON (byModel, byLanguage, byKind, sites)")
    output.add_argument("--markdown", action="store_true", help="the figures as Markdown tables, for a report")


def _concurrency(value: str) -> int:
    number = _positive(value)
    if number > 8:
        raise argparse.ArgumentTypeError("at most 8 (OpenRouter rate-limits bursts; free models take 20 a minute)")
    return number


def _dispatch(args: argparse.Namespace) -> int:
    command: str = args.command
    if command == "usage":
        from arb_lsp.commands import usage

        return usage.run(args)
    if command == "models":
        from arb_lsp.commands import models

        return run_async(models.run(args))
    if command == "doctor":
        from arb_lsp.commands import doctor

        return run_async(doctor.run(args))
    if command == "eval":
        from arb_lsp.commands import evaluate

        return run_async(evaluate.run(args))
    if command == "docstring" and args.all:
        from arb_lsp.commands import bulk

        return run_async(bulk.run(args))
    if command == "docstring" and (args.max_usd is not None or args.exclude):
        raise UsageError("--max-usd and --exclude apply to docstring --all only.")
    from arb_lsp.commands import oneshot

    handlers: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, int]]] = {
        "complete": oneshot.complete,
        "explain": oneshot.explain,
        "docstring": oneshot.docstring,
    }
    return run_async(handlers[command](args))


def run_subcommand(argv: Sequence[str]) -> int:
    """Run one subcommand (``argv`` starts with its name) and return the exit status."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # a model's answer may not fit a legacy console encoding
            reconfigure(errors="replace")
    level = os.environ.get("ARB_LSP_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        level=level if isinstance(logging.getLevelName(level), int) else logging.WARNING,
        stream=sys.stderr,
        format="arb-lsp: %(levelname)s %(name)s: %(message)s",
    )
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
        return _dispatch(args)
    except SystemExit as exit_:  # argparse: --help (0) and usage errors (2)
        return exit_.code if isinstance(exit_.code, int) else EXIT_FAILURE
    except CommandError as error:
        tell(error.message)
        return error.status
    except OpenRouterError as error:
        tell(error.message)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
