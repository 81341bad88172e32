"""Secrets recognised by the name they are given: assignments, env lines, command-line flags, XML elements."""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterator

from arb_lsp.privacy.findings import (
    _DIGIT,
    _MIN_SECRET_LENGTH,
    _Finder,
    _has_digit_and_letter,
    _is_placeholder,
    _Span,
)

_MAX_NAME_LENGTH = 128

# --- Assignments: `password = "..."`, `"client_secret": "..."`, `DB_PASSWORD=hunter2` ----------------

_ASSIGNMENT = re.compile(
    # Anchored on the secret word that ends the name; the rest of the name is read backwards in Python,
    # which keeps the scan cheap (no backtracking over every identifier in the file).  Matched against
    # a lowercased copy of the text with the same offsets: several times faster than re.IGNORECASE.
    r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|key|credentials?)"
    r"(?P<name_quote>[\"'`]?)(?P<bracket>\])?"
    r"(?:[ \t]*:[ \t]*(?P<annotation>[A-Za-z_][\w.\[\], |]*?))?"
    r"(?P<space_before>[ \t]*)(?P<sep>:=|=>|=(?![=>~])|:(?!:))(?P<space_after>[ \t]*)"
    r"(?:[rbuf]{0,2}(?P<quote>[\"'`])(?P<quoted>(?:\\.|(?!(?P=quote))[^\\\r\n])*)(?P=quote)"
    r"|(?P<bare>[^\s\"'`]+)(?=(?:[ \t]+#.*)?[ \t]*\r?$))",
    re.MULTILINE,
)
_XML_ELEMENT = re.compile(
    r"<(?P<tag>(?:[A-Za-z_][\w.:-]{0,60}?)?(?i:pass(?:word|wd|phrase)?|secret|token|key|credentials?))>"
    r"(?P<value>[^<>\s]+)</(?P=tag)>"
)
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_NAME_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_UPPER_NAME = re.compile(r"[A-Z0-9_]+")
_IDENTIFIER_PATH = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_AWS_SECRET_VALUE = re.compile(r"[A-Za-z0-9/+=]{40}")
_SECRET_WORDS_IN_VALUE = re.compile(r"(?i)pass(?:word|wd)?|secret|token|api_?key|credential")
_ENV_LINE_PREFIX = re.compile(r"(?:export[ \t]+)?")

_PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pass"})
_SECRET_LAST_WORDS = frozenset(
    {"secret", "credential", "credentials", "secretkey", "accesskey", "privatekey", "authkey", "masterkey"}
)
_KEY_QUALIFIERS = frozenset(
    {
        "access",
        "account",
        "app",
        "auth",
        "client",
        "consumer",
        "encryption",
        "hmac",
        "jwt",
        "license",
        "master",
        "private",
        "secret",
        "service",
        "signing",
        "subscription",
        "webhook",
    }
)
_WHITESPACE = re.compile(r"\s")
_SYMBOL = re.compile(r"[!@#$%^&*+=?~]")
_CODE_PUNCTUATION = re.compile(r"[()\[\]{};,<>\\]")
_BARE_KEYWORDS = frozenset({"true", "false", "null", "none", "nil", "undefined", "yes", "no", "on", "off"})


@functools.lru_cache(maxsize=1024)
def _secret_kind(name: str) -> str | None:
    """The kind of secret a name holds, judged by its last word(s); None for ordinary names."""
    if not name or not (name[0].isalpha() or name[0] == "_"):
        return None
    words = [w.lower() for w in _NAME_WORD.findall(name)]
    if not words:
        return None
    last, previous = words[-1], (words[-2] if len(words) > 1 else "")
    if last in _PASSWORD_WORDS:
        return "password"
    if last == "token":
        return "token"
    if last == "apikey" or (last == "key" and previous == "api"):
        return "api-key"
    if last in _SECRET_LAST_WORDS or (last == "key" and previous in _KEY_QUALIFIERS):
        return "secret"
    return None


def _is_reference(value: str) -> bool:
    """Values that name a secret rather than being one: paths, URLs, env var names, field names."""
    if value.startswith(("/", "./", "../", "~/", "http://", "https://")):
        return True
    if _ENV_NAME.fullmatch(value):
        return True
    words = _NAME_WORD.findall(value)
    return (
        len(words) > 1
        and _IDENTIFIER_PATH.fullmatch(value.replace("-", "_")) is not None
        and not any(w.isdigit() for w in words)
        and _SECRET_WORDS_IN_VALUE.search(value) is not None
    )


def _has_entropy(value: str) -> bool:
    return (
        _DIGIT.search(value) is not None
        or (value.lower() != value and value.upper() != value)
        or len(value) >= 16
        or _SYMBOL.search(value) is not None
    )


