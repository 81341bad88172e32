"""initialize, initialized, shutdown, configuration changes and closing documents."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from arb_lsp.documents import LspWorkspace
from arb_lsp.features.completion import record_edits
from arb_lsp.server import NO_KEY_HINT, ArbLanguageServer


def register(server: ArbLanguageServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: ArbLanguageServer, params: types.InitializeParams) -> None:
        # pygls built the workspace just before this handler; make it split lines as LSP does.
        ls.workspace.__class__ = LspWorkspace
        options: Any = params.initialization_options
        ls.init_options = options if isinstance(options, dict) else {}
        ls.client_name = params.client_info.name if params.client_info else ""
        ls.reload_settings()

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ArbLanguageServer, params: types.InitializedParams) -> None:
        try:
            await ls.pull_configuration()
        finally:
            ls.configured.set()
        ls.spawn(ls.services.load_catalogue())
        if not ls.services.has_key:
            ls.notifier.once("no_key", NO_KEY_HINT)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: ArbLanguageServer, params: Any) -> None:
        # Streams closed early are billed on OpenRouter's side: give their real cost a moment to reach
        # the ledger; whatever is left stays an estimate, settled by the next run.
        await ls.services.gateway.drain(2.0)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: ArbLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        pushed: Any = params.settings
        if isinstance(pushed, dict) and isinstance(pushed.get("arbLsp"), dict):
            ls.pulled = pushed["arbLsp"]
            ls.reload_settings()
        await ls.pull_configuration()

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ArbLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        # pygls has applied the change already; this only notes where it was (workspace context).
        record_edits(ls, params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ArbLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.forget(uri)
        if ls.completion_engine is not None:
            ls.completion_engine.forget(uri)
