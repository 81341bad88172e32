"""Cursor sites for ``arb-lsp eval``: where code is removed and asked for, found with tree-sitter.

A site is a span of real code: the text from (``line``, ``column``) up to, not including, (``endLine``,
``endColumn``) is removed, the cursor is left at its start, and what was removed is the truth a model's
suggestion is compared with. Positions are 1-based, columns in characters, as ``arb-lsp complete`` takes them.

Six kinds, after Sourcegraph Cody's benchmark (tree-sitter queries over real repositories) and the
line/block splits of Tabby's and CrossCodeEval's evaluations:

- ``rest_of_line``: the rest of a line from a token boundary after its first token;
- ``call_arguments``: what is between a call's parentheses (one line);
- ``assignment_rhs``: the right-hand side of an assignment or initialised declaration (one line);
- ``condition``: an ``if``/``while`` condition, inside its parentheses where the language has them;
- ``whole_line``: a whole one-line statement, the cursor at its indentation;
- ``block``: the last 2-6 lines of a function body, the cursor at the indentation of an emptied line.

Which setting a site measures is the editor's own decision at that cursor (``context.wants_multiline``): the
last two kinds leave an emptied line, where the editor asks for a block (``models.completionBlock``); so does a
call whose arguments are all removed (an opener ends the line); the rest ask for one line (``models.completion``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node

from arb_lsp.syntax import ParsedSource, parse

KINDS = ("rest_of_line", "call_arguments", "assignment_rhs", "condition", "whole_line", "block")
#: The share of each kind in a sample: single-line kinds weigh more, as most editor requests are.
DEFAULT_SHARES = {
    "rest_of_line": 0.25,
    "call_arguments": 0.15,
    "assignment_rhs": 0.15,
    "condition": 0.15,
    "whole_line": 0.15,
    "block": 0.15,
}
#: Kinds whose sites the editor completes as a block (``models.completionBlock``).
BLOCK_KINDS = frozenset({"whole_line", "block"})
#: A site from a sites file that does not say its kind.
GIVEN_KIND = "given"

#: A removed one-line span longer than this is rarely what a person waits for at a cursor.
MAX_LINE_CHARS = 120
MIN_BLOCK_LINES, MAX_BLOCK_LINES = 2, 6
#: Candidates kept per kind and file, so one big file cannot fill a sample.
PER_FILE = 4

_ARGUMENT_LISTS = frozenset({"argument_list", "arguments"})
_ASSIGNMENTS = frozenset(
    {
        "assignment",
        "augmented_assignment",
        "assignment_expression",
        "variable_declarator",
        "init_declarator",
        "let_declaration",
        "short_var_declaration",
        "assignment_statement",
        "var_spec",
        "const_spec",
    }
)
_CONDITIONALS = frozenset(
    {"if_statement", "while_statement", "if_expression", "while_expression", "elif_clause", "do_statement"}
)
_FUNCTIONS = frozenset(
    {
        "function_definition",
        "function_declaration",
        "method_definition",
        "method_declaration",
        "function_item",
        "function_expression",
        "arrow_function",
        "constructor_declaration",
        "func_literal",
        "generator_function_declaration",
    }
)


@dataclass(frozen=True, slots=True)
class Site:
    """A span of ``file`` (relative to the evaluated folder, ``/``-separated): 1-based, end excluded."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int | None = None  # None: the end of ``end_line``
    kind: str = GIVEN_KIND

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"file": self.file, "line": self.line, "column": self.column}
        data["endLine"] = self.end_line
        if self.end_column is not None:
            data["endColumn"] = self.end_column
        data["kind"] = self.kind
        return data

    @property
    def label(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class SitesFileError(ValueError):
    """A sites file line that is not a site; the message names the line and what is wrong."""


def read_sites(path: Path) -> list[Site]:
    """The sites of a JSON-lines file (blank lines skipped), in order."""
    sites = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            sites.append(site_from_json(json.loads(line)))
        except (ValueError, TypeError) as error:
            raise SitesFileError(f"{path}:{number}: {error}") from None
    return sites


def site_from_json(data: object) -> Site:
    if not isinstance(data, dict):
        raise SitesFileError('expected an object such as {"file": "src/a.py", "line": 3, "column": 5}')

    def number(key: str, default: int | None = None) -> int | None:
        value = data.get(key, default)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise SitesFileError(f"{key!r} must be a whole number from 1 up, got {value!r}")
        return value

    file = data.get("file")
    if not isinstance(file, str) or not file:
        raise SitesFileError("'file' must be a path relative to the evaluated folder")
    line = number("line")
    column = number("column", 1)
    if line is None or column is None:
        raise SitesFileError("'line' is required")
    end_line = number("endLine", line)
    assert end_line is not None
    end_column = number("endColumn")
    if (end_line, end_column or 10**9) < (line, column):
        raise SitesFileError("the end (endLine, endColumn) comes before the start (line, column)")
    kind = data.get("kind", GIVEN_KIND)
    return Site(file, line, column, end_line, end_column, kind if isinstance(kind, str) else GIVEN_KIND)


def write_sites(path: Path, sites: Iterable[Site]) -> None:
    path.write_text("".join(json.dumps(site.to_json()) + "\n" for site in sites), encoding="utf-8")


# -- finding candidates -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    """0-based rows, character columns; the end excluded."""

    row: int
    column: int
    end_row: int
    end_column: int


def _start(parsed: ParsedSource, node: Node) -> tuple[int, int]:
    row, byte = node.start_point
    return row, parsed.char_column(row, byte)


def _end(parsed: ParsedSource, node: Node) -> tuple[int, int]:
    row, byte = node.end_point
    return row, parsed.char_column(row, byte)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _one_line(parsed: ParsedSource, start: tuple[int, int], end: tuple[int, int]) -> _Span | None:
    """A span on one row holding some code and not too long, else None."""
    if start[0] != end[0] or end[1] <= start[1]:
        return None
    text = parsed.lines[start[0]][start[1] : end[1]]
    if not text.strip() or len(text) > MAX_LINE_CHARS:
        return None
    return _Span(start[0], start[1], end[0], end[1])


def _inside(parsed: ParsedSource, node: Node) -> _Span | None:
    """What is between a node's first and last child when they are its brackets."""
    children = node.children
    if len(children) < 3 or children[0].type not in ("(", "[") or children[-1].type not in (")", "]"):
        return None
    return _one_line(parsed, _end(parsed, children[0]), _start(parsed, children[-1]))


def _in_string_or_comment(leaf: Node) -> bool:
    node = leaf.parent
    while node is not None:
        if ("string" in node.type or "comment" in node.type) and node.start_byte != leaf.start_byte:
            return True
        node = node.parent
    return "comment" in leaf.type


def _rest_of_line(parsed: ParsedSource, leaves: Sequence[Node]) -> Iterator[_Span]:
    seen_rows: dict[int, int] = {}
    for leaf in leaves:
        row, column = _start(parsed, leaf)
        if leaf.start_point[0] != leaf.end_point[0] or _in_string_or_comment(leaf):
            continue
        seen_rows[row] = seen_rows.get(row, 0) + 1
        if seen_rows[row] == 1:
            continue  # the first token: the rest would be the whole line
        line = parsed.lines[row].rstrip("\r")
        rest = line[column:]
        if len(rest.rstrip()) >= 2 and any(char.isalnum() for char in rest):
            span = _one_line(parsed, (row, column), (row, len(line.rstrip())))
            if span is not None:
                yield span


def _whole_lines(parsed: ParsedSource, nodes: Sequence[Node]) -> Iterator[_Span]:
    for node in nodes:
        if not node.is_named or "comment" in node.type:
            continue
        (row, column), (end_row, end_column) = _start(parsed, node), _end(parsed, node)
        line = parsed.lines[row].rstrip("\r")
        if row != end_row or column != _indent(line) or column == 0 or end_column != len(line.rstrip()):
            continue
        parent = node.parent
        if parent is not None and (_start(parsed, parent), _end(parsed, parent)) == ((row, column), (row, end_column)):
            continue  # the outermost node of the line speaks for it
        if len(line.strip()) >= 4 and any(char.isalnum() for char in line):
            span = _one_line(parsed, (row, column), (row, end_column))
            if span is not None:
                yield span


def _statements(body: Node) -> list[Node]:
    named = [child for child in body.named_children if "comment" not in child.type]
    if len(named) == 1 and named[0].type == "statement_list":  # Go wraps a block's statements
        return _statements(named[0])
    return named


def _blocks(parsed: ParsedSource, function: Node) -> Iterator[_Span]:
    """The last 2-6 lines of a function's body, each from the indentation of a line that starts a statement."""
    body = function.child_by_field_name("body")
    statements = _statements(body) if body is not None else []
    if not statements:
        return
    end_row, end_column = _end(parsed, statements[-1])
    end_line = parsed.lines[end_row].rstrip("\r")
    if end_line[end_column:].strip():
        return  # the body's closer (or more code) on the same line
    for statement in reversed(statements):
        row, column = _start(parsed, statement)
        lines = end_row - row + 1
        if lines > MAX_BLOCK_LINES:
            break
        line = parsed.lines[row].rstrip("\r")
        if lines >= MIN_BLOCK_LINES and column == _indent(line) and column > 0:
            yield _Span(row, column, end_row, len(end_line.rstrip()))


def find_candidates(text: str, language_id: str) -> dict[str, list[tuple[int, int, int, int]]]:
    """Every candidate span per kind in ``text``: 0-based (row, column, end row, end column)."""
    parsed = parse(text, language_id, cache=False)
    found: dict[str, list[tuple[int, int, int, int]]] = {kind: [] for kind in KINDS}
    if parsed is None:
        return found
    nodes = list(_walk(parsed.tree.root_node))

    def add(kind: str, span: _Span | None) -> None:
        if span is not None:
            found[kind].append((span.row, span.column, span.end_row, span.end_column))

    for node in nodes:
        if node.has_error:
            continue
        if node.type in _ARGUMENT_LISTS:
            add("call_arguments", _inside(parsed, node))
        elif node.type in _ASSIGNMENTS:
            value = node.child_by_field_name("right") or node.child_by_field_name("value")
            if value is not None:
                add("assignment_rhs", _one_line(parsed, _start(parsed, value), _end(parsed, value)))
        elif node.type in _CONDITIONALS:
            condition = node.child_by_field_name("condition")
            if condition is not None:
                span = (
                    _inside(parsed, condition)
                    if condition.type in ("parenthesized_expression", "condition_clause")
                    else None
                )
                add("condition", span or _one_line(parsed, _start(parsed, condition), _end(parsed, condition)))
        if node.type in _FUNCTIONS:
            for span in _blocks(parsed, node):
                add("block", span)
    for span in _rest_of_line(parsed, [n for n in nodes if n.child_count == 0]):
        add("rest_of_line", span)
    for span in _whole_lines(parsed, nodes):
        add("whole_line", span)
    return {kind: sorted(set(spans)) for kind, spans in found.items()}


# -- sampling ---------------------------------------------------------------------------------------


def quotas(total: int, shares: dict[str, float]) -> dict[str, int]:
    """``total`` split by ``shares`` (largest remainders), every kind with a share getting its part."""
    weight = sum(shares.values()) or 1.0
    exact = {kind: total * share / weight for kind, share in shares.items()}
    counts = {kind: int(value) for kind, value in exact.items()}
    left = total - sum(counts.values())
    for kind in sorted(exact, key=lambda k: (counts[k] - exact[k], KINDS.index(k)))[:left]:
        counts[kind] += 1
    return counts


class SourceFile:
    """A file to sample from: its path relative to the evaluated folder, its language, and its text, read at
    first use (a large repository is not read whole: sampling stops once it has enough candidates). The text
    is None for a file that cannot be used (not UTF-8, too large, gone)."""

    __slots__ = ("_load", "_text", "language_id", "relative")

    def __init__(
        self, relative: str, language_id: str, text: str | None = None, load: Callable[[], str | None] | None = None
    ) -> None:
        self.relative = relative
        self.language_id = language_id
        self._text = text
        self._load = load if text is None else None

    @property
    def text(self) -> str | None:
        if self._load is not None:
            self._text, self._load = self._load(), None
        return self._text


def pick_sites(
    files: Sequence[SourceFile], count: int, seed: int, shares: dict[str, float] | None = None
) -> list[Site]:
    """``count`` sites over ``files`` in the kinds' shares, the same for the same files, count and seed.

    A kind short of candidates hands its part to the others (in ``KINDS`` order).
    """
    shares = shares or DEFAULT_SHARES
    rng = random.Random(seed)
    order = list(files)
    rng.shuffle(order)
    pool: dict[str, list[Site]] = {kind: [] for kind in KINDS}
    wanted = quotas(count, shares)
    # Parse files until every kind has candidates to spare, and enough files that the sites spread over the
    # repository rather than a handful of its files.
    enough_files = min(len(order), 2 * count)
    for parsed_files, source in enumerate(order, 1):
        text = source.text
        if text is None:
            continue
        for kind, spans in find_candidates(text, source.language_id).items():
            chosen = rng.sample(spans, min(PER_FILE, len(spans)))
            pool[kind].extend(
                Site(source.relative, row + 1, column + 1, end_row + 1, end_column + 1, kind)
                for row, column, end_row, end_column in chosen
            )
        if parsed_files >= enough_files and all(len(pool[kind]) >= 3 * wanted.get(kind, 0) for kind in KINDS):
            break  # enough to choose from: a large repository is not parsed whole
    picked: list[Site] = []
    short = 0
    for kind in KINDS:
        want = wanted.get(kind, 0)
        take = rng.sample(pool[kind], min(want, len(pool[kind])))
        short += want - len(take)
        picked.extend(take)
    for kind in KINDS:  # the shortfall from the kinds with spare candidates
        if short <= 0:
            break
        spare = [site for site in pool[kind] if site not in picked]
        extra = rng.sample(spare, min(short, len(spare)))
        short -= len(extra)
        picked.extend(extra)
    picked.sort(key=lambda site: (site.file, site.line, site.column, site.kind))
    return picked
