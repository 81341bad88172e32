"""Files on disk for the one-shot commands: language by extension, reading, ``FILE:LINE:COL`` positions,
applying edits, unified diffs, atomic writes, and finding the files ``docstring --all`` may touch.

Files are read and written as UTF-8 with their line endings untouched. A write goes to a temporary file
in the same folder, then ``os.replace`` swaps it in: an interrupted run leaves each file either as it
was or completely rewritten, never half written.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from arb_lsp.commands.base import CommandError, UsageError
from arb_lsp.context import LineIndex
from arb_lsp.pipelines import DocEdit
from arb_lsp.privacy import ExclusionMatcher
from arb_lsp.syntax import supports_language
from arb_lsp.syntax.languages import LANGUAGE_BY_SUFFIX

SUPPORTED_SUFFIXES = tuple(sorted(s for s, language in LANGUAGE_BY_SUFFIX.items() if supports_language(language)))


def language_of(path: Path) -> str:
    return LANGUAGE_BY_SUFFIX.get(path.suffix.lower(), "plaintext")


def prompt_path(path: Path) -> str:
    """How a prompt names the file: relative to the working folder when inside it, else its name only
    (an absolute path would tell the model the user's name and folder layout)."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.name


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    text: str
    language_id: str

    @property
    def display(self) -> str:
        return str(self.path)

    @property
    def prompt_path(self) -> str:
        return prompt_path(self.path)


def read_source(path: Path) -> Source:
    if not path.exists():
        raise UsageError(f"file not found: {path}")
    if path.is_dir():
        raise UsageError(f"{path} is a folder, not a file.")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text.") from None
    return Source(path, text, language_of(path))


# -- positions ------------------------------------------------------------------------------------

# Non-greedy path, so "C:\\src\\a.py:3:4" keeps its drive letter and "a.py:3" works without a column.
_POSITION = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<column>\d+))?$")


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based ``FILE:LINE:COL`` as typed (COL counts characters; it defaults to 1)."""

    path: Path
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


def parse_position(spec: str) -> Position:
    match = _POSITION.match(spec)
    if match is None:
        raise UsageError(f"expected FILE:LINE:COL (1-based, like compiler messages), got {spec!r}.")
    line, column = int(match["line"]), int(match["column"] or 1)
    if line < 1 or column < 1:
        raise UsageError(f"{spec}: lines and columns start at 1.")
    return Position(Path(match["path"]), line, column)


@dataclass(frozen=True, slots=True)
class Located:
    """A position inside a source: 0-based line and column (code points) and the text offset."""

    line: int
    column: int
    offset: int
    index: LineIndex


def locate(source: Source, position: Position) -> Located:
    index = LineIndex(source.text)
    lines = index.line_count()
    if position.line > lines:
        raise UsageError(f"{position}: line {position.line} is past the end of {source.path} ({lines} lines).")
    line = position.line - 1
    length = index.line_end(line) - index.line_start(line)
    if position.column > length + 1:
        raise UsageError(
            f"{position}: column {position.column} is past the end of line {position.line} "
            f"({length} characters; the last position is column {length + 1})."
        )
    column = position.column - 1
    return Located(line, column, index.line_start(line) + column, index)


# -- edits ----------------------------------------------------------------------------------------


def apply_edits(text: str, edits: Iterable[DocEdit]) -> tuple[str, int]:
    """``text`` with the edits applied (all computed against ``text``), and how many were applied.

    Edits are placed by their offsets in the original text, so earlier ones never shift later ones
    (the same as applying them bottom-up); an edit overlapping one before it is dropped.
    """
    index = LineIndex(text)
    spans = sorted(
        (index.line_start(e.start_line) + e.start_col, index.line_start(e.end_line) + e.end_col, e.new_text)
        for e in edits
    )
    pieces: list[str] = []
    position = 0
    applied = 0
    for start, end, new_text in spans:
        if start < position or end < start:
            continue
        pieces.append(text[position:start])
        pieces.append(new_text)
        position = end
        applied += 1
    pieces.append(text[position:])
    return "".join(pieces), applied


def unified_diff(before: str, after: str, name: str) -> str:
    """A ``diff -u`` style patch (``git apply``-able), marking a last line without a newline."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{name}", f"b/{name}"
    )
    out: list[str] = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


