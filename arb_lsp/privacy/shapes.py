"""Secrets recognised by their shape wherever they appear: provider tokens, JWTs, credentials, PEM keys, URL passwords."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator

from arb_lsp.privacy.findings import _MIN_SECRET_LENGTH, _Finder, _has_digit_and_letter, _is_placeholder, _Span

_MAX_PEM_BODY = 16_384
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")


def _looks_generated(value: str) -> bool:
    """Random-looking key material, as opposed to words joined by dashes (``sk-learn-2-tutorial``)."""
    return _has_digit_and_letter(value) and max(map(len, _ALNUM_RUN.findall(value)), default=0) >= 12


def _decodes_to_credentials(value: str) -> bool:
    """Whether an HTTP Basic value is base64 of ``user:password``."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return ":" in decoded and decoded.isprintable()


def _token_finder(kind: str, pattern: str, accept: Callable[[str], bool] | None = None, lead: int = 0) -> _Finder:
    """A finder for secrets recognisable by shape; a ``secret`` group, if any, is what gets replaced.

    Every pattern starts with a literal (boundaries are checked by look-behinds *after* it), so the
    regex engine skips through text with a fast literal search: this is what keeps redaction of
    ordinary code at a few microseconds per KB.  ``lead`` widens the span over characters that a
    look-behind checked but the match does not include.
    """
    regex = re.compile(pattern)
    group: int | str = "secret" if "secret" in regex.groupindex else 0

    def find(text: str) -> Iterator[_Span]:
        for match in regex.finditer(text):
            if accept is None or accept(match.group(group)):
                yield _Span(match.start(group) - lead, match.end(group), kind)

    return find


# The right-hand boundary for tokens: not glued to a longer identifier.
_E = r"(?![A-Za-z0-9_-])"


def _after(literal: str, chars: str = "A-Za-z0-9_-") -> str:
    """``literal`` not preceded by an identifier character (so "task-runner" holds no "sk-")."""
    return f"{re.escape(literal)}(?<![{chars}]{re.escape(literal)})"


# --- PEM private keys -------------------------------------------------------------------------------

_PEM_LABEL = r"(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
# The body: base64, line breaks (real or escaped), indentation after a break, encryption headers, and
# string concatenation across lines ("...\n" + "...").  No spaces inside a line, so a BEGIN marker quoted
# in PEM-parsing code never swallows the code that follows it.
_PEM_BODY = (
    r"(?:(?:Proc-Type|DEK-Info):[^\r\n\\\"']*"
    r"|\\[nrt]|[\r\n][ \t]*|[A-Za-z0-9+/=]"
    r"|[\"'][ \t]*\+?[ \t]*(?:\\?[\r\n][ \t]*)*\+?[ \t]*[\"'])*+"
)
_PEM_BEGIN = re.compile(rf"-----BEGIN {_PEM_LABEL}(?P<body>{_PEM_BODY})(?P<end>-----END {_PEM_LABEL})?")
_PEM_END = re.compile(r"-----END " + _PEM_LABEL)
# Key material read backwards from an END marker whose BEGIN fell outside the text (a cut window).
_PEM_BODY_REVERSED = re.compile(r"(?:n\\|r\\|[ \t]*[\r\n]|[A-Za-z0-9+/=])*")
_PEM_NOISE = re.compile(r"(?:Proc-Type|DEK-Info):[^\r\n\\\"']*|\\[nrt]|[^A-Za-z0-9+/]")
_PEM_TRAILING_BREAKS = re.compile(r"(?:\s|\\[nrt])*\Z")
_PEM_SHORT_LEAD = re.compile(r"(?:[ \t]*[A-Za-z0-9+/=]{0,15}(?:\\[nr]|[\r\n]))*[ \t]*")


def _pem_material(body: str) -> int:
    return len(_PEM_NOISE.sub("", body))


def _find_pem_blocks(text: str) -> Iterator[_Span]:
    for match in _PEM_BEGIN.finditer(text):
        if _pem_material(match.group("body")) < 32:
            continue  # a marker in PEM-handling code, or an empty fixture
        if match.group("end"):
            yield _Span(match.start(), match.end(), "private-key")
        else:
            # The text ends inside the key (a cut window): keep the trailing line break.
            trailing = _PEM_TRAILING_BREAKS.search(match.group("body"))
            cut = trailing.start() if trailing else len(match.group("body"))
            yield _Span(match.start(), match.start("body") + cut, "private-key")


