"""Import context ranked by use (issue 21): what the code at the cursor uses comes first, wherever it is defined;
members resolve through declared receiver types; doc comments are cut before a signature is dropped."""

from __future__ import annotations

from pathlib import Path

from arb_lsp.pipelines import COMPLETION_PROMPT_TOKENS, completion_prompt_tokens, neighbour_share
from arb_lsp.workspace_context import OpenDocument, WorkspaceFiles, merge_snippets
from arb_lsp.workspace_context.deadline import unlimited
from arb_lsp.workspace_context.imports import import_snippets
from arb_lsp.workspace_context.outline import outline_items
from arb_lsp.workspace_context.uses import uses_near

LONG_DOC = "    " + " ".join(["Words that say little about the call itself."] * 12) + "\n"


def unused_function(name: str) -> str:
    return f'def {name}(value: int) -> int:\n    """{name} does something else.\n\n{LONG_DOC}    """\n    return value\n\n\n'


def snippets(root: Path, name: str, marked: str, language: str = "python") -> list:
    """The import snippets for the document ``marked`` (█ is the cursor), in order."""
    offset = marked.index("█")
    text = marked.replace("█", "")
    files = WorkspaceFiles([str(root)], excluded=lambda _path: False)
    document = OpenDocument(str(root / name), language, text, 1)
    return import_snippets(document, files, unlimited(), offset)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_used_definition_beats_an_earlier_unused_one_in_the_same_file(tmp_path: Path) -> None:
    unused = "".join(unused_function(f"helper_{i}") for i in range(8))
    write(tmp_path, {"tools.py": unused + "def apply_discount(price: float, rate: float) -> float:\n    return 0\n"})
    marked = "from tools import *\n\n\ndef checkout(cart):\n    return apply_discount(█\n"
    found = snippets(tmp_path, "app.py", marked)
    assert found[0].path == "tools.py"
    assert found[0].text.startswith("def apply_discount(price: float, rate: float) -> float:")
    # However small the budget, the used definition is what is kept.
    kept = merge_snippets(found, 300)
    assert "def apply_discount(" in kept[0].text and "helper_0" not in kept[0].text


def test_a_used_definition_beats_an_earlier_unused_one_in_another_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "first.py": "".join(unused_function(f"first_{i}") for i in range(6)),
            "second.py": "def send_invoice(invoice_id: int, *, copy_to: str = '') -> bool:\n    return True\n",
        },
    )
    marked = "from first import first_0, first_1\nfrom second import send_invoice\n\n\ndef run():\n    send_invoice(█\n"
    found = snippets(tmp_path, "app.py", marked)
    assert [s.path for s in found][:2] == ["second.py", "first.py"]
    kept = merge_snippets(found, 400)
    assert kept[0].path == "second.py" and "def send_invoice(invoice_id: int" in kept[0].text


def test_a_member_resolves_through_a_declared_receiver_type(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "transport.py": (
                "class Server:\n    def send(self, payload: bytes) -> None:\n        pass\n\n"
                "    def listen(self, port: int) -> None:\n        pass\n\n\n"
                "class Client:\n    def connect(self, host: str) -> None:\n        pass\n\n"
                "    def close(self) -> None:\n        pass\n\n"
                "    def send(self, message: str, *, retries: int = 3) -> None:\n        pass\n"
            ),
        },
    )
    marked = "from transport import Client, Server\n\n\ndef notify(client: Client, text):\n    client.send(█\n"
    text = snippets(tmp_path, "app.py", marked)[0].text
    # Client (the declared type) comes before Server (whose ``send`` only matches by name), and within Client
    # its ``send`` comes before the members the code does not use.
    assert text.index("class Client:") < text.index("class Server:")
    client = text[text.index("class Client:") :]
    assert client.index("def send(self, message: str") < client.index("def connect(")


