"""Rust modules: ``mod name;`` and ``use crate::a::b::Name`` / ``use super::x`` / ``use self::y``.

The package's own name (from ``Cargo.toml``) counts as ``crate``, for its binaries and examples.
A module path resolves as rustc does: ``a/b.rs`` or ``a/b/mod.rs`` under the crate's ``src/`` (the nearest
directory holding ``main.rs`` or ``lib.rs``); ``mod`` declarations in ``x.rs`` look in ``x/``. A ``use`` whose
last segment is not a module names an item of the module before it.
"""

from __future__ import annotations

import os
import re

from tree_sitter import Node

from arb_lsp.syntax import ParsedSource
from arb_lsp.workspace_context.files import OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.imports.common import Target, node_text, target, top_level, used_after


def crate_root(directory: str, files: WorkspaceFiles) -> str | None:
    """The directory of the crate's ``main.rs`` / ``lib.rs`` at or above ``directory``."""
    root = files.root_of(directory)
    while root is not None:
        if files.exists(os.path.join(directory, "lib.rs")) or files.exists(os.path.join(directory, "main.rs")):
            return directory
        if directory == root:
            return None
        directory = os.path.dirname(directory)
    return None


def module_dir(path: str) -> str:
    """Where ``mod`` declarations of the file at ``path`` look for their files."""
    directory, name = os.path.split(path)
    if name in ("mod.rs", "lib.rs", "main.rs"):
        return directory
    return os.path.join(directory, os.path.splitext(name)[0])


def _module_file(directory: str, segments: list[str], files: WorkspaceFiles) -> str | None:
    if not segments:
        return None
    stem = os.path.join(directory, *segments)
    return files.first_existing([stem + ".rs", os.path.join(stem, "mod.rs")])


def _directory_module(directory: str, crate: str | None, files: WorkspaceFiles) -> str | None:
    """The file of the module whose items live in ``directory`` (``mod.rs``, ``dir.rs``, or the crate root)."""
    candidates = [os.path.join(directory, "mod.rs"), directory + ".rs"]
    if directory == crate:
        candidates = [os.path.join(directory, "lib.rs"), os.path.join(directory, "main.rs")]
    return files.first_existing(candidates)


def _use_paths(parsed: ParsedSource, node: Node, prefix: list[str]) -> list[tuple[list[str], str | None]]:
    """(segments, alias) of every path a ``use`` argument names, lists expanded."""
    kind = node.type
    if kind in ("identifier", "crate", "super", "self", "scoped_identifier"):
        return [([*prefix, *node_text(parsed, node).split("::")], None)]
    if kind == "use_as_clause":
        path = node.child_by_field_name("path")
        alias = node.child_by_field_name("alias")
        inner = _use_paths(parsed, path, prefix) if path is not None else []
        return [(segments, node_text(parsed, alias)) for segments, _ in inner]
    if kind == "scoped_use_list":
        path = node.child_by_field_name("path")
        head = [*prefix, *node_text(parsed, path).split("::")] if path is not None else prefix
        listed = node.child_by_field_name("list")
        return _use_paths(parsed, listed, head) if listed is not None else []
    if kind == "use_list":
        found: list[tuple[list[str], str | None]] = []
        for child in node.named_children:
            found.extend(_use_paths(parsed, child, prefix))
        return found
    if kind == "use_wildcard":
        named = node.named_children
        module = [*prefix, *node_text(parsed, named[0]).split("::")] if named else prefix
        return [([*module, "*"], None)]
    return []


_PACKAGE_NAME = re.compile(r'^\[package\][^\[]*?^name\s*=\s*"([^"]+)"', re.MULTILINE | re.DOTALL)


def package_name(crate: str | None, files: WorkspaceFiles) -> str | None:
    """The package's own name as code spells it (``my-lib`` -> ``my_lib``), from the ``Cargo.toml`` above ``src/``:
    its binaries and examples ``use my_lib::...`` for the library's items."""
    if crate is None:
        return None
    manifest = files.read(os.path.join(os.path.dirname(crate), "Cargo.toml"))
    match = _PACKAGE_NAME.search(manifest) if manifest else None
    return match.group(1).replace("-", "_") if match else None


def _base(
    segments: list[str], document: OpenDocument, crate: str | None, own_name: str | None = None
) -> tuple[str, list[str]] | None:
    here = module_dir(document.path)
    if segments[0] == "crate" or (own_name is not None and segments[0] == own_name):
        return (crate, segments[1:]) if crate else None
    if segments[0] == "self":
        return here, segments[1:]
    if segments[0] == "super":
        directory = here
        while segments and segments[0] == "super":
            directory = os.path.dirname(directory)
            segments = segments[1:]
        return directory, segments
    return None  # an external crate


def targets(parsed: ParsedSource, document: OpenDocument, files: WorkspaceFiles) -> list[Target]:
    found: list[Target | None] = []
    crate = crate_root(os.path.dirname(document.path), files)
    own_name = package_name(crate, files)
    for node in top_level(parsed):
        if node.type == "mod_item" and node.child_by_field_name("body") is None:
            name = node_text(parsed, node.child_by_field_name("name"))
            path = _module_file(module_dir(document.path), [name], files)
            if path:
                found.append(target(path, used_after(document.text, name)))
        elif node.type == "use_declaration":
            argument = node.child_by_field_name("argument")
            for segments, alias in _use_paths(parsed, argument, []) if argument is not None else []:
                based = _base(segments, document, crate, own_name)
                if based is None:
                    continue
                directory, rest = based
                if not rest:
                    continue
                if rest[-1] == "*":
                    path = _module_file(directory, rest[:-1], files) or (
                        _directory_module(directory, crate, files) if len(rest) == 1 else None
                    )
                    found.append(target(path) if path else None)
                    continue
                module = _module_file(directory, rest, files)
                if module:
                    found.append(target(module, used_after(document.text, alias or rest[-1])))
                    continue
                if len(rest) > 1:
                    parent = _module_file(directory, rest[:-1], files)
                else:
                    parent = _directory_module(directory, crate, files)
                if parent:
                    found.append(target(parent, frozenset({rest[-1]})))
    return [t for t in found if t is not None]