def _find_pem_tails(text: str) -> Iterator[_Span]:
    previous_end = 0
    for match in _PEM_END.finditer(text):
        # Key material never spans an earlier END marker, so no text is scanned twice.
        low = max(previous_end, match.start() - _MAX_PEM_BODY)
        previous_end = match.end()
        reversed_window = text[low : match.start()][::-1]
        body = _PEM_BODY_REVERSED.match(reversed_window)
        start = match.start() - (body.end() if body else 0)
        if start > 0 and text[start - 1] == "\\":
            start += 1  # the scan stopped inside an escape such as "\n"
        # Skip a short leading fragment (a word of prose, the cut end of a line) before the key lines.
        lead = _PEM_SHORT_LEAD.match(text, start, match.start())
        if lead is not None and lead.end() < match.start():
            start = lead.end()
        if _pem_material(text[start : match.start()]) >= 32:
            yield _Span(start, match.end(), "private-key")


# --- Passwords in URLs: scheme://user:PASSWORD@host ---------------------------------------------------

_URL_PASSWORD = re.compile(r"://[^\s:/?#@'\"<>]*:(?P<secret>[^\s/?#@'\"<>]+)@")


def _find_url_passwords(text: str) -> Iterator[_Span]:
    for match in _URL_PASSWORD.finditer(text):
        password = match.group("secret")
        if len(password) >= _MIN_SECRET_LENGTH and not _is_placeholder(password):
            yield _Span(match.start("secret"), match.end("secret"), "url-password")


# In priority order, with the finders by name after them (see ``redaction._FINDERS``).
_SHAPE_FINDERS: tuple[_Finder, ...] = (
    _find_pem_blocks,
    _find_pem_tails,
    _token_finder("openrouter-key", _after("sk-or-") + r"(?:v\d+-)?[A-Za-z0-9]{32,}" + _E),
    _token_finder("anthropic-key", _after("sk-ant-") + r"[A-Za-z0-9_-]{20,}", _looks_generated),
    _token_finder("openai-key", _after("sk-") + r"(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", _looks_generated),
    _token_finder("github-token", _after("gh", "A-Za-z0-9_") + r"[pousr]_[A-Za-z0-9]{30,}(?![A-Za-z0-9_])"),
    _token_finder("github-token", _after("github_pat_", "A-Za-z0-9_") + r"[A-Za-z0-9_]{30,}"),
    _token_finder("gitlab-token", _after("glpat-") + r"[A-Za-z0-9_-]{20,}"),
    _token_finder(
        "slack-webhook",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9_/-]{20,})",
    ),
    _token_finder("slack-token", _after("xox") + r"[abposr]-[A-Za-z0-9-]{10,}", _has_digit_and_letter),
    _token_finder(
        "stripe-key",
        r"k_(?<=[sr]k_)(?<![A-Za-z0-9_][sr]k_)(?:live|test)_[A-Za-z0-9]{16,}(?![A-Za-z0-9_])",
        _has_digit_and_letter,
        lead=1,
    ),
    _token_finder("stripe-key", _after("whsec_", "A-Za-z0-9_") + r"[A-Za-z0-9]{24,}(?![A-Za-z0-9_])"),
    _token_finder("aws-access-key-id", _after("A", "A-Za-z0-9") + r"(?:KIA|SIA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
    _token_finder("google-api-key", _after("AIza") + r"[A-Za-z0-9_-]{35}" + _E),
    _token_finder(
        "huggingface-token",
        _after("hf_", "A-Za-z0-9_") + r"[A-Za-z0-9]{34,}(?![A-Za-z0-9_])",
        lambda v: v.lower() != v and v.upper() != v,
    ),
    _token_finder("npm-token", _after("npm_", "A-Za-z0-9_") + r"[A-Za-z0-9]{36}(?![A-Za-z0-9_])"),
    _token_finder("pypi-token", _after("pypi-") + r"AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20,}"),
    _token_finder(
        "jwt",
        _after("eyJ") + r"[A-Za-z0-9_-]{8,}\.(?:[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|eyJ[A-Za-z0-9_-]{8,}\.)" + _E,
    ),
    _token_finder(
        "bearer-token",
        r"earer(?<=[Bb]earer)(?<![A-Za-z][Bb]earer)[ \t]+(?P<secret>[A-Za-z0-9._~+/-]{16,}=*)(?![A-Za-z0-9._~+/=-])",
        _has_digit_and_letter,
    ),
    _token_finder(
        "basic-auth",
        _after("Basic", "A-Za-z") + r"[ \t]+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])",
        _decodes_to_credentials,
    ),
    _find_url_passwords,
)
