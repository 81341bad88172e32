"""What the stream guards save and what the syntax check costs, per block completion.

    .venv/bin/python -m benchmarks.suggestions            # writes docs/suggestions.md
    .venv/bin/python -m benchmarks.suggestions --lines 400 --no-write

Every method body of the benchmark corpus (``benchmarks.corpus``) becomes a hole: its lines after the
first are removed and the cursor put on a blank line there, with the body's last line (``return ...``)
left below.  A runaway model answers with what was removed and then keeps going, in three ways chat
models do: it retypes the code below exactly, retypes the next line with a comment added, or repeats a
line until the token limit.  Each answer is streamed piece by piece (the fake OpenRouter's pieces) into
``is_decided`` as ``run_completion`` does, and the pieces read until it stops are counted: with this
version's guards, and with the post-processing of ``--baseline`` (a git revision, by default the one
before the guards), loaded from git.  The stop sequences each sends are applied first in a second
column, as a provider would.

The syntax check's cost is the time ``suggest_edit`` takes beyond ``clean_completion`` (closer-aware
candidates and the tree-sitter / bracket checks of the window around the cursor), per suggestion.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from fake_openrouter import split_pieces

from arb_lsp.context import CompletionContext, LineIndex, build_completion_context
from arb_lsp.postprocess import clean_completion, guard_stops, is_decided, suggest_edit
from arb_lsp.prompts import completion_max_tokens, completion_stop
from benchmarks import ROOT
from benchmarks.corpus import python_source

#: The last commit before the guards (issue 12's branch point).
BASELINE = "f45f6b9"
#: How many lines of other code a runaway answer goes on with (the token cap ends it anyway).
RUNAWAY_LINES = 60
VARIANTS = ("retypes the code below", "retypes the next line + comment", "repeats a line")


@dataclass(frozen=True)
class Site:
    ctx: CompletionContext
    answer: str
    variant: str
    #: The removed lines as they must be inserted (the first at the cursor).
    expected: str


def _contexts(source: str) -> list[tuple[CompletionContext, list[str], list[str]]]:
    """A hole in each method body: (context, removed lines, lines after the hole)."""
    lines = source.split("\n")
    holes = []
    for number, line in enumerate(lines):
        if not line.startswith("    def total_"):
            continue
        body = number + 1
        end = body
        while end < len(lines) and (lines[end].startswith("        ") or not lines[end].strip()):
            if not lines[end].strip():
                break
            end += 1
        last = end - 1  # the body's "return result"
        removed = lines[body:last]
        document = [*lines[:body], "        ", *lines[last:]]
        text = "\n".join(document)
        offset = sum(len(item) + 1 for item in document[:body]) + len("        ")
        ctx = build_completion_context(
            text, offset, index=LineIndex(text), language_id="python", path="corpus.py", budget_chars=7168
        )
        holes.append((ctx, removed, lines[last:]))
    return holes


def sites(source: str) -> list[Site]:
    out = []
    for ctx, removed, below in _contexts(source):
        body = [line[8:] for line in removed]  # the model writes at the hole's indentation
        tail = [line[8:] if line.startswith("        ") else line for line in below[:RUNAWAY_LINES]]
        answers = {
            VARIANTS[0]: body + tail,
            VARIANTS[1]: [*body, tail[0] + "  # the total", *tail[1:]],
            VARIANTS[2]: body + [body[-1]] * RUNAWAY_LINES,
        }
        expected = "\n".join([removed[0].strip(), *removed[1:]])
        for variant, answer in answers.items():
            out.append(Site(ctx, "\n".join(answer) + "\n", variant, expected))
    return out


def tokens_read(site: Site, decided: Callable[[str, CompletionContext], bool], stops: Sequence[str]) -> int:
    """Pieces read before `decided` stops the stream (all of them, up to the token cap, if it never does)."""
    answer = site.answer
    cuts = [answer.find(stop) for stop in stops if stop and stop in answer]
    if cuts:
        answer = answer[: min(cuts)]
    pieces = split_pieces(answer)[: completion_max_tokens(site.ctx, 0)]
    raw = ""
    for count, piece in enumerate(pieces, start=1):
        raw += piece
        if decided(raw, site.ctx):
            return count
    return len(pieces)


def load_baseline(revision: str) -> ModuleType | None:
    """The post-processing module as it was at `revision` (None without git or that revision)."""
    try:
        code = subprocess.run(
            ["git", "show", f"{revision}:arb_lsp/postprocess.py"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="arb-baseline-")) / "baseline_postprocess.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_postprocess", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is being run
    spec.loader.exec_module(module)
    return module


def _median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def _p95_us(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(0.95 * (len(ordered) - 1))] * 1e6


def check_cost(all_sites: Sequence[Site], repeat: int) -> dict[str, float]:
    """Median and p95 µs per suggestion of clean_completion and suggest_edit (which adds the check)."""
    clean_times: list[float] = []
    edit_times: list[float] = []
    for site in all_sites:
        for _ in range(repeat):
            start = time.perf_counter()
            clean_completion(site.answer, site.ctx)
            middle = time.perf_counter()
            suggest_edit(site.answer, site.ctx)
            clean_times.append(middle - start)
            edit_times.append(time.perf_counter() - middle)
    extra = [edit - clean for edit, clean in zip(edit_times, clean_times, strict=True)]
    return {
        "clean_median_us": _median_us(clean_times),
        "edit_median_us": _median_us(edit_times),
        "check_median_us": _median_us(extra),
        "check_p95_us": _p95_us(extra),
    }


def largest_window_site() -> Site:
    """A cursor in the middle of a 400-line function: the window is at its cap on both sides."""
    body = "".join(f"    value_{i} = compute({i}, value_{max(i - 1, 0)})\n" for i in range(400))
    text = "def big():\n" + body
    offset = text.index("    value_200 =")
    ctx = build_completion_context(
        text, offset, index=LineIndex(text), language_id="python", path="big.py", budget_chars=7168
    )
    return Site(ctx, "value_199b = compute(199, value_199)\n", "largest window", "")


def measure(lines: int, revision: str, repeat: int) -> tuple[list[str], dict[str, float]]:
    all_sites = sites(python_source(lines))
    baseline = load_baseline(revision)
    rows = [
        "| answer | sites | tokens the answer holds (capped) | read before | read after | after, with stop sequences |"
    ]
    rows.append("|---|---|---|---|---|---|")
    totals: dict[str, list[int]] = {"holds": [], "before": [], "after": [], "stops": []}
    for variant in VARIANTS:
        chosen = [site for site in all_sites if site.variant == variant]
        holds = [tokens_read(site, lambda _raw, _ctx: False, ()) for site in chosen]
        after = [tokens_read(site, is_decided, ()) for site in chosen]
        stops = [tokens_read(site, is_decided, guard_stops(site.ctx, completion_stop(site.ctx))) for site in chosen]
        before = [tokens_read(site, baseline.is_decided, ()) for site in chosen] if baseline else [0] * len(chosen)
        for key, values in (("holds", holds), ("before", before), ("after", after), ("stops", stops)):
            totals[key].extend(values)
        rows.append(
            f"| {variant} | {len(chosen)} | {statistics.mean(holds):.0f} | "
            f"{statistics.mean(before):.1f} | {statistics.mean(after):.1f} | {statistics.mean(stops):.1f} |"
        )
    rows.append(
        f"| **all** | {len(all_sites)} | {statistics.mean(totals['holds']):.0f} | "
        f"{statistics.mean(totals['before']):.1f} | {statistics.mean(totals['after']):.1f} | "
        f"{statistics.mean(totals['stops']):.1f} |"
    )
    figures = {key: statistics.mean(values) for key, values in totals.items()}
    figures.update(check_cost(all_sites, repeat))
    largest = check_cost([largest_window_site()], repeat * 4)
    figures["largest_check_median_us"] = largest["check_median_us"]
    figures["sites"] = len(all_sites)
    edits = [suggest_edit(site.answer, site.ctx) for site in all_sites]
    figures["exact"] = sum(
        1 for site, edit in zip(all_sites, edits, strict=True) if edit and edit.text == site.expected
    )
    return rows, figures


def report(lines: int, revision: str, rows: list[str], figures: dict[str, float]) -> str:
    return "\n".join(
        [
            "# Suggestions: stream guards and the syntax check",
            "",
            f"`python -m benchmarks.suggestions --lines {lines}`: {figures['sites']:.0f} block completions on",
            f"the benchmark corpus ({lines} lines of Python), tokens = the fake OpenRouter's stream pieces.",
            f'"Before" is the post-processing at `{revision}` (no guards but the block\'s own end).',
            "",
            *rows,
            "",
            f"Suggestions equal to the removed lines: {figures['exact']:.0f} of {figures['sites']:.0f}.",
            "",
            "Cost per suggestion (µs, this machine):",
            "",
            "| step | median | p95 |",
            "|---|---|---|",
            f"| clean_completion (cleanup only) | {figures['clean_median_us']:.0f} | |",
            f"| suggest_edit (cleanup + closers + syntax check) | {figures['edit_median_us']:.0f} | |",
            f"| the syntax check alone (difference) | {figures['check_median_us']:.0f} | {figures['check_p95_us']:.0f} |",
            f"| the syntax check, largest window (2,000 characters each side) | "
            f"{figures['largest_check_median_us']:.0f} | |",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2000, help="corpus size (default 2000)")
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision for 'before' (default {BASELINE})")
    parser.add_argument("--repeat", type=int, default=5, help="timing repetitions per site")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write docs/suggestions.md")
    args = parser.parse_args(argv)
    rows, figures = measure(args.lines, args.baseline, args.repeat)
    text = report(args.lines, args.baseline, rows, figures)
    sys.stdout.write(text)
    if not args.no_write:
        (ROOT / "docs" / "suggestions.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
