"""What a person sees: Neovim 0.11 in a real terminal (tmux), ghost text read off the screen.

Neovim runs in a detached tmux session of a fixed size with the README's ``init.lua`` (which calls
``require("arb_lsp").setup()``); keys go in with ``tmux send-keys`` and the screen comes back with
``tmux capture-pane``, where extmarks appear as text where a person sees them. Each test has its own
tmux server (``-L``), killed at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openrouter import FakeOpenRouter
from test_neovim import DRIVERS, arb_lsp_on_path, nvim, prepare_nvim  # noqa: F401 (a fixture)
from test_neovim_ghost import once

pytestmark = pytest.mark.usefixtures("arb_lsp_on_path")

WIDTH, HEIGHT = 80, 18
#: Where the README's screenshot's terminal capture is kept when ARB_LSP_SCREENSHOT_ANSI names a file.
SCREENSHOT_ENV = "ARB_LSP_SCREENSHOT_ANSI"


class Screen:
    """A Neovim in a tmux session: type into it, read its screen."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "nvim", *(["-l"] if literal else []), *keys)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def text(self) -> list[str]:
        return self.tmux("capture-pane", "-t", "nvim", "-p").split("\n")

    def ansi(self) -> str:
        return self.tmux("capture-pane", "-t", "nvim", "-p", "-e")

    def cursor(self) -> tuple[int, int]:
        x, y = self.tmux("display-message", "-t", "nvim", "-p", "#{cursor_x},#{cursor_y}").strip().split(",")
        return int(x), int(y)

    def wait_for(self, predicate: Any, what: str, timeout: float = 15.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            lines = self.text()
            if predicate(lines):
                return lines
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n" + "\n".join(lines))
            time.sleep(0.05)


@pytest.fixture
def screen(tmp_path: Path, fake: FakeOpenRouter, request: pytest.FixtureRequest) -> Iterator[Screen]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: scripts/test.sh installs it (apt-get install tmux)")
    files: dict[str, str] = request.param
    attached = tmp_path / "attached"
    workspace, env = prepare_nvim(tmp_path, fake, files, env={"ARB_LSP_NVIM_ATTACHED": str(attached)})
    env.update(TERM="xterm-256color", COLORTERM="truecolor")
    socket = f"arb-lsp-{tmp_path.name}"
    command = f"{nvim()} -n -i NONE -u {DRIVERS / 'init.lua'} --cmd 'set termguicolors' {next(iter(files))}"
    size = ["-x", str(WIDTH), "-y", str(HEIGHT)]
    subprocess.run(
        [
            "tmux",
            "-L",
            socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "nvim",
            *size,
            "-c",
            str(workspace),
            command,
        ],
        env=env,
        check=True,
        timeout=10,
    )
    screen = Screen(socket)
    try:
        deadline = time.monotonic() + 15
        while not attached.exists():
            assert time.monotonic() < deadline, "arb_lsp did not attach:\n" + "\n".join(screen.text())
            time.sleep(0.05)
        yield screen
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10)


SUGGESTION = "otal = sum(item.price * item.quantity for item in items)"


