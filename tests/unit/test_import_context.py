"""Context provider 1: imports resolved to workspace files, per language, and outlined."""

from __future__ import annotations

from pathlib import Path

from arb_lsp.runtime import build_exclusions
from arb_lsp.settings import Settings
from arb_lsp.workspace_context.deadline import unlimited
from arb_lsp.workspace_context.files import OpenDocument, WorkspaceFiles
from arb_lsp.workspace_context.imports import import_snippets, import_targets
from arb_lsp.workspace_context.snippets import Source


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def workspace(root: Path, *more_roots: Path, exclude: tuple[str, ...] = ()) -> WorkspaceFiles:
    matcher = build_exclusions(Settings(exclude=exclude))
    return WorkspaceFiles([str(root), *map(str, more_roots)], excluded=matcher.is_excluded)


def document(root: Path, name: str, text: str, language: str) -> OpenDocument:
    return OpenDocument(str(root / name), language, text, 1)


def snippets_of(root: Path, name: str, text: str, language: str, files: WorkspaceFiles | None = None) -> dict[str, str]:
    found = import_snippets(document(root, name, text, language), files or workspace(root), unlimited())
    assert all(s.source is Source.IMPORT for s in found)
    # A file may give two snippets: what the cursor uses (first), then the rest of what is imported.
    texts: dict[str, str] = {}
    for snippet in found:
        texts[snippet.path] = texts[snippet.path] + "\n" + snippet.text if snippet.path in texts else snippet.text
    return texts


# --- Python -------------------------------------------------------------------------------------

SHOP_MODELS = '''class Order:
    """A customer's order."""

    def total(self) -> float:
        return 1.0

    def add_line(self, sku: str, quantity: int = 1) -> None:
        pass


class Invoice:
    number: str
'''


def test_python_from_import_brings_the_named_class_only(tmp_path: Path) -> None:
    write(tmp_path, {"shop/__init__.py": "", "shop/models.py": SHOP_MODELS})
    found = snippets_of(tmp_path, "app.py", "from shop.models import Order\n\norder = Order()\norder.", "python")
    text = found["shop/models.py"]
    assert "def total(self) -> float:" in text and "def add_line(self, sku: str, quantity: int = 1) -> None:" in text
    assert "return 1.0" not in text and "Invoice" not in text


def test_python_relative_import_of_a_dataclass(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/types.py": "@dataclass\nclass Point:\n    x: float\n    y: float\n    label: str = ''\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/draw.py": "",
        },
    )
    found = snippets_of(tmp_path, "pkg/sub/draw.py", "from ..types import Point\n", "python")
    assert "class Point:\n    x: float\n    y: float\n    label: str = ''" in found["pkg/types.py"]
    found = snippets_of(tmp_path, "pkg/main.py", "from .types import Point\n", "python")
    assert "pkg/types.py" in found


def test_python_import_dotted_module_uses_the_names_written_after_it(tmp_path: Path) -> None:
    write(tmp_path, {"util/__init__.py": "", "util/text.py": "def slug(s):\n    ...\n\ndef title(s):\n    ...\n"})
    found = snippets_of(tmp_path, "app.py", "import util.text\n\nutil.text.slug(name)\n", "python")
    assert "def slug(s):" in found["util/text.py"] and "title" not in found["util/text.py"]
    found = snippets_of(tmp_path, "app.py", "import util.text as t\n\nt.title(name)\n", "python")
    assert "def title(s):" in found["util/text.py"] and "slug" not in found["util/text.py"]


def test_python_from_package_import_module_and_src_layout(tmp_path: Path) -> None:
    write(tmp_path, {"src/lib/__init__.py": "", "src/lib/money.py": "def cents(x: float) -> int:\n    ...\n"})
    found = snippets_of(tmp_path, "tests/test_money.py", "from lib import money\n\nmoney.cents(2)\n", "python")
    assert "def cents(x: float) -> int:" in found["src/lib/money.py"]


def test_python_stdlib_and_missing_modules_give_nothing(tmp_path: Path) -> None:
    assert snippets_of(tmp_path, "app.py", "import os\nfrom collections import deque\nimport nothere\n", "python") == {}


