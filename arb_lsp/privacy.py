"""Privacy guards applied before any text leaves the machine.

Three pure steps, each usable alone:

* **Exclusion** — :class:`ExclusionMatcher` decides from a document's path or URI whether it may be sent
  at all. :data:`DEFAULT_EXCLUDES` covers env files, private keys, keystores and credential files.
* **Redaction** — :func:`redact` replaces secrets found *inside* text we do send with
  ``<REDACTED:kind>`` placeholders. Only the secret itself is replaced (quotes, names and the rest of a
  URL stay), so the model still sees code shaped like code.
* **Key scrubbing** — :func:`scrub_key` removes the user's own API key from log lines and error messages.

Redaction decisions worth knowing (each has a test):

* Provider tokens (OpenAI, OpenRouter, Anthropic, GitHub, GitLab, Slack, Stripe, AWS, Google, Hugging Face,
  npm, PyPI), JWTs, PEM private keys, bearer/basic credentials and passwords in URLs are recognised by shape,
  wherever they appear.
* Anything else counts as a secret only as the *literal* value of a name whose last word is a secret word
  (``password``, ``db_pass``, ``api_key``, ``clientSecret``, ``AUTH_TOKEN``, ...). ``token_type``,
  ``password_field`` or ``public_key`` are not secret names; a call, variable or ``None`` is not a literal.
* Values shorter than 6 characters, values with whitespace, and placeholders are left alone:
  ``"<your key here>"``, ``"${DB_PASSWORD}"``, ``"changeme"``, ``"xxxxxx"``, ``"YOUR_API_KEY"``... A well-known
  placeholder tells nobody anything, and keeping it keeps the model's context intact.
* Unquoted values are trusted as literals on env-style lines (``DB_PASSWORD=hunter2``); elsewhere an
  unquoted identifier (``password: SecretStr``, ``token = user_token``) is treated as code unless it mixes
  letters and digits. So ``password: postgres`` in YAML is kept — it cannot be told apart from a type.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import os
import posixpath
import re
import string
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = [
    "DEFAULT_EXCLUDES",
    "SCRUBBED_KEY",
    "ExclusionMatcher",
    "RedactionResult",
    "redact",
    "scrub_key",
]

# --------------------------------------------------------------------------------------------------
# Exclusion
# --------------------------------------------------------------------------------------------------

DEFAULT_EXCLUDES: tuple[str, ...] = (
    # environment files
    ".env",
    ".env.*",
    "*.env",
    ".envrc",
    # private keys, certificates and keystores
    "*.pem",
    "*.key",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    # package-manager and VCS credentials
    ".netrc",
    "_netrc",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    # cloud and cluster credentials
    ".aws/credentials",
    ".aws/config",
    ".config/gcloud/**",
    "*service-account*.json",
    ".azure/**",
    ".docker/config.json",
    ".kube/config",
    # infrastructure state stores every secret it ever provisioned
    "*.tfstate",
    "*.tfstate.backup",
    # files named for what they hold
    "secrets.*",
    "credentials.*",
)

_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")  # two letters at least, so "C:\x" is a path
_WINDOWS_DRIVE = re.compile(r"/?[A-Za-z]:[/\\]")


def _glob_to_regex(glob: str) -> str:
    """Translate one gitignore-style glob (without leading ``/`` or ``!``) into a regex body.

    ``*`` and ``?`` stay inside one path segment, ``**`` as a whole segment spans directories,
    ``[...]`` is a character class (``[!...]`` negated) and ``\\`` escapes the next character.
    """
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        char = glob[i]
        if char == "*":
            j = i
            while j < n and glob[j] == "*":
                j += 1
            whole_segment = (i == 0 or glob[i - 1] == "/") and (j == n or glob[j] == "/")
            if j - i >= 2 and whole_segment:
                if j == n:
                    out.append(".*")  # "dir/**": everything below dir
                else:
                    out.append("(?:[^/]*/)*")  # "**/": zero or more directories
                    j += 1
            else:
                out.append("[^/]*")
            i = j
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            first = i + 2 if glob[i + 1 : i + 2] in ("!", "^") else i + 1
            close = glob.find("]", first + 1)  # a "]" right after "[" or "[!" is a member, as in fnmatch
            if close == -1:
                out.append(re.escape(char))
                i += 1
                continue
            members = "".join("\\" + c if c in "\\^[]" else c for c in glob[first:close])
            out.append(f"[^/{members}]" if first > i + 1 else f"(?!/)[{members}]")
            i = close + 1
        elif char == "\\" and i + 1 < n:
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _CompiledGlob:
    regex: re.Pattern[str]
    negated: bool
    anchored: bool


def _compile_glob(pattern: str, flags: int) -> _CompiledGlob | None:
    glob = pattern.strip()
    if not glob or glob.startswith("#"):
        return None
    negated = glob.startswith("!")
    if negated:
        glob = glob[1:]
    directory_only = glob.endswith("/")
    anchored = glob.startswith("/")
    glob = glob.strip("/")
    if not glob:
        return None
    # A match on a directory covers everything inside it, as in .gitignore.
    tail = "/.*" if directory_only else "(?:/.*)?"
    head = "^" if anchored else "(?:^|/)"
    try:
        regex = re.compile(head + _glob_to_regex(glob) + tail + r"\Z", flags)
    except re.error:  # e.g. a reversed range "[z-a]" in a user setting: match the text literally
        regex = re.compile(head + re.escape(glob) + tail + r"\Z", flags)
    return _CompiledGlob(regex, negated, anchored)


def _path_of(path_or_uri: str) -> str:
    """A normalised ``/``-separated path from a file path or any URI (percent-decoded path part)."""
    path = path_or_uri
    if _URI_SCHEME.match(path):
        parts = urlsplit(path)
        path = unquote(parts.path)
        if parts.scheme == "file" and parts.netloc not in ("", "localhost"):
            path = f"//{parts.netloc}{path}"  # UNC share
    if "\\" in path and (os.sep == "\\" or _WINDOWS_DRIVE.match(path) or path.startswith("\\\\")):
        path = path.replace("\\", "/")
    if path.startswith("/") and _WINDOWS_DRIVE.match(path):
        path = path[1:]  # file:///C:/x -> C:/x
    return posixpath.normpath(path) if path else ""


class ExclusionMatcher:
    """Decides whether a document must never be sent, from gitignore-like glob patterns.

    * A pattern without ``/`` matches a file or directory name at any depth (``*.pem``, ``.env``).
    * A pattern with ``/`` matches the path relative to ``root`` and any trailing part of the absolute path,
      so ``.aws/credentials`` matches ``/home/u/.aws/credentials``; a leading ``/`` anchors it to ``root``
      (or to the filesystem root when there is no ``root``).
    * ``**`` spans directories; a pattern that matches a directory covers everything inside it; a trailing
      ``/`` matches directories only.
    * ``!pattern`` re-includes what earlier patterns excluded (the last matching pattern wins);
      blank lines and ``#`` comments are ignored, so ``.gitignore``-style lists can be pasted as they are.

    Matching is case-sensitive except on macOS and Windows, whose filesystems usually are not.
    """

    def __init__(self, patterns: Sequence[str], root: str | None = None, *, case_sensitive: bool | None = None) -> None:
        if case_sensitive is None:
            case_sensitive = sys.platform not in ("darwin", "win32")
        self._case_sensitive = case_sensitive
        flags = 0 if case_sensitive else re.IGNORECASE
        self.patterns: tuple[str, ...] = tuple(patterns)
        compiled = (_compile_glob(p, flags) for p in self.patterns)
        # Reversed once here so the first hit in is_excluded is the last matching pattern.
        self._globs: tuple[_CompiledGlob, ...] = tuple(g for g in compiled if g is not None)[::-1]
        self._root = _path_of(root) if root else None

    def __repr__(self) -> str:
        return f"ExclusionMatcher({list(self.patterns)!r}, root={self._root!r})"

    def is_excluded(self, path_or_uri: str) -> bool:
        """True when ``path_or_uri`` (a path, a ``file://`` URI or any other URI) must not be sent."""
        path = _path_of(path_or_uri)
        if not path or path == ".":
            return False
        relative = self._relative(path)
        if self._root and not path.startswith("/") and not _WINDOWS_DRIVE.match(path):
            path = f"{self._root}/{path}"
        for glob in self._globs:
            target = relative if glob.anchored else path
            if target is not None and glob.regex.search(target):
                return not glob.negated
        return False

    def covers(self, path_or_uri: str) -> bool:
        """True when ``path_or_uri`` is an absolute path (or ``file://`` URI) inside this matcher's root."""
        path = _path_of(path_or_uri)
        absolute = path.startswith("/") or bool(_WINDOWS_DRIVE.match(path))
        return self._root is not None and absolute and self._relative(path) is not None

    def _relative(self, path: str) -> str | None:
        """``path`` relative to the root; None when it lies outside. Without a root: relative to ``/``."""
        if self._root is None:
            return path.lstrip("/")
        if not path.startswith("/") and not _WINDOWS_DRIVE.match(path):
            return path  # already relative to the workspace
        root, candidate = self._root.rstrip("/"), path
        if not self._case_sensitive:
            root, candidate = root.lower(), candidate.lower()
        if candidate.startswith(root + "/"):
            return path[len(root) + 1 :]
        return None


# --------------------------------------------------------------------------------------------------
# Redaction
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The redacted text, how many secrets were replaced, and their distinct kinds (sorted)."""

    text: str
    count: int
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    kind: str


# A finder yields the secrets of one family found in a text.
_Finder = Callable[[str], Iterable[_Span]]


_MIN_SECRET_LENGTH = 6
_MAX_NAME_LENGTH = 128
_MAX_PEM_BODY = 16_384

_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[A-Za-z]")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")


def _placeholder(kind: str) -> str:
    return f"<REDACTED:{kind}>"


def _has_digit_and_letter(value: str) -> bool:
    return bool(_DIGIT.search(value) and _LETTER.search(value))


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
_WHITESPACE = re.compile(r"\s")
_SYMBOL = re.compile(r"[!@#$%^&*+=?~]")
_CODE_PUNCTUATION = re.compile(r"[()\[\]{};,<>\\]")
_PLACEHOLDER_FILL = frozenset("x*.-_#•")
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


# --- Passwords in URLs: scheme://user:PASSWORD@host ---------------------------------------------------

_URL_PASSWORD = re.compile(r"://[^\s:/?#@'\"<>]*:(?P<secret>[^\s/?#@'\"<>]+)@")


def _find_url_passwords(text: str) -> Iterator[_Span]:
    for match in _URL_PASSWORD.finditer(text):
        password = match.group("secret")
        if len(password) >= _MIN_SECRET_LENGTH and not _is_placeholder(password):
            yield _Span(match.start("secret"), match.end("secret"), "url-password")


# In priority order: where two findings overlap, the earlier finder's wins (a GitHub token assigned to
# `token = "..."` is reported as a github-token, not a generic token).
_FINDERS: tuple[_Finder, ...] = (
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
    _find_cli_flags,
    _find_assignments,
    _find_xml_elements,
)


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


# --------------------------------------------------------------------------------------------------
# Key scrubbing
# --------------------------------------------------------------------------------------------------

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
