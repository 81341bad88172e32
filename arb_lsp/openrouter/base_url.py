"""The API root: OpenRouter's by default, and which other roots are safe to send the key and the code to."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"


def base_url_problem(url: str) -> str | None:
    """Why ``url`` must not be used as the API root, or None if it is fine.

    Plain http would send the key and the user's code in the clear; it is allowed only to loopback.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"The baseUrl {url!r} is not an http(s) URL. Use e.g. {DEFAULT_BASE_URL}."
    if parts.scheme == "http":
        host = parts.hostname
        loopback = host == "localhost"
        try:
            loopback = loopback or ipaddress.ip_address(host).is_loopback
        except ValueError:
            pass
        if not loopback:
            return f"The baseUrl {url!r} uses plain http to a remote host, which would expose the key. Use https."
    return None
