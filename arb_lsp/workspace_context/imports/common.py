"""What the import resolvers share: the target type, language ids by extension, names used after a prefix."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from tree_sitter import Node

from arb_lsp.syntax import ParsedSource, supports_language
from arb_lsp.syntax.languages import LANGUAGE_BY_SUFFIX

#: Extensions of the files imports can lead to -> language ids (headers are parsed as C++, which reads C too).
LANGUAGE_BY_EXTENSION = {
    suffix: "cpp" if suffix == ".h" else language
    for suffix, language in LANGUAGE_BY_SUFFIX.items()
    if supports_language(language)
}


@dataclass(frozen=True, slots=True)
class Target:
    """A workspace file an import leads to, and the names used from it (None: its public outline)."""

    path: str
    language_id: str
    names: frozenset[str] | None = None
    #: (local name, name in the file) of imports renamed on the way in (``import Core from``, ``A as B``).
    aliases: frozenset[tuple[str, str]] = frozenset()


def language_of(path: str) -> str | None:
    return LANGUAGE_BY_EXTENSION.get(os.path.splitext(path)[1].lower())


def target(
    path: str, names: frozenset[str] | None = None, aliases: frozenset[tuple[str, str]] = frozenset()
) -> Target | None:
    language = language_of(path)
    return Target(path, language, names, aliases) if language else None


def used_after(text: str, qualifier: str) -> frozenset[str] | None:
    """Identifiers written right after ``qualifier.`` (or ``qualifier::``) in ``text``; None when none are."""
    found = frozenset(re.findall(rf"(?<![\w.]){re.escape(qualifier)}(?:\.|::)([A-Za-z_]\w*)", text))
    return found or None


def top_level(parsed: ParsedSource) -> list[Node]:
    """The top-level statements, also those inside a top-level ``ERROR`` node: a bracket left open at the
    cursor (``foo(`` being typed) makes tree-sitter wrap the whole file, imports included, in one."""
    found: list[Node] = []
    for node in parsed.tree.root_node.named_children:
        found.extend(node.named_children if node.type == "ERROR" else (node,))
    return found


def node_text(parsed: ParsedSource, node: Node | None) -> str:
    return parsed.node_text(node) if node is not None else ""


def string_content(parsed: ParsedSource, node: Node | None) -> str:
    """The content of a string literal node, quotes removed."""
    return node_text(parsed, node).strip("\"'`<>")
