"""Go imports of packages of the same module: the module path comes from the nearest ``go.mod``.

``import "example.com/shop/orders"`` in module ``example.com/shop`` is the directory ``orders/`` next to
``go.mod``; its ``.go`` files (tests excluded) are the targets, outlined for the names the document uses as
``orders.Name``. Files of the document's own package (same directory) are targets too: Go code uses them
without any import.
"""

from __future__ import annotations

import os
import re

from arb_lsp.syntax import ParsedSource
from arb_lsp.workspace_context.files import OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.imports.common import Target, node_text, string_content, target, top_level, used_after

_MODULE_LINE = re.compile(r"^module\s+(\S+)", re.MULTILINE)
#: The most files of one package that are outlined (ranking by use picks what the cursor needs from them).
MAX_PACKAGE_FILES = 40


def find_module(directory: str, files: WorkspaceFiles) -> tuple[str, str] | None:
    """(module path, module directory) from the nearest ``go.mod`` at or above ``directory``, within a root."""
    root = files.root_of(directory)
    while root is not None:
        text = files.read(os.path.join(directory, "go.mod"))
        if text is not None:
            match = _MODULE_LINE.search(text)
            return (match.group(1).strip('"'), directory) if match else None
        if directory == root:
            return None
        directory = os.path.dirname(directory)
    return None


def _package_files(directory: str, files: WorkspaceFiles, skip: str = "") -> list[str]:
    found = [
        path
        for path in files.list_dir(directory)
        if path.endswith(".go") and not path.endswith("_test.go") and path != skip
    ]
    return found[:MAX_PACKAGE_FILES]


def targets(parsed: ParsedSource, document: OpenDocument, files: WorkspaceFiles) -> list[Target]:
    found: list[Target | None] = []
    directory = os.path.dirname(document.path)
    module = find_module(directory, files)
    for node in top_level(parsed):
        if node.type != "import_declaration" or module is None:
            continue
        stack = list(node.named_children)
        while stack:
            spec = stack.pop(0)
            if spec.type == "import_spec_list":
                stack = list(spec.named_children) + stack
                continue
            if spec.type != "import_spec":
                continue
            import_path = string_content(parsed, spec.child_by_field_name("path"))
            module_path, module_dir = module
            if import_path != module_path and not import_path.startswith(module_path + "/"):
                continue
            package_dir = os.path.join(module_dir, *import_path[len(module_path) :].split("/"))
            alias = spec.child_by_field_name("name")
            qualifier = node_text(parsed, alias) if alias is not None else import_path.rsplit("/", 1)[-1]
            names = used_after(document.text, qualifier)
            for path in _package_files(os.path.normpath(package_dir), files):
                found.append(target(path, names))
    # The document's own package: other files of its directory, for what it uses from them unqualified.
    for path in _package_files(directory, files, skip=os.path.normpath(document.path)):
        found.append(target(path, frozenset(re.findall(r"\b[A-Za-z_]\w*\b", document.text))))
    return [t for t in found if t is not None]
