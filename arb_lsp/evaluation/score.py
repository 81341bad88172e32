"""Scores for ``arb-lsp eval``: exact match, edit similarity, and the figures per model, language and kind.

- **Exact match**: the suggestion equals what was removed once trailing whitespace is dropped from every
  line and from the end (Tabby's block exact match, Cody's bench).
- **Edit similarity**: ``1 - Levenshtein(suggestion, truth) / max(len)``, on the same normalised texts
  (the "ES" of CrossCodeEval and RepoCoder; rapidfuzz's ``Levenshtein.normalized_similarity``).
  No suggestion scores 0 against any truth.

What a suggestion is compared with: the text from the cursor up to what the edit replaces. A suggestion
that brings its own closers replaces the ones after the cursor (``Suggestion.replace``), so ``a, b)``
replacing ``)`` is compared with ``a, b`` + ``)``: the document after the edit is the original exactly
when the two are equal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip()


def exact_match(suggestion: str, truth: str) -> bool:
    return normalise(suggestion) == normalise(truth)


def edit_similarity(suggestion: str, truth: str) -> float:
    a, b = normalise(suggestion), normalise(truth)
    if not a and not b:
        return 1.0
    # Imported here: rapidfuzz comes with the ``eval`` extra, which ``arb-lsp eval`` checks for first.
    from rapidfuzz.distance import Levenshtein

    return float(Levenshtein.normalized_similarity(a, b))


def percentile(samples: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (no interpolation between two requests' times); None without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(slots=True)
class Result:
    """One model's answer at one site."""

    model: str
    text: str = ""  # the suggestion as the editor would insert it ("" when none was shown)
    target: str = ""  # the truth, plus the characters after the cursor the suggestion replaces
    replaces: str = ""  # those characters (closers the suggestion brings its own of)
    shown: bool = False
    syntax: str = "none"  # "kept", "repaired", "dropped" by the syntax check; "none": nothing to check
    ms: float | None = None  # from the request to the final text
    error: str | None = None
    skipped: str | None = None  # why it was not asked (a cap, --max-usd): not counted as asked
    cost: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False  # the cost is still our estimate (OpenRouter's figures not in yet)
    rows: list[int] = field(default_factory=list)  # its ledger rows (fallback attempts included)

    @property
    def exact(self) -> bool:
        return self.shown and exact_match(self.text, self.target)

    @property
    def similarity(self) -> float:
        return edit_similarity(self.text, self.target) if self.shown else 0.0

    @property
    def asked(self) -> bool:
        return self.skipped is None


def figures(group: Iterable[Result]) -> dict[str, Any]:
    """The figures of one group of answers (one model's, maybe of one language or kind)."""
    results = list(group)
    asked = [r for r in results if r.asked]
    skipped_count = len(results) - len(asked)
    count = len(asked)
    exact = sum(1 for r in asked if r.exact)
    shown = sum(1 for r in asked if r.shown)
    times = [r.ms for r in asked if r.ms is not None and r.error is None]
    cost = sum(r.cost for r in asked)

    def rate(value: int | float) -> float | None:
        return round(value / count, 4) if count else None

    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    return {
        "sites": count,
        "exact": exact,
        "exactMatch": rate(exact),
        "editSimilarity": rate(sum(r.similarity for r in asked)),
        "shownRate": rate(shown),
        "repaired": rate(sum(1 for r in asked if r.syntax in ("repaired", "dropped"))),
        "syntaxRepaired": sum(1 for r in asked if r.syntax == "repaired"),
        "syntaxDropped": sum(1 for r in asked if r.syntax == "dropped"),
        "msToSuggestionP50": None if p50 is None else round(p50, 1),
        "msToSuggestionP95": None if p95 is None else round(p95, 1),
        "promptTokens": sum(r.prompt_tokens for r in asked),
        "completionTokens": sum(r.completion_tokens for r in asked),
        "costUsd": round(cost, 10),
        "costPerSuggestionUsd": round(cost / shown, 10) if shown else None,
        "costPerExactUsd": round(cost / exact, 10) if exact else None,
        "estimatedCosts": sum(1 for r in asked if r.estimated),
        "errors": sum(1 for r in asked if r.error is not None),
        "skipped": skipped_count,
    }
