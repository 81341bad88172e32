"""``$/progress`` for requests a person waits on: a hover ("Explaining…") and a completion they asked for.

A hover costs one model round trip, and Neovim shows nothing meanwhile; work-done progress makes
``vim.lsp.status()`` (and fidget-style plugins) say that something is happening. The client's
``workDoneToken`` is used when the request carries one; otherwise the server creates a token with
``window/workDoneProgress/create`` if the client supports it.

No flicker: nothing is reported for an answer that comes within ``GRACE_S`` (the cache, type-ahead, a
quick model), and VS Code gets nothing at all. vscode-languageclient shows server progress as a
status-bar spinner (``ProgressLocation.Window``), while VS Code already shows "Loading…" in its hover
and suggest widgets: a spinner for every hover the mouse passes over would only blink.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from arb_lsp.language_server import ArbLanguageServer

log = logging.getLogger(__name__)

#: Answers faster than this get no progress report (a report that vanishes at once is a flicker).
GRACE_S = 0.15
#: Clients that show their own "Loading…" for hovers and invoked completions (``clientInfo.name``).
#: (vscode-languageclient sends ``vscode.env.appName``: "Visual Studio Code", "code-server", "VSCodium"...)
_QUIET_CLIENTS = ("visual studio code", "vscode", "code - oss", "code-server", "vscodium", "cursor", "windsurf")


def _reports_progress(ls: ArbLanguageServer, token: types.ProgressToken | None) -> bool:
    name = ls.client_name.lower()
    if any(client in name for client in _QUIET_CLIENTS):
        return False
    if token is not None:
        return True
    window = ls.client_capabilities.window
    return bool(window and window.work_done_progress)


@contextlib.asynccontextmanager
async def waiting(
    ls: ArbLanguageServer, title: str, token: types.ProgressToken | None, *, enabled: bool = True
) -> AsyncIterator[None]:
    """Report work-done progress titled ``title`` while the body runs, once it has run ``GRACE_S``."""
    if not enabled or not _reports_progress(ls, token):
        yield
        return
    progress = ls.work_done_progress
    state: dict[str, types.ProgressToken] = {}

    async def begin() -> None:
        await asyncio.sleep(GRACE_S)
        chosen = token
        if chosen is None:
            chosen = f"arb-lsp-{uuid.uuid4()}"
            try:
                await progress.create_async(chosen)
            except JsonRpcException as error:  # the client refused: no progress, the work goes on
                log.debug("window/workDoneProgress/create refused: %s", error)
                return
        progress.begin(chosen, types.WorkDoneProgressBegin(title=title, cancellable=False))
        state["begun"] = chosen

    reporter = asyncio.ensure_future(begin())
    try:
        yield
    finally:
        if not reporter.done():
            reporter.cancel()
        begun = state.get("begun")
        if begun is not None:
            progress.end(begun, types.WorkDoneProgressEnd())
            progress.tokens.pop(begun, None)  # pygls never forgets finished tokens
