"""Ghost text in real Neovim 0.11 (headless): the plugin in ``editors/neovim`` draws the server's
``textDocument/inlineCompletion`` answer, and its keys accept all, a word or a line of it.

Each test plays steps (``tests/e2e/neovim/ghost.lua``) against the README's ``init.lua`` (which calls
``require("arb_lsp").setup()``) and the fake OpenRouter, and checks the buffer, the extmarks drawn and
the fake's requests. What a person sees on screen is checked in ``test_neovim_screen.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, server_env
from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, Reply
from test_neovim import DRIVERS, Responder, arb_lsp_on_path, by_task, nvim, run_nvim  # noqa: F401 (a fixture)

from arb_lsp import __version__

pytestmark = pytest.mark.usefixtures("arb_lsp_on_path")

CHECKOUT = "def checkout(items):\n    \n"


def once(completion: str) -> Responder:
    """The model's answer to the first completion prompt; nothing to the next ones (asked after acceptance)."""
    answered: list[str] = []

    def respond(body: dict[str, Any]) -> Reply | None:
        reply = by_task(completion="" if answered else completion)(body)
        answered.append(completion)
        return reply

    return respond


def play(
    tmp_path: Path,
    fake: FakeOpenRouter,
    steps: list[dict[str, Any]],
    files: dict[str, str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    env = {"ARB_LSP_NVIM_STEPS": json.dumps(steps), **kwargs.pop("env", {})}
    return run_nvim(tmp_path, fake, "ghost", files or {"checkout.py": CHECKOUT}, env=env, **kwargs)


def asked_about(fake: FakeOpenRouter, file_name: str) -> list[Any]:
    """The fake's chat requests about ``file_name``: on a loaded machine a server of an earlier test may
    still be leaving, and its last request may reach the (shared) fake after this test began."""
    return [r for r in fake.chat_requests() if f"File: {file_name}" in str(r.messages)]


#: Insert mode at the end of the empty indented line 2, then a first character typed.
TYPE_ON_LINE_2 = [{"cursor": [2, 4]}, {"keys": "A"}, {"keys": "t"}]


def test_typing_shows_the_suggestion_as_ghost_text_and_tab_inserts_exactly_it(
    tmp_path: Path, fake: FakeOpenRouter
) -> None:
    fake.responder = once("otal = sum(item.price for item in items)")
    steps = [*TYPE_ON_LINE_2, {"wait": "visible"}, {"snap": "shown"}, {"keys": "<Tab>"}, {"snap": "accepted"}]
    seen = play(tmp_path, fake, steps)["snaps"]
    shown = seen["shown"]
    assert shown["text"] == "otal = sum(item.price for item in items)"
    (mark,) = shown["extmarks"]
    assert (mark["row"], mark["col"], mark["pos"], mark["hl"]) == (1, 5, "inline", "ArbLspGhostText")
    assert mark["text"] == "otal = sum(item.price for item in items)"
    assert shown["lines"] == ["def checkout(items):", "    t"], "ghost text is not in the buffer"
    accepted = seen["accepted"]
    assert accepted["lines"] == ["def checkout(items):", "    total = sum(item.price for item in items)"]
    assert accepted["cursor"] == [2, len("    total = sum(item.price for item in items)")]
    assert accepted["extmarks"] == [] and accepted["mode"] == "i"
    request = asked_about(fake, "checkout.py")[0]
    assert usage(tmp_path, fake)[request.model]["accepted"] == 1, "the item's command ran: the ledger counts it"


def usage(tmp_path: Path, fake: FakeOpenRouter) -> dict[str, Any]:
    """``arb-lsp usage --json``'s rows per model, from the ledger the server in Neovim wrote."""
    done = subprocess.run(
        [sys.executable, "-m", "arb_lsp", "usage", "--json"],
        env=server_env(fake, str(tmp_path / "data")),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return {row["model"]: row for row in json.loads(done.stdout)["byModel"]}


BLOCK = "result = 0\n    for price in prices:\n        result += price\n    return result"


def test_accept_word_and_accept_line_insert_part_and_keep_the_rest_shown(tmp_path: Path, fake: FakeOpenRouter) -> None:
    fake.responder = once(BLOCK)
    steps = [
        {"cursor": [2, 4]},
        {"keys": "A"},
        {"call": "trigger"},  # on the empty line: asked for on the key, a block comes back
        {"wait": "visible"},
        {"snap": "shown"},
        {"call": "accept_word"},
        {"snap": "word"},
        {"call": "accept_line"},
        {"snap": "line"},
        {"call": "accept_line"},
        {"snap": "second line"},
        {"call": "accept"},
        {"snap": "all"},
    ]
    seen = play(tmp_path, fake, steps, files={"total.py": "def total(prices):\n    \n"})["snaps"]
    (mark,) = seen["shown"]["extmarks"]
    assert mark["text"] == "result = 0"
    assert mark["lines"] == ["    for price in prices:", "        result += price", "    return result"]
    word = seen["word"]
    assert word["lines"][1] == "    result" and word["cursor"] == [2, 10]
    assert (
        word["visible"] and word["text"] == " = 0\n    for price in prices:\n        result += price\n    return result"
    )
    line = seen["line"]
    assert line["lines"][1:] == ["    result = 0"] and line["cursor"] == [2, 14]
    assert line["text"] == "\n    for price in prices:\n        result += price\n    return result"
    (mark,) = line["extmarks"]
    assert mark["text"] == "" and mark["lines"][0] == "    for price in prices:", "the rest is drawn below"
    second = seen["second line"]
    assert second["lines"][1:3] == ["    result = 0", "    for price in prices:"] and second["cursor"] == [3, 24]
    assert second["visible"]
    assert seen["all"]["lines"] == [
        "def total(prices):",
        "    result = 0",
        "    for price in prices:",
        "        result += price",
        "    return result",
    ]
    assert not seen["all"]["visible"]
    request = fake.chat_requests()[0]
    assert usage(tmp_path, fake)[request.model]["accepted"] == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_suggestion_ending_in_the_lines_closer_leaves_exactly_one(
    tmp_path: Path, fake: FakeOpenRouter, encoding: str
) -> None:
    """The item's range covers the ")" after the cursor: accepting replaces it. Multi-byte text before
    the cursor puts utf-8 and utf-16 columns apart, so a wrong conversion would land elsewhere."""
    fake.responder = once(', "é→ü")')
    source = 'label = f("naïve €", )\n'
    before_closer = len('label = f("naïve €", '.encode())
    steps = [
        {"cursor": [1, before_closer]},
        {"keys": "i"},
        {"keys": "x"},
        {"wait": "visible"},
        {"snap": "shown"},
        {"keys": "<Tab>"},
        {"snap": "accepted"},
    ]
    capabilities = {"general": {"positionEncodings": [encoding]}}
    result = play(tmp_path, fake, steps, files={"label.py": source}, env=overrides(capabilities=capabilities))
    assert result["offset_encoding"] == encoding
    seen = result["snaps"]
    assert seen["shown"]["text"] == ', "é→ü")'
    (mark,) = seen["shown"]["extmarks"]
    assert mark["text"] == ', "é→ü"', "the line's own ) is not drawn twice"
    assert seen["accepted"]["lines"][0] == 'label = f("naïve €", x, "é→ü")'


def overrides(**config: Any) -> dict[str, str]:
    """vim.lsp.config fields merged over the tests' settings (see tests/e2e/neovim/init.lua)."""
    from test_neovim import TEST_SETTINGS

    return {"ARB_LSP_NVIM_OVERRIDES": json.dumps({"settings": {"arbLsp": TEST_SETTINGS}, **config})}


def test_type_ahead_keeps_it_without_asking_and_moving_the_cursor_clears_it(
    tmp_path: Path, fake: FakeOpenRouter
) -> None:
    fake.responder = once("otal = sum(item.price for item in items)")
    steps = [
        *TYPE_ON_LINE_2,
        {"wait": "visible"},
        {"keys": "ot"},  # the suggestion's next two characters
        {"sleep": 200},
        {"snap": "typed ahead"},
        {"keys": "<Left>"},
        {"snap": "moved"},
    ]
    seen = play(tmp_path, fake, steps)["snaps"]
    ahead = seen["typed ahead"]
    assert ahead["visible"] and ahead["text"] == "al = sum(item.price for item in items)"
    (mark,) = ahead["extmarks"]
    assert (mark["col"], mark["text"]) == (7, "al = sum(item.price for item in items)")
    assert len(asked_about(fake, "checkout.py")) == 1, "typing what is shown asks nothing"
    moved = seen["moved"]
    assert not moved["visible"] and moved["extmarks"] == []
    assert moved["lines"][1] == "    tot"


def test_a_change_the_suggestion_does_not_continue_clears_it_and_asks_again(
    tmp_path: Path, fake: FakeOpenRouter
) -> None:
    fake.responder = once("otal = sum(item.price for item in items)")
    steps = [*TYPE_ON_LINE_2, {"wait": "visible"}, {"keys": "X"}, {"sleep": 300}, {"snap": "other"}]
    seen = play(tmp_path, fake, steps)["snaps"]
    assert seen["other"]["extmarks"] == [] and not seen["other"]["visible"]
    assert len(asked_about(fake, "checkout.py")) == 2, "the new text was asked about"


def test_leaving_insert_mode_clears_it(tmp_path: Path, fake: FakeOpenRouter) -> None:
    fake.responder = once("otal = sum(item.price for item in items)")
    steps = [*TYPE_ON_LINE_2, {"wait": "visible"}, {"keys": "<Esc>"}, {"snap": "normal"}]
    seen = play(tmp_path, fake, steps)["snaps"]
    assert seen["normal"]["mode"] == "n" and seen["normal"]["extmarks"] == []
    assert seen["normal"]["lines"][1] == "    t"


def test_no_request_reaches_the_model_while_typing_faster_than_the_debounce(
    tmp_path: Path, fake: FakeOpenRouter
) -> None:
    fake.responder = by_task(completion=" = sum(item.price for item in items)")
    typing = [{"keys": char, "after": 40} for char in "subtotal"]  # 40 ms apart, under the 300 ms debounce
    steps = [
        {"lua": COUNT_REQUESTS},
        {"cursor": [2, 4]},
        {"keys": "A"},
        *typing,
        {"wait": "visible"},
        {"snap": "shown"},
        {"lua": "return _G.sent"},
    ]
    files = {"invoice.py": "def invoice(items):\n    \n"}
    seen = play(tmp_path, fake, steps, files=files, settings={"completion": {"debounceMs": 300}})["snaps"]
    assert seen["shown"]["lines"][1] == "    subtotal"
    assert seen["shown"]["text"] == " = sum(item.price for item in items)"
    (request,) = asked_about(fake, "invoice.py")
    assert "subtotal{{FILL_HERE}}" in str(request.messages), "only the text after the last keystroke was sent"
    sent = seen["lua"][-1]
    assert sent["requests"] == len("subtotal"), "one request per keystroke reached the server"
    assert sent["cancels"] == len("subtotal") - 1, "the plugin cancelled each stale one itself"


#: Counts the plugin's inlineCompletion requests and $/cancelRequest notifications to the server.
COUNT_REQUESTS = """
local client = vim.lsp.get_clients({ name = "arb_lsp" })[1]
_G.sent = { requests = 0, cancels = 0 }
local request, cancel = client.request, client.cancel_request
client.request = function(self, method, ...)
  if method == "textDocument/inlineCompletion" then
    _G.sent.requests = _G.sent.requests + 1
  end
  return request(self, method, ...)
end
client.cancel_request = function(self, id)
  _G.sent.cancels = _G.sent.cancels + 1
  return cancel(self, id)
end
"""


def test_one_undo_removes_the_accepted_suggestion_and_nothing_typed_before(
    tmp_path: Path, fake: FakeOpenRouter
) -> None:
    fake.responder = once("otal = sum(item.price for item in items)")
    steps = [*TYPE_ON_LINE_2, {"wait": "visible"}, {"keys": "<Tab>"}, {"keys": "<Esc>u"}, {"snap": "undone"}]
    seen = play(tmp_path, fake, steps)["snaps"]
    assert seen["undone"]["lines"] == ["def checkout(items):", "    t"]


def test_manual_mode_asks_only_on_the_trigger_key_and_dismiss_hides(tmp_path: Path, fake: FakeOpenRouter) -> None:
    fake.responder = by_task(completion="otal = sum(item.price for item in items)")
    steps = [
        {"lua": "require('arb_lsp').setup({ auto_trigger = false })"},
        {"lua": COUNT_REQUESTS},
        *TYPE_ON_LINE_2,
        {"sleep": 300},
        {"snap": "typed"},
        {"lua": "return vim.deepcopy(_G.sent)"},
        {"keys": "<M-\\>"},
        {"wait": "visible"},
        {"snap": "triggered"},
        {"keys": "<C-]>"},
        {"snap": "dismissed"},
        {"lua": "return _G.sent"},
    ]
    seen = play(tmp_path, fake, steps)["snaps"]
    assert not seen["typed"]["visible"]
    assert seen["triggered"]["text"] == "otal = sum(item.price for item in items)"
    before, after = seen["lua"][-2:]
    assert (before["requests"], after["requests"]) == (0, 1), "only the trigger key asked"
    assert fake.chat_requests(), "and the model was asked"
    assert not seen["dismissed"]["visible"] and seen["dismissed"]["extmarks"] == []
    assert seen["dismissed"]["lines"][1] == "    t", "<C-]> was taken by the plugin, not inserted"


@pytest.mark.parametrize(
    "switch_off",
    [
        "vim.b.arb_lsp_ghost = false",
        "require('arb_lsp').setup({ filetypes = { python = false } })",
        "vim.cmd('ArbLsp toggle')",
    ],
)
def test_ghost_text_off_for_a_buffer_or_filetype_asks_nothing_and_tab_is_a_tab(
    tmp_path: Path, fake: FakeOpenRouter, switch_off: str
) -> None:
    fake.responder = by_task(completion="otal = sum(item.price for item in items)")
    steps = [{"lua": switch_off}, *TYPE_ON_LINE_2, {"sleep": 300}, {"keys": "<Tab>"}, {"snap": "off"}]
    seen = play(tmp_path, fake, steps)["snaps"]
    assert asked_about(fake, "checkout.py") == []
    assert seen["off"]["lines"][1] == "    t   ", "without a suggestion <Tab> indents (Python: expandtab, 4)"


@pytest.mark.parametrize("key", [None, DEFAULT_API_KEY])
def test_checkhealth_reports_the_key_the_endpoint_and_the_ghost_text(
    tmp_path: Path, fake: FakeOpenRouter, key: str | None
) -> None:
    seen = run_nvim(tmp_path, fake, "health", {"checkout.py": CHECKOUT}, key=key)
    report = "\n".join(seen["lines"])
    assert seen["filetype"] == "checkhealth"
    assert "arb-lsp: Neovim" in report and "ghost text: drawn by the plugin" in report
    assert f"arb-lsp {__version__}" in report, "the server's path and version"
    assert f"endpoint: {fake.base_url} reachable" in report
    if key is None:
        assert "ERROR key: OPENROUTER_API_KEY is not set" in report
    else:
        assert "OK key: accepted" in report
        assert key not in report and key not in json.dumps(seen["status"]), "the key is never shown"
    assert any(line.startswith("ghost text: drawn by the plugin") for line in seen["status"])
    assert fake.chat_requests() == [], "checking costs nothing"


def test_arblsp_commands_and_help(tmp_path: Path, fake: FakeOpenRouter) -> None:
    fake.responder = once("otal = sum(item.price for item in items)")
    seen = run_nvim(tmp_path, fake, "commands", {"checkout.py": CHECKOUT})
    assert seen["completions"] == ["status", "usage", "doctor", "toggle"]
    usage_text = "\n".join(seen["usage"])
    assert "Usage over today" in usage_text
    model = fake.chat_requests()[0].model
    assert model is not None
    (row,) = [line for line in seen["usage"] if line.startswith(model) and "100" in line]
    assert row.split()[1:3] == ["1", "1"], "shown 1, accepted 1 (the Suggestions table)"
    assert any(line.startswith("ok") and "endpoint" in line for line in seen["doctor"])
    assert seen["toggled_buffer"] is False and seen["globally_off"] is True
    assert seen["help"]["file"] == "arb_lsp.txt" and "*arb_lsp*" in seen["help"]["line"]


def test_what_a_word_and_a_line_of_a_suggestion_are() -> None:
    cases: list[list[Any]] = [
        ["next_word", "total = sum(prices)"],
        ["next_word", " = sum(prices)"],
        ["next_word", "(prices)"],
        ["next_word", "prix_unité * quantité"],  # multi-byte letters belong to the word
        ["next_word", "\n    return total"],
        ["next_line", "total = 0\n    return total"],
        ["next_line", "\n    return total\n"],
        ["next_line", "only line"],
        ["expand_tabs", "\tif x:\t# é", 4, 0],
    ]
    done = subprocess.run(
        [nvim(), "--clean", "-l", str(DRIVERS / "text_units.lua"), json.dumps(cases), str(ROOT / "editors" / "neovim")],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(done.stdout) == [
        "total",
        " =",
        "(",
        "prix_unité",
        "\n    ",
        "total = 0",
        "\n    return total",
        "only line",
        "    if x:   # é",
    ]


def test_every_lua_file_of_the_plugin_compiles() -> None:
    """Some paths (0.12's native inline completion) do not run on this Neovim: at least they parse."""
    files = sorted(str(path) for path in (ROOT / "editors" / "neovim").rglob("*.lua"))
    script = DRIVERS / "compile_check.lua"
    assert len(files) >= 10
    done = subprocess.run([nvim(), "--clean", "-l", str(script), *files], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_neovim_shows_explaining_while_a_hover_waits_for_the_model(tmp_path: Path, fake: FakeOpenRouter) -> None:
    def slow_explanation(body: dict[str, Any]) -> Reply | None:
        explaining = by_task(explain="Adds up the prices.")(body) is not None
        return Reply.text("Adds up the prices.", ttft=1.5) if explaining else None

    fake.responder = slow_explanation
    steps = [{"cursor": [2, 4]}, {"lua": "vim.lsp.buf.hover()"}, {"wait_status": "Explaining"}]
    seen = play(tmp_path, fake, steps, files={"cart.py": "def total(prices):\n    return sum(prices)\n"})
    assert "Explaining…" in seen["snaps"]["status"]
