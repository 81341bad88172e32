"""How big each scenario is: the full run (the report) and a smoke run (the test suite)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Config:
    overhead_file_lines: tuple[int, ...] = (100, 14_000, 100_000)
    overhead_samples: int = 100
    overhead_warmup: int = 5
    cache_repeats: int = 50
    burst_keystrokes: int = 30
    burst_gap_s: float = 0.060
    burst_rounds: int = 3
    cancel_rounds: int = 20
    typeahead_rounds: int = 10
    scale_lines: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    scale_repeats: int = 20
    rss_files: int = 50
    rss_file_lines: int = 10_000
    rss_completions: int = 1_000
    cold_starts: int = 20
    #: Fresh servers whose first completion is timed, and the completions after it in each.
    first_rounds: int = 5
    first_later: int = 10
    workspace_files: int = 2_000
    workspace_samples: int = 100
    #: Keystrokes of the generated typing trace typed into the real server to check the debounce simulation.
    debounce_replay_keystrokes: int = 150

    @classmethod
    def smoke(cls) -> Config:
        """One tiny case of every kind: seconds, not minutes."""
        return cls(
            overhead_file_lines=(100, 1_000),
            overhead_samples=3,
            overhead_warmup=1,
            cache_repeats=3,
            burst_keystrokes=4,
            burst_rounds=1,
            cancel_rounds=2,
            typeahead_rounds=1,
            scale_lines=(1_000, 10_000),
            scale_repeats=2,
            rss_files=2,
            rss_file_lines=500,
            rss_completions=6,
            cold_starts=1,
            first_rounds=1,
            first_later=2,
            workspace_files=100,
            workspace_samples=3,
            debounce_replay_keystrokes=12,
        )
