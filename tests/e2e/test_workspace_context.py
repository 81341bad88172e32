"""Context from the whole workspace, end to end: the prompt the fake OpenRouter received shows what the code at
the cursor uses, read from files that are not open, under the privacy rules."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import server_env
from fake_openrouter import FakeOpenRouter
from lsp_support import capabilities, complete, cursor, edit, open_document
from lsprotocol import types
from pytest_lsp import LanguageClient, make_test_lsp_client

from arb_lsp.settings import merge

GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"

SHOP_MODELS = '''"""The shop's models."""
from dataclasses import dataclass, field

API_TOKEN = "{token}"


class Order:
    """A customer's order."""

    def total(self, tax: float = 0.2) -> float:
        """The total with tax."""
        return BODY_IS_NOT_SENT

    def add_line(self, sku: str, quantity: int = 1) -> None:
        BODY_IS_NOT_SENT.append((sku, quantity))


@dataclass
class Address:
    street: str
    city: str
    postcode: str = ""
'''.replace("{token}", GITHUB_TOKEN)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@asynccontextmanager
async def session(
    fake: FakeOpenRouter,
    data_dir: Path,
    *,
    folders: list[Path] | None = None,
    root_uri: Path | None = None,
    options: dict[str, Any] | None = None,
) -> AsyncIterator[LanguageClient]:
    """A server whose workspace is given as ``workspaceFolders`` or only as ``rootUri``."""
    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "arb_lsp", env=server_env(fake, str(data_dir)))
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities("neovim"),
                # The largest budget the setting allows: these tests are about what is sent, not how fast (benchmarks/ measure that).
                initialization_options=merge({"completion": {"debounceMs": 0, "contextBudgetMs": 1000}}, options or {}),
                root_uri=root_uri.as_uri() if root_uri else None,
                workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders]
                if folders
                else None,
            )
        )
        yield client
    finally:
        await client.shutdown_session()
        await client.stop()


async def prompt_for(client: LanguageClient, fake: FakeOpenRouter, path: Path, marked: str, language: str) -> str:
    """Open ``path`` with ``marked`` as its text (█ is the cursor), complete there, return the prompt sent."""
    text, position = cursor(marked)
    uri = open_document(client, text, language, uri=path.as_uri())
    seen = len(fake.chat_requests())
    await complete(client, uri, position)
    requests = fake.chat_requests()[seen:]
    assert len(requests) == 1
    return str(requests[0].messages[-1]["content"])


async def test_completing_order_dot_shows_the_methods_of_order_from_a_file_that_is_not_open(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    write(ws, {"shop/__init__.py": "", "shop/models.py": SHOP_MODELS})
    async with session(fake, tmp_path, folders=[ws]) as client:
        prompt = await prompt_for(
            client, fake, ws / "app.py", "from shop.models import Order\n\norder = Order()\norder.█\n", "python"
        )
    assert "# Path: shop/models.py\nclass Order:" in prompt
    assert "def total(self, tax: float = 0.2) -> float:" in prompt and '"""The total with tax."""' in prompt
    assert "def add_line(self, sku: str, quantity: int = 1) -> None:" in prompt
    assert "BODY_IS_NOT_SENT" not in prompt and "Address" not in prompt
    assert prompt.index("class Order:") < prompt.index("<file>")


async def test_a_dataclass_imported_relatively_shows_its_fields_and_secrets_are_redacted(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    write(ws, {"shop/__init__.py": "", "shop/models.py": SHOP_MODELS})
    async with session(fake, tmp_path, root_uri=ws) as client:  # rootUri alone works too
        prompt = await prompt_for(
            client,
            fake,
            ws / "shop" / "views.py",
            "from .models import Address, API_TOKEN\n\naddress = Address(█)\n",
            "python",
        )
    assert 'class Address:\n    street: str\n    city: str\n    postcode: str = ""' in prompt
    assert "API_TOKEN" in prompt and GITHUB_TOKEN not in prompt and "REDACTED" in prompt


async def test_the_signature_of_a_typescript_function_from_a_sibling_module(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    write(
        ws,
        {
            "src/format.ts": "/** Formats cents as money. */\nexport function formatPrice(cents: number, currency = 'EUR'): "
            "string {\n  return SECRET_BODY;\n}\n",
        },
    )
    async with session(fake, tmp_path, folders=[ws]) as client:
        prompt = await prompt_for(
            client,
            fake,
            ws / "src" / "cart.ts",
            "import { formatPrice } from './format';\n\nconst label = formatPrice(█);\n",
            "typescript",
        )
    assert "// Path: src/format.ts\n/** Formats cents as money. */\n" in prompt
    assert "export function formatPrice(cents: number, currency = 'EUR'): string { ... }" in prompt
    assert "SECRET_BODY" not in prompt


async def test_a_function_just_written_in_another_open_file_is_in_the_prompt(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    async with session(fake, tmp_path, folders=[ws]) as client:
        other = "".join(f"value_{i} = {i}\n" for i in range(200))
        other_uri = open_document(client, other, "python", uri=(ws / "pricing.py").as_uri())
        written = "\ndef apply_discount(order, percent):\n    return order.total() * (1 - percent / 100)\n"
        edit(client, other_uri, 2, types.Position(line=200, character=0), written)
        prompt = await prompt_for(client, fake, ws / "checkout.py", "x = █\n", "python")
    assert "# Path: pricing.py" in prompt and "def apply_discount(order, percent):" in prompt
    assert "value_10 " not in prompt, "only the lines around the edit, not the file's head"


async def test_an_untitled_buffer_gets_similar_code_of_open_files(fake: FakeOpenRouter, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    async with session(fake, tmp_path, folders=[ws]) as client:
        open_document(
            client,
            "def refund_payment(payment, amount):\n    ledger.refund(payment, amount)\n",
            "python",
            uri=(ws / "pay.py").as_uri(),
        )
        text, position = cursor("payment = load()\nrefund_payment(payment, █)\n")
        uri = open_document(client, text, "python", uri="untitled:Untitled-1")
        await complete(client, uri, position)
    prompt = str(fake.chat_requests()[0].messages[-1]["content"])
    assert "# Path: pay.py\ndef refund_payment(payment, amount):" in prompt


async def test_excluded_files_symlinks_out_and_files_outside_the_workspace_are_never_sent(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    write(ws, {"pkg/__init__.py": "", "pkg/rules.py": "def rule(): EXCLUDED_MARKER\n"})
    write(outside, {"private.py": "def private(): OUTSIDE_MARKER\n", "__init__.py": ""})
    os.symlink(outside / "private.py", ws / "pkg" / "linked.py")
    text = (
        "from .rules import rule\nfrom .linked import private\nfrom ..outside.private import private as p\n"
        "rule()\nprivate()\n█\n"
    )
    async with session(fake, tmp_path, folders=[ws], options={"exclude": ["pkg/rules.py"]}) as client:
        prompt = await prompt_for(client, fake, ws / "pkg" / "main.py", text, "python")
    assert "EXCLUDED_MARKER" not in prompt and "OUTSIDE_MARKER" not in prompt
    assert "<context>" not in prompt


async def test_several_workspace_folders_each_label_relative_to_its_own_root(
    fake: FakeOpenRouter, tmp_path: Path
) -> None:
    api, lib = tmp_path / "api", tmp_path / "lib"
    write(lib, {"money/__init__.py": "", "money/cents.py": "def to_cents(amount: float) -> int:\n    return 0\n"})
    api.mkdir()
    async with session(fake, tmp_path, folders=[api, lib]) as client:
        prompt = await prompt_for(
            client, fake, api / "handler.py", "from money.cents import to_cents\n\nto_cents(█)\n", "python"
        )
    assert "# Path: money/cents.py\ndef to_cents(amount: float) -> int:\n    ..." in prompt


@pytest.mark.parametrize(
    "options", [{"completion": {"workspaceContext": False}}, {"completion": {"contextBudgetMs": 0}}]
)
async def test_workspace_context_can_be_turned_off(
    fake: FakeOpenRouter, tmp_path: Path, options: dict[str, Any]
) -> None:
    ws = tmp_path / "ws"
    write(ws, {"shop/__init__.py": "", "shop/models.py": SHOP_MODELS})
    async with session(fake, tmp_path, folders=[ws], options=options) as client:
        prompt = await prompt_for(client, fake, ws / "app.py", "from shop.models import Order\norder.█\n", "python")
    assert "class Order" not in prompt and "<context>" not in prompt


# (files of the workspace, the edited file, its text with █ at the cursor, language id, what the prompt must show)
LANGUAGES = [
    (
        {"lib/cart/index.js": "export class Cart {\n  add(item, quantity = 1) {\n    BODY_IS_NOT_SENT();\n  }\n}\n"},
        "lib/app.js",
        "import { Cart } from './cart';\nconst cart = new Cart();\ncart.█\n",
        "javascript",
        "// Path: lib/cart/index.js\nexport class Cart {\n  add(item, quantity = 1) { ... }\n}",
    ),
    (
        {
            "go.mod": "module example.com/shop\n",
            "orders/order.go": "package orders\n\n// Order is an order.\ntype Order struct {\n\tID int\n}\n\n"
            "// Total sums it.\nfunc (o *Order) Total() int {\n\treturn BODY_IS_NOT_SENT\n}\n",
        },
        "cmd/main.go",
        'package main\n\nimport "example.com/shop/orders"\n\nfunc main() {\n\to := orders.Order{}\n\to.█\n}\n',
        "go",
        "// Path: orders/order.go\n// Order is an order.\ntype Order struct {\n\tID int\n}\n\n"
        "// Total sums it.\nfunc (o *Order) Total() int { ... }",
    ),
    (
        {
            "src/main.rs": "",
            "src/shop.rs": "/// An order.\npub struct Order {\n    pub id: u32,\n}\n\nimpl Order {\n"
            "    pub fn total(&self) -> u32 {\n        BODY_IS_NOT_SENT\n    }\n}\n",
        },
        "src/main.rs",
        "mod shop;\nuse crate::shop::Order;\n\nfn main() {\n    let o = Order { id: 1 };\n    o.█\n}\n",
        "rust",
        "// Path: src/shop.rs\n/// An order.\npub struct Order {\n    pub id: u32,\n}\n\nimpl Order {\n"
        "    pub fn total(&self) -> u32 { ... }\n}",
    ),
    (
        {
            "src/com/shop/model/Order.java": "package com.shop.model;\n\npublic class Order {\n    private int id;\n"
            "    public int total() {\n        return BODY_IS_NOT_SENT;\n    }\n}\n"
        },
        "src/com/shop/App.java",
        "package com.shop;\n\nimport com.shop.model.Order;\n\nclass App {\n    int run(Order o) {\n        return o.█\n    }\n}\n",
        "java",
        "// Path: src/com/shop/model/Order.java\npublic class Order {\n    private int id;\n    public int total() { ... }\n}",
    ),
    (
        {"src/order.h": "struct order { int id; };\n/* The total. */\nint order_total(const struct order *o);\n"},
        "src/main.c",
        '#include "order.h"\n\nint main(void) {\n    struct order o;\n    return order_█\n}\n',
        "c",
        "// Path: src/order.h\nstruct order { int id; };\n\n/* The total. */\nint order_total(const struct order *o);",
    ),
]


@pytest.mark.parametrize(
    ("files", "edited", "marked", "language", "expected"), LANGUAGES, ids=[case[3] for case in LANGUAGES]
)
async def test_imports_of_each_language_family_reach_the_prompt(
    fake: FakeOpenRouter, tmp_path: Path, files: dict[str, str], edited: str, marked: str, language: str, expected: str
) -> None:
    ws = tmp_path / "ws"
    write(ws, files)
    async with session(fake, tmp_path, folders=[ws]) as client:
        prompt = await prompt_for(client, fake, ws / edited, marked, language)
    assert expected in prompt
    assert "BODY_IS_NOT_SENT" not in prompt
