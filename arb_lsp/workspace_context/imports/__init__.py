"""Context provider 1: what the document imports, resolved to workspace files and outlined.

Each language family has a module with one function, ``targets(parsed, document, files)``, that reads the
import statements of the document's head with tree-sitter and resolves them to files of the workspace
(through :class:`~arb_lsp.workspace_context.files.WorkspaceFiles`, which enforces privacy). This module
reads each target's outline items (signatures, doc comments, fields; no bodies), following re-exports to the
files that define the imported names; :mod:`~arb_lsp.workspace_context.ranking` orders them by what the code
at the cursor uses.

Only the head of the document is parsed (:data:`HEAD_CHARS`): imports live there, and this keeps the cost
independent of the file's length; the result is cached per head text, so keystrokes below the imports
reuse it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable

from arb_lsp.syntax import ParsedSource, parse
from arb_lsp.workspace_context.deadline import Deadline
from arb_lsp.workspace_context.files import OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.imports import c_family, go, java, javascript, python, rust
from arb_lsp.workspace_context.imports.common import Target
from arb_lsp.workspace_context.outline import Item, outline_items
from arb_lsp.workspace_context.ranking import ImportedFile, rank_imports
from arb_lsp.workspace_context.snippets import ContextSnippet
from arb_lsp.workspace_context.uses import uses_near

__all__ = ["HEAD_CHARS", "ImportedFile", "Target", "import_snippets", "import_targets", "imported_files"]

#: How much of the document's start is searched for imports.
HEAD_CHARS = 32_000
#: The most files one document's imports bring in (their outlines are cached; ranking picks what is used).
MAX_TARGETS = 48

Resolver = Callable[[ParsedSource, OpenDocument, WorkspaceFiles], list[Target]]
_RESOLVERS: dict[str, Resolver] = {
    "python": python.targets,
    "javascript": javascript.targets,
    "javascriptreact": javascript.targets,
    "typescript": javascript.targets,
    "typescriptreact": javascript.targets,
    "go": go.targets,
    "rust": rust.targets,
    "java": java.targets,
    "c": c_family.targets,
    "cpp": c_family.targets,
}

#: How many re-exports are followed from an imported file towards the definition (``lib.rs`` -> ``mod.rs`` ->
#: ``command.rs``).
MAX_REEXPORT_STEPS = 3
#: Languages whose modules re-export names of other files (``__init__.py``, ``pub use``, ``export ... from``).
_REEXPORTING = frozenset({"python", "rust", "javascript", "javascriptreact", "typescript", "typescriptreact"})

_cache_lock = threading.Lock()
_TARGET_CACHE: OrderedDict[tuple[str, str, int, int, tuple[str, ...]], list[Target]] = OrderedDict()
_TARGET_CACHE_ENTRIES = 256


def _head(text: str) -> str:
    if len(text) <= HEAD_CHARS:
        return text
    head = text[:HEAD_CHARS]
    return head[: head.rfind("\n") + 1] or head


def import_targets(document: OpenDocument, files: WorkspaceFiles) -> list[Target]:
    """The workspace files the document imports, with the names it uses from each (cached per head)."""
    resolver = _RESOLVERS.get(document.language_id)
    if resolver is None:
        return []
    head = _head(document.text)
    key = (document.path, document.language_id, len(head), hash(head), files.roots)
    with _cache_lock:
        hit = _TARGET_CACHE.get(key)
        if hit is not None:
            _TARGET_CACHE.move_to_end(key)
            return hit
    parsed = parse(head, document.language_id, cache=False)
    found = resolver(parsed, document, files) if parsed is not None else []
    own = os.path.normpath(document.path)
    # One target per file, with the names of all its imports (None, the whole outline, absorbs names).
    unique: dict[str, Target] = {}
    for target in found:
        if os.path.normpath(target.path) == own:
            continue
        seen = unique.get(target.path)
        if seen is None:
            unique[target.path] = target
        else:
            names = None if target.names is None or seen.names is None else seen.names | target.names
            unique[target.path] = Target(seen.path, seen.language_id, names, seen.aliases | target.aliases)
    result = list(unique.values())[:MAX_TARGETS]
    if files.expired():
        return result  # cut short: incomplete, not to be served again
    with _cache_lock:
        _TARGET_CACHE[key] = result
        while len(_TARGET_CACHE) > _TARGET_CACHE_ENTRIES:
            _TARGET_CACHE.popitem(last=False)
    return result


def imported_files(document: OpenDocument, files: WorkspaceFiles, deadline: Deadline) -> list[ImportedFile]:
    """The files the document imports, each with its outline items (in the order of the imports).

    A name imported from a file that does not define it but re-exports it (a package's ``__init__.py``, a
    Rust ``mod.rs`` with ``pub use``, an ``index.ts``) is followed, up to MAX_REEXPORT_STEPS steps, to the file that defines it.
    """
    found: list[ImportedFile] = []
    seen: set[str] = {os.path.normpath(document.path)}  # a re-export may lead back to the document itself

    def add(target: Target) -> tuple[str, tuple[Item, ...]] | None:
        text = files.read(target.path) if os.path.normpath(target.path) not in seen else None
        if not text:
            return None
        seen.add(os.path.normpath(target.path))
        items = tuple(outline_items(text, target.language_id))
        found.append(ImportedFile(target, files.relative(target.path), items))
        return text, items

    def follow(target: Target, text: str, items: tuple[Item, ...], depth: int) -> None:
        """Where a file re-exports names it does not define, the files that define them (a few steps deep)."""
        if not target.names or target.language_id not in _REEXPORTING or depth > MAX_REEXPORT_STEPS:
            return
        missing = target.names - frozenset().union(*(item.names for item in items))
        if not missing:
            return
        inner_targets = import_targets(OpenDocument(target.path, target.language_id, text), files)
        # Named re-exports (``pub use x::Name``) first; whole modules (``mod x;``, ``import *``) after.
        for inner in sorted(inner_targets, key=lambda t: t.names is None):
            wanted = missing if inner.names is None else missing & inner.names
            if wanted and not deadline.expired() and len(found) < MAX_TARGETS:
                narrowed = Target(inner.path, inner.language_id, wanted)
                added = add(narrowed)
                if added is not None:
                    follow(narrowed, *added, depth + 1)

    for target in import_targets(document, files):
        if deadline.expired() or len(found) >= MAX_TARGETS:
            break
        added = add(target)
        if added is not None:
            follow(target, *added, 1)
    return found


def import_snippets(
    document: OpenDocument, files: WorkspaceFiles, deadline: Deadline, offset: int | None = None
) -> list[ContextSnippet]:
    """Outlines of what the document imports from the workspace, ranked by what the code at ``offset`` uses
    (the end of the document by default)."""
    uses = uses_near(document.text, len(document.text) if offset is None else offset)
    return rank_imports(imported_files(document, files, deadline), uses)
