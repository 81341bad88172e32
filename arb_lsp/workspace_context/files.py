"""The only way context providers read files: inside the workspace roots, never excluded, cached.

A :class:`WorkspaceFiles` is built per request from what the server knows (its roots, the text of open
documents, the exclusion matcher it applies to everything it sends). Providers ask it for a path and get
text or ``None``; every rule of privacy is enforced here, in one place:

* a path outside every workspace root is never read, and neither is one that a symlink leads out of the
  roots (the real path must lie inside a root too). Open documents (the editor's buffers) follow the same
  rule: a file opened from ``~/.config`` or another project is not context for workspace files, unless
  ``outside_workspace`` (the ``context.outsideWorkspace`` setting) lets open buffers be used wherever they live;
* a path the exclusion matcher refuses (``exclude`` setting and its defaults) is never read, checked on the
  path as named and on the real path, open buffers included;
* files larger than :data:`MAX_FILE_BYTES` are skipped (generated code, bundles, data).

Once the request's deadline has expired, nothing more is read (every provider stops at its next read).
Open documents are read from their buffer (the user's latest text), others from disk. Disk reads are
cached by (path, modification time, size), so a file is read and decoded once until it changes; a path found
missing is remembered as missing for two seconds (import resolution probes many paths).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from arb_lsp.workspace_context.deadline import Deadline

#: Larger files are not read for context: minified bundles and generated code say little per character.
MAX_FILE_BYTES = 512 * 1024
_DISK_CACHE_ENTRIES = 2048
#: Characters of file text the cache keeps at most, whatever the number of files.
_DISK_CACHE_CHARS = 32 * 1024 * 1024
#: How long a path found missing is trusted to stay missing without asking the filesystem again.
ABSENT_SECONDS = 2.0
_ABSENT_ENTRIES = 16384


@dataclass(frozen=True, slots=True)
class OpenDocument:
    """An open document as a provider sees it: its path, language and current text."""

    path: str
    language_id: str
    text: str
    version: int | None = None


class DiskCache:
    """Texts of files read from disk, keyed by path and checked against (mtime, size) on each use.

    Shared by all requests of a server and safe to use from the worker thread providers run on.
    """

    def __init__(self, max_entries: int = _DISK_CACHE_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[int, int, str]] = OrderedDict()
        self._max = max_entries
        self._chars = 0
        self._absent: OrderedDict[str, float] = OrderedDict()
        self.reads = 0  # files actually read from disk (for tests and benchmarks)

    def is_file(self, path: str) -> bool:
        """Whether ``path`` is a regular file; a "no" is remembered for :data:`ABSENT_SECONDS`.

        Import resolution tries many candidate paths per request and most do not exist: asking the
        filesystem again on every keystroke would cost more than everything else the providers do. A
        "yes" is always checked afresh (the privacy checks that follow must see the file as it is now).
        """
        now = time.monotonic()
        with self._lock:
            seen = self._absent.get(path)
            if seen is not None and now - seen < ABSENT_SECONDS:
                return False
        if os.path.isfile(path):
            return True
        with self._lock:
            self._absent[path] = now
            self._absent.move_to_end(path)
            while len(self._absent) > _ABSENT_ENTRIES:
                self._absent.popitem(last=False)
        return False

    def read(self, path: str) -> str | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if not os.path.isfile(path) or stat.st_size > MAX_FILE_BYTES:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            hit = self._entries.get(path)
            if hit is not None and hit[:2] == stamp:
                self._entries.move_to_end(path)
                return hit[2]
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError:
            return None
        if len(data) > MAX_FILE_BYTES or b"\0" in data[:4096]:
            return None  # grew past the limit since stat, or binary
        text = data.decode("utf-8", "replace")
        with self._lock:
            self.reads += 1
            previous = self._entries.pop(path, None)
            self._chars += len(text) - (len(previous[2]) if previous else 0)
            self._entries[path] = (*stamp, text)
            while len(self._entries) > self._max or self._chars > _DISK_CACHE_CHARS:
                self._chars -= len(self._entries.popitem(last=False)[1][2])
        return text


def _normal(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class WorkspaceFiles:
    """Reads files for context providers, refusing anything privacy forbids (see the module docstring).

    ``excluded`` is the server's own exclusion check (path or URI in, True when never to be sent).
    """

    def __init__(
        self,
        roots: Sequence[str],
        *,
        excluded: Callable[[str], bool],
        open_documents: Mapping[str, OpenDocument] | None = None,
        cache: DiskCache | None = None,
        deadline: Deadline | None = None,
        outside_workspace: bool = False,
    ) -> None:
        self.roots: tuple[str, ...] = tuple(dict.fromkeys(_normal(root) for root in roots if root))
        self._real_roots = tuple(os.path.realpath(root) for root in self.roots)
        self._excluded = excluded
        self.open_documents: Mapping[str, OpenDocument] = {
            _normal(path): document for path, document in (open_documents or {}).items()
        }
        self._cache = cache or DiskCache()
        self._allowed: dict[str, bool] = {}
        self._deadline = deadline
        self.outside_workspace = outside_workspace

    def expired(self) -> bool:
        """Whether the request's time is up: from then on nothing more is read."""
        return self._deadline is not None and self._deadline.expired()

    def root_of(self, path: str) -> str | None:
        """The (innermost) workspace root holding ``path``, or None when it is outside all of them."""
        path = _normal(path)
        holding = [root for root in self.roots if _inside(path, root)]
        return max(holding, key=len) if holding else None

    def relative(self, path: str) -> str:
        """``path`` relative to its workspace root, ``/``-separated, for labels (never absolute)."""
        root = self.root_of(path)
        normal = _normal(path)
        if root is None:
            return os.path.basename(normal)
        return os.path.relpath(normal, root).replace(os.sep, "/")

    def allowed(self, path: str) -> bool:
        """Whether ``path`` may be read: inside a root (really, after symlinks) and not excluded."""
        path = _normal(path)
        if self.expired():
            return False
        known = self._allowed.get(path)
        if known is not None:
            return known
        verdict = self._check(path)
        self._allowed[path] = verdict
        return verdict

    def in_workspace(self, path: str) -> bool:
        """Whether ``path`` lies inside a workspace root, as named and after symlinks."""
        path = _normal(path)
        if self.root_of(path) is None:
            return False
        real = os.path.realpath(path)
        return any(_inside(real, root) for root in self._real_roots)  # else a symlink out of the workspace

    def _check(self, path: str) -> bool:
        if self._excluded(path):
            return False
        real = os.path.realpath(path)
        if real != path and self._excluded(real):
            return False  # a link named innocently to an excluded file, open in the editor or not
        if path in self.open_documents and self.outside_workspace:
            return True  # the opt-in: the user's buffers are context wherever they live
        return self.in_workspace(path)

    def exists(self, path: str) -> bool:
        """Whether ``path`` is a readable file (open or on disk) that may be read."""
        path = _normal(path)
        if path in self.open_documents:
            return self.allowed(path)
        # Existence first: most candidates of an import do not exist, and need no privacy check then.
        return self._cache.is_file(path) and self.allowed(path)

    def read(self, path: str) -> str | None:
        """The text of ``path`` (open buffer first, then disk), or None when absent or not allowed."""
        path = _normal(path)
        if not self.allowed(path):
            return None
        document = self.open_documents.get(path)
        if document is not None:
            return document.text
        return self._cache.read(path)

    def first_existing(self, candidates: Iterable[str]) -> str | None:
        """The first candidate path that exists and may be read."""
        for candidate in candidates:
            if self.exists(candidate):
                return _normal(candidate)
        return None

    def list_dir(self, directory: str) -> list[str]:
        """Files directly in ``directory`` that may be read (sorted, for stable prompts)."""
        directory = _normal(directory)
        if self.root_of(directory) is None:
            return []
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            return []
        return [path for name in names if self.exists(path := os.path.join(directory, name))]
