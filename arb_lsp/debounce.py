"""How long a completion waits after a keystroke before it asks upstream: a debounce that follows the typist.

A fixed debounce waits the same ``completion.debounceMs`` whether the user is in the middle of a word or
has stopped to think, so a typist slower than the debounce pays one upstream request per keystroke and a
fast one waits the full base at every pause. The adaptive debounce (``completion.debounce: "adaptive"``,
the default; Tabby's debouncer adapts to the typing rhythm the same way) learns each document's inter-key
intervals over the last few seconds and, with ``debounceMs`` as its base:

- waits a quarter of the base where a pause is likely: right after ``.``, ``(`` or ``:``, at a word's end
  (a space or a comma) and at the start of a new line (after Enter, the line before the cursor is blank
  or indentation);
- waits half the base after an interval more than twice the user's usual one and longer than the base (the
  user is slowing down);
- in the middle of a burst, waits a little longer than nearly all of the user's recent intervals (at least
  the base, at most four times it), so a burst asks once, at its end, whatever the typist's speed.

``decide`` is a pure function of the history, so the benchmark replays typing traces through the very
decision the server makes. Clients that debounce their own requests (Neovim 0.12's built-in inline
completion waits 200 ms after typing stops) get that much less, so the two waits do not add up.
"""

from __future__ import annotations

import re
import statistics
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

#: Characters after which the user usually stops to look: member access, a call's arguments, a block, and
#: the end of a word (a space or a comma; the start of a new line is checked apart).
PAUSE_AFTER = frozenset(".(:, ")
#: How much typing history the rhythm is learned from.
HISTORY_S = 5.0
#: An interval longer than this is a pause, not part of the typist's rhythm.
PAUSE_GAP_S = 1.0
#: Intervals needed before the rhythm is trusted (until then the base is used).
MIN_GAPS = 3
#: Where a pause is likely the wait is this share of the base.
PAUSE_FACTOR = 0.25
#: After an interval this many times the usual one (and longer than the base) the user is slowing down: wait
#: this share of the base. Not less than twice: a loaded machine delays a keystroke's message by tens of
#: milliseconds, and jitter must not pass for hesitation (each one would cost an upstream request).
SLOWING_RATIO, SLOWING_FACTOR = 2.0, 0.5
#: Mid-burst: wait this much longer than the user's slow-end interval (its 85th percentile), at most CAP × base.
BURST_QUANTILE, BURST_MARGIN, BURST_CAP = 0.85, 1.3, 4.0
#: Clients known to debounce their own inline completion requests: (name, minimum version, seconds).
SELF_DEBOUNCING_INLINE_CLIENTS = ((("neovim", "nvim"), (0, 12), 0.2),)

_VERSION = re.compile(r"(\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class Decision:
    """The wait before asking upstream, and why (``fixed``, ``off``, ``pause``, ``slowing``, ``burst``,
    ``learning``; ``+client`` when the client's own debounce was taken off)."""

    seconds: float
    reason: str


def pause_likely(line_before_cursor: str) -> bool:
    """Right after ``.``, ``(``, ``:``, a space or a comma, or on a line with only indentation before the cursor."""
    if not line_before_cursor.strip():
        return True
    return line_before_cursor[-1] in PAUSE_AFTER


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def decide(base: float, mode: str, gaps: Sequence[float], last_gap: float | None, line_before_cursor: str) -> Decision:
    """The wait after a keystroke: ``gaps`` are the document's recent inter-key intervals (seconds, pauses
    left out), ``last_gap`` the interval that ended with this keystroke (None for the first one)."""
    if base <= 0:
        return Decision(0.0, "off")
    if mode == "fixed":
        return Decision(base, "fixed")
    if pause_likely(line_before_cursor):
        return Decision(base * PAUSE_FACTOR, "pause")
    if len(gaps) < MIN_GAPS:
        return Decision(base, "learning")
    usual = statistics.median(gaps)
    if last_gap is not None and max(usual * SLOWING_RATIO, base) < last_gap <= PAUSE_GAP_S:
        return Decision(base * SLOWING_FACTOR, "slowing")
    slow_end = _quantile(gaps, BURST_QUANTILE) * BURST_MARGIN
    return Decision(min(base * BURST_CAP, max(base, slow_end)), "burst")


def client_debounce(client_name: str, client_version: str, inline: bool) -> float:
    """Seconds the client itself already waited after the last keystroke before sending this request."""
    if not inline:
        return 0.0
    match = _VERSION.match(client_version.strip().lstrip("v"))
    version = (int(match.group(1)), int(match.group(2))) if match else None
    for names, minimum, seconds in SELF_DEBOUNCING_INLINE_CLIENTS:
        if client_name.strip().lower() in names and version is not None and version >= minimum:
            return seconds
    return 0.0


def less_client(decision: Decision, client_seconds: float) -> Decision:
    """``decision`` less what the client already waited (never below zero)."""
    if client_seconds <= 0 or decision.seconds <= 0:
        return decision
    return Decision(max(0.0, decision.seconds - client_seconds), decision.reason + "+client")


class TypingRhythm:
    """One document's recent keystroke times, from its edits as they arrive."""

    __slots__ = ("_gaps", "_last", "last_gap")

    def __init__(self) -> None:
        self._last: float | None = None
        self._gaps: deque[tuple[float, float]] = deque()
        #: The interval that ended with the latest keystroke (None before the second one).
        self.last_gap: float | None = None

    def keystroke(self, now: float) -> None:
        if self._last is not None:
            gap = now - self._last
            self.last_gap = gap
            if gap <= PAUSE_GAP_S:
                self._gaps.append((now, gap))
        self._last = now
        while self._gaps and now - self._gaps[0][0] > HISTORY_S:
            self._gaps.popleft()

    def gaps(self) -> list[float]:
        return [gap for _, gap in self._gaps]

    def decide(self, base: float, mode: str, line_before_cursor: str) -> Decision:
        return decide(base, mode, self.gaps(), self.last_gap, line_before_cursor)
