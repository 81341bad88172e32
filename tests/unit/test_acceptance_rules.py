"""The acceptance rules (shown, accepted, partly accepted, superseded, dismissed), the report joined with
the cost ledger, the latency watch and the block-completion model chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from arb_lsp.acceptance import (
    DISMISS_AFTER_S,
    AcceptanceTracker,
    LatencyWatch,
    SuggestionStore,
    acceptance_report,
    acceptance_totals,
    join_acceptance,
)
from arb_lsp.openrouter.ledger import UsageEntry, UsageLedger
from arb_lsp.openrouter.routing import TaskType
from arb_lsp.settings import parse_settings


class Clock:
    """Monotonic time the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


DOC = "total = \n"
ANCHOR = len("total = ")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tracker(tmp_path: Path, clock: Clock) -> AcceptanceTracker:
    return AcceptanceTracker(SuggestionStore(tmp_path / "usage.sqlite3"), clock=clock)


def show(
    tracker: AcceptanceTracker, text: str, *, uri: str = "file:///a.py", doc: str = DOC, anchor: int = ANCHOR
) -> str:
    return tracker.shown(uri, doc, anchor, text, model="m/one", language="python", ms=120.0)


def test_accepting_records_the_whole_suggestion(tracker: AcceptanceTracker) -> None:
    sid = show(tracker, "sum(prices)")
    assert tracker.store.outcome(sid) == ("pending", 0)
    tracker.accepted(sid)
    assert tracker.store.outcome(sid) == ("accepted", len("sum(prices)"))


def test_a_new_suggestion_in_the_same_document_supersedes_the_pending_one(tracker: AcceptanceTracker) -> None:
    first = show(tracker, "sum(prices)")
    elsewhere = show(tracker, "0", uri="file:///b.py")
    second = show(tracker, "len(prices)", doc="total = \nx = 1\n")
    assert second != first
    assert tracker.store.outcome(first) == ("superseded", 0)
    assert tracker.store.outcome(elsewhere) == ("pending", 0), "another document's suggestion is left alone"
    assert tracker.store.outcome(second) == ("pending", 0)


def test_the_same_suggestion_shown_again_keeps_its_id(tracker: AcceptanceTracker) -> None:
    first = show(tracker, "sum(prices)")
    assert show(tracker, "sum(prices)") == first, "menu and ghost text, or a repeated request, at one spot"


def test_a_suggestion_not_taken_in_time_is_dismissed(tracker: AcceptanceTracker, clock: Clock) -> None:
    sid = show(tracker, "sum(prices)")
    clock.now += DISMISS_AFTER_S - 1
    tracker.expire()
    assert tracker.store.outcome(sid) == ("pending", 0)
    clock.now += 2
    tracker.expire()
    assert tracker.store.outcome(sid) == ("dismissed", 0)


def test_acceptance_wins_over_an_earlier_dismissal(tracker: AcceptanceTracker, clock: Clock) -> None:
    sid = show(tracker, "sum(prices)")
    clock.now += DISMISS_AFTER_S + 1
    tracker.expire()
    tracker.accepted(sid)  # a menu item picked late: the editor only runs the command on acceptance
    assert tracker.store.outcome(sid) == ("accepted", len("sum(prices)"))


def test_taking_part_of_a_suggestion_then_leaving_it_is_partial(tracker: AcceptanceTracker, tmp_path: Path) -> None:
    sid = show(tracker, "sum(prices)")
    # The user takes the next word ("sum(") or types it: the server serves the rest under the same id.
    typed = "total = sum(\n"
    assert show(tracker, "prices)", doc=typed, anchor=ANCHOR + 4) == sid
    assert tracker.store.outcome(sid) == ("pending", 4), "kept even if the server stops before it settles"
    assert acceptance_report(tmp_path / "usage.sqlite3", 1)["m/one"]["partiallyAccepted"] == 1
    show(tracker, "other", doc="total = sum(\nfoo = \n", anchor=len(typed) + 6)
    assert tracker.store.outcome(sid) == ("partial", 4)


def test_typing_a_prefix_then_getting_another_answer_is_partial(tracker: AcceptanceTracker) -> None:
    sid = show(tracker, "sum(prices)")
    show(tracker, "(items)", doc="total = sum\n", anchor=ANCHOR + 3)  # the model now says something else
    assert tracker.store.outcome(sid) == ("partial", 3)


def test_accepting_the_rest_after_a_partial_accepts_the_suggestion(tracker: AcceptanceTracker) -> None:
    sid = show(tracker, "sum(prices)")
    rest = show(tracker, "prices)", doc="total = sum(\n", anchor=ANCHOR + 4)
    tracker.accepted(rest)
    assert tracker.store.outcome(sid) == ("accepted", len("sum(prices)"))


def test_a_closed_document_dismisses_its_pending_suggestion(tracker: AcceptanceTracker) -> None:
    sid = show(tracker, "sum(prices)")
    tracker.closed("file:///a.py")
    assert tracker.store.outcome(sid) == ("dismissed", 0)


