"""Render the README's picture of ghost text in Neovim (editors/neovim/ghost-text.png).

The picture is a real screen: ``tests/e2e/test_neovim_screen.py`` runs Neovim in tmux against the fake
OpenRouter and, with ``ARB_LSP_SCREENSHOT_ANSI`` set, keeps the coloured capture of its block
suggestion. This script runs that test, turns the capture into HTML (ansi2html) and has headless
Chromium photograph it. Needs ``pip install ansi2html`` and /usr/bin/chromium; not part of the tests.

    .venv/bin/python scripts/neovim_screenshot.py [OUTPUT.png]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ansi2html import Ansi2HTMLConverter

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "editors" / "neovim" / "ghost-text.png"
TEST = "tests/e2e/test_neovim_screen.py::test_a_block_shows_its_first_line_at_the_cursor_and_the_rest_below"
#: The tmux window is 80x18 cells; at 15 px per line and 8.4 px per cell this is the picture's size.
WIDTH, HEIGHT = 700, 325


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    with tempfile.TemporaryDirectory() as scratch:
        capture = Path(scratch) / "screen.ansi"
        env = {**os.environ, "ARB_LSP_SCREENSHOT_ANSI": str(capture)}
        subprocess.run([sys.executable, "-m", "pytest", "-q", TEST], cwd=ROOT, env=env, check=True)
        body = Ansi2HTMLConverter(dark_bg=True, inline=True).convert(capture.read_text(), full=False)
        page = Path(scratch) / "screen.html"
        page.write_text(
            "<html><body style='margin:0;background:#14161b'>"
            "<pre style='margin:8px;font:14px/17px \"DejaVu Sans Mono\",monospace;color:#e0e2ea'>"
            f"{body}</pre></body></html>"
        )
        chromium = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        chromium += [f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={output}", page.as_uri()]
        subprocess.run(chromium, check=True, capture_output=True, timeout=60)
    print(output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