def test_python_excluded_module_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"config/__init__.py": "", "config/secrets.py": "API_KEY = 'k'\ndef key(): ...\n"})
    files = workspace(tmp_path, exclude=("config/secrets.py",))
    assert snippets_of(tmp_path, "app.py", "from config.secrets import key\n", "python", files) == {}


def test_python_module_in_a_second_root(tmp_path: Path) -> None:
    first, second = tmp_path / "app", tmp_path / "lib"
    write(second, {"money.py": "def cents(x: float) -> int:\n    ...\n"})
    first.mkdir()
    found = snippets_of(first, "main.py", "from money import cents\n", "python", workspace(first, second))
    assert "def cents" in found["money.py"]


def test_imports_are_read_from_the_head_only_and_cached_per_head(tmp_path: Path) -> None:
    write(tmp_path, {"m.py": "def f(): ...\n"})
    files = workspace(tmp_path)
    head = "from m import f\n"
    first = import_targets(document(tmp_path, "a.py", head + "x = 1\n", "python"), files)
    again = import_targets(document(tmp_path, "a.py", head + "x = 1\n", "python"), files)
    assert first is again and [t.names for t in first] == [frozenset({"f"})]


# --- JavaScript / TypeScript --------------------------------------------------------------------


def test_typescript_relative_import_with_extension_resolution(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/format.ts": "/** Money as text. */\nexport function formatPrice(cents: number, currency = 'EUR'): string {\n"
            "  return `${cents}`;\n}\nexport function other(): void {}\n",
            "src/app.ts": "",
        },
    )
    found = snippets_of(tmp_path, "src/app.ts", "import { formatPrice } from './format';\nformatPrice(", "typescript")
    text = found["src/format.ts"]
    assert "/** Money as text. */\nexport function formatPrice(cents: number, currency = 'EUR'): string { ... }" in text
    assert "other" not in text


def test_javascript_index_resolution_js_to_ts_and_require(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "lib/cart/index.js": "export class Cart {\n  add(item) {\n    this.items.push(item);\n  }\n}\n",
            "lib/tax.ts": "export const RATE = 0.2;\nexport function withTax(x: number): number { return x }\n",
            "lib/old.js": "function legacy(a) { return a }\nmodule.exports = { legacy };\n",
        },
    )
    text = "import { Cart } from './cart';\nimport { withTax } from './tax.js';\nconst old = require('./old');\n"
    found = snippets_of(tmp_path, "lib/main.js", text, "javascript")
    assert "add(item) { ... }" in found["lib/cart/index.js"]
    assert "export function withTax(x: number): number { ... }" in found["lib/tax.ts"]
    assert "function legacy(a) { ... }" in found["lib/old.js"]


def test_javascript_namespace_import_and_bare_packages(tmp_path: Path) -> None:
    write(tmp_path, {"util.ts": "export function a(): void {}\nexport function b(): void {}\n"})
    text = "import * as util from './util';\nimport React from 'react';\nutil.b();\n"
    found = snippets_of(tmp_path, "main.ts", text, "typescript")
    assert list(found) == ["util.ts"]
    assert "function b()" in found["util.ts"] and "function a()" not in found["util.ts"]


# --- Go -----------------------------------------------------------------------------------------


def test_go_package_of_the_same_module(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "go.mod": "module example.com/shop\n\ngo 1.22\n",
            "orders/order.go": "package orders\n\n// Order is an order.\ntype Order struct {\n\tID int\n}\n\n"
            "// Total sums it.\nfunc (o *Order) Total() int {\n\treturn 1\n}\n\nfunc Unused() {}\n",
            "orders/order_test.go": "package orders\n\nfunc TestX() {}\n",
        },
    )
    text = (
        'package main\n\nimport (\n\t"fmt"\n\t"example.com/shop/orders"\n)\n\nfunc main() {\n\to := orders.Order{}\n}\n'
    )
    found = snippets_of(tmp_path, "cmd/main.go", text, "go")
    body = found["orders/order.go"]
    assert "type Order struct {\n\tID int\n}" in body and "func (o *Order) Total() int { ... }" in body
    assert "Unused" not in body and "orders/order_test.go" not in found


