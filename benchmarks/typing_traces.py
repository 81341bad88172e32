"""Typing traces and the debounce replayed over them: how many upstream requests a way of debouncing makes,
and how soon it shows a suggestion once the user stops.

A trace is the code a person types, one keystroke at a time, with the time of each. ``generate`` makes one
from a seeded model (bursts of 50-150 ms between keys, pauses of 300-2,000 ms at word and line ends);
``load`` reads the replayed trace file (``benchmarks/data/typing_trace.json``). ``simulate`` runs the server's
own decision (``arb_lsp.debounce``) over a trace: a keystroke's request reaches the upstream when the next
keystroke comes later than its debounce, and its suggestion is shown when the next one comes later than
the debounce plus the upstream's own time.
"""

from __future__ import annotations

import json
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from arb_lsp.debounce import TypingRhythm
from benchmarks import ROOT
from benchmarks.stats import percentile

TRACE_FILE = ROOT / "benchmarks" / "data" / "typing_trace.json"
#: A gap at least this long is a pause (the person stopped; a suggestion there is what they wait for).
PAUSE_S = 0.3

#: What the seeded model types: ordinary Python, with the editor's auto-indent after Enter.
SAMPLE = '''def load_orders(path: str, since: date) -> list[Order]:
    """Read the orders placed since a date."""
    orders = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["placed"] < since.isoformat():
                continue
            orders.append(Order.from_record(record))
    return orders


def total_by_customer(orders: list[Order]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for order in orders:
        totals[order.customer] = totals.get(order.customer, 0.0) + order.amount
    return totals
'''


@dataclass(frozen=True, slots=True)
class Keystroke:
    t: float  # seconds from the start of the trace
    text: str  # what the keystroke inserted (Enter brings the next line's indentation with it)
    line_before: str  # the line before the cursor after it


@dataclass(frozen=True, slots=True)
class Trace:
    name: str
    keystrokes: tuple[Keystroke, ...]

    def pauses(self) -> int:
        return sum(1 for i in range(len(self.keystrokes)) if _gap_after(self.keystrokes, i) >= PAUSE_S)


def _keystrokes(text: str) -> list[str]:
    """``text`` as keystrokes: one per character, Enter together with the indentation the editor adds."""
    keys: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\n":
            j = i + 1
            while j < len(text) and text[j] == " ":
                j += 1
            keys.append(text[i:j])
            i = j
        else:
            keys.append(text[i])
            i += 1
    return keys


def _with_lines(name: str, timed: Sequence[tuple[float, str]]) -> Trace:
    line = ""
    out = []
    for t, text in timed:
        line = text.rsplit("\n", 1)[1] if "\n" in text else line + text
        out.append(Keystroke(t, text, line))
    return Trace(name, tuple(out))


def generate(seed: int = 1, text: str = SAMPLE) -> Trace:
    """Bursts of 50-150 ms between keys; after a word or line ends (a space, ``.``, ``(``, ``:``, ``,``,
    Enter) a pause of 300-2,000 ms with some probability (more often at line ends)."""
    rng = random.Random(seed)
    t = 0.0
    timed: list[tuple[float, str]] = []
    for key in _keystrokes(text):
        timed.append((t, key))
        if key.startswith("\n"):
            paused = rng.random() < 0.6
        elif key in " .(:,":
            paused = rng.random() < 0.25
        else:
            paused = False
        t += rng.uniform(0.3, 2.0) if paused else rng.uniform(0.05, 0.15)
    return _with_lines(f"generated (seed {seed})", timed)


def load(path: Path = TRACE_FILE) -> Trace:
    data = json.loads(path.read_text(encoding="utf-8"))
    return _with_lines(data["name"], [(ms / 1000, text) for ms, text in data["keystrokes"]])


def _gap_after(keys: Sequence[Keystroke], i: int) -> float:
    return keys[i + 1].t - keys[i].t if i + 1 < len(keys) else float("inf")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one way of debouncing does over a trace."""

    requests: int
    keystrokes: int
    pauses: int
    shown_at_pauses: int
    #: Debounce waited at each pause whose suggestion was shown (what the user waits beyond the upstream).
    waits: tuple[float, ...]
    #: The decision at every keystroke (for comparing with the real server).
    delays: tuple[float, ...]

    @property
    def per_100(self) -> float:
        return 100 * self.requests / self.keystrokes if self.keystrokes else 0.0

    @property
    def shown_per_pause(self) -> float:
        return self.shown_at_pauses / self.pauses if self.pauses else 0.0

    def wait(self, fraction: float | None = None) -> float | None:
        if not self.waits:
            return None
        return statistics.median(self.waits) if fraction is None else percentile(self.waits, fraction)


def simulate(trace: Trace, mode: str, base_s: float, upstream_s: float) -> Outcome:
    """Replay ``trace`` through the server's debounce decision (``mode``: ``adaptive`` or ``fixed``)."""
    keys = trace.keystrokes
    rhythm = TypingRhythm()
    requests = pauses = shown = 0
    waits: list[float] = []
    delays: list[float] = []
    for i, key in enumerate(keys):
        rhythm.keystroke(key.t)
        delay = rhythm.decide(base_s, mode, key.line_before).seconds
        delays.append(delay)
        gap = _gap_after(keys, i)
        requests += gap > delay
        if gap >= PAUSE_S:
            pauses += 1
            if gap > delay + upstream_s:
                shown += 1
                waits.append(delay)
    return Outcome(requests, len(keys), pauses, shown, tuple(waits), tuple(delays))
