"""What a benchmark run produces: figures for arb-lsp and the naive baseline, grouped in sections."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Figure:
    """One measured quantity for both servers; ``ratio`` is arb-lsp's value over the baseline's."""

    key: str
    label: str
    unit: str
    arb: float | None
    naive: float | None = None
    #: Figures like "requests per burst" are counts; the report prints them without decimals.
    integer: bool = False

    @property
    def ratio(self) -> float | None:
        if self.arb is None or self.naive is None or math.isnan(self.arb) or math.isnan(self.naive):
            return None
        if self.naive == 0:
            return None if self.arb != 0 else 1.0
        return self.arb / self.naive


@dataclass(slots=True)
class Section:
    key: str
    title: str
    setup: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Extra series for the chart (e.g. time per document size), keyed by name.
    series: dict[str, Any] = field(default_factory=dict)
    #: Further Markdown tables (lists of lines) shown after the figures, for comparisons of more than two.
    tables: list[list[str]] = field(default_factory=list)

    def add(self, key: str, label: str, unit: str, arb: float | None, naive: float | None, **kw: Any) -> Figure:
        figure = Figure(f"{self.key}.{key}", label, unit, arb, naive, **kw)
        self.figures.append(figure)
        return figure

    def figure(self, key: str) -> Figure | None:
        wanted = f"{self.key}.{key}"
        return next((f for f in self.figures if f.key == wanted), None)


@dataclass(slots=True)
class Target:
    name: str
    goal: str
    value: str
    met: bool | None
    why: str = ""


@dataclass(slots=True)
class Machine:
    cpu: str
    cores: int
    python: str
    platform: str
    #: 1-minute load averages when the run started and ended (other work on the machine skews timings).
    load_before: float = 0.0
    load_after: float = 0.0


@dataclass(slots=True)
class Run:
    machine: Machine
    command: str
    started: str
    duration_s: float
    sections: list[Section]
    targets: list[Target] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for section, raw in zip(self.sections, data["sections"], strict=True):
            for figure, raw_figure in zip(section.figures, raw["figures"], strict=True):
                raw_figure["ratio"] = figure.ratio
        return data
