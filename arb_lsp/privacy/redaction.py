"""Redaction: every finder's secrets replaced by ``<REDACTED:kind>`` placeholders, until none is left."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from arb_lsp.privacy.findings import _Finder, _Span
from arb_lsp.privacy.names import _NAME_FINDERS
from arb_lsp.privacy.shapes import _SHAPE_FINDERS


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The redacted text, how many secrets were replaced, and their distinct kinds (sorted)."""

    text: str
    count: int
    kinds: tuple[str, ...]


def _placeholder(kind: str) -> str:
    return f"<REDACTED:{kind}>"


# In priority order: where two findings overlap, the earlier finder's wins (a GitHub token assigned to
# `token = "..."` is reported as a github-token, not a generic token).
_FINDERS: tuple[_Finder, ...] = (*_SHAPE_FINDERS, *_NAME_FINDERS)


def _find_secrets(text: str) -> list[_Span]:
    """Every finder's spans, sorted and disjoint; on overlap the earlier finder keeps its span."""
    starts: list[int] = []
    spans: list[_Span] = []
    for find in _FINDERS:
        for span in find(text):
            if span.end <= span.start:
                continue
            at = bisect.bisect_left(starts, span.start)
            if (at > 0 and spans[at - 1].end > span.start) or (at < len(spans) and spans[at].start < span.end):
                continue
            starts.insert(at, span.start)
            spans.insert(at, span)
    return spans


def _replace(text: str, spans: list[_Span]) -> str:
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(_placeholder(span.kind))
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


_MAX_PASSES = 16


def redact(text: str) -> RedactionResult:
    """Replace every secret in ``text`` with ``<REDACTED:kind>``; text without secrets is returned as is.

    Idempotent: placeholders never look like secrets, and a secret that only stands out once its
    neighbour is replaced (a key glued to the ``-----`` of a PEM footer) is caught by another pass.
    Only text that had a secret pays for that second pass.
    """
    count = 0
    kinds: set[str] = set()
    for _ in range(_MAX_PASSES):
        spans = _find_secrets(text)
        if not spans:
            break
        text = _replace(text, spans)
        count += len(spans)
        kinds.update(span.kind for span in spans)
    return RedactionResult(text, count, tuple(sorted(kinds)))
