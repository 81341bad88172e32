"""Scenario 5a: prompt building on 1,000 to 1,000,000-line documents, in process.

arb-lsp: ``arb_lsp.pipelines.plan_completion`` (context windows, redaction, prompt, cache key) reading
the document's ``TextBuffer`` (its text in chunks, its own line index); building that buffer when the
document is opened is reported on its own. Naive: what its request handler does before sending (pygls
position conversion and the whole-file prompt). Both servers also pay for updating the document on
every keystroke: the naive baseline through pygls's ``TextDocument``, whose incremental sync rewrites
the whole text through ``doc.lines``; arb-lsp through its ``LspTextDocument``, which edits the chunks
the change touches (timed after a first edit, which cuts an opened document into chunks). Times are medians of repeated calls; memory is tracemalloc's peak during one call
(and, for the index, what it keeps).
"""

from __future__ import annotations

import functools
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.workspace import TextDocument

from arb_lsp.documents import LspTextDocument
from arb_lsp.pipelines import plan_completion
from arb_lsp.settings import Settings
from arb_lsp.textbuffer import TextBuffer
from benchmarks.config import Config
from benchmarks.corpus import python_source
from benchmarks.naive_baseline import prompt_for
from benchmarks.results import Section


def _timed(call: Callable[[], Any], repeats: int) -> float:
    """Median seconds of ``call()`` over ``repeats`` runs (garbage collection paused while timing)."""
    samples = []
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return statistics.median(samples)


def _memory(call: Callable[[], Any]) -> tuple[int, int]:
    """(peak bytes allocated during ``call()``, bytes still held by its result)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = call()
        current, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        tracemalloc.stop()
    return peak - before, current - before


def _incremental_change(document: TextDocument, line: int) -> Callable[[], None]:
    position = types.Position(line=line, character=0)
    change = types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text="x")
    document.apply_change(change)  # the first edit of an opened document is not the one a keystroke costs
    return lambda: document.apply_change(change)


async def run(_fake: object, config: Config) -> Section:
    section = Section(
        "scale",
        "5a. Scale: prompt building per request on large documents (in process)",
        "cursor in the middle of the document; arb-lsp with default settings "
        f"(2,048-token prompt window, secret redaction on); times are medians of up to {config.scale_repeats} calls.",
    )
    settings = Settings()
    series: dict[str, list[float]] = {
        k: [] for k in ("plan_ms", "naive_ms", "index_ms", "change_ms", "naive_change_ms", "plan_kib", "naive_kib")
    }
    for lines in config.scale_lines:
        text = python_source(lines)
        line = lines // 2
        offset = text.index("\n", len(text) // 2) + 1
        repeats = max(1, config.scale_repeats if lines <= 100_000 else config.scale_repeats // 5)
        buffer = LspTextDocument("file:///bench/big.py", text).buffer.edit(offset, offset, "")
        line = buffer.line_of(offset)

        def plan(buffer: TextBuffer = buffer, offset: int = offset) -> object:
            return plan_completion(settings, buffer, offset, index=buffer, language_id="python", path="big.py")

        document = TextDocument("file:///bench/big.py", text, language_id="python")
        position = types.Position(line=line, character=0)

        def naive(document: TextDocument = document, position: types.Position = position) -> object:
            return prompt_for(document, position)

        plan_s = _timed(plan, repeats)
        plan_peak, _ = _memory(plan)
        build_index = functools.partial(TextBuffer, text)
        index_s = _timed(build_index, max(1, repeats // 4))
        _, index_kept = _memory(build_index)
        naive_repeats = max(1, repeats // 4)
        naive_s = _timed(naive, naive_repeats)
        naive_peak, _ = _memory(naive)
        change_s = _timed(_incremental_change(LspTextDocument("file:///bench/edit.py", text), line), naive_repeats)
        naive_change_s = _timed(_incremental_change(TextDocument("file:///bench/edit.py", text), line), naive_repeats)

        size = f"{lines:,} lines"
        section.add(f"plan_ms_{lines}", f"{size}: prompt building per request", "ms", plan_s * 1000, naive_s * 1000)
        section.add(
            f"plan_kib_{lines}",
            f"{size}: memory allocated per request (peak)",
            "KiB",
            plan_peak / 1024,
            naive_peak / 1024,
        )
        section.add(
            f"index_ms_{lines}",
            f"{size}: text buffer and line index build, once per opened document (arb-lsp only)",
            "ms",
            index_s * 1000,
            None,
        )
        section.add(f"index_kib_{lines}", f"{size}: line index size (arb-lsp only)", "KiB", index_kept / 1024, None)
        section.add(
            f"change_ms_{lines}",
            f"{size}: applying one keystroke to the document (incremental sync)",
            "ms",
            change_s * 1000,
            naive_change_s * 1000,
        )
        series["plan_ms"].append(plan_s * 1000)
        series["naive_ms"].append(naive_s * 1000)
        series["index_ms"].append(index_s * 1000)
        series["change_ms"].append(change_s * 1000)
        series["naive_change_ms"].append(naive_change_s * 1000)
        series["plan_kib"].append(plan_peak / 1024)
        series["naive_kib"].append(naive_peak / 1024)
        del text, buffer, document
        gc.collect()
    section.series = {"lines": list(config.scale_lines), **series}
    largest, arb_change, naive_change = config.scale_lines[-1], series["change_ms"][-1], series["naive_change_ms"][-1]
    smallest = config.scale_lines[0]
    section.notes.append(
        f"Per request, arb-lsp's cost is flat; per keystroke too: applying a change costs "
        f"{series['change_ms'][0]:.3f} ms at {smallest:,} lines and {arb_change:.3f} ms at {largest:,} (pygls's "
        f"incremental sync {naive_change:.0f} ms there), since it re-cuts only the chunks the edit touches and "
        "shifts the running totals of the others. The text buffer is built once, when the document is opened "
        f"({series['index_ms'][-1]:.0f} ms at {largest:,} lines), no longer per version."
    )
    return section
