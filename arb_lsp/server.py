"""create_server(): the language server, its settings, its services and their lifetime.

The server owns one ``Services`` bundle (OpenRouter client, gateway, ledger, privacy rules) built
from the current settings and rebuilt when they change. Features live in ``arb_lsp.features`` and
only translate between LSP and the pipelines.

Cold start: answering ``initialize`` needs pygls and the features' registrations, nothing else. The
settings (pydantic), the services (httpx, the answer types, the ledger's sqlite) and the pipelines
(tree-sitter, post-processing) are imported after it: settings are read at ``initialized``, services
are built on first use (``initialized``'s warm-up builds them, off any request's path).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from lsprotocol import types
from pygls import uris
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.workspace import TextDocument

from arb_lsp import __version__
from arb_lsp.documents import Documents, Edit, Snapshot, encoding_name
from arb_lsp.openrouter.errors import MissingApiKeyError, OpenRouterError

if TYPE_CHECKING:  # imported where first used: not needed to answer ``initialize`` (see the docstring)
    from arb_lsp.openrouter.ledger import UsageLedger
    from arb_lsp.privacy import ExclusionMatcher
    from arb_lsp.settings import Settings
    from arb_lsp.workspace_context import WorkspaceContext

log = logging.getLogger(__name__)

NO_KEY_HINT = (
    "arb-lsp needs an OpenRouter API key (create one at openrouter.ai/keys): in VS Code run "
    '"arb-lsp: Set OpenRouter API Key"; elsewhere set OPENROUTER_API_KEY or the apiKey setting.'
)


#: Documents larger than this are parsed on a worker thread, so other requests are not held up.
LARGE_DOCUMENT_CHARS = 200_000
T = TypeVar("T")


async def off_loop_if_large(text: str, work: Callable[..., T], *args: Any) -> T:
    """Run CPU-bound syntax work inline for ordinary files, on a thread for huge ones."""
    if len(text) <= LARGE_DOCUMENT_CHARS:
        return work(*args)
    return await asyncio.to_thread(work, *args)


def preload_services() -> None:
    """Import what settings and services need (pydantic, httpx, the answer types, the ledger's sqlite) but
    ``initialize`` does not: run on a worker thread at ``initialized``, off the event loop."""
    import arb_lsp.runtime
    import arb_lsp.settings  # noqa: F401


def preload_pipelines() -> None:
    """Import the pipelines (tree-sitter, post-processing, prompts) on a worker thread, before a request needs them."""
    import arb_lsp.pipelines  # noqa: F401


def _sample_messages() -> list[tuple[str, dict[str, Any], Any]]:
    """(method, a message as a client sends it, the server's answer) for each message on the typing path."""
    document = {"uri": "file:///warm-up.py"}
    position = {"line": 0, "character": 0}
    span = {"start": position, "end": position}
    spot = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    return [
        (
            types.TEXT_DOCUMENT_DID_CHANGE,
            {"textDocument": {**document, "version": 2}, "contentChanges": [{"range": span, "text": "x"}]},
            None,
        ),
        (
            types.TEXT_DOCUMENT_COMPLETION,
            {"textDocument": document, "position": position, "context": {"triggerKind": 1}},
            types.CompletionList(
                is_incomplete=True,
                items=[
                    types.CompletionItem(  # every field a completion item sets (cattrs specialises per shape)
                        label="x",
                        kind=types.CompletionItemKind.Snippet,
                        detail="x",
                        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value="x"),
                        filter_text="x",
                        sort_text="0",
                        preselect=True,
                        insert_text_format=types.InsertTextFormat.PlainText,
                        insert_text_mode=types.InsertTextMode.AsIs,
                        text_edit=types.TextEdit(range=spot, new_text="x"),
                    )
                ],
            ),
        ),
        (
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            {"textDocument": document, "position": position, "context": {"triggerKind": 2}},
            types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text="x", range=spot)]),
        ),
    ]