def test_go_same_package_files(tmp_path: Path) -> None:
    write(tmp_path, {"go.mod": "module m\n", "app/util.go": "package app\n\nfunc helper(x int) int {\n\treturn x\n}\n"})
    found = snippets_of(tmp_path, "app/main.go", "package app\n\nfunc run() {\n\thelper(2)\n}\n", "go")
    assert "func helper(x int) int { ... }" in found["app/util.go"]


# --- Rust ---------------------------------------------------------------------------------------


def test_rust_mod_and_use_crate_paths(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/main.rs": "",
            "src/shop/mod.rs": "pub mod order;\n",
            "src/shop/order.rs": "/// An order.\npub struct Order {\n    pub id: u32,\n}\n\nimpl Order {\n"
            "    pub fn total(&self) -> u32 {\n        3\n    }\n}\n\npub fn unrelated() {}\n",
            "src/money.rs": "pub fn cents(x: f64) -> u64 {\n    0\n}\n",
        },
    )
    text = "mod money;\nmod shop;\nuse crate::shop::order::Order;\n\nfn main() {\n    money::cents(1.0);\n}\n"
    found = snippets_of(tmp_path, "src/main.rs", text, "rust")
    assert "pub fn cents(x: f64) -> u64 { ... }" in found["src/money.rs"]
    order = found["src/shop/order.rs"]
    assert "pub struct Order" in order and "pub fn total(&self) -> u32 { ... }" in order and "unrelated" not in order


def test_rust_use_super_and_lists(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/lib.rs": "",
            "src/shop/mod.rs": "pub struct Basket;\npub struct Coupon;\n",
            "src/shop/checkout.rs": "",
        },
    )
    found = snippets_of(tmp_path, "src/shop/checkout.rs", "use super::{Basket, Coupon as C};\n", "rust")
    assert "pub struct Basket;" in found["src/shop/mod.rs"] and "pub struct Coupon;" in found["src/shop/mod.rs"]


# --- Java ---------------------------------------------------------------------------------------


def test_java_imports_from_the_same_source_root(tmp_path: Path) -> None:
    root = "src/main/java/com/shop"
    write(
        tmp_path,
        {
            f"{root}/model/Order.java": "package com.shop.model;\n\n/** An order. */\npublic class Order {\n"
            "    private int id;\n    public int total() {\n        return id;\n    }\n}\n",
            f"{root}/util/Money.java": "package com.shop.util;\n\npublic class Money {\n    public static int cents() { return 0; }\n}\n",
            f"{root}/Helper.java": "package com.shop;\n\nclass Helper {\n    void help() {}\n}\n",
        },
    )
    text = (
        "package com.shop;\n\nimport com.shop.model.Order;\nimport com.shop.util.*;\nimport java.util.List;\n\n"
        "class App { Order o; Money m; Helper h; }\n"
    )
    found = snippets_of(tmp_path, f"{root}/App.java", text, "java")
    assert "public int total() { ... }" in found[f"{root}/model/Order.java"]
    assert "public static int cents() { ... }" in found[f"{root}/util/Money.java"]
    assert "void help() { ... }" in found[f"{root}/Helper.java"]


# --- C / C++ ------------------------------------------------------------------------------------


def test_c_quoted_includes_next_to_the_file_and_in_include_dirs(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/order.h": "#ifndef ORDER_H\n#define ORDER_H\nstruct order { int id; };\nint order_total(struct order *o);\n#endif\n",
            "include/money.h": "long cents(double x);\n",
        },
    )
    text = '#include <stdio.h>\n#include "order.h"\n#include "money.h"\n\nint main(void) { return 0; }\n'
    found = snippets_of(tmp_path, "src/main.c", text, "c")
    assert "int order_total(struct order *o);" in found["src/order.h"]
    assert "long cents(double x);" in found["include/money.h"]
    assert len(found) == 2
