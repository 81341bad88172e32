"""Rendering one outline item: bodies elided, doc comments whole or cut to their first sentence, members apart.

An item's text is built from byte ranges of the source with *cuts* applied: every function body becomes
``...`` or ``{ ... }`` (a Python function keeps its docstring), and in the *compact* form every doc comment
(comments above an item or a member, Python docstrings) is cut to its first sentence. A class, interface,
trait or ``impl`` block is split into parts (its head, each member with its doc comment, its tail) so that
the members the code at the cursor uses can be shown first (:func:`assemble`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from tree_sitter import Node

from arb_lsp.syntax import ParsedSource
from arb_lsp.workspace_context.outline.shapes import Shape

Cut = tuple[int, int, bytes]

#: The end of a first sentence: a full stop (or ! ?) before whitespace, or a blank line.
_SENTENCE_END = re.compile(rb"[.!?](?=\s)|\n[ \t]*(?:\*|//+|#)?[ \t]*\n")
_MEMBER_NAME_FIELDS = ("name", "property")
#: Nodes that belong to the member after them (Rust's ``#[inline]``).
_PREFIXES = frozenset({"attribute_item"})


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of an item: the names it defines (members), its text in full and with doc comments cut."""

    names: frozenset[str]
    full: str
    compact: str


def python_docstring(body: Node) -> Node | None:
    first = body.named_children[0] if body.named_children else None
    if first is not None and first.type == "expression_statement" and first.named_children:
        if first.named_children[0].type == "string":
            return first
    return None


def elisions(parsed: ParsedSource, node: Node, shape: Shape, python: bool) -> list[Cut]:
    """Byte ranges of function bodies inside ``node`` and what replaces each."""
    found: list[Cut] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in shape.functions:
            body = current.child_by_field_name("body")
            if body is not None and body.type in shape.bodies:
                if python:
                    doc = python_docstring(body)
                    if doc is not None:
                        row, column = doc.start_point
                        indent = parsed.lines[row][: parsed.char_column(row, column)]
                        found.append((doc.end_byte, body.end_byte, f"\n{indent}...".encode()))
                    else:
                        found.append((body.start_byte, body.end_byte, b"..."))
                else:
                    found.append((body.start_byte, body.end_byte, shape.elided.encode()))
                continue  # nested functions go with the body
        stack.extend(current.children)
    return found


def _sentence_end(text: bytes, start: int) -> int | None:
    """Where the first sentence of ``text`` (from ``start``) ends, or None when it is all one sentence."""
    match = _SENTENCE_END.search(text, start)
    if match is None:
        return None
    end = match.start() + (1 if text[match.start() : match.start() + 1] in b".!?" else 0)
    return end if text[end:].strip(b" \t\n*/\"'#") else None


def _comment_cuts(parsed: ParsedSource, comments: list[Node]) -> list[Cut]:
    """Cuts that leave each run of adjacent comments with its first sentence only."""
    cuts: list[Cut] = []
    runs: list[list[Node]] = []
    for comment in comments:
        if runs and runs[-1][-1].end_point[0] + 1 >= comment.start_point[0]:
            runs[-1].append(comment)
        else:
            runs.append([comment])
    source = parsed.source
    for run in runs:
        for index, comment in enumerate(run):
            text = source[comment.start_byte : comment.end_byte]
            if index and not text.strip(b"/*#! \t\r\n"):  # an empty comment line ends the first paragraph
                cuts.append((run[index - 1].end_byte, run[-1].end_byte, b""))
                break
            end = _sentence_end(text, 2 if text.startswith((b"/*", b"//")) else 1)
            closer = b" */" if text.startswith(b"/*") else b""
            if end is not None:
                cuts.append((comment.start_byte + end, comment.end_byte, closer))
            if end is not None or text.rstrip().endswith((b".", b"*/")) or index + 1 == len(run):
                if index + 1 < len(run):
                    cuts.append((comment.end_byte, run[-1].end_byte, b""))
                break
    return cuts


def doc_cuts(parsed: ParsedSource, start: Node, node: Node, shape: Shape, elided: list[Cut], python: bool) -> list[Cut]:
    """Cuts for the compact form: doc comments and docstrings outside elided bodies, first sentence only."""
    comments: list[Node] = []
    strings: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if any(begin <= current.start_byte and current.end_byte <= end for begin, end, _ in elided):
            continue
        if current.type in shape.comments:
            comments.append(current)
            continue
        if python and current.type == "block":
            doc = python_docstring(current)
            if doc is not None:
                strings.append(doc.named_children[0])
        stack.extend(current.children)
    if start.start_byte < node.start_byte:  # the comments directly above the item
        sibling: Node | None = start
        while sibling is not None and sibling.start_byte < node.start_byte:
            comments.append(sibling)
            sibling = sibling.next_sibling
    comments.sort(key=lambda c: c.start_byte)
    cuts = _comment_cuts(parsed, comments)
    for string in strings:
        text = parsed.source[string.start_byte : string.end_byte]
        quote = b'"""' if text.endswith(b'"""') else b"'''" if text.endswith(b"'''") else text[-1:]
        opening = text.find(quote)
        end = _sentence_end(text[: len(text) - len(quote)], opening + len(quote)) if opening >= 0 else None
        if end is not None:
            cuts.append((string.start_byte + end, string.end_byte, quote))
    return cuts