class FileChangedError(CommandError):
    """The file changed on disk while its edits were being computed: it is left alone."""


def write_atomically(path: Path, text: str, *, expected: str | None = None) -> None:
    """Replace ``path``'s content with ``text`` in one step (temp file in the same folder + ``os.replace``).

    A symlink is followed (the link stays a link); permissions are kept. With ``expected``, the file must
    still hold exactly that text, so an edit made meanwhile (in an editor, say) is never overwritten.
    """
    target = Path(os.path.realpath(path))
    try:
        if expected is not None and target.read_bytes() != expected.encode("utf-8"):
            raise FileChangedError(f"{path} changed while its docstrings were written; left it as it is.")
        mode = stat.S_IMODE(target.stat().st_mode)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".arb-lsp")
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
        raise


# -- finding files --------------------------------------------------------------------------------


class GitIgnores:
    """The ``.gitignore`` files that apply to a path, read once each; the deepest one that matches decides.

    That is git's precedence: a pattern in ``a/b/.gitignore`` (``!keep.py``) overrides one in
    ``a/.gitignore`` (``*.py``). Files in an ignored folder are never reached: the walk prunes it.
    """

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}

    def _spec(self, folder: Path) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._specs:
            try:
                lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            self._specs[folder] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[folder]

    def ignored(self, path: Path, *, is_dir: bool, top: Path) -> bool:
        """Whether ``path`` (under ``top``, both absolute) is ignored by a ``.gitignore`` from ``top`` down."""
        folder = path.parent
        while True:
            spec = self._spec(folder)
            if spec is not None:
                relative = path.relative_to(folder).as_posix() + ("/" if is_dir else "")
                decision = spec.check_file(relative).include
                if decision is not None:
                    return bool(decision)
            if folder == top or folder.parent == folder:
                return False
            folder = folder.parent


def repository_root(folder: Path) -> Path:
    """The enclosing git work tree's root (whose ``.gitignore`` files apply), else ``folder`` itself."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


@dataclass(slots=True)
class Discovery:
    """What ``docstring --all`` found: the files to read, and what it left out and why."""

    files: list[Path] = field(default_factory=list)
    ignored: int = 0
    excluded: list[Path] = field(default_factory=list)
    unsupported: list[Path] = field(default_factory=list)


def discover(targets: Sequence[str], exclusions: ExclusionMatcher) -> Discovery:
    """Source files in supported languages under ``targets`` (files or folders), in a stable order.

    Folders are walked respecting ``.gitignore`` (and skipping hidden folders such as ``.git`` or
    ``.venv``); every file, named or found, is checked against the exclusion globs, which always win.
    """
    found = Discovery()
    seen: set[Path] = set()

    def consider(path: Path, *, named: bool) -> None:
        key = path.resolve()
        if key in seen:
            return
        seen.add(key)
        if exclusions.is_excluded(str(path.absolute())):
            found.excluded.append(path)
        elif not supports_language(language_of(path)):
            if named:
                found.unsupported.append(path)
        else:
            found.files.append(path)

    for target in targets:
        path = Path(target)
        if not path.exists():
            raise UsageError(f"no such file or folder: {target}")
        if path.is_dir():
            for file in _walk(path, exclusions, found):
                consider(file, named=False)
        else:
            consider(path, named=True)
    return found


def _walk(root: Path, exclusions: ExclusionMatcher, found: Discovery) -> Iterator[Path]:
    ignores = GitIgnores()
    top_absolute = Path(os.path.abspath(root))
    repository = repository_root(top_absolute)
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        here_absolute = Path(os.path.abspath(folder))
        kept: list[str] = []
        for name in sorted(subfolders):
            absolute = here_absolute / name
            if name.startswith("."):
                continue
            if ignores.ignored(absolute, is_dir=True, top=repository):
                found.ignored += 1
            elif exclusions.is_excluded(str(absolute)):
                found.excluded.append(here / name)
            else:
                kept.append(name)
        subfolders[:] = kept
        for name in sorted(files):
            if name.startswith("."):
                continue
            if ignores.ignored(here_absolute / name, is_dir=False, top=repository):
                found.ignored += 1
                continue
            yield here / name
