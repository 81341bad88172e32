"""Ranking by use, end to end (issue 21): the prompt the fake OpenRouter received carries the definition the
cursor's line calls, from a file imported after others, before the unused definitions that come first."""

from __future__ import annotations

from pathlib import Path

from fake_openrouter import FakeOpenRouter
from test_workspace_context import prompt_for, session, write

FILLER = "".join(
    f'def unused_{i}(value: int) -> int:\n    """Unused {i}.\n\n    {"Prose that fills the budget. " * 10}\n    """\n'
    "    return value\n\n\n"
    for i in range(12)
)


async def test_the_definition_the_line_calls_reaches_the_prompt_before_unused_ones(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    write(
        ws,
        {
            "shop/__init__.py": "",
            "shop/early.py": FILLER,
            "shop/pricing.py": FILLER
            + "def apply_discount(price: float, rate: float, *, floor: float = 0.0) -> float:\n"
            '    """The price after the discount, never below ``floor``."""\n    return BODY_IS_NOT_SENT\n',
            "shop/models.py": "class Cart:\n    def add(self, sku: str) -> None:\n        pass\n\n"
            "    def total(self, *, currency: str = 'EUR') -> float:\n        return BODY_IS_NOT_SENT\n",
        },
    )
    marked = (
        "from shop.early import unused_0, unused_1, unused_2\n"
        "from shop.models import Cart\n"
        "from shop.pricing import apply_discount\n\n\n"
        "def checkout(cart: Cart) -> float:\n"
        "    return apply_discount(cart.total(█\n"
    )
    async with session(fake, tmp_path, folders=[ws]) as client:
        prompt = await prompt_for(client, fake, ws / "app.py", marked, "python")
    called = "def apply_discount(price: float, rate: float, *, floor: float = 0.0) -> float:"
    member = "def total(self, *, currency: str = 'EUR') -> float:"
    assert called in prompt and member in prompt  # the member through ``cart: Cart``
    assert "BODY_IS_NOT_SENT" not in prompt
    # What the line uses comes before what it does not (if that is shown at all).
    for unused in ("def unused_0(", "def unused_11("):
        assert unused not in prompt or prompt.index(unused) > max(prompt.index(called), prompt.index(member))