def warm_converter(converter: Any) -> None:
    """Have cattrs generate (and compile) its converters for the typing path's messages now: it does so on
    a type's first use, a few milliseconds the first keystroke would otherwise pay."""
    samples = _sample_messages()
    for method, params, result in samples:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if result is not None:
            message["id"] = 0
        converter.structure(message, types.METHOD_TO_TYPES[method][0])
    # Answers last, and more than once: making a hook empties cattrs's dispatch caches, which the
    # next calls fill (measured: the first unstructure ~10 ms, the second ~0.2 ms, then ~0.01 ms).
    for _ in range(3):
        for method, _, result in samples:
            response_type = types.METHOD_TO_TYPES[method][1]
            if result is not None and response_type is not None:
                converter.unstructure(response_type(id=0, result=result))


class SecretScrubber(logging.Filter):
    """Removes API keys from every log record before a handler writes it.

    pygls logs whole messages (``initialize`` with ``initializationOptions.apiKey`` among them), so
    scrubbing at the handler is the one place that catches every logger.
    """

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        from arb_lsp.privacy import scrub_key

        message = record.getMessage()
        scrubbed = scrub_key(message, None)
        for secret in self.secrets:
            scrubbed = scrubbed.replace(secret, "…REDACTED")
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


LOG_SCRUBBER = SecretScrubber()


class _Unanswerable:
    """Stands in for a message pygls could not parse; ``handle_message`` ignores it."""

    jsonrpc = "invalid"


class ArbProtocol(LanguageServerProtocol):
    """pygls's protocol, fixed where it would leave a client waiting or leak bookkeeping."""

    def handle_message(self, message: Any) -> None:
        if isinstance(message, dict):
            # Not a JSON-RPC 2.0 message (no or another "jsonrpc"): a request still gets its answer.
            if "id" in message and "method" in message:
                self._send_response(message["id"], None, JsonRpcInvalidRequest().to_response_error())
            return
        if getattr(message, "jsonrpc", None) not in (JsonRPCProtocol.VERSION, _Unanswerable.jsonrpc):
            if getattr(message, "id", None) is not None and getattr(message, "method", None):
                self._send_response(message.id, None, JsonRpcInvalidRequest().to_response_error())
            return
        super().handle_message(message)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except (JsonRpcInvalidParams, JsonRpcInternalError) as error:
            # pygls raises in the reader and never answers: a request must still get its error.
            if "id" in data and "method" in data:
                invalid = isinstance(error, JsonRpcInvalidParams)
                reply = JsonRpcInvalidParams if invalid else JsonRpcInternalError
                method = data.get("method")
                self._send_response(data["id"], None, reply(f"Invalid params for {method}").to_response_error())
            return _Unanswerable()

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any, args: Any = None, kwargs: Any = None) -> None:
        def done(future: Any) -> None:
            try:
                callback(future)
            finally:
                # Notifications' futures are never removed by pygls: forget them once finished.
                if self._request_futures.get(msg_id) is future:
                    del self._request_futures[msg_id]

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """pygls's shutdown, over a copy of the pending futures: cancelling one can run ``done`` above at
        once, which removes it from the dict pygls iterates ("dictionary changed size during iteration")."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None

    def pending(self) -> int:
        """Requests and notifications whose handling has not finished (a leak shows here first)."""
        return len(self._request_futures)


class Notifier:
    """Tells the user about a kind of failure once, not once per keystroke."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._told: set[str] = set()

    def reset(self) -> None:
        self._told.clear()

    def once(self, kind: str, message: str, level: types.MessageType = types.MessageType.Warning) -> None:
        if kind in self._told:
            return
        self._told.add(kind)
        log.warning("%s", message)
        self._server.window_show_message(types.ShowMessageParams(type=level, message=message))

    def failure(self, error: OpenRouterError) -> None:
        if isinstance(error, MissingApiKeyError):
            self.once("no_key", NO_KEY_HINT)
            return
        level = types.MessageType.Error if error.kind in {"auth", "credits"} else types.MessageType.Warning
        self.once(error.kind, f"arb-lsp: {error.message}", level)