def render(parsed: ParsedSource, begin: int, end: int, cuts: list[Cut]) -> str:
    """Source bytes ``begin:end`` with the cuts inside that range applied."""
    pieces: list[bytes] = []
    position = begin
    for start, stop, replacement in sorted(cuts):
        if start < position or stop > end:
            continue
        pieces.append(parsed.source[position:start])
        pieces.append(replacement)
        position = stop
    pieces.append(parsed.source[position:end])
    return b"".join(pieces).decode("utf-8", "replace")


def _line_start(parsed: ParsedSource, offset: int) -> int:
    return parsed.source.rfind(b"\n", 0, offset) + 1


def _same_row(parsed: ParsedSource, offset: int, node: Node) -> bool:
    return b"\n" not in parsed.source[offset : node.start_byte]


def _member_names(parsed: ParsedSource, node: Node) -> frozenset[str]:
    target = node
    if node.type in ("decorated_definition", "export_statement"):
        target = node.child_by_field_name("definition") or node.child_by_field_name("declaration") or node
    for field in _MEMBER_NAME_FIELDS:
        name = target.child_by_field_name(field)
        if name is not None:
            return frozenset({parsed.node_text(name)})
    if target.type == "expression_statement" and target.named_children:  # ``x: int = 0`` in a class
        left = target.named_children[0].child_by_field_name("left")
        if left is not None and left.type == "identifier":
            return frozenset({parsed.node_text(left)})
    return frozenset()


def _container_body(node: Node) -> Node | None:
    target = node
    if node.type in ("decorated_definition", "export_statement"):
        target = node.child_by_field_name("definition") or node.child_by_field_name("declaration") or node
    body = target.child_by_field_name("body")
    if body is None or len(body.named_children) < 2:
        return None
    return body


def parts(parsed: ParsedSource, start: Node, node: Node, shape: Shape, python: bool) -> list[Part]:
    """The item from ``start`` (its doc comments) to the end of ``node``: one part, or head, members, tail."""
    cuts = elisions(parsed, node, shape, python)
    compact = cuts + doc_cuts(parsed, start, node, shape, cuts, python)
    begin = _line_start(parsed, start.start_byte)
    lead = parsed.source[begin : start.start_byte]
    if lead.strip():
        begin = start.start_byte  # something else ends on the item's first line
    end = node.end_byte

    def part(names: frozenset[str], a: int, b: int) -> Part:
        return Part(names, render(parsed, a, b, cuts), render(parsed, a, b, compact))

    body = _container_body(node)
    if body is None or node.type in shape.functions:
        return [part(frozenset(), begin, end)]
    members: list[tuple[frozenset[str], int, int]] = []
    pending: int | None = None
    for child in body.named_children:
        if members and pending is None and child.type in shape.comments and _same_row(parsed, members[-1][2], child):
            names, first_byte, _ = members[-1]  # ``x: int // what x is``: the comment ends the member's line
            members[-1] = (names, first_byte, child.end_byte)
            continue
        if child.type in shape.comments or child.type in _PREFIXES:  # a member's doc comments and attributes
            pending = child.start_byte if pending is None else pending
            continue
        first = pending if pending is not None else child.start_byte
        stop = child.end_byte
        after = child.next_sibling
        if after is not None and not after.is_named and after.type in (";", ","):
            stop = after.end_byte  # a TypeScript field's ``;``, a Rust field's ``,``
        members.append((_member_names(parsed, child), _line_start(parsed, first), stop))
        pending = None
    if not members or members[0][1] <= begin or any(a < b for (_, _, b), (_, a, _) in itertools.pairwise(members)):
        return [part(frozenset(), begin, end)]
    found = [part(frozenset(), begin, members[0][1])]
    found += [part(names, a, b) for names, a, b in members]
    found.append(part(frozenset(), members[-1][2], end))
    return found


def assemble(item_parts: tuple[Part, ...], compact: bool, first: frozenset[str] = frozenset()) -> str:
    """The item's text: head, members (those named in ``first`` before the others), tail."""
    pick = (lambda p: p.compact) if compact else (lambda p: p.full)
    if len(item_parts) == 1:
        return pick(item_parts[0])
    head, *members, tail = item_parts
    ordered = sorted(members, key=lambda p: not (p.names & first)) if first else members
    body = "".join(pick(p).rstrip("\n") + "\n" for p in ordered)
    return pick(head) + body + pick(tail).lstrip("\n")