def test_a_go_method_resolves_through_its_receiver(tmp_path: Path) -> None:
    methods = "".join(
        f"// Other{i} does another thing.\nfunc (c *Command) Other{i}() int {{ return {i} }}\n\n" for i in range(30)
    )
    write(
        tmp_path,
        {
            "go.mod": "module example.com/cli\n",
            "command.go": "package cli\n\ntype Command struct{ Use string }\n\n"
            + methods
            + "// Flags returns the flag set.\nfunc (c *Command) Flags() *FlagSet { return nil }\n",
            "flags.go": "package cli\n\n// Flags is a decoy of another type.\nfunc (f *FlagSet) Flags() int { return 0 }\n"
            "\ntype FlagSet struct{}\n",
        },
    )
    marked = "package cli\n\nfunc (c *Command) Execute() error {\n\tfs := c.Flags(█\n\treturn nil\n}\n"
    found = snippets(tmp_path, "execute.go", marked, "go")
    assert found[0].path == "command.go" and found[0].text.startswith(
        "// Flags returns the flag set.\nfunc (c *Command) Flags()"
    )
    # The decoy (a ``Flags`` method of another type) and the unused methods come after.
    joined = "".join(s.text for s in found)
    decoy = joined.find("func (f *FlagSet) Flags()")
    assert decoy == -1 or joined.index("func (c *Command) Flags()") < decoy
    assert joined.index("func (c *Command) Flags()") < joined.index("Other0")


def test_doc_comments_are_cut_before_a_signature_is_dropped(tmp_path: Path) -> None:
    documented = "".join(
        f'def step_{i}(value: int, scale: float = 1.0) -> float:\n    """Step {i} of the pipeline.\n\n{LONG_DOC}    """\n'
        "    return value\n\n\n"
        for i in range(4)
    )
    write(tmp_path, {"pipeline.py": documented})
    marked = "from pipeline import step_0, step_1, step_2, step_3\n\n\ndef run(v):\n    return step_0(step_1(step_2(step_3(█\n"
    found = snippets(tmp_path, "app.py", marked)
    whole = sum(len(s.full or s.text) for s in found)
    tight = merge_snippets(found, whole // 2)
    shown = "".join(s.text for s in tight)
    assert all(f"def step_{i}(value: int, scale: float = 1.0) -> float:" in shown for i in range(4))
    assert '"""Step 0 of the pipeline."""' in shown and "Words that say little" not in shown
    roomy = "".join(s.text for s in merge_snippets(found, whole * 3))
    assert "Words that say little" in roomy  # with room to spare, the whole doc comments come back


def test_doc_comment_cut_keeps_the_first_sentence_of_line_comments() -> None:
    source = (
        "package cli\n\n// Flags returns the complete FlagSet that applies to this command.\n"
        "// Local and persistent flags are both in it.\n//\n// More prose.\nfunc Flags() int { return 0 }\n"
    )
    (item,) = outline_items(source, "go")
    assert item.render(compact=True) == (
        "// Flags returns the complete FlagSet that applies to this command.\nfunc Flags() int { ... }\n"
    )
    assert "More prose." in item.render(compact=False)


def test_uses_weigh_the_cursor_line_most_and_resolve_self_attributes() -> None:
    text = (
        "class Shell:\n    def __init__(self, parser: ArgParser):\n        self.parser = parser\n\n"
        "    def run(self, line):\n        far_away()\n" + "        x = 1\n" * 10 + "        self.parser.parse_args(█"
    )
    uses = uses_near(text.replace("█", ""), text.index("█"))
    assert uses.names["parse_args"] > uses.names["far_away"]
    assert uses.typed_members[("ArgParser", "parse_args")] > 0
    assert uses.typed_members[("Shell", "parser")] > 0


def test_the_prompt_budget_follows_the_model() -> None:
    assert completion_prompt_tokens(3072, None, None) == 3072  # unknown model: the setting
    assert completion_prompt_tokens(3072, 4096, None) == 2048  # half a small context window
    assert completion_prompt_tokens(3072, 128_000, 0.0) == 3072  # free
    assert completion_prompt_tokens(8192, 128_000, 0.3e-6) == 3333  # a tenth of a cent at $0.30/M
    assert completion_prompt_tokens(3072, 128_000, 3e-6) == COMPLETION_PROMPT_TOKENS  # pricey: the base
    # Tokens above the base go to other files; the code's share stays what it was.
    assert neighbour_share(2048) == 0.4
    assert round((1 - neighbour_share(3072)) * 3072) == round(0.6 * 2048)


def test_uses_read_a_bounded_window_even_on_a_1mb_line() -> None:
    line = "values = [" + ", ".join(f"name_{i}" for i in range(100_000)) + "]"
    uses = uses_near(line, len(line))
    # Only the characters just before the cursor are read: a few hundred names, not 100,000.
    assert 0 < len(uses.names) < 2000 and "name_99999" in uses.names and "name_0" not in uses.names
