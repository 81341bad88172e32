"""The typing-session benchmark's analysis: where a prompt first differs from the previous one."""

from __future__ import annotations

import sys

from conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from arb_lsp.prompts import HOLE
from benchmarks.prompt_diff import first_difference, identical_share, prompt_part


def prompt(context: str, above: str, line: str) -> str:
    return (
        "<|system|>Complete.<|user|>Language: Python\nFile: a.py\n<context>\n"
        f"{context}</context>\n<file>\n{above}{line}{HOLE}\nbelow\n</file>\n\nTask."
    )


def test_the_first_difference_is_placed_in_its_part() -> None:
    first = prompt("# a.py\n", "x = 1\ny = 2\n", "z = f(")
    assert prompt_part(first, first_difference(first, prompt("# b.py\n", "x = 1\ny = 2\n", "z = f("))) == (
        "context snippets"
    )
    assert prompt_part(first, first_difference(first, prompt("# a.py\n", "w = 1\ny = 2\n", "z = f("))) == (
        "file above the cursor's line"
    )
    typed = prompt("# a.py\n", "x = 1\ny = 2\n", "z = f(a")
    assert prompt_part(typed, first_difference(first, typed), first) == "the cursor's line"
    new_line = prompt("# a.py\n", "x = 1\ny = 2\nz = f(a)\n", "")
    assert prompt_part(new_line, first_difference(first, new_line), first) == (
        "the previous cursor's line (typed since)"
    )
    assert prompt_part(first, first_difference(first, first)) == "identical"
    assert prompt_part(first, 3) == "system text"


def test_identical_share_counts_the_common_start() -> None:
    assert identical_share(["abcd", "abXd"]) == 0.5
    assert identical_share(["ab", "abcd"]) == 0.5
    assert first_difference("abcd", "ab") == 2
