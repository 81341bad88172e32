"""C and C++ includes in quotes: ``#include "order.h"``, looked up as compilers do for quoted includes.

First next to the including file, then in each workspace root and its ``include/`` and ``src/`` directories.
Angle-bracket includes name system or library headers, not workspace code, and are left alone. A header is
outlined whole (it is a list of declarations already); function bodies in it are elided.
"""

from __future__ import annotations

import os

from arb_lsp.syntax import ParsedSource
from arb_lsp.workspace_context.files import OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.imports.common import Target, string_content, target, top_level


def resolve(include: str, document: OpenDocument, files: WorkspaceFiles) -> str | None:
    bases = [os.path.dirname(document.path)]
    for root in files.roots:
        bases += [root, os.path.join(root, "include"), os.path.join(root, "src")]
    return files.first_existing(os.path.normpath(os.path.join(base, include)) for base in dict.fromkeys(bases))


def targets(parsed: ParsedSource, document: OpenDocument, files: WorkspaceFiles) -> list[Target]:
    found: list[Target | None] = []
    stack = list(top_level(parsed))
    while stack:
        node = stack.pop(0)
        if node.type in ("preproc_ifdef", "preproc_if", "preproc_else", "linkage_specification"):
            stack = list(node.named_children) + stack  # include guards and extern "C" wrap includes
            continue
        if node.type != "preproc_include":
            continue
        path_node = node.child_by_field_name("path")
        if path_node is None or path_node.type != "string_literal":
            continue
        path = resolve(string_content(parsed, path_node), document, files)
        if path:
            found.append(target(path))
    return [t for t in found if t is not None]
