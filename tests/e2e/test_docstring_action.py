"""The "Generate docstring" code action end to end: lazy listing, resolve, the command path, placement."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fake_openrouter import FakeOpenRouter, Reply
from lsp_support import lsp_session, open_document
from lsprotocol import types
from pytest_lsp import LanguageClient


def apply(text: str, edit: types.TextEdit) -> str:
    """Apply one edit (ASCII documents: every encoding counts the same)."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]


def only_edit(workspace_edit: types.WorkspaceEdit | None, uri: str) -> types.TextEdit:
    assert workspace_edit is not None and workspace_edit.document_changes
    (change,) = workspace_edit.document_changes
    assert isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri
    (edit,) = change.edits
    assert isinstance(edit, types.TextEdit)
    return edit


async def actions(client: LanguageClient, uri: str, line: int, character: int = 0) -> list[types.CodeAction]:
    position = types.Position(line=line, character=character)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=position, end=position),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert all(isinstance(a, types.CodeAction) for a in result or []), result
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def raw_actions(client: LanguageClient, uri: str, line: int) -> list[dict[str, Any]]:
    """The actions as JSON: pygls's client turns a CodeAction carrying a command into a broken Command."""
    position = types.Position(line=line, character=0)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=position, end=position),
        context=types.CodeActionContext(diagnostics=[]),
    )
    typed = client.protocol.get_result_type
    client.protocol.get_result_type = lambda method: None  # type: ignore[method-assign]
    try:
        return list(await client.protocol.send_request_async(types.TEXT_DOCUMENT_CODE_ACTION, params))
    finally:
        client.protocol.get_result_type = typed  # type: ignore[method-assign]


async def generate(client: LanguageClient, uri: str, line: int, character: int = 0) -> types.TextEdit:
    (action,) = await actions(client, uri, line, character)
    resolved = await client.code_action_resolve_async(action)
    return only_edit(resolved.edit, uri)


# (language, source, line of the cursor, the model's messy answer, the file afterwards)
PLACEMENT = [
    (
        "python",
        "import functools\n\n\nclass Shop:\n    @functools.cache\n    async def total(\n        self,\n"
        "        items: list[int],\n    ) -> int:\n        return sum(items)\n",
        4,
        '```python\n"""Sum the prices of items.\n\nArgs:\n    items: Prices.\n\nReturns:\n    The total.\n"""\n```',
        "import functools\n\n\nclass Shop:\n    @functools.cache\n    async def total(\n        self,\n"
        '        items: list[int],\n    ) -> int:\n        """Sum the prices of items.\n\n        Args:\n'
        '            items: Prices.\n\n        Returns:\n            The total.\n        """\n        return sum(items)\n',
    ),
    (
        "python",
        "def f(x):\n\tif x:\n\t\treturn 1\n\treturn 2\n",
        0,
        "Here is the docstring:\n\nReturn 1 when x is truthy, else 2.",
        'def f(x):\n\t"""Return 1 when x is truthy, else 2."""\n\tif x:\n\t\treturn 1\n\treturn 2\n',
    ),
    (
        "python",
        "def outer():\n    def inner(a):\n        return a\n    return inner\n",
        2,
        'def inner(a):\n    """Return a unchanged."""\n    return a',
        'def outer():\n    def inner(a):\n        """Return a unchanged."""\n        return a\n    return inner\n',
    ),
    (
        "javascript",
        "class A {\n  sum(a, b) {\n    return a + b;\n  }\n}\n",
        1,
        "/**\n * Sum two numbers.\n * @param {number} a\n * @param {number} b\n * @returns {number}\n */",
        "class A {\n  /**\n   * Sum two numbers.\n   * @param {number} a\n   * @param {number} b\n"
        "   * @returns {number}\n   */\n  sum(a, b) {\n    return a + b;\n  }\n}\n",
    ),
    (
        "typescript",
        "export function add(a: number, b: number): number {\n  return a + b;\n}\n",
        0,
        "Adds two numbers.",
        "/** Adds two numbers. */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n",
    ),
    (
        "go",
        "package main\n\nfunc (s *Server) Start(port int) error {\n\treturn nil\n}\n",
        2,
        "Start starts the server on port.",
        "package main\n\n// Start starts the server on port.\nfunc (s *Server) Start(port int) error {\n\treturn nil\n}\n",
    ),
    (
        "rust",
        "impl Point {\n    #[inline]\n    pub fn norm(&self) -> f64 {\n        0.0\n    }\n}\n",
        2,
        "```rust\n/// Returns the Euclidean norm.\npub fn norm(&self) -> f64 {\n    0.0\n}\n```",
        "impl Point {\n    /// Returns the Euclidean norm.\n    #[inline]\n    pub fn norm(&self) -> f64 {\n"
        "        0.0\n    }\n}\n",
    ),
    (
        "java",
        'class A {\n    @Override\n    public String toString() {\n        return "A";\n    }\n}\n',
        2,
        "Returns the name.",
        'class A {\n    /** Returns the name. */\n    @Override\n    public String toString() {\n        return "A";\n'
        "    }\n}\n",
    ),
    (
        "c",
        "int add(int a, int b)\n{\n    return a + b;\n}\n",
        0,
        "Add two integers.",
        "/** Add two integers. */\nint add(int a, int b)\n{\n    return a + b;\n}\n",
    ),
    (
        "cpp",
        "namespace n {\nint add(int a, int b) {\n    return a + b;\n}\n}\n",
        1,
        "/** @brief Add two integers. */",
        "namespace n {\n/** @brief Add two integers. */\nint add(int a, int b) {\n    return a + b;\n}\n}\n",
    ),
]


