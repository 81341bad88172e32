"""The typing traces and the debounce simulation the benchmark's table comes from."""

from __future__ import annotations

import sys

from conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.typing_traces import PAUSE_S, generate, load, simulate


def test_generated_traces_are_seeded_and_shaped_as_described() -> None:
    trace = generate(7)
    assert trace == generate(7) and trace != generate(8)
    gaps = [b.t - a.t for a, b in zip(trace.keystrokes, trace.keystrokes[1:], strict=False)]
    assert all(0.05 <= gap <= 0.15 or 0.3 <= gap <= 2.0 for gap in gaps)
    paused_after = {trace.keystrokes[i].text[:1] for i, gap in enumerate(gaps) if gap >= PAUSE_S}
    assert paused_after <= set(" .(:,\n")
    assert trace.keystrokes[-1].line_before == ""  # the sample ends with Enter


def test_the_replayed_trace_loads_with_each_keystrokes_line() -> None:
    trace = load()
    assert len(trace.keystrokes) > 300 and trace.pauses() > 10
    assert trace.keystrokes[4].line_before == "class"


def test_simulation_counts_requests_that_outlive_their_debounce() -> None:
    trace = generate(1)
    none = simulate(trace, "fixed", 0.0, 0.3)
    assert none.requests == len(trace.keystrokes) and none.wait() == 0.0
    fixed = simulate(trace, "fixed", 0.1, 0.3)
    adaptive = simulate(trace, "adaptive", 0.1, 0.3)
    assert adaptive.requests < fixed.requests < none.requests
    assert set(fixed.delays) == {0.1}
    assert fixed.shown_at_pauses <= fixed.pauses