class Services:
    """What the features use, built from one set of settings."""

    def __init__(self, settings: Settings, ledger: UsageLedger, notifier: Notifier) -> None:
        from arb_lsp.openrouter.client import RetryPolicy
        from arb_lsp.runtime import build_client, build_exclusions, build_gateway

        self.settings = settings
        self.ledger = ledger
        self.client = build_client(settings, RetryPolicy(attempts=2, max_delay=2.0, max_retry_after=5.0))
        self.gateway = build_gateway(
            self.client,
            settings,
            ledger,
            lambda spent, cap: notifier.once(
                "budget",
                f"arb-lsp: today's spend ${spent:.4f} reached budget.dailyUsd ${cap:.2f}; "
                "only free models are used until tomorrow.",
                types.MessageType.Info,
            ),
            lambda message: notifier.once("free_daily_cap", f"arb-lsp: {message}", types.MessageType.Warning),
        )
        #: The rules for files outside every workspace folder (anchored patterns anchor to ``/``).
        self.exclusions = build_exclusions(settings)
        self._folder_exclusions: dict[str, ExclusionMatcher] = {}
        #: Context windows of the catalogue's models (GET /models needs no key), once loaded.
        self.context_lengths: dict[str, int] = {}

    def exclusions_in(self, root: str) -> ExclusionMatcher:
        """The rules inside the workspace folder ``root``: there ``/private/**`` means ``<root>/private/**``."""
        matcher = self._folder_exclusions.get(root)
        if matcher is None:
            from arb_lsp.runtime import build_exclusions

            matcher = self._folder_exclusions[root] = build_exclusions(self.settings, root)
        return matcher

    @property
    def has_key(self) -> bool:
        return self.client.has_key

    async def load_catalogue(self) -> None:
        try:
            models = await self.client.list_models()
        except OpenRouterError as error:
            log.info("model catalogue unavailable: %s", error.message)
            return
        self.context_lengths = {m.id: m.context_length for m in models if m.context_length}
        self.gateway.set_catalogue(models)
        self.gateway.settle_outstanding()  # estimates an earlier run left behind

    async def warm_up(self) -> None:
        """Pay now, off any request's path, what the first completion would: the HTTP client (TLS context),
        its first connection (kept alive in the pool for the first completion), the model catalogue
        (context sizes) and the modules these load. Nothing leaves the machine without a key."""
        if not self.has_key:
            return
        await self.load_catalogue()

    def context_tokens(self, model: str) -> int | None:
        return self.context_lengths.get(model)

    async def close(self) -> None:
        await self.gateway.drain(2.0)  # what is not settled by then stays an estimate for the next run
        await self.client.close()


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

    async def warm_up(self) -> None:
        """After ``initialized``: what the first completion would otherwise pay, paid off its path
        (modules on a worker thread; the HTTP client, its connection and the catalogue when there is a key)."""
        warm_converter(self.protocol._converter)
        await asyncio.gather(asyncio.to_thread(preload_pipelines), self.services.warm_up())

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

    def workspace_root_uris(self) -> set[str]:
        """Every workspace folder's URI and the root URI (clients send either or both)."""
        workspace = self.workspace
        roots = set(workspace.folders)
        if workspace.root_uri:
            roots.add(workspace.root_uri)
        return roots

    def workspace_roots(self) -> tuple[str, ...]:
        """Paths of the workspace folders (``workspaceFolders``), or of ``rootUri``/``rootPath``."""
        roots = [uris.to_fs_path(uri) for uri in self.workspace.folders]
        if self.workspace.root_path:
            roots.append(self.workspace.root_path)
        return tuple(dict.fromkeys(root for root in roots if root))

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


def create_server(*, ledger: UsageLedger | None = None) -> ArbLanguageServer:
    """A new server with every feature registered (tests may build several)."""
    from arb_lsp.features import register_all

    server = ArbLanguageServer(ledger=ledger)
    register_all(server)
    return server
