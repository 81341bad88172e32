"""The typing session's workspace and keystrokes: a 2,000-line file importing two modules of its workspace,
two other files open beside it, and the function typed near its end with where the editor asks for ghost text.

Used by ``benchmarks.typing_session``; kept apart so the session's figures and its fixture read separately.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.corpus import python_source

#: Ghost-text requests per session (the issue's figure).
COMPLETIONS = 50

FILE_LINES = 2000
#: Typed at the cursor, one character at a time, as a person writes a function: a docstring, a blank line
#: inside, indentation typed by hand (11 lines, 293 keystrokes).
TYPED = '''def order_total(orders, rate, shipping=0.0):
    """Sum of the orders, rate applied."""
    if not orders:
        return 0.0

    total = 0.0
    for order in orders:
        amount = apply_rate(order.subtotal(), rate)
        total += discount(amount)

    return round(total + shipping, 2)
'''
HELPERS = '''"""Pricing helpers."""


def apply_rate(amount: float, rate: float) -> float:
    """The amount with the rate applied."""
    return amount * (1 + rate)


class Order:
    """One order: its items and their prices."""

    def __init__(self, items: list[float]) -> None:
        self.items = items

    def subtotal(self) -> float:
        """The sum of the items."""
        return sum(self.items)
'''

ORDERS = '''"""Discounts and invoices."""


def discount(amount: float, rate: float = 0.05) -> float:
    """The amount less the discount."""
    return amount * (1 - rate)


class Invoice:
    """An invoice for a customer."""

    def __init__(self, customer: str, lines: list[float]) -> None:
        self.customer = customer
        self.lines = lines
'''


#: Open in the editor beside the edited file: windows of it resemble the function typed (similar-windows context).
REPORT = "".join(
    f"""def order_{name}(orders, rate):
    \"\"\"The {name} of the orders, with the rate applied.\"\"\"
    result = 0
    for order in orders:
        result += apply_rate(order.subtotal(), rate) * {k}
    return result


"""
    for k, name in enumerate(("count", "average", "largest", "smallest", "spread", "median"), start=1)
)


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def request_points(typed: str = TYPED) -> list[int]:
    """The keystrokes (indices into ``typed``) after which the editor asks for ghost text: where a person
    pauses and the debounce lets a request through. At a word's end (a one-line request in the middle of
    the line), after a new line's indentation and on an empty line (block requests)."""
    points = []
    for i, char in enumerate(typed):
        following = typed[i + 1] if i + 1 < len(typed) else "\n"
        line = typed[: i + 1].rpartition("\n")[2]
        if (
            (char == "\n" and following == "\n")
            or (not line.strip() and char in " \n" and following not in " \n")
            or (_word(char) and not _word(following))
        ):
            points.append(i)
    return points


def keystrokes(completions: int = COMPLETIONS) -> list[tuple[str, bool]]:
    """The characters typed, each with whether a completion is asked for after it (``completions`` in all)."""
    points = request_points()[:completions]
    return [(char, i in points) for i, char in enumerate(TYPED[: points[-1] + 1])]


def workspace(root: Path) -> tuple[Path, int]:
    """The workspace on disk; the edited file and the line the function is typed on (ten lines above its end)."""
    (root / "shop").mkdir(parents=True, exist_ok=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "pricing.py").write_text(HELPERS)
    (root / "shop" / "orders.py").write_text(ORDERS)
    (root / "shop" / "report.py").write_text("from shop.pricing import apply_rate\n\n\n" + REPORT)
    body = python_source(FILE_LINES).rstrip("\n").split("\n")
    head = ["from shop.pricing import Order, apply_rate", "from shop.orders import discount", ""]
    tail = ["", "", "def main() -> None:", "    print(order_total([], 0.1))", ""]
    body = body[: FILE_LINES - len(head) - len(tail) - 2]
    while body and body[-1].strip():  # end the corpus at the end of a definition
        body.pop()
    lines = head + body + ["", ""]
    cursor_line = len(lines) - 1
    lines[cursor_line : cursor_line + 1] = ["", *tail]
    path = root / "shop" / "app.py"
    path.write_text("\n".join(lines))
    return path, cursor_line
