"""The files ``arb-lsp eval`` may take sites from: tracked by git (every file when the folder is not in a
git checkout), never excluded (the ``exclude`` globs and their defaults: keys, env files, credentials), in a
language arb-lsp parses, UTF-8, and not so large that it is generated code."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from arb_lsp.commands.sources import language_of
from arb_lsp.evaluation.sites import SourceFile
from arb_lsp.privacy import ExclusionMatcher
from arb_lsp.syntax import supports_language

#: Larger files are generated code, bundles or data more often than code a person types.
MAX_FILE_BYTES = 256 * 1024


@dataclass(slots=True)
class Listing:
    """What was found: the files, how they were listed, and how many were left out and why."""

    files: list[SourceFile] = field(default_factory=list)
    from_git: bool = False
    excluded: int = 0
    unsupported: int = 0


def git_files(root: Path) -> list[str] | None:
    """Files git tracks under ``root`` (relative, ``/``-separated); None when ``root`` is not in a checkout."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(
            [git, "-C", str(root), "ls-files", "-z", "--cached"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return sorted(name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name)


def walked_files(root: Path) -> list[str]:
    """Every file under ``root`` outside hidden folders (``.git``, ``.venv``), relative and sorted."""
    names: list[str] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        base = Path(folder).relative_to(root)
        names.extend((base / name).as_posix() for name in files)
    return sorted(names)


def list_files(root: Path, exclusions: ExclusionMatcher) -> Listing:
    tracked = git_files(root)
    listing = Listing(from_git=tracked is not None)
    for relative in tracked if tracked is not None else walked_files(root):
        path = root / relative
        language = language_of(path)
        if not supports_language(language):
            listing.unsupported += 1
            continue
        if exclusions.is_excluded(str(path.absolute())) or exclusions.is_excluded(os.path.realpath(path)):
            listing.excluded += 1
            continue
        listing.files.append(SourceFile(relative, language, load=functools.partial(read_text, path)))
    return listing


def read_text(path: Path) -> str | None:
    """The file's text, or None when it is not a regular UTF-8 file of a sensible size."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