def test_report_per_model_joins_the_completion_spend(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "usage.sqlite3"
    ledger = UsageLedger(path)
    ledger.record(UsageEntry("completion", "m/one", "ok", cost=0.003))
    ledger.record(UsageEntry("completion", "m/one", "ok", cost=0.001))
    ledger.record(UsageEntry("explain", "m/one", "ok", cost=0.5))  # not a suggestion's cost
    tracker = AcceptanceTracker(SuggestionStore(path), clock=clock)
    accepted = [
        tracker.shown(f"file:///{n}.py", DOC, ANCHOR, "x", model="m/one", language="python", ms=ms)
        for n, ms in ((1, 100.0), (2, 300.0))
    ]
    for sid in accepted:
        tracker.accepted(sid)
    tracker.shown("file:///3.py", DOC, ANCHOR, "a\nb", model="m/one", language="go", ms=200.0)
    tracker.shown("file:///4.py", DOC, ANCHOR, "y", model="m/two", language="python", ms=50.0)

    by_model = acceptance_report(path, 1)
    assert by_model["m/one"]["shown"] == 3
    assert by_model["m/one"]["accepted"] == 2
    assert by_model["m/one"]["acceptRate"] == pytest.approx(2 / 3, abs=1e-4)
    assert by_model["m/one"]["costPerAcceptedUsd"] == pytest.approx(0.002)
    assert by_model["m/one"]["medianMsToSuggestion"] == 200.0
    assert by_model["m/two"]["accepted"] == 0
    assert by_model["m/two"]["costPerAcceptedUsd"] is None, "nothing accepted: no price per acceptance"
    assert acceptance_report(path, 1, "kind")["block"]["shown"] == 1
    assert set(acceptance_report(path, 1, "language")) == {"go", "python"}
    totals = acceptance_totals(path, 1)
    assert (totals["shown"], totals["accepted"]) == (4, 2)
    assert totals["costPerAcceptedUsd"] == pytest.approx(0.002)

    rows = join_acceptance([{"model": "m/one", "requests": 3}], path, 1, {"requests": 0})
    assert [(r["model"], r["requests"], r["shown"]) for r in rows] == [("m/one", 3, 3), ("m/two", 0, 1)]


def test_no_ledger_file_reports_nothing_and_creates_none(tmp_path: Path) -> None:
    assert acceptance_report(tmp_path / "missing.sqlite3", 7) == {}
    assert not (tmp_path / "missing.sqlite3").exists()


def test_latency_watch_speaks_up_for_slow_answers_only_with_enough_of_them() -> None:
    watch = LatencyWatch()
    assert [watch.answered("m/slow", 2500.0) for _ in range(4)] == [None] * 4, "too few to judge"
    message = watch.answered("m/slow", 2500.0)
    assert message is not None and "m/slow" in message and "2.5 s" in message
    assert 'priority "speed"' in message and "latency" in message, "says what to do"
    assert all(watch.answered("m/fast", 300.0) is None for _ in range(10))


def test_latency_watch_speaks_up_for_timeouts() -> None:
    watch = LatencyWatch()
    for _ in range(3):
        assert watch.answered("m/flaky", 200.0) is None
    assert watch.timed_out("m/flaky") is None
    message = watch.timed_out("m/flaky")
    assert message is not None and "2 of the last 5" in message and "timed out" in message


def test_block_completions_use_their_own_chain_when_set() -> None:
    settings, problems = parse_settings(
        {"models": {"completion": "fast/one", "completionBlock": ["big/one", "big/two"]}}
    )
    assert problems == []
    assert settings.completion_models(block=True) == ("big/one", "big/two")
    assert settings.completion_models(block=False) == ("fast/one",)
    assert settings.models_for(TaskType.COMPLETION) == ("fast/one",)
    unset, _ = parse_settings({"models": {"completion": "fast/one"}})
    assert unset.completion_models(block=True) == ("fast/one",), "no block chain: the completion one"


def test_suggestions_a_stopped_server_left_pending_are_dismissed_by_the_next_start(tmp_path: Path) -> None:
    ledger = tmp_path / "usage.sqlite3"
    store = SuggestionStore(ledger)
    killed = AcceptanceTracker(store)  # a server that will never shut down properly
    taken = killed.shown("file:///a.py", "x = ", 4, "10", model="m", language="python", ms=1.0)
    left = killed.shown("file:///b.py", "y = ", 4, "2", model="m", language="python", ms=1.0)
    store.progress(taken, 1)  # one character of it was typed as suggested
    AcceptanceTracker(store, dismiss_after=-1.0)  # the next start: both rows are past their dismissal time
    assert (store.outcome(taken), store.outcome(left)) == (("partial", 1), ("dismissed", 0))
    assert acceptance_report(ledger, 1)["m"]["dismissed"] == 1
    store.close()
