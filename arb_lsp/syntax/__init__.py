"""Syntax-aware lookups for hover explanations and docstrings: pure, no LSP, no I/O.

Answers three questions about a document's text, per language: which function, method or class encloses
a position (:func:`find_definition`), where its documentation is or should go (:class:`DocLocation`), and
which code a hover at a position should explain (:func:`find_explain_target`).

Parsing uses the individual tree-sitter grammar wheels, which work offline. Parsers are created lazily,
once per grammar. Trees are kept in a small LRU keyed by (grammar, sha256 of the text), so repeated
requests on an unchanged 10,000-line document parse it once; a caller that already holds a
:class:`ParsedSource` passes it as ``parsed=`` and skips even the hashing.

Positions are 0-based ``(line, column)`` with the column in code points (Python ``str`` indices); the
server converts LSP positions before calling in. Lines are split on ``"\\n"`` only, as tree-sitter does.

The modules, lowest first: :mod:`.results` (the answer types), :mod:`.languages` (per-language tables),
:mod:`.parsing` (tree-sitter and the LRU), :mod:`.nodes` (reading a tree), :mod:`.doc_placement` (where docs
go, and each language's convention), :mod:`.definitions` and :mod:`.explain_target` (the lookups).
"""

from __future__ import annotations

from arb_lsp.syntax.definitions import find_definition, iter_definitions
from arb_lsp.syntax.explain_target import find_explain_target, truncate_to_budget
from arb_lsp.syntax.languages import language_name, markdown_code_block
from arb_lsp.syntax.parsing import ParsedSource, parse, reparse, supports_language
from arb_lsp.syntax.results import Definition, DefinitionKind, DocLocation, ExplainTarget, ExplainTargetKind

__all__ = [
    "Definition",
    "DefinitionKind",
    "DocLocation",
    "ExplainTarget",
    "ExplainTargetKind",
    "ParsedSource",
    "find_definition",
    "find_explain_target",
    "iter_definitions",
    "language_name",
    "markdown_code_block",
    "parse",
    "reparse",
    "supports_language",
    "truncate_to_budget",
]
