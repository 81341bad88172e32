"""Context on real code: do the definitions the cursor's line uses reach the completion prompt?

    .venv/bin/python -m benchmarks.context_real               # writes its section into docs/benchmarks.md
    .venv/bin/python -m benchmarks.context_real --sites 8 --no-write

Sites come from real, installed code (:mod:`benchmarks.real_sites`): a line inside a function that uses
names defined in other files of its package, cursor after the last such name, the rest of the line held
out. For each site the server's own steps run in process, as the editor's completion runs them: the
workspace context is gathered (the package's folder is the workspace; the document is the only open one)
and the prompt is built with the default settings. No model is asked: a name is *recalled* when the first
line of its definition (its signature) is in the prompt.

The same sites are measured with arb-lsp as it was at ``--baseline`` (a git revision: the code before
issue 21), extracted with ``git archive`` and run in a subprocess, so "before" and "after" are one run.
Counts, not times: the figures do not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from benchmarks import ROOT
from benchmarks.real_sites import Site, choose

#: The last commit before issue 21's changes to the workspace context.
BASELINE = "d949101"
SEED = 21
SITES_PER_LANGUAGE = 60
SECTION_TITLE = "9. Context on real code"
#: Characters per token of the prompt-size column (the estimate arb-lsp budgets with).
CHARS_PER_TOKEN = 3.5
TARGET_RECALL = 0.80
TARGET_GROWTH = 1.5


def _document(site: Site) -> tuple[str, int]:
    """The site's file with the rest of the cursor's line removed, and the cursor's offset."""
    text = Path(site.path).read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[: site.line]) + site.column
    end = offset + len(lines[site.line]) - site.column
    return text[:offset] + text[end:], offset


async def _prompt(site: Site, label: str = "") -> str:
    from arb_lsp.context import LineIndex
    from arb_lsp.pipelines import plan_completion
    from arb_lsp.settings import Settings
    from arb_lsp.workspace_context import ContextRequest, OpenDocument, WorkspaceContext

    text, offset = _document(site)
    document = OpenDocument(site.path, site.language, text, 1)
    request = ContextRequest(document, offset, (site.root,), (document,), ())
    snippets = await WorkspaceContext().gather(request, lambda _path: False, 5.0)
    plan = plan_completion(
        Settings(),
        text,
        offset,
        index=LineIndex(text),
        language_id=site.language,
        path=label or site.path,
        context_snippets=snippets,
    )
    return "\n".join(message["content"] for message in plan.messages)


def measure(sites: Sequence[Site]) -> list[dict[str, object]]:
    """Per site: prompt size and which of its names' signatures the prompt holds (this process's arb_lsp)."""

    labels = [os.path.relpath(site.path, site.root) for site in sites]

    async def run() -> list[dict[str, object]]:
        rows = []
        for site, label in zip(sites, labels, strict=True):
            prompt = await _prompt(site, label)
            rows.append({"chars": len(prompt), "found": [use.found_in(prompt) for use in site.uses]})
        return rows

    return asyncio.run(run())


def measure_baseline(sites: Sequence[Site], revision: str) -> list[dict[str, object]] | None:
    """:func:`measure` with arb_lsp as it was at ``revision``, in a subprocess; None without git."""
    with tempfile.TemporaryDirectory(prefix="arb-context-baseline-") as tree:
        try:
            archive = subprocess.run(
                ["git", "archive", revision, "arb_lsp"], cwd=ROOT, capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        except (OSError, subprocess.CalledProcessError):
            return None
        sites_file = Path(tree) / "sites.json"
        sites_file.write_text(json.dumps([site.as_dict() for site in sites]), encoding="utf-8")
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([tree, str(ROOT)])}
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.context_real", "--measure", str(sites_file)],
            cwd=tree,
            env=environment,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return None
        return json.loads(done.stdout)


def _share(found: int, total: int) -> str:
    return f"{found}/{total} ({100 * found / total:.0f} %)" if total else "—"


def summarise(
    sites: Sequence[Site], after: list[dict[str, object]], before: list[dict[str, object]] | None
) -> tuple[list[str], dict[str, float]]:
    """The Markdown table rows and the headline figures."""
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # found before, found after, total
    for site, now, then in zip(sites, after, before or [None] * len(sites), strict=True):
        for index, use in enumerate(site.uses):
            found_now = bool(now["found"][index])  # type: ignore[index]
            found_then = bool(then["found"][index]) if then else False  # type: ignore[index]
            for key in (f"language: {site.language}", f"reached: {use.reached}", "all names"):
                groups[key][0] += found_then
                groups[key][1] += found_now
                groups[key][2] += 1
    rows = ["| names | before (recall) | after (recall) |", "|---|---:|---:|"]
    for key in sorted(groups, key=lambda k: (k == "all names", k)):
        then_found, now_found, total = groups[key]
        before_cell = _share(then_found, total) if before else "—"
        rows.append(f"| {key} | {before_cell} | {_share(now_found, total)} |")
    chars_after = statistics.median(int(row["chars"]) for row in after)  # type: ignore[call-overload]
    chars_before = statistics.median(int(row["chars"]) for row in before) if before else float("nan")  # type: ignore[call-overload]
    rows += [
        "",
        "| prompt size, median | before | after | after / before |",
        "|---|---:|---:|---:|",
        f"| characters | {chars_before:,.0f} | {chars_after:,.0f} | {chars_after / chars_before:.2f}× |",
        f"| tokens (characters / {CHARS_PER_TOKEN}) | {chars_before / CHARS_PER_TOKEN:,.0f} | "
        f"{chars_after / CHARS_PER_TOKEN:,.0f} | {chars_after / chars_before:.2f}× |",
    ]
    total = groups["all names"]
    headline = {
        "recall_before": total[0] / total[2] if total[2] else 0.0,
        "recall_after": total[1] / total[2] if total[2] else 0.0,
        "growth": chars_after / chars_before if before else float("nan"),
        "names": total[2],
    }
    return rows, headline


