"""What every secret finder shares: the span it reports, and the tests of a value it applies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    kind: str


# A finder yields the secrets of one family found in a text.
_Finder = Callable[[str], Iterable[_Span]]


_MIN_SECRET_LENGTH = 6

_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[A-Za-z]")


def _has_digit_and_letter(value: str) -> bool:
    return bool(_DIGIT.search(value) and _LETTER.search(value))


_PLACEHOLDER_WORDS = frozenset(
    {
        "apikey",
        "bearer",
        "changeit",
        "changeme",
        "default",
        "hidden",
        "masked",
        "notset",
        "passwd",
        "password",
        "redacted",
        "sample",
        "secret",
        "string",
        "testing",
        "token",
        "undefined",
        "unset",
    }
)
_PLACEHOLDER_FILL = frozenset("x*.-_#•")


def _is_placeholder(value: str) -> bool:
    """Template references, our own placeholders, elided keys and the usual "put your key here" fillers."""
    if value.startswith("$") or "REDACTED" in value or "%(" in value or "%s" in value:
        return True
    if "..." in value or "…" in value:
        return True  # "sk-...", "abcd…wxyz": shown elided, so already safe
    if (value[0] == "<" and value[-1] == ">") or ("{" in value and "}" in value):
        return True
    if set(value.lower()) <= _PLACEHOLDER_FILL:
        return True
    normalized = re.sub(r"[^a-z0-9]", "", value.lower())
    return (
        normalized in _PLACEHOLDER_WORDS
        or normalized.startswith(("insert", "replace", "enter"))
        or normalized.endswith("here")
        or any(word in normalized for word in ("your", "changeme", "example", "placeholder", "dummy"))
    )
