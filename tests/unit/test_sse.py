"""SSE framing across arbitrary network chunk boundaries."""

from __future__ import annotations

import pytest

from arb_lsp.openrouter.sse import SSEDecoder

STREAM = (
    ": OPENROUTER PROCESSING\n\n"
    'data: {"choices":[{"delta":{"content":"héllo 🎉"}}]}\n\n'
    ": OPENROUTER PROCESSING\r\n\r\n"
    'data: {"choices":[],"usage":{"cost":0.1}}\r\n\r\n'
    "data: [DONE]\n\n"
).encode()

EXPECTED = ['{"choices":[{"delta":{"content":"héllo 🎉"}}]}', '{"choices":[],"usage":{"cost":0.1}}', "[DONE]"]


def decode(chunks: list[bytes]) -> list[str]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + list(decoder.close())


@pytest.mark.parametrize("cut", range(1, len(STREAM)))
def test_any_single_split_point_gives_the_same_events(cut: int) -> None:
    assert decode([STREAM[:cut], STREAM[cut:]]) == EXPECTED


def test_byte_by_byte() -> None:
    assert decode([bytes([b]) for b in STREAM]) == EXPECTED


def test_comments_only_produce_nothing() -> None:
    assert decode([b": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n"]) == []


def test_final_event_without_blank_line_is_flushed() -> None:
    assert decode([b'data: {"a":1}']) == ['{"a":1}']


def test_multiline_data_joins_with_newline() -> None:
    assert decode([b"data: a\ndata: b\n\n"]) == ["a\nb"]
