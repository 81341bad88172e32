"""Runs the context providers of one completion request under one time budget.

The providers are pure and synchronous; :class:`WorkspaceContext` runs them on a worker thread (disk reads
and parsing never hold the event loop) in priority order, each appending to one list as it finishes. The
request waits at most the budget and takes what is there; the thread goes on a little longer
(:data:`WARM_FACTOR` times the budget) so that the caches it fills (file texts by mtime, outlines by text,
token sets by document version) serve the next request. A cancelled request stops the thread at its next
check.

The files a document imports and their outlines are cached per document version (briefly, as files on disk
may change meanwhile); what is ranked first is decided per request, by what the code at the cursor uses.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from arb_lsp.workspace_context.deadline import Deadline
from arb_lsp.workspace_context.files import DiskCache, OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.imports import ImportedFile, imported_files
from arb_lsp.workspace_context.imports.common import language_of
from arb_lsp.workspace_context.ranking import rank_imports
from arb_lsp.workspace_context.recent_edits import EditedRange, EditHistory, recent_edit_snippets
from arb_lsp.workspace_context.similar import query_text, similar_snippets
from arb_lsp.workspace_context.snippets import ContextSnippet
from arb_lsp.workspace_context.uses import uses_near

#: The default time budget of all providers together, per request.
DEFAULT_BUDGET_S = 0.050
#: How much longer than the budget a worker may go on filling caches after the request moved on.
WARM_FACTOR = 4
#: How long import snippets of one document version are reused without looking at the disk again.
IMPORT_CACHE_SECONDS = 5.0
_IMPORT_CACHE_ENTRIES = 64


@dataclass(frozen=True, slots=True)
class ContextRequest:
    """What the providers need to know about one completion request (all immutable: safe on a thread)."""

    document: OpenDocument
    offset: int
    roots: tuple[str, ...]
    open_documents: tuple[OpenDocument, ...]
    edits: tuple[EditedRange, ...]
    #: ``context.outsideWorkspace``: open documents outside every root may be context too.
    outside_workspace: bool = False


class WorkspaceContext:
    """A server's context providers: the edit history, the caches, and the budgeted run."""

    def __init__(self) -> None:
        self.history = EditHistory()
        #: Gathers asked for (one per upstream request, not per keystroke: see ``arbLsp.stats``).
        self.requests = 0
        self.disk = DiskCache()
        self._imports: OrderedDict[tuple[object, ...], tuple[float, list[ImportedFile]]]
        self._imports = OrderedDict()
        self._lock = threading.Lock()  # two requests' workers may overlap

    def collect(
        self, request: ContextRequest, excluded: Callable[[str], bool], deadline: Deadline, sink: list[ContextSnippet]
    ) -> None:
        """Run every provider in priority order, appending each one's snippets to ``sink`` (synchronous)."""
        by_path = {document.path: document for document in request.open_documents}
        files = WorkspaceFiles(
            request.roots,
            excluded=excluded,
            open_documents=by_path,
            cache=self.disk,
            deadline=deadline,
            outside_workspace=request.outside_workspace,
        )
        document = request.document
        if deadline.expired():
            return
        query = query_text(document.text, request.offset)
        if os.path.isabs(document.path):  # an untitled buffer has no folder its imports are relative to
            imported = self._imported_files(document, files, deadline)
            sink.extend(rank_imports(imported, uses_near(document.text, request.offset)))
        if deadline.expired():
            return
        sink.extend(
            recent_edit_snippets(
                request.edits,
                files.read,
                query,
                document.path,
                deadline,
                label=files.relative,
                language_of=lambda path: by_path[path].language_id if path in by_path else language_of(path) or "",
                language_id=document.language_id,
            )
        )
        if deadline.expired():
            return
        others = [d for d in request.open_documents if d.path != document.path and files.allowed(d.path)]
        labels = {d.path: files.relative(d.path) for d in others}
        sink.extend(similar_snippets(query, others, document.language_id, deadline, label=labels))

    def _imported_files(self, document: OpenDocument, files: WorkspaceFiles, deadline: Deadline) -> list[ImportedFile]:
        key = (document.path, document.version, len(document.text), files.roots)
        now = time.monotonic()
        with self._lock:
            hit = self._imports.get(key)
        if hit is not None and now - hit[0] < IMPORT_CACHE_SECONDS:
            # The exclusion settings may have changed since: every file is checked again.
            return [imported for imported in hit[1] if files.allowed(imported.target.path)]
        snippets = imported_files(document, files, deadline)
        if not deadline.expired():  # a cut run is incomplete: do not serve it again
            with self._lock:
                self._imports[key] = (now, snippets)
                while len(self._imports) > _IMPORT_CACHE_ENTRIES:
                    self._imports.popitem(last=False)
        return snippets

    async def gather(
        self, request: ContextRequest, excluded: Callable[[str], bool], budget_s: float = DEFAULT_BUDGET_S
    ) -> list[ContextSnippet]:
        """The snippets the providers found within ``budget_s``; cancelling the caller stops the worker."""
        self.requests += 1
        if budget_s <= 0:
            return []
        own = request.document.path
        elsewhere = any(d.path != own for d in request.open_documents) or any(e.path != own for e in request.edits)
        if not request.roots and not elsewhere:
            return []  # nothing to read but the document itself: no thread hop
        sink: list[ContextSnippet] = []
        deadline = Deadline(budget_s * WARM_FACTOR)
        work = asyncio.get_running_loop().run_in_executor(None, self.collect, request, excluded, deadline, sink)
        try:
            await asyncio.wait_for(asyncio.shield(work), timeout=budget_s)
        except TimeoutError:
            pass  # take what is there; the worker finishes warming the caches
        except asyncio.CancelledError:
            deadline.cancel()
            raise
        return list(sink)
