"""textDocument/codeAction "Generate docstring": listed for free, paid for only when chosen.

Listing never calls the model. Clients that resolve edits lazily (VS Code, Neovim) get the edit in
``codeAction/resolve``; clients without resolve support (Emacs eglot 1.9) get an action carrying the
``arbLsp.generateDocstring`` command, which applies its edit through ``workspace/applyEdit``. While the
model writes, ``$/progress`` shows it (cancellable); failures say what to do and leave the file as it was.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from arb_lsp.language_server import NO_KEY_HINT, ArbLanguageServer, off_loop_if_large
from arb_lsp.openrouter.errors import OpenRouterError

if TYPE_CHECKING:
    # The pipelines (tree-sitter, post-processing, the HTTP stack) are imported at first use, after ``initialize``.
    from arb_lsp.pipelines import DocEdit
    from arb_lsp.syntax import Definition

GENERATE_DOCSTRING = "arbLsp.generateDocstring"


def _resolves_edits(ls: ArbLanguageServer) -> bool:
    code_action = ls.client_capabilities.text_document and ls.client_capabilities.text_document.code_action
    support = code_action.resolve_support if code_action else None
    return bool(support and "edit" in support.properties)


async def _definition_at(ls: ArbLanguageServer, uri: str, position: types.Position) -> Definition | None:
    from arb_lsp.pipelines import find_documentable

    snapshot = ls.snapshot(uri)
    if snapshot is None:
        return None
    line, column = snapshot.line_column(position)
    return await off_loop_if_large(snapshot.text, find_documentable, snapshot.text, snapshot.language_id, line, column)


def _title(definition: Definition) -> str:
    verb = "Regenerate" if definition.doc.existing else "Generate"
    return f"{verb} docstring for {definition.kind} `{definition.name}` (arb-lsp)"


async def _with_progress(ls: ArbLanguageServer, title: str, work: Any) -> Any:
    """Run ``work`` (a coroutine) under a cancellable $/progress, if the client supports it."""
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return await work
    token = f"arb-lsp-{uuid.uuid4()}"
    task = asyncio.ensure_future(work)
    try:
        await ls.work_done_progress.create_async(token)
    except JsonRpcException:
        return await task
    # A click on "cancel" in the editor cancels the work itself, not just the progress bar.
    ls.work_done_progress.tokens[token].add_done_callback(lambda _f: task.cancel())
    ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=True))
    try:
        return await task
    finally:
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd())
        ls.work_done_progress.tokens.pop(token, None)  # pygls never forgets finished tokens


async def compute_edit(ls: ArbLanguageServer, uri: str, position: types.Position) -> types.WorkspaceEdit | None:
    """The docstring edit for the definition at ``position``, or None (after telling the user why)."""
    from arb_lsp.pipelines import plan_docstring, run_docstring

    definition = await _definition_at(ls, uri, position)
    snapshot = ls.snapshot(uri)
    if definition is None or snapshot is None:
        ls.notifier.once("docstring:none", "arb-lsp: no function, method or class here to document.")
        return None
    if ls.excluded(uri):
        ls.notifier.once("excluded", "arb-lsp: this file matches the exclude setting, so nothing is sent.")
        return None
    if not ls.services.has_key:
        ls.notifier.once("no_key", NO_KEY_HINT)
        return None
    plan = plan_docstring(ls.services.settings, definition)
    try:
        edit: DocEdit | None = await _with_progress(
            ls, f"arb-lsp: documenting {definition.name}", run_docstring(ls.services.gateway, plan, snapshot.text)
        )
    except OpenRouterError as error:
        ls.notifier.failure(error)
        return None
    if edit is None:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"arb-lsp: the model's answer for {definition.name} was not a usable docstring; "
                "try again or pick another model in models.docstring.",
            )
        )
        return None
    text_edit = types.TextEdit(
        range=types.Range(
            start=snapshot.position(edit.start_line, edit.start_col),
            end=snapshot.position(edit.end_line, edit.end_col),
        ),
        new_text=edit.new_text,
    )
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=snapshot.version),
                edits=[text_edit],
            )
        ]
    )


def _target(data: Any) -> tuple[str, types.Position]:
    """uri and position from an action's data or a command's arguments; -32602 for anything else."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if isinstance(data, dict):
        uri, line, character = data.get("uri"), data.get("line"), data.get("character")
        in_range = isinstance(line, int) and isinstance(character, int) and 0 <= line < 2**31 and 0 <= character < 2**31
        if isinstance(uri, str) and in_range:
            return uri, types.Position(line=line, character=character)  # type: ignore[arg-type]
    raise JsonRpcInvalidParams("expected {uri, line, character} identifying a definition")


def register(server: ArbLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorRewrite],
            resolve_provider=True,
        ),
    )
    async def code_action(ls: ArbLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        if ls.excluded(uri):
            return None
        position = params.range.start
        definition = await _definition_at(ls, uri, position)
        if definition is None:
            return None
        data = {"uri": uri, "line": position.line, "character": position.character}
        action = types.CodeAction(title=_title(definition), kind=types.CodeActionKind.QuickFix, data=data)
        if not _resolves_edits(ls):
            action.command = types.Command(title=action.title, command=GENERATE_DOCSTRING, arguments=[data])
        return [action]

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: ArbLanguageServer, action: types.CodeAction) -> types.CodeAction:
        uri, position = _target(action.data)
        action.edit = await compute_edit(ls, uri, position)
        return action

    @server.command(GENERATE_DOCSTRING)
    async def generate(ls: ArbLanguageServer, *args: Any) -> bool:
        uri, position = _target(list(args))
        edit = await compute_edit(ls, uri, position)
        if edit is None:
            return False
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label="Generate docstring")
        )
        return bool(result and result.applied)
