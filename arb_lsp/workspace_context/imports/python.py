"""Python imports: ``import a.b``, ``import a.b as m``, ``from a.b import X``, ``from ..a import X``.

Absolute modules are looked up under each workspace root, its ``src/`` directory, and the directory that
holds the document's top-level package (the first ancestor without ``__init__.py``). A name imported with
``from pkg import name`` may itself be a module (``pkg/name.py``); then that module is the target. Imports
inside functions count too, after the top-level ones.
"""

from __future__ import annotations

import os

from tree_sitter import Node

from arb_lsp.syntax import ParsedSource
from arb_lsp.workspace_context.files import OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.imports.common import Target, node_text, target, top_level, used_after


def _module_files(base: str, dotted: str) -> list[str]:
    parts = [part for part in dotted.split(".") if part]
    stem = os.path.join(base, *parts) if parts else base
    return (
        [stem + ".py", stem + ".pyi", os.path.join(stem, "__init__.py")]
        if parts
        else [os.path.join(base, "__init__.py")]
    )


def _search_bases(document: OpenDocument, files: WorkspaceFiles) -> list[str]:
    bases: list[str] = []
    directory = os.path.dirname(document.path)
    root = files.root_of(document.path)
    while root is not None and files.exists(os.path.join(directory, "__init__.py")) and directory != root:
        directory = os.path.dirname(directory)
    bases.append(directory)
    for workspace_root in files.roots:
        bases.extend((workspace_root, os.path.join(workspace_root, "src")))
    return list(dict.fromkeys(bases))


def _resolve(dotted: str, level: int, document: OpenDocument, files: WorkspaceFiles) -> str | None:
    if level:
        base = os.path.dirname(document.path)
        for _ in range(level - 1):
            base = os.path.dirname(base)
        return files.first_existing(_module_files(base, dotted))
    for base in _search_bases(document, files):
        found = files.first_existing(_module_files(base, dotted))
        if found:
            return found
    return None


_IMPORTS = ("import_statement", "import_from_statement")


def _import_nodes(parsed: ParsedSource) -> list[Node]:
    """Top-level imports first, then those inside functions and classes (imports deferred to avoid a
    cycle or a slow start, common in large packages)."""
    top = top_level(parsed)
    nested: list[Node] = []
    stack = [node for node in reversed(top) if node.type not in _IMPORTS]
    while stack:
        node = stack.pop()
        if node.type in _IMPORTS:
            nested.append(node)
        elif node.type not in ("string", "comment", "expression_statement"):
            stack.extend(reversed(node.named_children))
    return [node for node in top if node.type in _IMPORTS] + nested


def targets(parsed: ParsedSource, document: OpenDocument, files: WorkspaceFiles) -> list[Target]:
    found: list[Target | None] = []
    text = document.text
    for node in _import_nodes(parsed):
        if node.type == "import_statement":
            for imported in node.children_by_field_name("name"):
                alias = imported.child_by_field_name("alias")
                dotted = node_text(parsed, imported.child_by_field_name("name") if alias else imported)
                qualifier = node_text(parsed, alias) if alias else dotted
                path = _resolve(dotted, 0, document, files)
                if path:
                    found.append(target(path, used_after(text, qualifier)))
        elif node.type == "import_from_statement":
            module = node.child_by_field_name("module_name")
            if module is None:
                continue
            level = 0
            dotted = node_text(parsed, module)
            if module.type == "relative_import":
                prefix = next((c for c in module.children if c.type == "import_prefix"), None)
                level = len(node_text(parsed, prefix).strip())
                dotted = dotted.lstrip(".")
            names: set[str] = set()
            aliases: set[tuple[str, str]] = set()
            for imported in node.children_by_field_name("name"):
                alias = imported.child_by_field_name("alias")
                name = node_text(parsed, imported.child_by_field_name("name") if alias else imported)
                qualifier = node_text(parsed, alias) if alias else name
                submodule = _resolve(f"{dotted}.{name}" if dotted else name, level, document, files)
                if submodule:
                    found.append(target(submodule, used_after(text, qualifier)))
                else:
                    names.add(name)
                    if qualifier != name:
                        aliases.add((qualifier, name))
            wildcard = any(child.type == "wildcard_import" for child in node.children)
            if names or wildcard:
                path = _resolve(dotted, level, document, files)
                if path:
                    found.append(target(path, None if wildcard else frozenset(names), frozenset(aliases)))
    return [t for t in found if t is not None]
