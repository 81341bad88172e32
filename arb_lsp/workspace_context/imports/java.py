"""Java imports within the same source root: ``import com.shop.Order;`` and ``import com.shop.*;``.

The source root is found from the document's own ``package`` declaration (``src/main/java`` for
``src/main/java/com/shop/App.java`` in package ``com.shop``). Classes of the document's own package are
targets too when the document names them, as Java needs no import for them.
"""

from __future__ import annotations

import os
import re

from arb_lsp.syntax import ParsedSource
from arb_lsp.workspace_context.files import OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.imports.common import Target, node_text, target, top_level

#: The most classes of one package (a wildcard import or the document's own package) that are outlined.
MAX_PACKAGE_CLASSES = 6


def source_root(document: OpenDocument, package: str) -> str | None:
    directory = os.path.dirname(document.path)
    segments = [s for s in package.split(".") if s]
    for segment in reversed(segments):
        if os.path.basename(directory) != segment:
            return None
        directory = os.path.dirname(directory)
    return directory


def _package_classes(directory: str, files: WorkspaceFiles, used: set[str], skip: str) -> list[Target]:
    found = []
    for path in files.list_dir(directory):
        name = os.path.splitext(os.path.basename(path))[0]
        if path.endswith(".java") and path != skip and name in used:
            made = target(path, frozenset({name}))
            if made:
                found.append(made)
    return found[:MAX_PACKAGE_CLASSES]


def targets(parsed: ParsedSource, document: OpenDocument, files: WorkspaceFiles) -> list[Target]:
    nodes = top_level(parsed)
    package_node = next((n for n in nodes if n.type == "package_declaration"), None)
    package = node_text(parsed, package_node.named_children[0]) if package_node and package_node.named_children else ""
    root = source_root(document, package)
    if root is None:
        return []
    used = set(re.findall(r"\b[A-Z]\w*\b", document.text))
    found: list[Target] = []
    for node in nodes:
        if node.type != "import_declaration" or any(c.type == "static" for c in node.children):
            continue
        name = next((c for c in node.named_children if c.type in ("scoped_identifier", "identifier")), None)
        if name is None:
            continue
        segments = node_text(parsed, name).split(".")
        if any(c.type == "asterisk" for c in node.named_children):
            found.extend(_package_classes(os.path.join(root, *segments), files, used, document.path))
            continue
        path = files.first_existing([os.path.join(root, *segments) + ".java"])
        made = target(path, frozenset({segments[-1]})) if path else None
        if made:
            found.append(made)
    found.extend(_package_classes(os.path.dirname(document.path), files, used, os.path.normpath(document.path)))
    return found
