"""The "context on real code" benchmark, in small: sites are found in installed packages by the issue's rule,
measured through the server's own steps, and its section replaces only itself in the report."""

from __future__ import annotations

from pathlib import Path

from benchmarks.context_real import SECTION_TITLE, measure, section, summarise, write_section
from benchmarks.real_sites import choose


def test_sites_from_installed_packages_are_measured_and_reported(tmp_path: Path) -> None:
    sites, notes = choose(2, seed=21, only=("httpx", "pygls", "pflag", "semver", "cheerio"))
    languages = {site.language for site in sites}
    assert "python" in languages  # the virtualenv's own site-packages are always there
    for site in sites:
        assert site.uses and all(use.defined_in != site.path for use in site.uses)
        line = Path(site.path).read_text(encoding="utf-8").split("\n")[site.line]
        assert all(use.name in line[: site.column] for use in site.uses)
    # A language without sources is skipped with a note saying how to get them.
    assert all(("skipped" in note) for note in notes)
    rows = measure(sites)
    assert len(rows) == len(sites) and all(
        len(row["found"]) == len(site.uses) for row, site in zip(rows, sites, strict=True)
    )
    table, headline = summarise(sites, rows, rows)
    assert headline["growth"] == 1.0 and any(row.startswith("| all names |") for row in table)

    report = tmp_path / "benchmarks.md"
    report.write_text("# Benchmarks\n\n## 8. Workspace\n\nrow\n\n## How it is measured\n\n- how\n")
    text = section(sites, table, headline, notes, "abc1234")
    write_section(text, report)
    write_section(text, report)  # a second run replaces the section, it does not add another
    written = report.read_text()
    assert written.count(f"## {SECTION_TITLE}") == 1
    assert written.index("## 8. Workspace") < written.index(SECTION_TITLE) < written.index("## How it is measured")
    assert "row\n" in written and "- how\n" in written


def test_the_full_benchmark_run_keeps_the_section(tmp_path: Path) -> None:
    from benchmarks import run
    from benchmarks.results import Machine, Run

    report = tmp_path / "benchmarks.md"
    report.write_text(f"# old\n\n## {SECTION_TITLE}\n\n| names | a | b |\n\n## How it is measured\n\n- old\n")
    run.write(Run(Machine("cpu", 2, "CPython", "Linux"), "cmd", "now", 1.0, []), tmp_path)
    written = report.read_text()
    assert written.startswith("# Benchmarks: latency and cost")  # regenerated...
    assert f"## {SECTION_TITLE}\n\n| names | a | b |\n" in written  # ...with this benchmark's section kept
    assert written.index(SECTION_TITLE) < written.index("## How it is measured")
