"""Deterministic Python source of any length, so every run benchmarks the same documents."""

from __future__ import annotations

_TEMPLATES = (
    "class Model{n}:\n",
    '    """Keeps the totals of batch {n}."""\n',
    "\n",
    "    def __init__(self, items: list[int], factor: int = {m}) -> None:\n",
    "        self.items = items\n",
    "        self.factor = factor\n",
    "\n",
    "    def total_{n}(self) -> int:\n",
    "        result = 0\n",
    "        for index, item in enumerate(self.items):\n",
    "            if index % {m} == 0:\n",
    "                result += item * self.factor\n",
    "        return result\n",
    "\n",
    "\n",
    "def helper_{n}(values: dict[str, float]) -> float:\n",
    '    return sum(v for k, v in values.items() if k.startswith("k{m}"))\n',
    "\n",
    "\n",
)


def python_source(lines: int) -> str:
    """``lines`` lines of plausible Python (classes and functions numbered so no two blocks are equal)."""
    out: list[str] = []
    block = 0
    while len(out) < lines:
        for template in _TEMPLATES:
            if len(out) >= lines:
                break
            out.append(template.format(n=block, m=block % 7 + 2))
        block += 1
    return "".join(out)
