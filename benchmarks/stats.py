"""Summaries of samples: median and 95th percentile (nearest rank, so small samples stay honest)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Summary:
    median: float
    p95: float
    count: int

    def scaled(self, factor: float) -> Summary:
        return Summary(self.median * factor, self.p95 * factor, self.count)


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summarize(samples: Sequence[float]) -> Summary:
    if not samples:
        return Summary(math.nan, math.nan, 0)
    return Summary(statistics.median(samples), percentile(samples, 0.95), len(samples))
