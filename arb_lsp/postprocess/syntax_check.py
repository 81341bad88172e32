"""Whether a suggestion makes the code around the cursor worse: new syntax errors, new imbalance.

For the languages tree-sitter parses here (Python, JavaScript, TypeScript, Go, Rust, Java, C, C++)
the text around the cursor is parsed before and after the insertion and the syntax errors
(`ERROR` and missing nodes) are counted; for every language, brackets and string quotes are
balanced with a small scanner.  A suggestion may leave an error that was already there (the user
is mid-statement), but may not add one.

Cost is kept to a window: the top-level statement or definition around the cursor, from the last
line before it that starts at column 0 to the next one after it, not the document. The window is
parsed once per suggestion (:class:`Around`); each candidate edit is then parsed incrementally from
that tree, which tree-sitter does by reusing every subtree the edit did not touch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from arb_lsp.context import CompletionContext
from arb_lsp.syntax import ParsedSource, parse, reparse, supports_language
from arb_lsp.syntax.languages import HASH_COMMENT_LANGUAGES

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(_OPENERS.values())
_NO_BLOCK_COMMENT = HASH_COMMENT_LANGUAGES | {"lua", "sql", "haskell"}
_RUST_CHAR = re.compile(r"'(?:\\.|\\u\{[0-9a-fA-F]+\}|[^\\'])'")
#: A window never spans more than this many characters on either side of the cursor.
_MAX_SIDE = 2000


@dataclass(frozen=True, slots=True)
class Opener:
    """A bracket left open: its character, and where it is in the scanned text."""

    char: str
    offset: int


@dataclass(frozen=True, slots=True)
class Balance:
    """What a bracket scan left: openers never closed, closers with no opener, an open string."""

    open: tuple[Opener, ...]
    stray: int
    in_string: bool

    @property
    def score(self) -> int:
        return len(self.open) + self.stray + (1 if self.in_string else 0)


def scan(text: str, language_id: str) -> Balance:
    """Brackets and strings through `text`, skipping comments (roughly: no language's lexer)."""
    comment = "#" if language_id in HASH_COMMENT_LANGUAGES else "//"
    block = language_id not in _NO_BLOCK_COMMENT
    stack: list[Opener] = []
    stray = 0
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char in "'\"`":
            if language_id == "rust" and char == "'":
                literal = _RUST_CHAR.match(text, index)
                index = literal.end() if literal else index + 1  # a lifetime, not a string
                continue
            quote = text[index : index + 3] if text[index : index + 3] in ('"""', "'''") else char
            end = _string_end(text, index + len(quote), quote)
            if end == -1:
                return Balance(tuple(stack), stray, True)
            index = end
            continue
        if text.startswith(comment, index):
            newline = text.find("\n", index)
            index = length if newline == -1 else newline
            continue
        if block and text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = length if end == -1 else end + 2
            continue
        if char in _OPENERS:
            stack.append(Opener(char, index))
        elif char in _CLOSERS:
            if stack and _OPENERS[stack[-1].char] == char:
                stack.pop()
            else:
                stray += 1
        index += 1
    return Balance(tuple(stack), stray, False)


def _string_end(text: str, start: int, quote: str) -> int:
    """Where the string opened before `start` ends (just past its quote); -1 if it never does.

    Single-quoted strings end at the line's end (an unterminated one is that line's problem)."""
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if text.startswith(quote, index):
            return index + len(quote)
        if char == "\n" and quote in ("'", '"'):
            return -1
        index += 1
    return -1


def syntax_errors(text: str, language_id: str) -> int | None:
    """How many syntax errors tree-sitter finds in `text`; None for a language it does not parse."""
    if not supports_language(language_id):
        return None
    return _errors(parse(text, language_id, cache=False))


def _errors(parsed: ParsedSource | None) -> int | None:
    if parsed is None:
        return None
    root = parsed.tree.root_node
    return _count_errors(root) if root.has_error else 0


def _count_errors(node: Node) -> int:
    count = 0
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_missing or current.type == "ERROR":
            count += 1
            if current.type == "ERROR":
                continue  # one broken region, however much it holds
        stack.extend(child for child in current.children if child.has_error)
    return count


def _starts_top_level(line: str) -> bool:
    content = line.strip()
    return bool(content) and line[:1] not in (" ", "\t") and content[0] not in ")]}"


def _least_indented_start(lines: list[str]) -> int:
    """Where to start a window cut inside a long top-level block: at the first of its least indented lines
    (a method or statement of the class), not at whichever line the cut fell on, which may be inside a
    docstring or a call and would make the whole window parse as broken."""
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines[1:-1]]
    candidates = [(indent, number) for number, indent in enumerate(indents, 1) if lines[number].strip()]
    if not candidates:
        return 0
    _, first = min(candidates)
    return sum(len(text) + 1 for text in lines[:first])