def _is_secret_literal(value: str, kind: str) -> bool:
    if len(value) < _MIN_SECRET_LENGTH or _WHITESPACE.search(value):
        return False
    if _is_placeholder(value) or _is_reference(value):
        return False
    # A password may be any word; a token or key that is a plain word ("identifier") is usually not one.
    return kind == "password" or _has_entropy(value)


def _is_secret_bare(value: str, kind: str, env_style: bool) -> bool:
    """An unquoted value: a literal in .env/YAML/ini, but possibly code elsewhere."""
    if value.lower() in _BARE_KEYWORDS:
        return False
    if env_style:
        return _is_secret_literal(value, "password")
    if value[0] in "!&*|>@=" or _CODE_PUNCTUATION.search(value):
        return False  # code, or YAML tags / anchors / block scalars
    if _IDENTIFIER_PATH.fullmatch(value) and not _has_digit_and_letter(value):
        return False  # `password: SecretStr`, `token = user_token`
    return _is_secret_literal(value, kind)


def _name_before(text: str, end: int) -> int:
    """Start of the name that ends at ``end`` (scanning back over identifier characters)."""
    start, low = end, max(0, end - _MAX_NAME_LENGTH)
    while start > low and text[start - 1] in _NAME_CHARS:
        start -= 1
    while start < end and text[start] in ".-":
        start += 1  # "--password=..." flags, ".password" chains
    return start


def _assignment_kind(name: str, value: str, kind: str) -> str:
    words = "".join(w.lower() for w in _NAME_WORD.findall(name))
    if ("awssecret" in words or "secretaccesskey" in words) and _AWS_SECRET_VALUE.fullmatch(value):
        return "aws-secret-key"
    return kind


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _lowercase_same_offsets(text: str) -> str:
    """``text`` lowercased with every offset unchanged (``str.lower`` can lengthen a few characters)."""
    lowered = text.lower()
    # Lowercasing never shortens a character, so equal lengths mean aligned offsets.
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _find_assignments(text: str) -> Iterator[_Span]:
    for match in _ASSIGNMENT.finditer(_lowercase_same_offsets(text)):
        quoted = match.group("quote") is not None
        group = "quoted" if quoted else "bare"
        value = text[match.start(group) : match.end(group)]
        if len(value) < _MIN_SECRET_LENGTH:
            continue  # the cheapest test first: most candidates in ordinary code end here
        name_end = match.start("name_quote")
        name_start = _name_before(text, name_end)
        name = text[name_start:name_end]
        kind = _secret_kind(name)
        if kind is None:
            continue
        before = text[name_start - 1] if name_start else ""
        name_quote = match.group("name_quote")
        if name_quote:
            if before != name_quote:
                continue  # "my password": a label, not a key
        elif (before and before in "\"'`") or match.group("bracket"):
            continue  # the word sits inside a string: input("Password: ")
        if quoted:
            if not _is_secret_literal(value, kind):
                continue
        else:
            line_start = text.rfind("\n", 0, name_start) + 1
            env_style = (
                match.group("sep") == "="
                and not (match.group("space_before") or match.group("space_after"))
                and not name_quote
                and match.group("annotation") is None
                and _ENV_LINE_PREFIX.fullmatch(text, line_start, name_start) is not None
                and (_UPPER_NAME.fullmatch(name) is not None or "." in name)
            )
            if not _is_secret_bare(value, kind, env_style):
                continue
        yield _Span(match.start(group), match.end(group), _assignment_kind(name, value, kind))


_CLI_FLAG = re.compile(r"--(?P<name>[A-Za-z][\w-]{0,60})=(?P<value>[^\s\"'`]+)")


def _find_cli_flags(text: str) -> Iterator[_Span]:
    """``--password=hunter22`` anywhere on a command line; the value is a literal, as in a .env file."""
    for match in _CLI_FLAG.finditer(text):
        kind = _secret_kind(match.group("name"))
        if kind is not None and _is_secret_bare(match.group("value"), kind, env_style=True):
            yield _Span(match.start("value"), match.end("value"), kind)


def _find_xml_elements(text: str) -> Iterator[_Span]:
    for match in _XML_ELEMENT.finditer(text):
        kind = _secret_kind(match.group("tag").rpartition(":")[2])
        if kind is not None and _is_secret_literal(match.group("value"), kind):
            yield _Span(match.start("value"), match.end("value"), kind)


# In priority order (see ``redaction._FINDERS``).
_NAME_FINDERS: tuple[_Finder, ...] = (_find_cli_flags, _find_assignments, _find_xml_elements)
