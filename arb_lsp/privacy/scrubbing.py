"""Key scrubbing: the user's own API key, and any OpenRouter-shaped key, removed from logs and messages."""

from __future__ import annotations

import re

SCRUBBED_KEY = "sk-or-…REDACTED"
_OPENROUTER_KEY = re.compile(r"sk-or-v\d+-[A-Za-z0-9]{32,}")


def scrub_key(text: str, key: str | None) -> str:
    """``text`` with the API ``key`` (bare or as ``Bearer <key>``) replaced by ``sk-or-…REDACTED``.

    Any other OpenRouter-shaped key is scrubbed too: a log line should never carry one.
    """
    if key:
        key = key.strip()
        if key[:7].lower() == "bearer ":
            key = key[7:].strip()
        if key:
            text = text.replace(key, SCRUBBED_KEY)
    if "sk-or-" in text:
        text = _OPENROUTER_KEY.sub(SCRUBBED_KEY, text)
    return text
