"""initialize, initialized, shutdown, configuration changes and closing documents."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from lsprotocol import types

from arb_lsp.documents import LspWorkspace
from arb_lsp.language_server import LOG_SCRUBBER, NO_KEY_HINT, ArbLanguageServer
from arb_lsp.warmup import preload_pipelines, preload_services


def register(server: ArbLanguageServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: ArbLanguageServer, params: types.InitializeParams) -> None:
        # pygls built the workspace just before this handler: make its documents ``LspTextDocument``s
        # (a text buffer updated per edit, lines split as LSP splits them) and hear of every edit.
        workspace = ls.workspace
        workspace.__class__ = LspWorkspace
        cast(LspWorkspace, workspace).on_edit = ls.document_edited
        options: Any = params.initialization_options
        ls.init_options = options if isinstance(options, dict) else {}
        ls.client_name = params.client_info.name if params.client_info else ""
        ls.client_version = (params.client_info.version or "") if params.client_info else ""
        if isinstance(ls.init_options.get("apiKey"), str) and ls.init_options["apiKey"]:
            LOG_SCRUBBER.secrets.add(ls.init_options["apiKey"])  # before anything else can log it
        # Settings are read at ``initialized``: parsing them (pydantic) is not needed to answer this.

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ArbLanguageServer, params: types.InitializedParams) -> None:
        pipelines = None
        try:
            await asyncio.to_thread(preload_services)
            # The pipelines load on a worker thread while the settings are read and pulled.
            pipelines = ls.spawn(asyncio.to_thread(preload_pipelines))
            ls.reload_settings()
            await ls.pull_configuration()
        finally:
            ls.configured.set()
        # What the first completion needs, fetched now so it costs what the tenth does.
        ls.spawn(ls.warm_up(pipelines))
        if not ls.services.has_key:
            ls.notifier.once("no_key", NO_KEY_HINT)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: ArbLanguageServer, params: Any) -> None:
        if ls.completion_engine is not None:
            ls.completion_engine.tracking.shutdown()  # the last suggestion shown was not taken
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

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ArbLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.completion_engine is not None:
            ls.completion_engine.forget(uri)
