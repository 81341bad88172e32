"""Outlines of imported files: signatures, doc comments and fields, never bodies, per language."""

from __future__ import annotations

from arb_lsp.workspace_context.outline import outline

PYTHON = '''"""Orders."""
import os

TIMEOUT = 3

# An order of the shop.
@dataclass
class Order:
    """One order."""

    id: int
    lines: list[str] = field(default_factory=list)

    def total(self, tax: float = 0.2) -> float:
        """The total with tax."""
        subtotal = sum(self.prices())
        return subtotal * (1 + tax)

    def add(self, item: str) -> None:
        self.lines.append(item)


def _private():
    return 1


def helper(a, b):
    return a + b
'''


def test_python_class_keeps_fields_signatures_and_docstrings_not_bodies() -> None:
    text = outline(PYTHON, "python", {"Order"})
    assert "# An order of the shop.\n@dataclass\nclass Order:" in text
    assert "    id: int\n    lines: list[str] = field(default_factory=list)" in text
    assert '    def total(self, tax: float = 0.2) -> float:\n        """The total with tax."""\n        ...' in text
    assert "    def add(self, item: str) -> None:\n        ..." in text
    assert "subtotal" not in text and "append" not in text
    assert "helper" not in text and "TIMEOUT" not in text


def test_python_public_outline_leaves_out_private_names() -> None:
    text = outline(PYTHON, "python", None, public=True)
    assert "TIMEOUT = 3" in text and "def helper(a, b):\n    ..." in text
    assert "_private" not in text and "import os" not in text


def test_budget_keeps_whole_items_in_file_order() -> None:
    text = outline(PYTHON, "python", None, max_chars=40)
    assert text.startswith("TIMEOUT = 3")
    assert "class Order" not in text


def test_typescript_signatures_with_jsdoc() -> None:
    source = (
        "/** Adds two numbers. */\n"
        "export function add(a: number, b: number): number {\n  return a + b;\n}\n"
        "export class Cart {\n  items: string[] = [];\n  count(): number {\n    return this.items.length;\n  }\n}\n"
        "export interface Item { sku: string }\n"
        "function hidden() { return 1 }\n"
    )
    text = outline(source, "typescript", {"add", "Cart", "Item"})
    assert "/** Adds two numbers. */\nexport function add(a: number, b: number): number { ... }" in text
    assert "items: string[] = [];" in text and "count(): number { ... }" in text
    assert "export interface Item { sku: string }" in text
    assert "return" not in text and "hidden" not in text


def test_go_type_with_its_methods() -> None:
    source = (
        "package shop\n\n// Order is a customer's order.\ntype Order struct {\n\tID int\n}\n\n"
        "// Total sums the lines.\nfunc (o *Order) Total() int {\n\treturn 42\n}\n\nfunc Other() {}\n"
    )
    text = outline(source, "go", {"Order"})
    assert "// Order is a customer's order.\ntype Order struct {\n\tID int\n}" in text
    assert "// Total sums the lines.\nfunc (o *Order) Total() int { ... }" in text
    assert "42" not in text and "Other" not in text


def test_rust_struct_and_impl_blocks() -> None:
    source = (
        "/// An order.\npub struct Order {\n    pub id: u32,\n}\n\n"
        "impl Order {\n    /// The total.\n    pub fn total(&self) -> u32 {\n        7\n    }\n}\n"
    )
    text = outline(source, "rust", {"Order"})
    assert "/// An order.\npub struct Order {\n    pub id: u32,\n}" in text
    assert "    /// The total.\n    pub fn total(&self) -> u32 { ... }" in text
    assert "7" not in text


def test_java_class_members() -> None:
    source = (
        "package shop;\n\n/** An order. */\npublic class Order {\n    private int id;\n"
        "    public int total(int tax) {\n        return id * tax;\n    }\n}\n"
    )
    text = outline(source, "java", {"Order"})
    assert "/** An order. */\npublic class Order {" in text
    assert "private int id;" in text and "public int total(int tax) { ... }" in text
    assert "return" not in text


def test_c_header_declarations_and_inline_bodies() -> None:
    source = (
        "struct order { int id; };\n/* Sum of lines. */\nint order_total(const struct order *o);\n"
        "static inline int twice(int x) { return 2 * x; }\n#define MAX_LINES 64\n"
    )
    text = outline(source, "cpp", None)
    assert "struct order { int id; };" in text
    assert "/* Sum of lines. */\nint order_total(const struct order *o);" in text
    assert "static inline int twice(int x) { ... }" in text and "return" not in text
    assert "#define MAX_LINES 64" in text
