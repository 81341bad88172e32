"""The Helix and Emacs snippets shipped in ``editors/``: Helix checked statically, Emacs eglot for real.

Helix: ``editors/helix/languages.toml`` and the README's TOML block parse, define the ``arb-lsp``
server with settings the server accepts, and the languages use it.

Emacs: Debian's ``emacs-nox`` 28 with ``elpa-eglot`` 1.9 (``scripts/install-emacs-deps.sh``) loads
``editors/emacs/arb-lsp.el`` in ``--batch``, starts arb-lsp through ``eglot-ensure`` the way the
README does, and runs the docstring action: eglot 1.9 never resolves code actions, so this is the
``arbLsp.generateDocstring`` command whose edit comes back through ``workspace/applyEdit``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from conftest import ROOT, server_env
from fake_openrouter import FakeOpenRouter, Reply

from arb_lsp.settings import parse_settings
from arb_lsp.syntax import supports_language

HELIX_FILE = ROOT / "editors" / "helix" / "languages.toml"
EMACS_FILE = ROOT / "editors" / "emacs" / "arb-lsp.el"
README = ROOT / "editors" / "neovim" / "README.md"
VENV_BIN = Path(sys.executable).parent
ELPA = Path("/usr/share/emacs/site-lisp/elpa")
EMACS_TIMEOUT_S = 60
#: Helix language names (as in Helix's own languages.toml) the snippet must cover.
HELIX_LANGUAGES = {"python", "javascript", "jsx", "typescript", "tsx", "go", "rust", "java", "c", "cpp"}


def readme_block(language: str) -> str:
    (block,) = re.findall(rf"^```{language}\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)
    return block


def server_names(language: dict[str, Any]) -> list[str]:
    """A Helix language's servers: plain names or ``{ name = ..., only-features = [...] }`` tables."""
    return [entry if isinstance(entry, str) else entry["name"] for entry in language.get("language-servers", [])]


def check_helix(config: dict[str, Any], languages: set[str]) -> None:
    server = config["language-server"]["arb-lsp"]
    assert server["command"] == "arb-lsp"
    assert all(isinstance(arg, str) for arg in server.get("args", []))
    settings = server["config"]["arbLsp"]
    assert parse_settings(settings)[1] == [], "every setting is one the server accepts"
    using = {language["name"]: server_names(language) for language in config["language"]}
    assert languages <= set(using)
    for name in languages:
        servers = using[name]
        assert "arb-lsp" in servers, name
        assert len(servers) > 1, f"{name}: the list replaces Helix's default one, keep its servers"


def test_helix_languages_toml() -> None:
    config = tomllib.loads(HELIX_FILE.read_text(encoding="utf-8"))
    check_helix(config, HELIX_LANGUAGES)
    assert "apiKey" not in config["language-server"]["arb-lsp"]["config"]["arbLsp"]


def test_helix_snippet_in_the_readme() -> None:
    config = tomllib.loads(readme_block("toml"))
    check_helix(config, {"python"})
    shipped = tomllib.loads(HELIX_FILE.read_text(encoding="utf-8"))
    (readme_python,) = config["language"]
    (shipped_python,) = [lang for lang in shipped["language"] if lang["name"] == "python"]
    assert readme_python == shipped_python


# ---------------------------------------------------------------------------------------------
# Emacs
# ---------------------------------------------------------------------------------------------

CART = """\
class Cart:
    def total(self, prices):
        return sum(prices)
"""

# Runs in `emacs --batch -Q`: the README's two lines, then the docstring action on `total`.
# There is no command loop in batch mode, so the driver runs post-command-hook itself (that is
# where eglot-ensure connects) and waits with accept-process-output.
EMACS_DRIVER = r"""
(require 'json)
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)

(defun arb-test-wait (what predicate)
  "Let processes run until PREDICATE returns non-nil, or fail naming WHAT."
  (let ((deadline (+ (float-time) 20)))
    (while (not (funcall predicate))
      (when (> (float-time) deadline) (error "Timed out waiting for %s" what))
      (accept-process-output nil 0.05))))

(condition-case err
    (progn
      ;; The README's init.el.
      (load (getenv "ARB_LSP_EMACS_SNIPPET"))
      (add-hook 'python-mode-hook #'eglot-ensure)
      ;; No one to answer "Server wants to edit ... Proceed?" in batch mode.
      (setq eglot-confirm-server-initiated-edits nil)
      (find-file (getenv "ARB_LSP_EMACS_FILE"))
      (run-hooks 'post-command-hook)
      (arb-test-wait "eglot to connect" (lambda () (and (eglot-current-server) eglot--managed-mode)))
      (let ((server (eglot-current-server))
            (actions nil)
            (text nil))
        (goto-char (point-min))
        (search-forward "def total")
        (setq actions (eglot-code-actions (point) nil "quickfix"))
        (call-interactively #'arb-lsp-docstring)
        (arb-test-wait "the docstring edit" (lambda () (string-match-p "\"\"\"" (buffer-string))))
        (accept-process-output nil 0.3)  ; nothing else may follow
        (setq text (buffer-substring-no-properties (point-min) (point-max)))
        (with-temp-file (getenv "ARB_LSP_EMACS_RESULT")
          (insert (json-encode
                   (list :text text
                         :languageId (eglot--language-id server)
                         :command (process-command (jsonrpc--process server))
                         :actions (vconcat (mapcar (lambda (a) (list :title (plist-get a :title)
                                                             :hasEdit (and (plist-get a :edit) t)
                                                             :command (plist-get (plist-get a :command) :command)))
                                          actions))))))
        (eglot-shutdown server))
      (kill-emacs 0))
  (error (princ (format "driver failed: %S\n" err) #'external-debugging-output)
         (kill-emacs 2)))
"""


