"""Context stays inside the workspace: an open buffer outside every workspace folder (a file opened from
~/.config, /etc or another project) is never in a prompt for a workspace file — not as similar code, not as a
recent edit — unless ``context.outsideWorkspace`` says so; the outside file still gets its own completions.
Excluded paths are judged by their real path for open buffers as for files on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fake_openrouter import FakeOpenRouter, Reply
from lsp_support import complete, cursor, edit, lsp_session, open_document
from lsprotocol import types

# Similar to the code at the cursor below, so the similar-windows source would pick it.
OUTSIDE = "def refund_payment(payment, amount):\n    OUTSIDE_MARKER.refund(payment, amount)\n"
AT_CURSOR = "payment = load()\nrefund_payment(payment, █)\n"


def _prompts(fake: FakeOpenRouter) -> list[str]:
    return [str(request.messages[-1]["content"]) for request in fake.chat_requests()]


async def _complete_in_workspace_after_touching_an_outside_file(
    fake: FakeOpenRouter, tmp_path: Path, configuration: dict[str, object] | None
) -> list[str]:
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    (outside / "settings.py").write_text(OUTSIDE)
    async with lsp_session(fake, tmp_path / "data", root=ws, configuration=configuration) as client:
        outside_uri = open_document(client, OUTSIDE, uri=(outside / "settings.py").as_uri())
        # An edit there too: the recent-edits source would offer it.
        edit(client, outside_uri, 2, types.Position(line=2, character=0), "OUTSIDE_EDIT = refund_payment(1, 2)\n")
        text, position = cursor(AT_CURSOR)
        uri = open_document(client, text, uri=(ws / "main.py").as_uri())
        await complete(client, uri, position)
    return _prompts(fake)


async def test_an_open_buffer_outside_the_workspace_is_never_in_a_workspace_prompt(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    (prompt,) = await _complete_in_workspace_after_touching_an_outside_file(fake, tmp_path, None)
    assert "refund_payment(payment, " in prompt  # the request happened, with the document's own code
    assert "OUTSIDE_MARKER" not in prompt and "OUTSIDE_EDIT" not in prompt and "settings.py" not in prompt


async def test_context_outside_workspace_opts_in_to_outside_buffers(fake: FakeOpenRouter, tmp_path: Path) -> None:
    configuration = {"context": {"outsideWorkspace": True}}
    (prompt,) = await _complete_in_workspace_after_touching_an_outside_file(fake, tmp_path, configuration)
    assert "OUTSIDE_MARKER" in prompt


async def test_the_outside_file_still_gets_its_own_completions(fake: FakeOpenRouter, tmp_path: Path) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    fake.default_reply = Reply.text("amount)")
    async with lsp_session(fake, tmp_path / "data", root=ws) as client:
        open_document(
            client, "def refund_payment(payment, amount):\n    WORKSPACE_MARKER\n", uri=(ws / "pay.py").as_uri()
        )
        text, position = cursor("OWN_CODE = 1\n" + AT_CURSOR)
        uri = open_document(client, text, uri=(outside / "scratch.py").as_uri())
        assert (await complete(client, uri, position)).items
    (prompt,) = _prompts(fake)
    assert "OWN_CODE = 1" in prompt


@pytest.mark.parametrize("target", ["outside", "excluded"])
async def test_open_buffers_are_judged_by_their_real_path(fake: FakeOpenRouter, tmp_path: Path, target: str) -> None:
    """A link inside the workspace whose real file is outside it, or is excluded (``.env``), is not context
    even while it is open in the editor under its innocent name."""
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    real = outside / "private.py" if target == "outside" else ws / ".env"
    real.write_text(OUTSIDE)
    os.symlink(real, ws / "helpers.py")
    async with lsp_session(fake, tmp_path / "data", root=ws) as client:
        open_document(client, OUTSIDE, uri=(ws / "helpers.py").as_uri())
        text, position = cursor(AT_CURSOR)
        uri = open_document(client, text, uri=(ws / "main.py").as_uri())
        await complete(client, uri, position)
    (prompt,) = _prompts(fake)
    assert "OUTSIDE_MARKER" not in prompt
