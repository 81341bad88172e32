"""Ghost text in real Neovim 0.11 (headless): the plugin in ``editors/neovim`` draws the server's
``textDocument/inlineCompletion`` answer, and its keys accept all, a word or a line of it.

Each test plays steps (``tests/e2e/neovim/ghost.lua``) against the README's ``init.lua`` (which calls
``require("arb_lsp").setup()``) and the fake OpenRouter, and checks the buffer, the extmarks drawn and
the fake's requests. What a person sees on screen is checked in ``test_neovim_screen.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import server_env
from fake_openrouter import FakeOpenRouter, Reply
from test_neovim import Responder, arb_lsp_on_path, by_task, run_nvim  # noqa: F401 (a fixture)

CHECKOUT = "def checkout(items):\n    \n"


def once(completion: str) -> Responder:
    """The model's answer to the first completion prompt; nothing to the next ones (asked after acceptance)."""
    answered: list[str] = []

    def respond(body: dict[str, Any]) -> Reply | None:
        reply = by_task(completion="" if answered else completion)(body)
        answered.append(completion)
        return reply

    return respond


def play(
    tmp_path: Path,
    fake: FakeOpenRouter,
    steps: list[dict[str, Any]],
    files: dict[str, str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    env = {"ARB_LSP_NVIM_STEPS": json.dumps(steps), **kwargs.pop("env", {})}
    return run_nvim(tmp_path, fake, "ghost", files or {"checkout.py": CHECKOUT}, env=env, **kwargs)


#: Insert mode at the end of the empty indented line 2, then a first character typed.
TYPE_ON_LINE_2 = [{"cursor": [2, 4]}, {"keys": "A"}, {"keys": "t"}]


def test_typing_shows_the_suggestion_as_ghost_text_and_tab_inserts_exactly_it(
    tmp_path: Path, fake: FakeOpenRouter, arb_lsp_on_path: str
) -> None:
    fake.responder = once("otal = sum(item.price for item in items)")
    steps = [*TYPE_ON_LINE_2, {"wait": "visible"}, {"snap": "shown"}, {"keys": "<Tab>"}, {"snap": "accepted"}]
    seen = play(tmp_path, fake, steps)["snaps"]
    shown = seen["shown"]
    assert shown["text"] == "otal = sum(item.price for item in items)"
    (mark,) = shown["extmarks"]
    assert (mark["row"], mark["col"], mark["pos"], mark["hl"]) == (1, 5, "inline", "ArbLspGhostText")
    assert mark["text"] == "otal = sum(item.price for item in items)"
    assert shown["lines"] == ["def checkout(items):", "    t"], "ghost text is not in the buffer"
    accepted = seen["accepted"]
    assert accepted["lines"] == ["def checkout(items):", "    total = sum(item.price for item in items)"]
    assert accepted["cursor"] == [2, len("    total = sum(item.price for item in items)")]
    assert accepted["extmarks"] == [] and accepted["mode"] == "i"
