"""Cold start: building the server (all features registered) imports nothing that ``initialize`` does not need.

Run in a fresh interpreter, as ``python -m arb_lsp`` starts: the settings (pydantic), the HTTP stack,
the answer types, the usage ledger's sqlite and the pipelines (tree-sitter) come after ``initialize``.
"""

from __future__ import annotations

import json
import subprocess
import sys

DEFERRED = (
    "pydantic",
    "httpx",
    "tenacity",
    "sqlite3",
    "tree_sitter",
    "arb_lsp.settings",
    "arb_lsp.pipelines",
    "arb_lsp.openrouter.client",
    "arb_lsp.openrouter.types",
    "arb_lsp.privacy",
)


def test_building_the_server_leaves_the_heavy_modules_for_later() -> None:
    code = (
        "import json, sys\n"
        "from arb_lsp.server import create_server\n"
        "server = create_server()\n"
        f"print(json.dumps([m for m in {list(DEFERRED)!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout) == []


def test_the_package_still_exports_its_names_on_first_use() -> None:
    code = (
        "import sys\n"
        "import arb_lsp.openrouter as o\n"
        "assert 'httpx' not in sys.modules\n"
        "assert o.OpenRouterClient.__name__ == 'OpenRouterClient' and o.TaskType.COMPLETION\n"
        "from arb_lsp.openrouter import UsageLedger, ModelInfo\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "ok"
