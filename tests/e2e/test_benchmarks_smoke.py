"""The benchmarks still run: a tiny case of every scenario produces numbers and the report renders.

No timing is asserted here (that is what ``python -m benchmarks.run`` and docs/benchmarks.md are for).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

from conftest import ROOT
from fake_openrouter import FakeOpenRouter

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.config import Config
from benchmarks.run import SCENARIOS, run_scenarios, write

#: Figures that exist for one server only (the line index, the warm-up, workspace context and the debounce's real-server check are arb-lsp's).
ONE_SIDED = ("index_ms_", "index_kib_", "warm_up_", "context_", "real_")


async def test_every_scenario_produces_numbers_and_the_report_renders(fake: FakeOpenRouter, tmp_path: Path) -> None:
    run = await run_scenarios(Config.smoke(), fake=fake, log=lambda _: None)

    assert [section.key for section in run.sections] == list(SCENARIOS)
    for section in run.sections:
        assert section.figures, section.key
        for figure in section.figures:
            assert figure.arb is not None and not math.isnan(figure.arb), figure.key
            if not figure.key.split(".", 1)[1].startswith(ONE_SIDED):
                assert figure.naive is not None and not math.isnan(figure.naive), figure.key
    assert {target.name for target in run.targets} >= {"Overhead", "Cache hit", "Cold start"}
    assert all(target.met is not None for target in run.targets)

    markdown, png = write(run, tmp_path, tmp_path / "run.json")
    text = markdown.read_text(encoding="utf-8")
    assert "python -m benchmarks.run" in text
    for section in run.sections:
        assert f"## {section.title}" in text
    assert "| target | goal | measured | met |" in text
    assert (tmp_path / "run.json").stat().st_size > 0
    if importlib.util.find_spec("matplotlib") is not None:
        assert png is not None and png.stat().st_size > 0 and "](benchmarks.png)" in text
    else:  # without the 'bench' extra the report renders without its chart
        assert png is None and "](benchmarks.png)" not in text
