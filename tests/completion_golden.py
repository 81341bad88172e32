"""Golden completion cases: a document with the cursor at `█`, what a model answered, and the
document after the suggestion is accepted (None: no suggestion).  One group per way a chat answer
goes wrong (issue 12), in several languages, with spaces, tabs and CRLF line breaks.

Expected documents are written with "\\n"; a CRLF case compares with its line breaks normalised
(editors insert a suggestion's line breaks as the document's own).
"""

from __future__ import annotations

from dataclasses import dataclass

CURSOR = "█"


@dataclass(frozen=True)
class Golden:
    kind: str
    language: str
    document: str
    answer: str
    expected: str | None

    @property
    def id(self) -> str:
        crlf = "-crlf" if "\r\n" in self.document else ""
        tabs = "-tabs" if "\n\t" in self.document else ""
        return f"{self.kind}-{self.language}{tabs}{crlf}"


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


CASES = [
    # Wrapper tags and answer markers are stripped.
    Golden(
        "wrapper",
        "python",
        "def add(a, b):\n    █\n",
        "<COMPLETION>return a + b</COMPLETION>",
        "def add(a, b):\n    return a + b\n",
    ),
    Golden(
        "wrapper",
        "go",
        "func add(a, b int) int {\n\t█\n}\n",
        "<CODE>\nreturn a + b\n</CODE>",
        "func add(a, b int) int {\n\treturn a + b\n}\n",
    ),
    Golden(
        "wrapper",
        "typescript",
        crlf("function add(a: number, b: number): number {\n  return █\n}\n"),
        "<MID>a + b;</MID>",
        "function add(a: number, b: number): number {\n  return a + b;\n}\n",
    ),
    Golden(
        "wrapper",
        "rust",
        "fn add(a: i32, b: i32) -> i32 {\n    █\n}\n",
        "Answer:\na + b",
        "fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
    ),
    # Refusals and prose are never inserted.
    Golden("prose", "python", "def add(a, b):\n    █\n", "I'm sorry, but I can't help with that.", None),
    Golden(
        "prose",
        "java",
        "class A {\n\tint add(int a, int b) {\n\t\t█\n\t}\n}\n",
        "This method should return the sum of the two numbers.",
        None,
    ),
    Golden(
        "prose", "c", crlf("int add(int a, int b) {\n    █\n}\n"), "You need to return the sum of a and b here.", None
    ),
    Golden("prose", "ruby", "def add(a, b)\n  █\nend\n", "I cannot complete this code without more context.", None),
    # Broken code is repaired (its closer restored) or dropped.
    Golden(
        "broken",
        "javascript",
        "function total(items) {\n  let sum = 0;\n  █\n  return sum;\n}\n",
        "for (const x of items) {\n  sum += x;",
        "function total(items) {\n  let sum = 0;\n  for (const x of items) {\n    sum += x;\n  }\n  return sum;\n}\n",
    ),
    Golden(
        "broken",
        "go",
        "func total(items []int) int {\n\tsum := 0\n\t█\n\treturn sum\n}\n",
        "for _, x := range items {\n\tsum += x",
        "func total(items []int) int {\n\tsum := 0\n\tfor _, x := range items {\n\t\tsum += x\n\t}\n\treturn sum\n}\n",
    ),
    Golden(
        "broken",
        "cpp",
        crlf("int total(std::vector<int> items) {\n    int sum = 0;\n    █\n    return sum;\n}\n"),
        "for (int x : items) {\n    sum += x;",
        "int total(std::vector<int> items) {\n    int sum = 0;\n    for (int x : items) {\n        sum += x;\n    }\n"
        "    return sum;\n}\n",
    ),
    Golden("broken", "javascript", "function main() {\n  console.log(█);\n}\n", "x], y);", None),
    Golden("broken", "ruby", "def f(a)\n  total = compute(█)\nend\n", "a, [b", None),
    # Indentation: the file's evidence, then the language's convention, then the model's own.
    Golden(
        "indent",
        "javascript",
        "function size(items) {█\n}\n",
        "\n  return items.length;",
        "function size(items) {\n  return items.length;\n}\n",
    ),
    Golden("indent", "c", "int zero(void) {█\n}\n", "\n  return 0;", "int zero(void) {\n  return 0;\n}\n"),
    Golden("indent", "java", "class A {█\n}\n", "\n  int x = 1;", "class A {\n    int x = 1;\n}\n"),
    Golden("indent", "go", crlf("func one() int {█\n}\n"), "\n    return 1", "func one() int {\n\treturn 1\n}\n"),
    Golden(
        "indent",
        "typescript",
        "function a() {\n    return 0;\n}\nfunction b() {█\n}\n",
        "\n  return 1;",
        "function a() {\n    return 0;\n}\nfunction b() {\n    return 1;\n}\n",
    ),
    # A last line that retypes the line below the cursor (plus a comment) is not kept.
    Golden(
        "near-duplicate",
        "python",
        "def f(items):\n    total = 0\n    █\n    return total\n",
        "for x in items:\n    total += x\nreturn total  # done",
        "def f(items):\n    total = 0\n    for x in items:\n        total += x\n    return total\n",
    ),
    Golden(
        "near-duplicate",
        "go",
        "func f(items []int) int {\n\ttotal := 0\n\t█\n\treturn total\n}\n",
        "for _, x := range items {\n\ttotal += x\n}\nreturn total // the sum",
        "func f(items []int) int {\n\ttotal := 0\n\tfor _, x := range items {\n\t\ttotal += x\n\t}\n\treturn total\n}\n",
    ),
    Golden(
        "near-duplicate",
        "rust",
        crlf("fn f(items: &[i32]) -> i32 {\n    let mut total = 0;\n    █\n    total\n}\n"),
        "for x in items {\n    total += x;\n}\ntotal // the sum",
        "fn f(items: &[i32]) -> i32 {\n    let mut total = 0;\n    for x in items {\n        total += x;\n    }\n    total\n}\n",
    ),
    # An answer that closes the cursor's brackets and then retypes the code below ends at its closers.
    Golden(
        "suffix",
        "javascript",
        "function f(items) {\n  items.forEach((x) => {█});\n  return items;\n}\n",
        "\n    console.log(x);\n  });\n  return items;\n}\n\nfunction g() {\n  return 1;\n}\n",
        "function f(items) {\n  items.forEach((x) => {\n    console.log(x);\n  });\n  return items;\n}\n",
    ),
    Golden(
        "suffix",
        "java",
        "class A {\n\tvoid f(List<Integer> items) {\n\t\titems.forEach(x -> {█});\n\t\treturn;\n\t}\n}\n",
        "\n\t\t\tSystem.out.println(x);\n\t\t});\n\t\treturn;\n\t}\n}\n",
        "class A {\n\tvoid f(List<Integer> items) {\n\t\titems.forEach(x -> {\n\t\t\tSystem.out.println(x);\n"
        "\t\t});\n\t\treturn;\n\t}\n}\n",
    ),
    # Degenerate repetition is dropped.
    Golden("repetition", "python", "def f():\n    █\n", "print('hello')\n" * 8, "def f():\n    print('hello')\n"),
    Golden(
        "repetition",
        "javascript",
        "function f() {\n\t█\n}\n",
        "console.log(1);\n" * 8,
        "function f() {\n\tconsole.log(1);\n}\n",
    ),
    Golden(
        "repetition", "lua", crlf("function f()\n  █\nend\n"), "x = x + 1\n" * 8, "function f()\n  x = x + 1\nend\n"
    ),
    # Closers after the cursor are replaced by the model's own, never doubled.
    Golden("closers", "python", "total = compute(█)\n", "x, y)", "total = compute(x, y)\n"),
    # The model closes the inner call early: its closers, not the line's, end the line.
    Golden("closers", "python", "total = f(g(█))\n", "a), b)", "total = f(g(a), b)\n"),
    Golden(
        "closers",
        "javascript",
        "function main() {\n  console.log(█);\n}\n",
        "a[0]));",
        "function main() {\n  console.log(a[0]);\n}\n",
    ),
    Golden(
        "closers",
        "javascript",
        crlf("function f(a) {\n  console.log(█);\n}\n"),
        "a[0]);",
        "function f(a) {\n  console.log(a[0]);\n}\n",
    ),
    Golden(
        "closers",
        "rust",
        "fn main() {\n    let v = vec![█];\n}\n",
        "1, 2, 3];",
        "fn main() {\n    let v = vec![1, 2, 3];\n}\n",
    ),
    Golden(
        "closers",
        "java",
        "class A {\n\tvoid f() {\n\t\tcall(█);\n\t}\n}\n",
        "g(x));",
        "class A {\n\tvoid f() {\n\t\tcall(g(x));\n\t}\n}\n",
    ),
    Golden(
        "closers",
        "c",
        'int main(void) {\n    printf("%d", max(█));\n}\n',
        "a, b);",
        'int main(void) {\n    printf("%d", max(a, b));\n}\n',
    ),
    # An answer that opens a bracket it never closes is refused (issue 21), in the middle of a function,
    # at the end of the file, and in brace languages; a bracket the code below closes is kept.
    Golden(
        "unclosed",
        "python",
        "def total(items):\n    result = █\n    return result\n",
        "items + [] + (",
        None,
    ),
    Golden("unclosed-at-end", "python", "def total(items):\n    result = █", "items + [] + (", None),
    Golden(
        "unclosed",
        "go",
        "package m\n\nfunc total(items []int) int {\n\treturn █\n}\n",
        "len(items) + (",
        None,
    ),
    Golden("unclosed", "typescript", "function total(items: number[]) {\n  return █\n}\n", "[...items].concat(", None),
    # Found by `arb-lsp eval` on this repository: a ":" on a later line of a parameter list is an annotation,
    # not a block opener; the answer continues the line instead of starting a new one below it.
    Golden(
        "annotation-in-parameter-list",
        "python",
        "async def run(\n    fake: FakeOpenRouter, tmp_path: █\n) -> None:\n    pass\n",
        "Path",
        "async def run(\n    fake: FakeOpenRouter, tmp_path: Path\n) -> None:\n    pass\n",
    ),
    Golden(
        "closed-below",
        "python",
        "def total(items):\n    result = █\n        items\n    )\n    return result\n",
        "sum(",
        "def total(items):\n    result = sum(\n        items\n    )\n    return result\n",
    ),
]