def section(sites: Sequence[Site], rows: list[str], headline: dict[str, float], notes: list[str], revision: str) -> str:
    languages = sorted({site.language for site in sites})
    packages = sorted({f"{site.package} ({site.language})" for site in sites})
    met = headline["recall_after"] >= TARGET_RECALL and headline["growth"] <= TARGET_GROWTH
    lines = [
        f"## {SECTION_TITLE}",
        "",
        f"`.venv/bin/python -m benchmarks.context_real` (counts, not times: no model, no network). "
        f"{len(sites)} cursor sites in {', '.join(languages)}, seed {SEED}, from installed packages nobody here "
        f"wrote: {', '.join(packages)}. A site is a line inside a function using names defined in another file "
        "of its package; the cursor is after the last such name, the rest of the line held out. The package's "
        "folder is the workspace, the site's file the only open document, settings default. A name counts as "
        "recalled when the first line of its definition is in the prompt. *Before* is arb-lsp at "
        f"`{revision}` (before issue 21), run on the same sites.",
        "",
        *rows,
        "",
        f"- Target: at least {TARGET_RECALL:.0%} of the names, with a median prompt at most {TARGET_GROWTH}× the "
        f"one before: {'met' if met else '**not met**'} ({headline['recall_after']:.0%} of "
        f"{headline['names']:.0f} names, {headline['growth']:.2f}×).",
        "- *Reached*: `imported` (the name is imported, or qualified by an imported module), `member` "
        "(written after `.`: a method or field of a type defined elsewhere), `same package` (Go: used unqualified "
        "from another file of the package).",
        "- What is still missed, as read in the prompts: members whose receiver's type is inferred, not declared "
        "(a closure's parameter, what a method returns: most of Rust's misses), names reached through a path with "
        "no import (`clap::Arg::new(...)`), and definitions in files nothing in the document imports.",
        *[f"- {note}" for note in notes],
    ]
    return "\n".join(lines) + "\n"


def carried_section(report_text: str) -> str | None:
    """This benchmark's section of a report, for ``benchmarks.run`` to keep when it rewrites the report."""
    heading = f"## {SECTION_TITLE}"
    if heading not in report_text:
        return None
    start = report_text.index(heading)
    following = report_text.find("\n## ", start + len(heading))
    return report_text[start : following + 1 if following != -1 else len(report_text)].rstrip("\n") + "\n"


def write_section(text: str, report: Path) -> None:
    """Put the section into the benchmark report in place of an earlier one, else before "How it is measured"."""
    current = report.read_text(encoding="utf-8") if report.exists() else ""
    heading = f"## {SECTION_TITLE}"
    if heading in current:
        start = current.index(heading)
        following = current.find("\n## ", start + len(heading))
        end = following + 1 if following != -1 else len(current)
        updated = current[:start] + text + ("\n" if following != -1 else "") + current[end:]
    elif "\n## How it is measured" in current:
        at = current.index("\n## How it is measured") + 1
        updated = current[:at] + text + "\n" + current[at:]
    else:
        updated = current + ("\n" if current else "") + text
    report.write_text(updated, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.context_real", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=SITES_PER_LANGUAGE, help="sites per language")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision for 'before' (default {BASELINE})")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing the report")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the baseline's subprocess
    args = parser.parse_args(argv)
    if args.measure:
        sites = [Site.from_dict(data) for data in json.loads(args.measure.read_text(encoding="utf-8"))]
        print(json.dumps(measure(sites)))
        return 0
    sites, notes = choose(args.sites, args.seed)
    if not sites:
        print("no sources found: " + " ".join(notes), file=sys.stderr)
        return 1
    after = measure(sites)
    before = measure_baseline(sites, args.baseline)
    if before is None:
        notes.append(f"No 'before' column: git revision {args.baseline} could not be read or run.")
    rows, headline = summarise(sites, after, before)
    text = section(sites, rows, headline, notes, args.baseline)
    if args.no_write:
        print(text)
    else:
        write_section(text, args.report)
        print(f"wrote the '{SECTION_TITLE}' section of {args.report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
