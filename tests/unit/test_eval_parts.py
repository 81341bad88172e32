"""The pure parts of ``arb-lsp eval``: sites found with tree-sitter in every language, sampled by kind and
seed, read and written as JSON lines; spans cut as the contract says; scores; the syntax check's verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_workspace import PROGRAMS

from arb_lsp.commands.sources import language_of
from arb_lsp.context import LineIndex
from arb_lsp.evaluation.run import SiteError, cut, syntax_verdict
from arb_lsp.evaluation.score import edit_similarity, exact_match, percentile
from arb_lsp.evaluation.sites import (
    KINDS,
    PER_FILE,
    Site,
    SitesFileError,
    SourceFile,
    find_candidates,
    pick_sites,
    quotas,
    read_sites,
    site_from_json,
    write_sites,
)
from arb_lsp.pipelines import finish_completion, plan_completion
from arb_lsp.settings import parse_settings

FILES = [SourceFile(path, language_of(Path(path)), text) for path, text in PROGRAMS.items()]


def removed(text: str, spans: list[tuple[int, int, int, int]]) -> list[str]:
    lines = text.split("\n")
    out = []
    for row, column, end_row, end_column in spans:
        if row == end_row:
            out.append(lines[row][column:end_column])
        else:
            out.append("\n".join([lines[row][column:], *lines[row + 1 : end_row], lines[end_row][:end_column]]))
    return out


def test_each_kind_removes_what_its_name_says_in_python() -> None:
    text = PROGRAMS["py/inventory.py"]
    found = {kind: removed(text, spans) for kind, spans in find_candidates(text, "python").items()}
    assert "amount, 2" in found["call_arguments"]
    assert "0.0" in found["assignment_rhs"] and "min(stocked, key=lambda item: item.price)" in found["assignment_rhs"]
    assert "item.count > 0" in found["condition"] and "not stocked" in found["condition"]
    assert 'print("cheapest", best.name)' in found["whole_line"]
    assert 'print("cheapest", best.name)\n    return best' in found["block"]
    assert "round(amount, 2)" in found["rest_of_line"]  # after "return"
    assert all(not line.startswith(" ") for line in found["whole_line"])  # the cursor is at the indentation
    assert all(2 <= part.count("\n") + 1 <= 6 for part in found["block"])


def test_braces_languages_take_the_condition_inside_its_parentheses() -> None:
    for path in ("js/inventory.js", "java/Inventory.java", "c/inventory.c", "cpp/inventory.cpp"):
        text = PROGRAMS[path]
        conditions = removed(text, find_candidates(text, language_of(Path(path)))["condition"])
        assert any(c.endswith("count > 0") and "(" not in c for c in conditions), (path, conditions)


def test_every_language_yields_most_kinds() -> None:
    for source in FILES:
        found = find_candidates(source.text, source.language_id)
        kinds = {kind for kind, spans in found.items() if spans}
        assert len(kinds) >= 5, (source.relative, kinds)
        assert {"rest_of_line", "whole_line", "block", "condition"} <= kinds, (source.relative, kinds)


def test_samples_follow_the_shares_and_the_seed() -> None:
    assert quotas(20, {"rest_of_line": 0.25, **dict.fromkeys(KINDS[1:], 0.15)}) == {
        "rest_of_line": 5,
        **dict.fromkeys(KINDS[1:], 3),
    }
    first = pick_sites(FILES, 20, seed=3)
    assert first == pick_sites(FILES, 20, seed=3) != pick_sites(FILES, 20, seed=4)
    counts = {kind: sum(1 for site in first if site.kind == kind) for kind in KINDS}
    assert counts == {"rest_of_line": 5, **dict.fromkeys(KINDS[1:], 3)}
    # A kind short of candidates hands its part to the others, as far as there are candidates at all.
    only = FILES[:1]
    available = sum(min(PER_FILE, len(spans)) for spans in find_candidates(only[0].text, "python").values())
    few_blocks = pick_sites(only, available, seed=1)
    assert len(few_blocks) == available and len(pick_sites(only, available + 5, seed=1)) == available


def test_sites_files_round_trip_and_default_their_ends(tmp_path: Path) -> None:
    sites = [Site("a.py", 3, 5, 4, 2, "block"), Site("b/c.go", 1, 1, 1, None, "given")]
    path = tmp_path / "sites.jsonl"
    write_sites(path, sites)
    assert read_sites(path) == sites
    assert json.loads(path.read_text().splitlines()[0]) == {
        "file": "a.py", "line": 3, "column": 5, "endLine": 4, "endColumn": 2, "kind": "block"
    }  # fmt: skip
    assert site_from_json({"file": "x.rs", "line": 7}) == Site("x.rs", 7, 1, 7, None, "given")
    for bad, said in (
        ({"line": 1}, "'file'"),
        ({"file": "a.py", "line": 0}, "from 1 up"),
        ({"file": "a.py", "line": 5, "endLine": 4}, "comes before"),
        ([1, 2], "expected an object"),
    ):
        with pytest.raises(SitesFileError, match=said):
            site_from_json(bad)


def test_a_site_cuts_from_its_start_up_to_but_not_including_its_end() -> None:
    text = "def f(a):\r\n    return a + 1\r\n"
    assert cut(Site("f.py", 2, 12, 2, None), text) == ("def f(a):\r\n    return \r\n", 22, "a + 1")
    assert cut(Site("f.py", 2, 12, 2, 13), text)[2] == "a"
    assert cut(Site("f.py", 1, 5, 2, 11), text)[2] == "f(a):\r\n    return"
    for bad in (Site("f.py", 9, 1, 9, None), Site("f.py", 2, 40, 2, None), Site("f.py", 2, 5, 2, 5)):
        with pytest.raises(SiteError):
            cut(bad, text)


def test_scores() -> None:
    assert exact_match("a + b  \n    c\t\n\n", "a + b\n    c")
    assert not exact_match("  a + b", "a + b")  # leading whitespace counts
    assert edit_similarity("abc", "abd") == pytest.approx(2 / 3)
    assert edit_similarity("", "abc") == 0.0 and edit_similarity("x  ", "x") == 1.0
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3 and percentile([5, 1, 3, 2, 4], 0.95) == 5
    assert percentile([], 0.5) is None


def test_the_syntax_checks_verdict() -> None:
    settings, _ = parse_settings({})
    text = "def f(a, b):\n    total = \n    return total\n"
    offset = text.index("total = ") + len("total = ")
    plan = plan_completion(settings, text, offset, index=LineIndex(text), language_id="python", path="f.py")
    for raw, verdict in (
        ("a + b", "kept"),
        ("foo(a, b", "repaired"),
        ("max([a, b)", "dropped"),
        ("foo(", "dropped"),
        ("", "none"),
    ):
        assert syntax_verdict(raw, plan, finish_completion(raw, plan, "m", None)) == verdict, raw


def test_eval_requests_are_no_suggestions_cost(tmp_path: Path) -> None:
    """``usage`` counts eval rows apart, and they never weigh on the cost per accepted suggestion."""
    from arb_lsp.acceptance import AcceptanceTracker, SuggestionStore, acceptance_report, acceptance_totals
    from arb_lsp.openrouter.ledger import UsageEntry, UsageLedger

    path = tmp_path / "usage.sqlite3"
    ledger = UsageLedger(path)
    ledger.record(UsageEntry("completion", "m/one", "ok", cost=0.002))
    ledger.record(UsageEntry("completion", "m/one", "ok", cost=0.5, eval=True))
    tracker = AcceptanceTracker(SuggestionStore(path))
    tracker.accepted(tracker.shown("file:///a.py", "x = ", 4, "1", model="m/one", language="python", ms=10.0))
    assert acceptance_report(path, 1)["m/one"]["costPerAcceptedUsd"] == pytest.approx(0.002)
    assert acceptance_totals(path, 1)["costPerAcceptedUsd"] == pytest.approx(0.002)
    assert ledger.eval_summary(1)[0] | {"day": None} == {
        "day": None, "model": "m/one", "evalRequests": 1, "evalCostUsd": 0.5
    }  # fmt: skip
