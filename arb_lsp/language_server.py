"""The language server type features are written against: its documents, settings, services and lifetime.

The server owns one ``Services`` bundle (OpenRouter client, gateway, ledger, privacy rules) built
from the current settings and rebuilt when they change. Features (``arb_lsp.features``) import this
module and only translate between LSP and the pipelines; ``arb_lsp.server`` wires the two together.

Cold start: answering ``initialize`` needs pygls and the features' registrations, nothing else. The
settings (pydantic), the services (httpx, the answer types, the ledger's sqlite) and the pipelines
(tree-sitter, post-processing) are imported after it: settings are read at ``initialized``, services
are built on first use (``initialized``'s warm-up builds them, off any request's path).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from lsprotocol import types
from pygls import uris
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from arb_lsp import __version__
from arb_lsp.documents import Documents, Edit, Snapshot, encoding_name
from arb_lsp.protocol import LOG_SCRUBBER, ArbProtocol
from arb_lsp.services import NO_KEY_HINT, Notifier, Services
from arb_lsp.warmup import prepare_completion, warm_converter

if TYPE_CHECKING:  # imported where first used: not needed to answer ``initialize`` (see the docstring)
    from arb_lsp.openrouter.ledger import UsageLedger
    from arb_lsp.settings import Settings
    from arb_lsp.workspace_context import WorkspaceContext

log = logging.getLogger(__name__)

__all__ = ["LOG_SCRUBBER", "NO_KEY_HINT", "ArbLanguageServer", "ArbProtocol", "off_loop_if_large"]

#: Documents larger than this are parsed on a worker thread, so other requests are not held up.
LARGE_DOCUMENT_CHARS = 200_000
T = TypeVar("T")


async def off_loop_if_large(text: str, work: Callable[..., T], *args: Any) -> T:
    """Run CPU-bound syntax work inline for ordinary files, on a thread for huge ones."""
    if len(text) <= LARGE_DOCUMENT_CHARS:
        return work(*args)
    return await asyncio.to_thread(work, *args)


class ArbLanguageServer(LanguageServer):
    def __init__(self, *, ledger: UsageLedger | None = None) -> None:
        super().__init__(
            "arb-lsp",
            __version__,
            protocol_cls=ArbProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.notifier = Notifier(self)
        self.documents = Documents()
        #: Called with every change applied to an open document, in order (see ``document_edited``).
        self.edit_listeners: list[Callable[[Edit], None]] = []
        self._ledger = ledger
        self.completion_engine: Any = None
        self._workspace_context: WorkspaceContext | None = None
        #: Set once the client's settings were pulled after `initialized` (or that failed).
        self.configured = asyncio.Event()
        self.init_options: dict[str, Any] = {}
        #: ``clientInfo.name`` from initialize ("Neovim", "Visual Studio Code"...), or "".
        self.client_name = ""
        #: ``clientInfo.version`` from initialize ("0.12.0"...), or "".
        self.client_version = ""
        self.pulled: dict[str, Any] = {}
        self.background: set[asyncio.Task[Any]] = set()
        #: Read at ``initialized`` (or on first use), not before ``initialize`` is answered.
        self._settings: Settings | None = None
        self._services: Services | None = None

    @property
    def workspace_context(self) -> WorkspaceContext:
        """Context from other files for completions: the edit history and the providers' caches."""
        if self._workspace_context is None:
            from arb_lsp.workspace_context import WorkspaceContext

            self._workspace_context = WorkspaceContext()
        return self._workspace_context

    @property
    def ledger(self) -> UsageLedger:
        if self._ledger is None:
            from arb_lsp.openrouter.ledger import UsageLedger

            self._ledger = UsageLedger()
        return self._ledger

    @property
    def services(self) -> Services:
        """The services for the current settings, built on first use."""
        if self._settings is None:
            self.reload_settings()
        if self._services is None:
            assert self._settings is not None
            self._services = Services(self._settings, self.ledger, self.notifier)
        return self._services

    # -- settings ------------------------------------------------------------------------------

    def _apply(self, settings: Settings, problems: list[str]) -> None:
        from arb_lsp.settings import settings_message

        if settings.key:
            LOG_SCRUBBER.secrets.add(settings.key)
        self._settings = settings
        previous = self._services
        if previous is not None and settings != previous.settings:
            self._services = Services(settings, self.ledger, self.notifier)
            self._services.context_lengths = previous.context_lengths
            self.spawn(previous.close())
            if settings.key != previous.settings.key or settings.base_url != previous.settings.base_url:
                self.notifier.reset()
                if self.configured.is_set():  # before that, ``initialized`` warms up the settled services
                    self.spawn(self._services.warm_up())
        message = settings_message(problems)
        if message:
            self.notifier.once(f"settings:{message}", message)

    def reload_settings(self) -> None:
        from arb_lsp.settings import from_environment, parse_settings

        self._apply(*parse_settings(from_environment(), self.init_options, self.pulled))

    async def pull_configuration(self) -> None:
        from arb_lsp.settings import SECTION

        capabilities = self.client_capabilities.workspace
        if not (capabilities and capabilities.configuration):
            return
        try:
            result = await asyncio.wait_for(
                self.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
                ),
                timeout=5.0,
            )
        except (TimeoutError, JsonRpcException) as error:
            log.warning("workspace/configuration failed: %s", error)
            return
        if result and isinstance(result[0], dict):
            self.pulled = result[0]
        self.reload_settings()

    async def settled(self) -> None:
        """Wait (briefly) for the first pull of the client's settings, so early requests use them."""
        if not self.configured.is_set():
            try:
                await asyncio.wait_for(self.configured.wait(), timeout=2.0)
            except TimeoutError:
                self.configured.set()

    # -- documents -----------------------------------------------------------------------------

    def encoding(self) -> str:
        return encoding_name(self.workspace.position_encoding)

    def snapshot(self, uri: str) -> Snapshot | None:
        """The open document at ``uri``, or None for documents the client never opened."""
        # pygls keeps documents under their percent-decoded URI.
        document: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        if document is None:
            return None
        return self.documents.snapshot(document, self.encoding())

    async def warm_up(self, pipelines: Awaitable[Any] | None = None) -> None:
        """After ``initialized``: what the first completion would otherwise pay, paid off its path and in the
        order it needs it (``arb_lsp.warmup``). The gateway checks each request's model against the catalogue,
        so the first completion waits for it: the HTTP client is built first and the catalogue fetched (it
        also opens the connection later requests reuse) while the pipelines (``pipelines``: their import,
        started at ``initialized``) and the open documents' grammars load."""
        # Every request needs these converters (cattrs builds them on the event loop, so first: a cancel or a
        # keystroke arriving later must not wait behind them).
        warm_converter(self.protocol._converter)
        services = self.services
        await asyncio.to_thread(services.client.prepare)
        catalogue = asyncio.ensure_future(services.warm_up())  # without a key nothing is fetched
        try:
            if pipelines is not None:
                await pipelines
            await asyncio.to_thread(prepare_completion, self._open_languages)
            # The first completion's own first times: the context providers, the suggestions table.
            _ = self.workspace_context
            if self.completion_engine is not None:
                _ = self.completion_engine.tracking.tracker
        finally:
            await catalogue

    def _open_languages(self) -> list[str]:
        """The open documents' languages, the first opened first (read from a worker thread: a document
        opened meanwhile may change the dict; its grammar then loads at its first use)."""
        try:
            return [document.language_id or "" for document in list(self.workspace.text_documents.values())]
        except RuntimeError:
            return []

    def document_edited(self, edit: Edit) -> None:
        """Every change to an open document passes here once it is applied: features that follow edits
        (recent edits, per-document state) subscribe through ``edit_listeners``."""
        for listener in self.edit_listeners:
            listener(edit)

    def relative_path(self, uri: str) -> str:
        """The document's path relative to the workspace root, for prompts (never absolute)."""
        path = uris.to_fs_path(uri) if uri.startswith("file:") else None
        if not path:
            return uri.rsplit("/", 1)[-1]
        root = self.workspace.root_path
        if root and path.startswith(root.rstrip("/") + "/"):
            return path[len(root.rstrip("/")) + 1 :]
        return path.rsplit("/", 1)[-1]

    def workspace_root_uris(self) -> tuple[str, ...]:
        """Every workspace folder's URI and the root URI (clients send either or both; pygls derives the
        root URI from a bare ``rootPath``), in order, without repeats."""
        workspace = self.workspace
        return tuple(dict.fromkeys([*workspace.folders, *([workspace.root_uri] if workspace.root_uri else [])]))

    def workspace_roots(self) -> tuple[str, ...]:
        """The same roots as file system paths, for reading files under them."""
        return tuple(dict.fromkeys(path for uri in self.workspace_root_uris() if (path := uris.to_fs_path(uri))))

    def excluded(self, uri: str) -> bool:
        """True when nothing of ``uri`` may be sent: judged by the rules of each workspace folder holding
        it (several when folders nest: any of them excluding it is enough), else by the root-less rules."""
        services = self.services
        holders = [m for m in map(services.exclusions_in, self.workspace_root_uris()) if m.covers(uri)]
        if not holders:
            return services.exclusions.is_excluded(uri)
        return any(matcher.is_excluded(uri) for matcher in holders)

    # -- lifetime ------------------------------------------------------------------------------

    def spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        """Run background work, keep a reference, and log its failure instead of losing it."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self.background.add(task)

        def finished(done: asyncio.Task[Any]) -> None:
            self.background.discard(done)
            if not done.cancelled() and done.exception() is not None:
                log.error("background task failed", exc_info=done.exception())

        task.add_done_callback(finished)
        return task

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would pop "Error in server" at the user for every failed notification: log instead.
        log.error("internal error (%s): %s", getattr(source, "__name__", source), error)