@pytest.mark.parametrize(("language", "source", "line", "answer", "expected"), PLACEMENT)
@pytest.mark.parametrize("profile", ["visual_studio_code", "neovim"])
async def test_resolve_places_and_indents_the_documentation(
    fake: FakeOpenRouter,
    tmp_path: Path,
    profile: str,
    language: str,
    source: str,
    line: int,
    answer: str,
    expected: str,
) -> None:
    fake.default_reply = Reply.text(answer)
    async with lsp_session(fake, tmp_path, profile=profile) as client:
        uri = open_document(client, source, language)
        edit = await generate(client, uri, line)
    assert apply(source, edit) == expected


SOURCE = 'def area(w, h):\n    return w * h\n\n\ndef named(x):\n    """Old text."""\n    return x\n'


async def test_listing_actions_never_calls_the_model(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path, profile="visual_studio_code") as client:
        uri = open_document(client, SOURCE)
        for line in range(7):
            await actions(client, uri, line)
        (action,) = await actions(client, uri, 0)
    assert "docstring" in action.title.lower() and "area" in action.title
    assert action.edit is None and action.command is None
    assert fake.chat_requests() == []


async def test_no_action_outside_definitions(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path) as client:
        uri = open_document(client, "import os\n\nx = 1\n")
        assert await actions(client, uri, 2) == []


async def test_regenerate_replaces_the_existing_docstring(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text('"""Return x unchanged."""')
    async with lsp_session(fake, tmp_path, profile="visual_studio_code") as client:
        uri = open_document(client, SOURCE)
        (action,) = await actions(client, uri, 4)
        assert action.title.startswith("Regenerate docstring")
        resolved = await client.code_action_resolve_async(action)
    result = apply(SOURCE, only_edit(resolved.edit, uri))
    assert result == SOURCE.replace('"""Old text."""', '"""Return x unchanged."""')


async def test_docstring_style_setting_reaches_the_prompt(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with lsp_session(fake, tmp_path, init_options={"docstring": {"style": "numpy"}}) as client:
        uri = open_document(client, SOURCE)
        await generate(client, uri, 0)
    prompt = " ".join(m["content"] for m in fake.chat_requests()[0].messages)
    assert "NumPy" in prompt or "numpy" in prompt


async def test_clients_without_resolve_get_a_command_that_applies_the_edit(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    fake.default_reply = Reply.text("Compute the area of a rectangle.")
    applied: list[types.ApplyWorkspaceEditParams] = []
    async with lsp_session(fake, tmp_path, profile="emacs") as client:

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            applied.append(params)
            return types.ApplyWorkspaceEditResult(applied=True)

        uri = open_document(client, SOURCE)
        (action,) = await raw_actions(client, uri, 1)
        command = action["command"]
        assert command["command"] == "arbLsp.generateDocstring" and "docstring" in action["title"]
        assert fake.chat_requests() == []
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command["command"], arguments=command["arguments"])
        )
    assert result is True
    (params,) = applied
    assert apply(SOURCE, only_edit(params.edit, uri)).startswith(
        'def area(w, h):\n    """Compute the area of a rectangle."""\n    return w * h\n'
    )


async def test_progress_is_reported_while_the_model_writes(fake: FakeOpenRouter, tmp_path: Path) -> None:
    fake.default_reply = Reply.text("Compute the area.", ttft=0.3)
    async with lsp_session(fake, tmp_path, profile="visual_studio_code") as client:
        uri = open_document(client, SOURCE)
        await generate(client, uri, 0)
        await asyncio.sleep(0.1)
        reports = [report for values in client.progress_reports.values() for report in values]
    kinds = [getattr(report, "kind", None) for report in reports]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    assert "area" in reports[0].title  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("reply", "hint"),
    [
        (Reply.error(401, "User not found."), "API key"),
        (Reply.error(503, "down"), "failed"),
        (Reply.text("```\n```"), "not a usable docstring"),
    ],
)
async def test_failures_leave_the_document_untouched_and_say_what_to_do(
    fake: FakeOpenRouter, tmp_path: Path, reply: Reply, hint: str
) -> None:
    fake.default_reply = reply
    async with lsp_session(
        fake, tmp_path, profile="visual_studio_code", init_options={"models": {"docstring": "one/model"}}
    ) as client:
        uri = open_document(client, SOURCE)
        (action,) = await actions(client, uri, 0)
        resolved = await client.code_action_resolve_async(action)
        await asyncio.sleep(0.1)
        shown = [m.message for m in client.messages]
    assert resolved.edit is None
    assert any(hint in message for message in shown), shown


async def test_junk_resolve_data_is_an_invalid_params_error(fake: FakeOpenRouter, tmp_path: Path) -> None:
    from pygls.exceptions import JsonRpcInvalidParams

    async with lsp_session(fake, tmp_path, profile="visual_studio_code") as client:
        open_document(client, SOURCE)
        action: Any = types.CodeAction(title="Generate docstring", data={"nonsense": True})
        with pytest.raises(JsonRpcInvalidParams):
            await client.code_action_resolve_async(action)
