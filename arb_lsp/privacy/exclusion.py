"""Exclusion: which documents must never be sent, decided from gitignore-like globs on their path or URI."""

from __future__ import annotations

import os
import posixpath
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

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
