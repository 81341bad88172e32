"""The suggestions benchmark still runs on a small corpus and says the guards read less, correctly."""

from __future__ import annotations

import sys

from conftest import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.suggestions import BASELINE, measure, report


def test_the_guards_read_fewer_tokens_and_every_suggestion_is_the_removed_code() -> None:
    rows, figures = measure(lines=120, revision=BASELINE, repeat=1)
    assert figures["sites"] > 0
    assert figures["exact"] == figures["sites"]
    assert 0 < figures["after"] < figures["holds"]
    assert figures["before"] == 0 or figures["after"] < figures["before"]  # 0: no git history here
    assert "| **all** |" in report(120, BASELINE, rows, figures)
