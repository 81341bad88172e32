"""Scenario 2b: the adaptive debounce against fixed ones, on typing traces.

The table replays two traces (``benchmarks/typing_traces.py``: a seeded generated one and the committed
replayed one) through the server's own decision function for each way of debouncing; the naive column is
no debounce at all (a request per keystroke). Then the start of the generated trace is typed into the
real server, adaptive and fixed 100 ms, and what reached the fake is compared with what the simulation
predicts for the same keystrokes, so the table is known to describe the server.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from fake_openrouter import FakeOpenRouter
from lsprotocol import types

from benchmarks.config import Config
from benchmarks.lsp_client import Pending
from benchmarks.results import Section
from benchmarks.scenarios.common import chats_since, describe_upstream, ping, upstream
from benchmarks.servers import ARB, Document, new_uri, session
from benchmarks.typing_traces import PAUSE_S, Outcome, Trace, generate, load, simulate

#: The upstream's own time assumed by the simulation (a hosted model's answer to a short completion).
UPSTREAM_S = 0.3
BASE_S = 0.1
STRATEGIES = (("adaptive", BASE_S), ("fixed", 0.05), ("fixed", 0.1), ("fixed", 0.15), ("fixed", 0.25))
SEED = 1
#: The real server's run starts typing this long after ``initialized`` (its warm-up is section 1b's subject).
SETTLE_S = 1.0


def _name(mode: str, base_s: float) -> str:
    return f"adaptive (base {base_s * 1000:g} ms)" if mode == "adaptive" else f"fixed {base_s * 1000:g} ms"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.0f} ms"


def _row(trace: Trace, name: str, outcome: Outcome) -> str:
    return (
        f"| {trace.name} | {name} | {outcome.per_100:.1f} | {outcome.shown_per_pause:.2f} | "
        f"{_ms(outcome.wait())} | {_ms(outcome.wait(0.95))} |"
    )


async def _replay(fake: FakeOpenRouter, trace: Trace, mode: str) -> tuple[int, list[float]]:
    """Type ``trace`` into a real arb-lsp, a menu request after each keystroke as Neovim re-triggers it:
    (upstream requests, for each pause answered with a suggestion the wait beyond the upstream's own time)."""
    upstream(fake, ttft=UPSTREAM_S, tps=None, reply=" = None")
    options = {"completion": {"debounceMs": BASE_S * 1000, "debounce": mode}}
    async with session(ARB, fake, options) as server:
        doc = Document(server, new_uri("typing"), "\n")
        await asyncio.sleep(SETTLE_S)
        await ping(server)
        seen = len(fake.chat_requests())
        line, column = 0, 0
        sent: list[Pending] = []
        start = time.monotonic()
        for key in trace.keystrokes:
            await asyncio.sleep(max(0.0, start + key.t - time.monotonic()))
            change = doc.insert(line, column, key.text)
            if "\n" in key.text:
                line, column = line + key.text.count("\n"), len(key.text.rsplit("\n", 1)[1])
            else:
                column += len(key.text)
            method, params = doc.completion(
                types.Position(line=line, character=column), types.CompletionTriggerKind.TriggerForIncompleteCompletions
            )
            sent.append(server.send(method, params, before=[change]))
        answers = await asyncio.gather(*(asyncio.wait_for(p.answer, 30) for p in sent))
        chats = chats_since(fake, seen)
        await fake.wait_for_async(lambda: all(c.finished_at is not None or c.disconnected for c in chats), 10)
    waits: list[float] = []
    keys = trace.keystrokes
    for i, answer in enumerate(answers):
        gap = keys[i + 1].t - keys[i].t if i + 1 < len(keys) else float("inf")
        if gap < PAUSE_S or not answer.items():
            continue
        served = [c for c in chats if answer.sent_at <= c.started_at <= answer.answered_at and c.finished_at]
        if served:
            own = served[-1].finished_at - served[-1].started_at  # type: ignore[operator]
            waits.append(answer.answered_at - answer.sent_at - own)
    return len(chats), waits


async def run(fake: FakeOpenRouter, config: Config) -> Section:
    traces = [generate(SEED), load()]
    section = Section(
        "debounce",
        "2b. Adaptive debounce on typing traces",
        f"Two traces: one generated from a seeded model (seed {SEED}: 50-150 ms between keys in a burst, "
        "pauses of 300-2,000 ms after word and line ends) and the replayed one in "
        "`benchmarks/data/typing_trace.json` (lognormal gaps, pauses also before Enter and inside words). "
        f"Each is replayed through the server's own decision (`arb_lsp.debounce.decide`) with an upstream "
        f"taking {UPSTREAM_S * 1000:g} ms; a pause is a gap of at least {PAUSE_S * 1000:g} ms. Naive column: "
        f"no debounce. Then the first {config.debounce_replay_keystrokes} keystrokes of the generated trace are "
        f"typed into the real arb-lsp (a menu request after each, as Neovim re-triggers it; "
        + describe_upstream(UPSTREAM_S, None, " = None")
        + ") to check the simulation.",
    )
    outcomes = {(t.name, mode, base): simulate(t, mode, base, UPSTREAM_S) for t in traces for mode, base in STRATEGIES}
    none = {t.name: simulate(t, "fixed", 0.0, UPSTREAM_S) for t in traces}
    for index, trace in enumerate(traces):
        tag = "generated" if index == 0 else "replayed"
        adaptive = outcomes[(trace.name, "adaptive", BASE_S)]
        section.add(
            f"per100_{tag}",
            f"{tag} trace: upstream requests per 100 keystrokes",
            "",
            adaptive.per_100,
            none[trace.name].per_100,
        )
        section.add(
            f"shown_{tag}",
            f"{tag} trace: suggestions shown per pause",
            "",
            adaptive.shown_per_pause,
            none[trace.name].shown_per_pause,
        )
        for label, fraction in (("median", None), ("p95", 0.95)):
            wait, naive_wait = adaptive.wait(fraction), none[trace.name].wait(fraction)
            section.add(
                f"wait_{label}_{tag}",
                f"{tag} trace: last keystroke of a pause to the suggestion, beyond the upstream, {label}",
                "ms",
                wait * 1000 if wait is not None else None,
                naive_wait * 1000 if naive_wait is not None else None,
            )
    table = [
        "| trace | debounce | upstream requests per 100 keystrokes | suggestions shown per pause | "
        "wait at a pause, median | wait at a pause, p95 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for trace in traces:
        for mode, base in STRATEGIES:
            table.append(_row(trace, _name(mode, base), outcomes[(trace.name, mode, base)]))
        table.append(_row(trace, "none (the naive baseline)", none[trace.name]))
    section.tables.append(table)
    section.series["strategies"] = {
        f"{trace.name}: {_name(mode, base)}": {
            "per100": outcomes[(trace.name, mode, base)].per_100,
            "shownPerPause": outcomes[(trace.name, mode, base)].shown_per_pause,
            "waitMedianMs": (outcomes[(trace.name, mode, base)].wait() or 0) * 1000,
            "waitP95Ms": (outcomes[(trace.name, mode, base)].wait(0.95) or 0) * 1000,
        }
        for trace in traces
        for mode, base in STRATEGIES
    }
    # The real server over the start of the generated trace.
    head = Trace(traces[0].name, traces[0].keystrokes[: config.debounce_replay_keystrokes])
    checks = [
        "| debounce | upstream requests (real server) | predicted by the simulation | wait at a pause beyond "
        "the upstream, median (real server) | predicted |",
        "|---|---:|---:|---:|---:|",
    ]
    for mode, base in (("adaptive", BASE_S), ("fixed", BASE_S)):
        real, waits = await _replay(fake, head, mode)
        predicted = simulate(head, mode, base, UPSTREAM_S)
        real_wait = statistics.median(waits) if waits else None
        checks.append(
            f"| {_name(mode, base)} | {real} | {predicted.requests} | {_ms(real_wait)} | {_ms(predicted.wait())} |"
        )
        section.series[f"real_{mode}"] = {"requests": real, "predicted": predicted.requests, "waits": waits}
        if mode == "adaptive":
            section.add(
                "real_requests",
                "real server, adaptive: upstream requests over the typed keystrokes",
                "",
                real,
                len(head.keystrokes),
                integer=True,
            )
            section.add(
                "real_wait",
                "real server, adaptive: wait at a pause beyond the upstream, median",
                "ms",
                real_wait * 1000 if real_wait is not None else None,
                None,
            )
    section.tables.append(checks)
    section.notes.append(
        "The real server's waits include its own overhead (section 1) on top of the debounce; requests are "
        "counted at the fake. Timing on a shared machine can move a keystroke across a debounce boundary, so "
        "the real counts may differ from the prediction by a few."
    )
    return section
