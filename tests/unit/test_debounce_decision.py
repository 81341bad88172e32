"""The adaptive debounce's decision: pauses likely, slowing down, mid-burst, learning, fixed, client's own wait."""

from __future__ import annotations

from arb_lsp.debounce import Decision, TypingRhythm, client_debounce, decide, less_client, pause_likely
from arb_lsp.settings import parse_settings


def test_pause_is_likely_after_dot_paren_colon_a_word_end_and_on_a_fresh_line() -> None:
    assert all(pause_likely(text) for text in ("self.", "print(", "def f():", "", "    ", "x = ", "f(a,"))
    assert not any(pause_likely(text) for text in ("sel", "x =", "a)"))


def test_mid_burst_waits_past_nearly_all_of_the_users_intervals() -> None:
    gaps = [0.1, 0.12, 0.09, 0.11, 0.2]
    decision = decide(0.1, "adaptive", gaps, 0.1, "compu")
    assert decision.reason == "burst" and decision.seconds > max(gaps)
    # Never below the base, never above four times it.
    assert decide(0.1, "adaptive", [0.01] * 5, 0.01, "x").seconds == 0.1
    assert decide(0.1, "adaptive", [0.9] * 5, 0.9, "x").seconds == 0.4


def test_a_likely_pause_and_slowing_down_wait_less_than_the_base() -> None:
    gaps = [0.1] * 5
    assert decide(0.1, "adaptive", gaps, 0.1, "self.") == Decision(0.025, "pause")
    assert decide(0.1, "adaptive", gaps, 0.4, "sel") == Decision(0.05, "slowing")
    # The first keystroke after a real pause is the start of the next burst, not a slowing down.
    assert decide(0.1, "adaptive", gaps, 3.0, "s").reason == "burst"


def test_fixed_learning_and_off() -> None:
    assert decide(0.1, "fixed", [0.5] * 5, 0.5, "self.") == Decision(0.1, "fixed")
    assert decide(0.1, "adaptive", [0.5], 0.5, "x") == Decision(0.1, "learning")
    assert decide(0.0, "adaptive", [0.5] * 5, 0.5, "x") == Decision(0.0, "off")


def test_rhythm_keeps_a_few_seconds_and_leaves_pauses_out() -> None:
    rhythm = TypingRhythm()
    for t in (0.0, 0.1, 0.2, 2.0, 2.1, 8.0, 8.1):
        rhythm.keystroke(t)
    assert [round(g, 3) for g in rhythm.gaps()] == [0.1]
    assert rhythm.last_gap is not None and round(rhythm.last_gap, 3) == 0.1


def test_neovim_012_inline_client_debounces_itself() -> None:
    assert client_debounce("Neovim", "0.12.0", inline=True) == 0.2
    assert client_debounce("Neovim", "v0.13.0-dev-123+gabc", inline=True) == 0.2
    assert client_debounce("Neovim", "0.11.5", inline=True) == 0.0
    assert client_debounce("Neovim", "0.12.0", inline=False) == 0.0
    assert client_debounce("Visual Studio Code", "1.99.0", inline=True) == 0.0
    assert less_client(Decision(0.3, "burst"), 0.2).reason == "burst+client"
    assert less_client(Decision(0.1, "fixed"), 0.2).seconds == 0.0


def test_the_setting_chooses_and_falls_back_to_adaptive() -> None:
    settings, problems = parse_settings({}, {"completion": {"debounce": "fixed"}}, {})
    assert settings.completion.debounce == "fixed" and not problems
    settings, problems = parse_settings({}, {"completion": {"debounce": "sometimes"}}, {})
    assert settings.completion.debounce == "adaptive" and problems


def test_jitter_is_not_hesitation() -> None:
    """A keystroke's message delayed a little (a loaded machine) must not cut the wait mid-burst."""
    gaps = [0.06] * 6
    assert decide(0.1, "adaptive", gaps, 0.09, "total_pr").reason == "burst"
    assert decide(0.1, "adaptive", gaps, 0.11, "total_pr").reason == "burst"  # under twice the usual 60 ms
    assert decide(0.1, "adaptive", gaps, 0.13, "total_pr").reason == "slowing"