def emacs() -> str:
    found = shutil.which("emacs")
    has_eglot = any(ELPA.glob("eglot-*"))
    assert found and has_eglot, "needs emacs-nox and elpa-eglot: run scripts/install-emacs-deps.sh as root"
    return found


def test_emacs_snippet_byte_compiles_cleanly(tmp_path: Path) -> None:
    copy = tmp_path / EMACS_FILE.name
    copy.write_text(EMACS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    setup = (
        '(progn (add-to-list (quote package-directory-list) "/usr/share/emacs/site-lisp/elpa") '
        "(package-initialize) (setq byte-compile-error-on-warn t))"
    )
    done = subprocess.run(
        [emacs(), "--batch", "-Q", "--eval", setup, "-f", "batch-byte-compile", str(copy)],
        capture_output=True,
        text=True,
        timeout=EMACS_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr


def test_emacs_eglot_generates_a_docstring_through_the_command(tmp_path: Path, fake: FakeOpenRouter) -> None:
    assert shutil.which("arb-lsp", path=str(VENV_BIN)), f"arb-lsp is not in {VENV_BIN}: pip install -e ."

    def respond(body: dict[str, Any]) -> Reply | None:
        system = body["messages"][0]["content"]
        return Reply.text("Return the sum of the prices.") if "documentation" in system else None

    fake.responder = respond
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / ".git").mkdir()  # a project root for eglot
    source = workspace / "cart.py"
    source.write_text(CART)
    driver = tmp_path / "driver.el"
    driver.write_text(EMACS_DRIVER)
    result = tmp_path / "result.json"
    (tmp_path / "data").mkdir()
    env = server_env(fake, str(tmp_path / "data"))
    env.update(
        HOME=str(tmp_path / "home"),
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        ARB_LSP_EMACS_SNIPPET=str(EMACS_FILE),
        ARB_LSP_EMACS_FILE=str(source),
        ARB_LSP_EMACS_RESULT=str(result),
    )
    started = time.monotonic()
    done = subprocess.run(
        ["timeout", str(EMACS_TIMEOUT_S), emacs(), "--batch", "-Q", "-l", str(driver)],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=EMACS_TIMEOUT_S + 10,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, f"emacs exited {done.returncode} after {seconds:.1f}s:\n{done.stderr}"
    seen = json.loads(result.read_text())
    assert seen["languageId"] == "python"
    assert seen["command"] == ["arb-lsp"]
    (action,) = seen["actions"]
    assert "docstring" in action["title"]
    assert not action["hasEdit"] and action["command"] == "arbLsp.generateDocstring", "no edit until chosen"
    assert seen["text"] == (
        "class Cart:\n"
        "    def total(self, prices):\n"
        '        """Return the sum of the prices."""\n'
        "        return sum(prices)\n"
    )
    assert len(fake.chat_requests()) == 1
    assert not source.read_text().count('"""'), "the buffer is edited, not saved behind the user's back"


def test_emacs_snippet_sends_language_ids_the_server_parses() -> None:
    text = EMACS_FILE.read_text(encoding="utf-8")
    block = text[text.index("(defvar arb-lsp-languages") :]
    block = block[: block.index('"LSP language ids')]
    ids = re.findall(r'\("([\w+]+)" ', block)
    assert set(ids) == {"python", "javascript", "typescript", "typescriptreact", "go", "rust", "java", "c", "cpp"}
    assert all(supports_language(language_id) for language_id in ids)
