"""JavaScript and TypeScript imports: relative specifiers (``./x``, ``../y/z``), as Node and bundlers resolve them.

``import {a, b as c} from "./m"``, ``import d from "./m"``, ``import * as ns from "./m"``, ``export ... from``
and ``require("./m")`` are read. A specifier resolves to the file itself, the file with one of the usual
extensions, or the directory's ``index`` file; a ``.js`` specifier also finds its ``.ts`` source (TypeScript's
convention for ES modules). Bare specifiers (packages) are left alone: they are not workspace code.
"""

from __future__ import annotations

import os

from tree_sitter import Node

from arb_lsp.syntax import ParsedSource
from arb_lsp.workspace_context.files import OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.imports.common import Target, node_text, string_content, target, top_level, used_after

EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")


def candidates(base: str) -> list[str]:
    """Files a relative specifier may name, in resolution order."""
    stem, extension = os.path.splitext(base)
    found = [base, *(base + ext for ext in EXTENSIONS)]
    if extension in (".js", ".jsx", ".mjs", ".cjs"):
        found += [stem + ext for ext in (".ts", ".tsx", ".mts", ".cts")]
    found += [os.path.join(base, "index" + ext) for ext in EXTENSIONS]
    return found


def resolve(specifier: str, document: OpenDocument, files: WorkspaceFiles) -> str | None:
    if not specifier.startswith(("./", "../")) and specifier not in (".", ".."):
        return None
    base = os.path.normpath(os.path.join(os.path.dirname(document.path), specifier))
    return files.first_existing(path for path in candidates(base) if not os.path.isdir(path))


def _aliases(parsed: ParsedSource, clause: Node) -> frozenset[tuple[str, str]]:
    """(local, imported) for a default import (``import Core from``) and renamed ones (``{a as b}``)."""
    found: set[tuple[str, str]] = set()
    for child in clause.named_children:
        if child.type == "identifier":
            found.add((node_text(parsed, child), "default"))
        elif child.type == "named_imports":
            for specifier in child.named_children:
                name, alias = specifier.child_by_field_name("name"), specifier.child_by_field_name("alias")
                if name is not None and alias is not None:
                    found.add((node_text(parsed, alias), node_text(parsed, name)))
    return frozenset(found)


def _clause_names(parsed: ParsedSource, clause: Node, text: str) -> frozenset[str] | None:
    """The imported names (``default`` for a default import); a namespace import yields the names used."""
    names: set[str] = set()
    for child in clause.named_children:
        if child.type == "identifier":
            names.add("default")
        elif child.type == "named_imports":
            for specifier in child.named_children:
                name = specifier.child_by_field_name("name")
                if specifier.type == "import_specifier" and name is not None:
                    names.add(node_text(parsed, name))
        elif child.type == "namespace_import":
            alias = next((c for c in child.named_children if c.type == "identifier"), None)
            return used_after(text, node_text(parsed, alias)) if alias is not None else None
    return frozenset(names) or None


def _requires(parsed: ParsedSource, node: Node) -> list[str]:
    """Specifiers of ``require("...")`` calls in a top-level statement."""
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "call_expression":
            function = current.child_by_field_name("function")
            arguments = current.child_by_field_name("arguments")
            if node_text(parsed, function) == "require" and arguments is not None and arguments.named_children:
                first = arguments.named_children[0]
                if first.type == "string":
                    found.append(string_content(parsed, first))
        stack.extend(current.named_children)
    return found


def targets(parsed: ParsedSource, document: OpenDocument, files: WorkspaceFiles) -> list[Target]:
    found: list[Target | None] = []
    for node in top_level(parsed):
        source = node.child_by_field_name("source")
        if node.type in ("import_statement", "export_statement") and source is not None:
            path = resolve(string_content(parsed, source), document, files)
            if path is None:
                continue
            clause = next((c for c in node.named_children if c.type == "import_clause"), None)
            names = _clause_names(parsed, clause, document.text) if clause else None
            found.append(target(path, names, _aliases(parsed, clause) if clause else frozenset()))
        elif node.type in ("lexical_declaration", "variable_declaration", "expression_statement"):
            for specifier in _requires(parsed, node):
                path = resolve(specifier, document, files)
                if path:
                    found.append(target(path))
    return [t for t in found if t is not None]
