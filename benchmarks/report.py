"""Render a benchmark run as Markdown (``docs/benchmarks.md``) and a PNG chart (``docs/benchmarks.png``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from benchmarks.results import Figure, Run, Section

COMMAND = ".venv/bin/python -m benchmarks.run"


def number(value: float | None, unit: str = "", *, integer: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if integer:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip()


def ratio(figure: Figure) -> str:
    value = figure.ratio
    if value is None:
        return "—"
    if value == 0:
        return "0×"
    return f"{value:.2f}×" if value < 10 else f"{value:,.0f}×"


def _table(section: Section) -> list[str]:
    lines = ["| | arb-lsp | naive baseline | arb-lsp / naive |", "|---|---:|---:|---:|"]
    for figure in section.figures:
        lines.append(
            f"| {figure.label} | {number(figure.arb, figure.unit, integer=figure.integer)} "
            f"| {number(figure.naive, figure.unit, integer=figure.integer)} | {ratio(figure)} |"
        )
    return lines


def markdown(run: Run, chart: str | None) -> str:
    machine = run.machine
    out = [
        "# Benchmarks: latency and cost",
        "",
        f"Regenerate this page and its chart with one command (this run took {run.duration_s / 60:.1f} minutes; "
        "the chart needs the `bench` extra, which brings matplotlib):",
        "",
        "```sh",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[bench]'",
        COMMAND,
        "```",
        "",
        f"`{COMMAND} --smoke` runs a tiny version of every scenario in seconds (the test suite does the same "
        "in `tests/e2e/test_benchmarks_smoke.py`); `--json FILE` also writes the raw figures.",
        "",
        f"Machine: {machine.cpu}, {machine.cores} cores; Python {machine.python}; {machine.platform}. "
        f"Run {run.started}; 1-minute load average {machine.load_before:.2f} at the start and "
        f"{machine.load_after:.2f} at the end (the benchmark itself keeps about one core busy; more means other "
        "work shared the machine and the times are that much noisier).",
        "",
        "Every scenario runs both servers as real subprocesses driven over LSP on stdio, against the fake "
        "OpenRouter (`tests/fake_openrouter.py`) with a fixed latency, in the same run: **arb-lsp** and the "
        "**naive baseline** (`benchmarks/naive_baseline.py`: what the seed guide's `complete_code` does, one "
        "non-streamed httpx call per request with the whole file as the prompt, no debounce, no supersession, "
        "no cache). The last column is arb-lsp's figure over the baseline's: below 1 is better for times, "
        "requests and memory.",
        "",
        "## Targets",
        "",
        "| target | goal | measured | met |",
        "|---|---|---|---|",
    ]
    for target in run.targets:
        met = "—" if target.met is None else ("yes" if target.met else "**no**")
        out.append(f"| {target.name} | {target.goal} | {target.value} | {met} |")
    missed = [t for t in run.targets if t.met is False and t.why]
    if missed:
        out += ["", "### Why the missed targets are missed", ""]
        for target in missed:
            out.append(f"- **{target.name}.** {target.why}")
    explained = [t for t in run.targets if t.met and t.why]
    if explained:
        out += ["", "### What the met targets rest on", ""]
        for target in explained:
            out.append(f"- **{target.name}.** {target.why}")
    if chart:
        out += ["", f"![benchmark chart]({chart})"]
    for section in run.sections:
        out += ["", f"## {section.title}", "", section.setup, "", *_table(section)]
        for table in section.tables:
            out += ["", *table]
        if section.notes:
            out.append("")
            out += [f"- {note}" for note in section.notes]
    if run.profile:
        out += ["", "## Profile", "", *run.profile]
    out += [
        "",
        "## How it is measured",
        "",
        "- The client (`benchmarks/lsp_client.py`) timestamps each answer as soon as its bytes are read, "
        "before decoding it; a keystroke's `didChange` and the request it triggers go out in one write.",
        "- The fake runs in the benchmark's process, so its `started_at`, `finished_at` and `disconnected_at` "
        "share the client's monotonic clock. The upstream's own latency is `finished_at - started_at` "
        "(request head read to the last byte of the answer handed to the socket).",
        "- Medians and 95th percentiles are nearest-rank over the samples listed in each section.",
        "- Nothing is tuned per server: both get the same documents, positions, keystrokes and fake latency.",
        "",
    ]
    return "\n".join(out)


def _pairs(run: Run, section_key: str, keys: list[str]) -> tuple[list[float], list[float]]:
    section = run.section(section_key)
    arb: list[float] = []
    naive: list[float] = []
    for key in keys:
        figure = section.figure(key) if section else None
        arb.append(figure.arb if figure and figure.arb is not None else math.nan)
        naive.append(figure.naive if figure and figure.naive is not None else math.nan)
    return arb, naive


def chart(run: Run, path: Path) -> bool:
    """Write the PNG; False (and no file) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    colours = {"arb-lsp": "#2b6cb0", "naive": "#c05621"}
    fig, axes = plt.subplots(2, 4, figsize=(18, 8.5))

    def bars(ax: Any, title: str, labels: list[str], arb: list[float], naive: list[float], unit: str) -> None:
        positions = range(len(labels))
        width = 0.38
        ax.bar([p - width / 2 for p in positions], arb, width, label="arb-lsp", color=colours["arb-lsp"])
        ax.bar([p + width / 2 for p in positions], naive, width, label="naive", color=colours["naive"])
        ax.set_xticks(list(positions), labels, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit)
        ax.legend(fontsize=8)

    overhead = run.section("overhead")
    if overhead:
        sizes = sorted({int(k.split("_")[-1]) for k in overhead.series if k.startswith("keystroke_")})
        keys = [f"keystroke_median_{n}" for n in sizes] + [f"request_median_{n}" for n in sizes]
        labels = [f"keystroke\n{n:,} lines" for n in sizes] + [f"cursor moved\n{n:,} lines" for n in sizes]
        bars(axes[0][0], "1. Overhead over upstream, median", labels, *_pairs(run, "overhead", keys), "ms")
        axes[0][0].axhline(2, color="#e53e3e", linestyle=":", linewidth=1)
    bars(
        axes[0][1],
        "2. Upstream requests per 30-key burst",
        ["VS Code\nsent", "VS Code\ncompleted", "Neovim\nsent", "Neovim\ncompleted"],
        *_pairs(run, "burst", ["vscode_sent", "vscode_completed", "neovim_sent", "neovim_completed"]),
        "requests",
    )
    bars(
        axes[0][2],
        "2. Last keystroke to suggestion",
        ["VS Code", "Neovim"],
        *_pairs(run, "burst", ["vscode_latency", "neovim_latency"]),
        "ms",
    )
    bars(
        axes[0][3],
        "3. $/cancelRequest to upstream closed",
        ["1st token\nmedian", "1st token\np95", "streaming\nmedian", "streaming\np95"],
        *_pairs(run, "cancel", ["ttft_close_median", "ttft_close_p95", "stream_close_median", "stream_close_p95"]),
        "ms",
    )
    axes[0][1].axhline(1, color="#e53e3e", linestyle=":", linewidth=1)
    axes[0][3].axhline(20, color="#e53e3e", linestyle=":", linewidth=1)
    arb, naive = _pairs(run, "cache", ["repeat_median", "typed_median"])
    bars(
        axes[1][0],
        "4. Answers without upstream (log)",
        ["repeated request", "typing into\nsuggestion"],
        arb,
        naive,
        "ms",
    )
    axes[1][0].set_yscale("log")
    axes[1][0].axhline(1, color="#e53e3e", linestyle=":", linewidth=1)
    scale = run.section("scale")
    if scale and scale.series.get("lines"):
        ax = axes[1][1]
        lines = scale.series["lines"]
        ax.loglog(lines, scale.series["plan_ms"], "o-", color=colours["arb-lsp"], label="arb-lsp plan_completion")
        ax.loglog(lines, scale.series["naive_ms"], "o-", color=colours["naive"], label="naive prompt")
        ax.loglog(
            lines,
            scale.series["index_ms"],
            "s--",
            color="#718096",
            label="arb-lsp TextBuffer build (once per opened file)",
        )
        if scale.series.get("change_ms"):
            ax.loglog(
                lines, scale.series["change_ms"], "^:", color="#718096", label="arb-lsp document update (per keystroke)"
            )
        ax.set_title("5a. Per request and per keystroke", fontsize=10)
        ax.set_xlabel("document lines")
        ax.set_ylabel("ms")
        ax.legend(fontsize=8)
    bars(
        axes[1][2],
        "5b. Server RSS, 50 files × 10,000 lines",
        ["idle", "files open", "after completions", "peak"],
        *_pairs(run, "memory", ["idle", "opened", "after", "peak"]),
        "MB",
    )
    axes[1][2].axhline(100, color="#e53e3e", linestyle=":", linewidth=1)
    bars(axes[1][3], "5c. Cold start", ["median", "p95"], *_pairs(run, "startup", ["median", "p95"]), "ms")
    axes[1][3].axhline(300, color="#e53e3e", linestyle=":", linewidth=1)
    fig.suptitle(
        f"arb-lsp vs naive baseline — {run.machine.cpu}, {run.machine.cores} cores, Python {run.machine.python} "
        "(dotted red lines: targets)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return True
