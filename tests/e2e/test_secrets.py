"""Secrets end to end: the API key stays out of everything the server writes, excluded files are never
sent, secrets inside sent code are redacted, and an insecure ``baseUrl`` is refused.

The server runs with ``ARB_LSP_LOG_LEVEL=DEBUG`` and a distinctive key that the fake OpenRouter requires;
the test then reads every line of its stderr, every message it sent the editor, every ledger cell and
every file under the session's directories.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import sqlite3
import string
from pathlib import Path
from typing import Any

import pytest
from fake_openrouter import FakeOpenRouter, Reply
from hardening_support import Session, code_actions, docstring, hover, raw_request, request, session, stats, timed
from lsp_support import complete, inline, open_document
from lsprotocol import types

_random = random.Random(20251)


def _token(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(_random.choice(alphabet) for _ in range(length))


KEY = "sk-or-v1-" + _token(64, "0123456789abcdef")
DEBUG = {"ARB_LSP_LOG_LEVEL": "DEBUG"}

SOURCE = (
    "def add(a, b):\n"
    "    total = a + b\n"
    "    return total\n"
    "\n"
    "\n"
    "def scale(values, factor):\n"
    "    result = [v * factor for v in values]\n"
    "    return result\n"
)


def leaks(text: str) -> bool:
    return KEY in text or KEY[9:] in text  # the key, or its random part alone


def files_holding_the_key(*roots: Path) -> list[str]:
    needle, body = KEY.encode(), KEY[9:].encode()
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                if needle in content or body in content:
                    found.append(str(path))
    return found


def ledger_cells(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "usage.sqlite3") as db:
        return [str(cell) for row in db.execute("SELECT * FROM calls") for cell in row]


async def exercise(running: Session, fake: FakeOpenRouter) -> None:
    """Successes, failures whose upstream text echoes the key, and every command."""
    client = running.client
    uri = open_document(client, SOURCE)
    fake.default_reply = Reply.text("compute()")
    first = open_document(client, "result = \n")
    assert (await timed(complete(client, first, types.Position(line=0, character=9))))[0].items, "the key works"
    echoes = [
        Reply.error(401, f"Invalid key {KEY}"),
        Reply.error(500, f"upstream rejected Authorization: Bearer {KEY}"),
        Reply.midstream_error(f"provider saw {KEY}", after="", code="server_error"),
        Reply.ok_with_error(f"key {KEY} is disabled", code=403),
        Reply.html(502, body=f"<html><body>Bearer {KEY}</body></html>"),
        Reply.error(429, f"rate limited for {KEY}", metadata={"headers": {"Authorization": f"Bearer {KEY}"}}),
    ]
    for i, reply in enumerate(echoes):
        fake.default_reply = reply
        line = f"attempt_{i} = "
        probe = open_document(client, line + "\n")
        await timed(complete(client, probe, types.Position(line=0, character=len(line))))
        await timed(inline(client, probe, types.Position(line=0, character=len(line))))
    fake.default_reply = Reply.error(401, f"Invalid key {KEY}")
    await timed(hover(client, uri, 1))
    await timed(docstring(client, uri, 0))
    fake.default_reply = Reply.text("Adds a and b.")
    await timed(hover(client, uri, 6))
    for command in ("arbLsp.listModels", "arbLsp.showUsage", "arbLsp.stats", "arbLsp.noSuchCommand"):
        await raw_request(client, request("workspace/executeCommand", {"command": command, "arguments": []}))
    await raw_request(client, request("textDocument/completion", {"textDocument": {"uri": uri}, "position": "x"}))
    await stats(client)
    await asyncio.sleep(0.2)


KEY_SOURCES: dict[str, dict[str, Any]] = {
    "environment": {"key": KEY},
    "initializationOptions": {"key": None, "init_options": {"apiKey": KEY}},
    "workspace/configuration": {"key": None, "configuration": {"apiKey": KEY}},
}


@pytest.mark.parametrize("source", list(KEY_SOURCES))
async def test_the_key_appears_in_no_log_message_response_ledger_row_or_file(
    fake: FakeOpenRouter, tmp_path: Path, source: str
) -> None:
    fake.api_key = KEY
    data_dir = tmp_path / "data"
    options = KEY_SOURCES[source]
    init_options = {**options.get("init_options", {}), "hover": {"debounceMs": 0}, "completion": {"debounceMs": 0}}
    configuration = options.get("configuration")
    # A settings problem next to the key: the message about it must not quote the key either.
    broken = {"completion": {"debounceMs": "soon"}, "priority": "fastest"}
    if configuration is not None:
        configuration = {**configuration, **broken}
    else:
        init_options = {**init_options, **broken, "completion": {"debounceMs": "soon"}}
    async with session(
        fake, data_dir, key=options["key"], init_options=init_options, configuration=configuration, env=DEBUG
    ) as running:
        await exercise(running, fake)
        shown = [m.message for m in running.client.messages]
        logged = [m.message for m in running.client.log_messages]
    assert any(r.headers.get("authorization") == f"Bearer {KEY}" for r in fake.chat_requests()), "key not in use"
    assert any(line.startswith("DEBUG") for line in running.stderr), "the server did not log at DEBUG"
    assert any("priority" in message for message in shown), "the settings problem was not reported"
    cells = ledger_cells(data_dir)
    assert cells, "nothing was recorded in the ledger"
    leaked = {
        "server log (stderr)": [line for line in running.stderr if leaks(line)],
        "messages to the editor": [m for m in shown + logged if leaks(m)],
        "messages the server sent": [m for m in running.received if leaks(m)],
        "usage ledger": [cell for cell in cells if leaks(cell)],
        "files": files_holding_the_key(tmp_path),
    }
    assert {where: found for where, found in leaked.items() if found} == {}, "the key leaked"


async def test_a_key_pasted_with_a_trailing_newline_works_and_stays_out_of_the_log(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    """Keys are pasted from web pages and password managers with a newline or a space at the end."""
    fake.api_key = KEY
    async with session(fake, tmp_path, key=KEY + "\n", env=DEBUG) as running:
        uri = open_document(running.client, "total = \n")
        result, _ = await timed(complete(running.client, uri, types.Position(line=0, character=8)))
        await asyncio.sleep(0.1)
    problems = {
        "the key is in the server's log": [line for line in running.stderr if leaks(line)],
        "the pasted key did not work": [] if result.items else running.shown(),
    }
    assert {what: found for what, found in problems.items() if found} == {}


# -- excluded files ---------------------------------------------------------------------------------

DEFAULT_EXCLUDED = [
    "file:///work/ws/.env",
    "file:///work/ws/.env.production",
    "file:///work/ws/deploy/server.pem",
    "file:///home/dev/.ssh/id_rsa",
    "file:///home/dev/.ssh/id_ed25519.pub",
    "file:///work/ws/.npmrc",
    "file:///home/dev/.aws/credentials",
    "file:///work/ws/config/secrets.yaml",
    "file:///work/ws/infra/terraform.tfstate",
    "file:///work/ws/gcp-service-account-prod.json",
]
USER_EXCLUDED = ["file:///work/ws/private/keys.py", "file:///work/ws/app/settings.secret.py"]
USER_EXCLUDE = {"exclude": ["private/**", "*.secret.py"]}


@pytest.mark.parametrize("uri", DEFAULT_EXCLUDED + USER_EXCLUDED)
async def test_excluded_files_are_never_sent_for_completion_hover_or_docstrings(
    fake: FakeOpenRouter, tmp_path: Path, uri: str
) -> None:
    options = {"hover": {"debounceMs": 0}, **USER_EXCLUDE}
    async with session(fake, tmp_path, init_options=options, root=Path("/work/ws")) as running:
        client = running.client
        open_document(client, SOURCE, "python", uri=uri)
        position = types.Position(line=2, character=4)
        assert not (await timed(complete(client, uri, position)))[0].items
        assert not (await timed(inline(client, uri, position)))[0].items
        assert (await timed(hover(client, uri, 1)))[0] is None
        assert (await timed(code_actions(client, uri, 0)))[0] == []
        data = {"uri": uri, "line": 0, "character": 0}
        resolved = await raw_request(
            client, request("codeAction/resolve", {"title": "Generate docstring", "data": data})
        )
        assert resolved.answered and resolved.code is None, resolved
        assert resolved.result.get("edit") is None, resolved
        await raw_request(
            client, request("workspace/executeCommand", {"command": "arbLsp.generateDocstring", "arguments": [data]})
        )
        # Nor does the excluded file inform another file's prompt.
        other = open_document(client, "total = \n", "python")
        assert (await timed(complete(client, other, types.Position(line=0, character=8))))[0].items
    requests = fake.chat_requests()
    assert len(requests) == 1, [r.messages[-1]["content"][:80] for r in requests]
    assert "def scale(values, factor)" not in requests[0].body.decode()


async def test_open_neighbours_do_inform_the_prompt_when_not_excluded(fake: FakeOpenRouter, tmp_path: Path) -> None:
    """The check above can fail: the same file, not excluded, is shown to the model."""
    async with session(fake, tmp_path, root=Path("/work/ws")) as running:
        open_document(running.client, SOURCE, "python", uri="file:///work/ws/public/keys.py")
        other = open_document(running.client, "total = \n", "python")
        await timed(complete(running.client, other, types.Position(line=0, character=8)))
    assert "def scale(values, factor)" in fake.chat_requests()[0].body.decode()


ANCHORED = {"hover": {"debounceMs": 0}, "exclude": ["/private/**"]}
HIDDEN_SOURCE = "def hidden_helper(token):\n    return token.strip()\n"
SHOWN_SOURCE = "def shown_helper(token):\n    return token.lower()\n"
#: (rootUri, workspace folders, the folder holding the files): a client sending rootUri alone, one sending
#: several folders and no rootUri (the files in the second), and one sending both.
WORKSPACES = {
    "rootUri only": (Path("/work/solo"), [], Path("/work/solo")),
    "second of two folders": (None, [Path("/work/front"), Path("/work/back")], Path("/work/back")),
    "rootUri and folders": (Path("/work/front"), [Path("/work/front"), Path("/work/back")], Path("/work/back")),
}


@pytest.mark.parametrize("workspace", list(WORKSPACES))
async def test_an_anchored_exclude_pattern_applies_in_every_workspace_folder(
    fake: FakeOpenRouter, tmp_path: Path, workspace: str
) -> None:
    """``/private/**`` means <folder>/private/**: nothing of such a file is sent, as the document or as context;
    a ``private`` folder deeper down is not excluded, and its file informs the prompt (so this check can fail)."""
    root, folders, folder = WORKSPACES[workspace]
    hidden = (folder / "private" / "keys.py").as_uri()
    shown = (folder / "lib" / "private" / "notes.py").as_uri()
    async with session(fake, tmp_path, init_options=ANCHORED, root=root, folders=folders) as running:
        client = running.client
        open_document(client, HIDDEN_SOURCE, "python", uri=hidden)
        open_document(client, SHOWN_SOURCE, "python", uri=shown)
        position = types.Position(line=1, character=11)
        assert not (await timed(complete(client, hidden, position)))[0].items
        assert not (await timed(inline(client, hidden, position)))[0].items
        assert (await timed(hover(client, hidden, 1)))[0] is None
        assert (await timed(code_actions(client, hidden, 0)))[0] == []
        data = {"uri": hidden, "line": 0, "character": 0}
        resolved = await raw_request(
            client, request("codeAction/resolve", {"title": "Generate docstring", "data": data})
        )
        assert resolved.answered and resolved.code is None and resolved.result.get("edit") is None, resolved
        assert not fake.chat_requests(), "nothing is sent for the excluded file itself"
        # Code like both helpers', so each would be a similar window of an open document if it were allowed.
        other = open_document(
            client, "def use(token):\n    return token.\n", "python", uri=(folder / "app.py").as_uri()
        )
        assert (await timed(complete(client, other, types.Position(line=1, character=17))))[0].items
    bodies = [r.body.decode() for r in fake.chat_requests()]
    assert len(bodies) == 1
    assert "hidden_helper" not in bodies[0]
    assert "shown_helper" in bodies[0], "the deeper private/ folder is not anchored at the root: it is context"


# -- redaction --------------------------------------------------------------------------------------


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


PEM_LINES = [_token(64, string.ascii_letters + string.digits + "+/") for _ in range(4)]
SECRETS = {
    "github": "ghp_" + _token(36),
    "aws key id": "AKIA" + _token(16, string.ascii_uppercase + string.digits),
    "aws secret": _token(40, string.ascii_letters + string.digits + "/+"),
    "stripe": "sk_live_" + _token(24),
    "jwt": _b64({"alg": "HS256", "typ": "JWT"})
    + "."
    + _b64({"sub": "1234567890", "name": "Ada", "iat": 1516239022})
    + "."
    + _token(43, string.ascii_letters + string.digits + "-_"),
    "private key": PEM_LINES[1],
    "url password": _token(18),
}
PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(PEM_LINES) + "\n-----END RSA PRIVATE KEY-----"
SECRET_SOURCE = (
    "def connect(region):\n"
    f'    github = "{SECRETS["github"]}"\n'
    f'    aws_access_key_id = "{SECRETS["aws key id"]}"\n'
    f'    aws_secret_access_key = "{SECRETS["aws secret"]}"\n'
    f'    stripe.api_key = "{SECRETS["stripe"]}"\n'
    f'    session_token = "{SECRETS["jwt"]}"\n'
    f'    signing_key = """{PEM}"""\n'
    f'    dsn = "postgres://admin:{SECRETS["url password"]}@db.internal:5432/app"\n'
    "    client = Client(github, aws_access_key_id, aws_secret_access_key, dsn, signing_key)\n"
    "    return client.connect(region)\n"
)
CALL_LINE = SECRET_SOURCE.split("\n").index("    return client.connect(region)")


async def send_secret_code(running: Session, fake: FakeOpenRouter) -> None:
    """Completion inside, hover over and a docstring for a function full of secrets."""
    client = running.client
    uri = open_document(client, SECRET_SOURCE)
    fake.default_reply = Reply.text('"""Connect to the region."""')
    await timed(complete(client, uri, types.Position(line=CALL_LINE, character=len("    return client."))))
    await timed(hover(client, uri, CALL_LINE))
    action, _ = await timed(docstring(client, uri, 0))
    assert action is not None and action.edit is not None


def sent_secrets(fake: FakeOpenRouter) -> dict[str, list[str]]:
    """For each secret, which kinds of request carried it (in the decoded JSON, so escapes do not hide it)."""
    found: dict[str, list[str]] = {}
    for record in fake.chat_requests():
        sent = json.dumps(record.json, ensure_ascii=False)
        kind = "completion" if "FILL_HERE" in sent else "docstring" if "docstring" in sent else "hover"
        for name, secret in SECRETS.items():
            if secret in sent:
                found.setdefault(name, []).append(kind)
    return found


async def test_secrets_in_the_code_are_redacted_before_any_request(fake: FakeOpenRouter, tmp_path: Path) -> None:
    async with session(fake, tmp_path, init_options={"hover": {"debounceMs": 0}}) as running:
        await send_secret_code(running, fake)
    assert len(fake.chat_requests()) == 3
    assert sent_secrets(fake) == {}
    for record in fake.chat_requests():
        assert "REDACTED" in record.body.decode()


async def test_with_redaction_off_the_same_secrets_are_sent(fake: FakeOpenRouter, tmp_path: Path) -> None:
    """The check above can fail: with ``redactSecrets: false`` every secret reaches every request."""
    options = {"hover": {"debounceMs": 0}, "redactSecrets": False}
    async with session(fake, tmp_path, init_options=options) as running:
        await send_secret_code(running, fake)
    found = sent_secrets(fake)
    assert set(found) == set(SECRETS)
    assert all(sorted(kinds) == ["completion", "docstring", "hover"] for kinds in found.values()), found


@pytest.mark.parametrize("redact", [True, False])
async def test_secrets_in_an_open_neighbour_are_redacted_in_the_completion_context(
    fake: FakeOpenRouter, tmp_path: Path, redact: bool
) -> None:
    """Another open file full of secrets informs a completion's prompt without them (with ``redactSecrets:
    false`` they are all sent: the neighbour really is in the prompt, so the first check can fail)."""
    async with session(fake, tmp_path, init_options={"redactSecrets": redact}, root=Path("/work/ws")) as running:
        open_document(running.client, SECRET_SOURCE, "python", uri="file:///work/ws/cloud/connect.py")
        # Code like the neighbour's, so the neighbour is a similar window worth sending.
        code = "def reconnect(region):\n    client = Client(github, aws_access_key_id, dsn, signing_key)\n    return client.\n"
        other = open_document(running.client, code, "python", uri="file:///work/ws/app.py")
        await timed(complete(running.client, other, types.Position(line=2, character=18)))
    [record] = fake.chat_requests()
    sent = json.dumps(record.json, ensure_ascii=False)
    assert "def connect(region):" in sent and "cloud/connect.py" in sent, "the neighbour is in the prompt"
    if redact:
        assert sent_secrets(fake) == {}
        assert sent.count("REDACTED") >= len(SECRETS)
    else:
        assert set(sent_secrets(fake)) == set(SECRETS)


# -- the base URL -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url", ["http://example.com/api/v1", "ftp://example.com/api/v1", "http://169.254.169.254/latest"]
)
async def test_an_insecure_base_url_setting_is_refused_and_requests_keep_their_destination(
    fake: FakeOpenRouter, tmp_path: Path, base_url: str
) -> None:
    async with session(fake, tmp_path, configuration={"baseUrl": base_url}) as running:
        client = running.client
        for i in range(3):
            line = f"value_{i} = "
            uri = open_document(client, line + "\n")
            result, _ = await timed(complete(client, uri, types.Position(line=0, character=len(line))))
            assert result.items, f"no suggestion; the server said: {running.shown()}"
        client.set_configuration({"baseUrl": base_url, "completion": {"enabled": True}}, section="arbLsp")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await asyncio.sleep(0.3)
        uri = open_document(client, "again = \n")
        result, _ = await timed(complete(client, uri, types.Position(line=0, character=8)))
        assert result.items, f"no suggestion; the server said: {running.shown()}"
        shown = running.shown("baseUrl")
    assert len(shown) == 1, shown
    assert base_url in shown[0]
    assert len(fake.chat_requests()) == 4, "every request went to the configured (environment) base URL"