@pytest.mark.parametrize("screen", [{"checkout.py": "def checkout(items):\n    \n    return total\n"}], indirect=True)
def test_ghost_text_is_on_screen_after_the_cursor_and_tab_puts_it_in_the_file(
    screen: Screen, fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.responder = once(SUGGESTION)
    screen.keys("2G", "A")
    screen.type("t")
    lines = screen.wait_for(lambda lines: "    t" + SUGGESTION in lines[1], "ghost text on line 2")
    assert lines[0].startswith("def checkout(items):") and lines[2].startswith("    return total")
    assert screen.cursor() == (5, 1), "the cursor stays right after the typed t, before the ghost text"
    assert "\x1b[" in screen.ansi(), "coloured: ArbLspGhostText (Comment)"
    screen.keys("Tab")
    screen.wait_for(lambda lines: screen.cursor() == (5 + len(SUGGESTION), 1), "the cursor after the inserted text")
    screen.keys("Escape")
    screen.type(":w\r")
    screen_lines = screen.wait_for(lambda lines: any("written" in line for line in lines), ":w")
    written = (tmp_path / "workspace" / "checkout.py").read_text()
    assert written == f"def checkout(items):\n    t{SUGGESTION}\n    return total\n"
    assert screen_lines[1].rstrip() == "    t" + SUGGESTION


@pytest.mark.parametrize(
    ("screen", "answer", "expected"),
    [
        # The suggestion ends with the line's closer: drawn once, replaced on acceptance.
        ({"total.py": "total = compute()\n"}, "price, quantity)", "total = compute(price, quantity)"),
        # Its closers differ from the line's "))": those are hidden while it shows, replaced on acceptance.
        ({"total.py": "total = compute(round())\n"}, "price), 2)", "total = compute(round(price), 2)"),
    ],
    indirect=["screen"],
)
def test_a_suggestion_bringing_its_closers_shows_and_leaves_exactly_one_set(
    screen: Screen, fake: FakeOpenRouter, answer: str, expected: str
) -> None:
    fake.responder = once(answer.removeprefix("p"))
    screen.keys("1G", "f)", "i")
    screen.type("p")
    lines = screen.wait_for(lambda lines: answer[1:6] in lines[0], "ghost text on line 1")
    assert lines[0].rstrip() == expected, "no closer doubled on screen"
    screen.keys("Tab")
    screen.wait_for(lambda lines: screen.cursor() == (len(expected), 0), "accepted")
    screen.keys("Escape")
    lines = screen.wait_for(lambda lines: not any("-- INSERT --" in line for line in lines), "normal mode")
    assert lines[0].rstrip() == expected


@pytest.mark.parametrize("screen", [{"checkout.py": "def checkout(items):\n    \n"}], indirect=True)
def test_moving_the_cursor_clears_the_ghost_text_from_the_screen(screen: Screen, fake: FakeOpenRouter) -> None:
    fake.responder = once(SUGGESTION)
    screen.keys("2G", "A")
    screen.type("t")
    screen.wait_for(lambda lines: SUGGESTION in lines[1], "ghost text")
    screen.keys("Left")
    lines = screen.wait_for(lambda lines: SUGGESTION not in lines[1], "the ghost text to go")
    assert lines[1].rstrip() == "    t"


ITEMS = (
    "from dataclasses import dataclass\n\n\n@dataclass\nclass Item:\n    price: float\n    quantity: int\n\n\n"
    'def total(items: list[Item]) -> float:\n    """What the items cost together."""\n    \n'
)
BLOCK = "subtotal = 0.0\n    for item in items:\n        subtotal += item.price * item.quantity\n    return subtotal"


@pytest.mark.parametrize("screen", [{"items.py": ITEMS}], indirect=True)
def test_a_block_shows_its_first_line_at_the_cursor_and_the_rest_below(screen: Screen, fake: FakeOpenRouter) -> None:
    """Asked for with the trigger key on an empty indented line. Kept as the README's screenshot
    (``ARB_LSP_SCREENSHOT_ANSI``: scripts/neovim_screenshot.py renders it)."""
    fake.responder = once(BLOCK)
    screen.keys("12G", "A")
    screen.keys("M-\\")
    lines = screen.wait_for(lambda lines: "subtotal = 0.0" in lines[11], "the block's first line")
    assert [line.rstrip() for line in lines[11:15]] == [
        "    subtotal = 0.0",
        "    for item in items:",
        "        subtotal += item.price * item.quantity",
        "    return subtotal",
    ]
    assert screen.cursor() == (4, 11)
    keep = os.environ.get(SCREENSHOT_ENV)
    if keep:
        Path(keep).write_text(screen.ansi())