def window(ctx: CompletionContext) -> tuple[str, str]:
    """The part of the prefix and of the suffix that hold the statement around the cursor."""
    prefix, suffix = ctx.prefix[-_MAX_SIDE:], ctx.suffix[:_MAX_SIDE]
    before = prefix.split("\n")
    cut = len(prefix) < len(ctx.prefix)  # then the first line is the tail of a line, not one that starts
    start = 0
    for index in range(len(before) - 1, int(cut) - 1, -1):
        line = before[index] + (ctx.line_suffix if index == len(before) - 1 else "")
        if _starts_top_level(line):
            start = sum(len(text) + 1 for text in before[:index])
            break
    else:
        if cut:
            start = _least_indented_start(before)
    after = suffix.split("\n")
    end = len(suffix)
    for index in range(1, len(after)):
        if _starts_top_level(after[index]):
            end = sum(len(text) + 1 for text in after[:index])
            break
    return prefix[start:], suffix[:end]


@dataclass(frozen=True, slots=True)
class Damage:
    """How broken a text is: syntax errors (None: not parsed) and bracket imbalance."""

    errors: int | None
    imbalance: int

    def worse_than(self, other: Damage) -> bool:
        if self.errors is not None and other.errors is not None and self.errors > other.errors:
            return True
        return self.imbalance > other.imbalance


def damage(text: str, language_id: str) -> Damage:
    return Damage(syntax_errors(text, language_id), scan(text, language_id).score)


def adds_unclosed(before: str, insertion: str, after: str, language_id: str) -> bool:
    """Whether `insertion` opens a bracket that neither it nor the code after it closes.

    Counting errors misses this when the bracket swallows an error that was already there (`total = █`
    completed with `items + [] + (`: one error before, one after), or when the window ends right after the
    cursor.  So the bracket is found with the scanner, and for the languages tree-sitter parses confirmed
    by the parser: an `ERROR` or missing node reaching the bracket.
    """
    # Scanned from the cursor on: the window before it may start inside a string it cannot see open.
    balance = scan(insertion + after, language_id)
    if balance.in_string:
        return False  # the scanner lost track (a quote it misread): the error count decides
    opened = [opener for opener in balance.open if opener.offset < len(insertion)]
    if not opened:
        return False
    text = before + insertion + after
    if not supports_language(language_id):
        return True
    parsed = parse(text, language_id, cache=False)
    if parsed is None or not parsed.tree.root_node.has_error:
        return parsed is None
    bracket = len((before + insertion[: opened[0].offset]).encode("utf-8"))
    stack = [parsed.tree.root_node]
    while stack:
        node = stack.pop()
        if (node.type == "ERROR" or node.is_missing) and node.end_byte >= bracket:
            return True
        stack.extend(child for child in node.children if child.has_error or child.is_missing)
    return False


def ends_open(insertion: str) -> bool:
    """Whether `insertion` ends with an opening bracket: nothing inside it to keep if closers were added."""
    return insertion.rstrip()[-1:] in _OPENERS


class Around:
    """The window around the cursor, checked once (parsed, scanned) and then for each candidate edit,
    each parsed incrementally from the window's tree instead of from scratch."""

    __slots__ = ("_baseline", "_parsed", "after", "before", "language_id")

    def __init__(self, ctx: CompletionContext) -> None:
        self.language_id = ctx.language_id
        self.before, self.after = window(ctx)
        self._parsed: ParsedSource | None = None
        self._baseline: Damage | None = None

    @property
    def baseline(self) -> Damage:
        """How broken the window is without the suggestion (the user may be mid-statement)."""
        if self._baseline is None:
            text = self.before + self.after
            if supports_language(self.language_id):
                self._parsed = parse(text, self.language_id, cache=False)
            self._baseline = Damage(_errors(self._parsed), scan(text, self.language_id).score)
        return self._baseline

    def damage(self, inserted: str, replace: int = 0) -> Damage:
        """How broken the window is with `inserted` at the cursor in place of `replace` characters."""
        base = self.baseline
        text = self.before + inserted + self.after[replace:]
        errors = None
        if self._parsed is not None and base.errors is not None:
            start = len(self.before)
            errors = _errors(reparse(self._parsed, text, start, start + replace, start + len(inserted)))
        return Damage(errors, scan(text, self.language_id).score)

    def unclosed(self, inserted: str, replace: int = 0) -> bool:
        """Whether `inserted` leaves a bracket open that nothing after it closes (:func:`adds_unclosed`)."""
        return adds_unclosed(self.before, inserted, self.after[replace:], self.language_id)


def missing_closers(line_prefix: str, insertion: str, language_id: str) -> str:
    """Closers for the brackets `insertion` opens and leaves open: on a line of their own, under
    the line that opened them, when the opener ends its line; else right after the text."""
    text = line_prefix + insertion
    balance = scan(text, language_id)
    if balance.in_string:
        return ""
    closers = ""
    for opener in reversed(balance.open):
        if opener.offset < len(line_prefix):
            break  # opened before the cursor: the code after the cursor closes it
        line_start = text.rfind("\n", 0, opener.offset) + 1
        line_end = text.find("\n", opener.offset)
        rest = text[opener.offset + 1 : line_end if line_end != -1 else len(text)]
        closer = _OPENERS[opener.char]
        if rest.strip():
            closers += closer
        else:
            line = text[line_start:]
            indentation = line[: len(line) - len(line.lstrip(" \t"))]
            closers += "\n" + indentation + closer
    return closers
