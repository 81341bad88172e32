"""Context from the whole workspace for completions: what the code at the cursor uses, wherever it is defined.

Three providers, each a pure step with its own tests, run under one time budget per request
(:mod:`~arb_lsp.workspace_context.gather`) and merged into the prompt by priority
(:mod:`~arb_lsp.workspace_context.snippets`):

1. :mod:`~arb_lsp.workspace_context.imports`: the document's imports resolved to workspace files with
   tree-sitter, outlined (:mod:`~arb_lsp.workspace_context.outline`): signatures, doc comments, fields;
   ranked by what the code at the cursor uses (:mod:`~arb_lsp.workspace_context.uses`,
   :mod:`~arb_lsp.workspace_context.ranking`), across files.
2. :mod:`~arb_lsp.workspace_context.recent_edits`: code recently edited in other documents.
3. :mod:`~arb_lsp.workspace_context.similar`: the windows of open documents most similar to the cursor's code.

Every file is read through :class:`~arb_lsp.workspace_context.files.WorkspaceFiles`, which enforces privacy.
"""

from __future__ import annotations

from arb_lsp.workspace_context.deadline import Deadline
from arb_lsp.workspace_context.files import OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.gather import DEFAULT_BUDGET_S, ContextRequest, WorkspaceContext
from arb_lsp.workspace_context.snippets import ContextSnippet, Source, label, merge_snippets

__all__ = [
    "DEFAULT_BUDGET_S",
    "ContextRequest",
    "ContextSnippet",
    "Deadline",
    "OpenDocument",
    "Source",
    "WorkspaceContext",
    "WorkspaceFiles",
    "label",
    "merge_snippets",
]
