"""Terminal output: aligned tables, money and token formatting, and the progress display of long runs.

The progress display draws a bar on stderr only when stderr is a terminal; otherwise (a log file, CI,
a pipe) it writes plain lines, one per finished step, that read well without cursor tricks.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import TextIO


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell; the columns in ``right`` (numbers) aligned right."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        padded = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)]) + "\n"


def usd(amount: float) -> str:
    """Dollars with enough digits to show small amounts: $0, $0.000012, $0.0042, $1.23."""
    if amount == 0:
        return "$0"
    if amount >= 1:
        return f"${amount:,.2f}"
    text = f"{amount:.6f}".rstrip("0")
    return "$" + (text if len(text.split(".")[1]) >= 2 else f"{amount:.2f}")


def per_million(price_per_token: float) -> str:
    """A per-token USD price as USD per million tokens; OpenRouter marks variable prices with -1."""
    if price_per_token < 0:
        return "variable"
    amount = price_per_token * 1_000_000
    if amount == 0:
        return "0"
    text = f"{amount:.4f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{int(whole):,}.{decimals.ljust(2, '0')}"


def count(value: int) -> str:
    return f"{value:,}"


class Progress:
    """``[#####.....] 5/10  $0.0500  a.py:12 function add`` redrawn in place, or plain lines."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._drawn = False

    def status(self, done: int, cost: float, label: str) -> None:
        """The bar's current state (a terminal only: plain output reports finished steps via ``line``)."""
        if not self.tty:
            return
        width = shutil.get_terminal_size((80, 24)).columns
        slots = 20
        filled = slots * done // max(self.total, 1)
        text = f"[{'#' * filled}{'.' * (slots - filled)}] {done}/{self.total}  {usd(cost)}  {label}"
        self.stream.write("\r\x1b[K" + text[: max(width - 1, 10)])
        self.stream.flush()
        self._drawn = True

    def line(self, text: str) -> None:
        """A line that stays (a file written, a failure), printed above the bar."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
