"""Scenario 1b: the first completion of a fresh server against the ones after it.

Each round launches a new server, initializes it, opens a 100-line file and waits ``SETTLE_S`` (an
editor opening a file and the user starting to type), then sends keystrokes as in section 1 (a
``didChange`` and a completion request in one write), each with a new context. The first one's
overhead (latency minus the upstream's own) is compared with the median of the ones after it: what a
server still does on the first request's path (reading settings, loading the model catalogue,
building the HTTP client and opening its connection, importing modules) shows as the difference.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from fake_openrouter import FakeOpenRouter

from benchmarks.config import Config
from benchmarks.corpus import python_source
from benchmarks.results import Section
from benchmarks.scenarios.common import describe_upstream, upstream
from benchmarks.scenarios.overhead import REPLY, TPS, TTFT, _timed
from benchmarks.servers import ARB, KINDS, NAIVE, NO_DEBOUNCE, Document, ServerKind, new_uri, session
from benchmarks.stats import summarize

LINES = 100
#: Time between ``initialized`` and the first keystroke: an editor opening the file, the user starting to type.
SETTLE_S = 1.0
#: Earlier first keystrokes, as when Neovim starts the server on opening a file and the user types at once.
EARLY_S = (0.0, 0.1, 0.25, 0.5)


async def _round(
    kind: ServerKind, fake: FakeOpenRouter, later: int, settle_s: float = SETTLE_S
) -> tuple[float | None, list[float], float | None]:
    """(first overhead, later overheads, seconds from ``initialized`` to the catalogue fetched if it was)."""
    upstream(fake, ttft=TTFT, tps=TPS, reply=REPLY)
    async with session(kind, fake, NO_DEBOUNCE) as server:
        initialized_at = time.monotonic()  # ``session`` has just sent ``initialized``
        doc = Document(server, new_uri("first"), python_source(LINES))
        await asyncio.sleep(max(0.0, initialized_at + settle_s - time.monotonic()))
        edit_line = LINES // 2
        overheads: list[float | None] = []
        for i in range(1 + later):
            change = doc.insert(edit_line, 0, f"    first_{i} = \n")
            overheads.append(await _timed(server, fake, doc.completion(doc.end_of(edit_line)), [change]))
    fetched = [r.finished_at for r in fake.requests if r.path.endswith("/models") and r.finished_at is not None]
    warm = min(fetched) - initialized_at if fetched else None
    return overheads[0], [o for o in overheads[1:] if o is not None], warm


async def run(fake: FakeOpenRouter, config: Config) -> Section:
    section = Section(
        "first",
        "1b. The first completion of a fresh server",
        describe_upstream(TTFT, TPS, REPLY)
        + f"; {config.first_rounds} fresh servers each, {LINES}-line file, first keystroke {SETTLE_S * 1000:.0f} ms "
        f"after `initialized`, then {config.first_later} more; overhead as in section 1 (debounce off). "
        f"The rows at {', '.join(f'{s * 1000:g}' for s in EARLY_S)} ms: {config.first_rounds} more fresh servers "
        "each, the first keystroke that long after `initialized` (the file opened with it), rounds interleaved "
        "across delays and servers so both meet the same load.",
    )
    firsts: dict[str, list[float]] = {kind.name: [] for kind in KINDS}
    laters: dict[str, list[float]] = {kind.name: [] for kind in KINDS}
    warm_ups: list[float] = []
    failures = 0
    for _ in range(config.first_rounds):
        for kind in KINDS:
            first, later, warm = await _round(kind, fake, config.first_later)
            if warm is not None and kind is ARB:
                warm_ups.append(warm)
            if first is None:
                failures += 1
            else:
                firsts[kind.name].append(first)
            laters[kind.name].extend(later)
    ms = 1000.0
    a_first, n_first = summarize(firsts[ARB.name]), summarize(firsts[NAIVE.name])
    a_later, n_later = summarize(laters[ARB.name]), summarize(laters[NAIVE.name])
    section.add("first_median", "first completion: overhead, median", "ms", a_first.median * ms, n_first.median * ms)
    slowest = {name: max(values) * ms if values else None for name, values in firsts.items()}
    section.add("first_max", "first completion: overhead, slowest", "ms", slowest[ARB.name], slowest[NAIVE.name])
    section.add("later_median", "later completions: overhead, median", "ms", a_later.median * ms, n_later.median * ms)
    section.add(
        "first_over_later",
        "first completion over later ones, medians",
        "×",
        a_first.median / a_later.median if a_later.median else None,
        n_first.median / n_later.median if n_later.median else None,
    )
    section.add(
        "warm_up_median",
        "`initialized` to the model catalogue fetched (arb-lsp's warm-up), median",
        "ms",
        summarize(warm_ups).median * ms if warm_ups else None,
        None,
    )
    early: dict[tuple[str, float], list[float]] = {(kind.name, s): [] for kind in KINDS for s in EARLY_S}
    early_later: dict[str, list[float]] = {kind.name: [] for kind in KINDS}
    for _ in range(config.first_rounds):
        for settle in EARLY_S:
            for kind in KINDS:
                first, later, _warm = await _round(kind, fake, config.first_later, settle)
                if first is not None:
                    early[(kind.name, settle)].append(first)
                early_later[kind.name].extend(later)
    later_arb, later_naive = (summarize(early_later[k.name]).median for k in (ARB, NAIVE))
    for settle in EARLY_S:
        a, n = summarize(early[(ARB.name, settle)]).median, summarize(early[(NAIVE.name, settle)]).median
        at = f"{settle * 1000:g}"
        section.add(
            f"first_at_{at}", f"first completion {at} ms after `initialized`: overhead, median", "ms", a * ms, n * ms
        )
        section.add(
            f"first_at_{at}_over_later",
            f"first completion {at} ms after `initialized` over later ones, medians",
            "×",
            a / later_arb if later_arb else None,
            n / later_naive if later_naive else None,
        )
    section.add(
        "early_later_median",
        "later completions of those servers: overhead, median",
        "ms",
        later_arb * ms,
        later_naive * ms,
    )
    section.series["first_ms"] = {name: [x * ms for x in values] for name, values in firsts.items()}
    section.series["later_median_ms"] = {
        name: statistics.median(values) * ms if values else None for name, values in laters.items()
    }
    if failures:
        section.notes.append(f"{failures} first requests had no single upstream request or an error; left out.")
    return section
