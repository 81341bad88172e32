"""What the code near the cursor uses: names, members and the types their receivers are declared with.

Import context is ranked by this (:mod:`~arb_lsp.workspace_context.ranking`): the definitions of what the
cursor's line and function use come first, wherever they are defined. It is lexical and bounded: the lines
around the cursor (at most 10,000 characters) are scanned with regular expressions, never the whole document,
so it costs the same in a 10-line file and in a 100,000-line one, or one with a 1 MB line.

A name's weight falls with its distance from the cursor: the cursor's line counts most, the lines just
before it (the statement being written) next, then the rest of the enclosing function, then the window.
A member (``x.name``) whose receiver's type is declared nearby is resolved to that type when the
declaration is certain and cheap to read:

* ``self`` / ``cls`` in a Python class, ``this`` in a TypeScript/JavaScript class, ``self`` in a Rust ``impl``;
* a Go method's receiver (``func (c *Command) ...``);
* a parameter or variable annotated with a type (``request: Request``, ``cmd: &Command``, ``c *Command``);
* a variable assigned a constructor call (``x = Foo(...)``, ``x := &Foo{...}``, ``let x = Foo::new(...)``,
  ``const x = new Foo(...)``);
* ``self.x`` whose type is annotated or constructed in the class (``self.x: Foo`` / ``self.x = Foo(...)``), or
  copied from an annotated parameter (``self.x = x`` with ``x: Foo``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

#: Lines scanned before and after the cursor.
LINES_BEFORE = 80
LINES_AFTER = 10
#: ... and at most this many characters, whatever the lines' lengths.
MAX_CHARS_BEFORE = 8000
MAX_CHARS_AFTER = 1500
#: Weights by where a name is written.
CURSOR_LINE = 8.0
STATEMENT = 4.0  # the few lines just before the cursor
FUNCTION = 2.0  # the rest of the enclosing function
WINDOW = 1.0
_STATEMENT_LINES = 3
#: Key prefix under which the enclosing class's base classes are kept among the receiver types.
_BASE = " base"
#: How much of the document before the cursor (and a little after) is searched for ``self.x`` declarations
#: (Python, TypeScript fields): the class around the cursor, in all but very long classes.
_ATTRIBUTE_SEARCH_BEFORE = 40_000
_ATTRIBUTE_SEARCH_AFTER = 4_000

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
#: ``receiver.member`` (the member looked ahead, so that ``a.b.c`` yields both ``a.b`` and ``b.c``).
_MEMBER = re.compile(r"([A-Za-z_$][\w$]*)(?:\(\))?[ \t]*(?:\?\.|\.|->|::)[ \t]*(?=([A-Za-z_$][\w$]*))")
#: A member called on what the line before returned (``.disable_version_flag(`` of a builder chain).
_CHAINED = re.compile(r"(?:^\s*|[)\]]\s*)(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)", re.M)
_AFTER_SELF = re.compile(r"\b(?:self|this)\.\s*$")
_FUNCTION_HEAD = re.compile(
    r"^\s*(?:(?:pub(?:\([\w:]+\))?|async|export|static|private|public|protected|unsafe|const|default)\s+)*"
    r"(?:def|fn|func|function)\b"
)
_CLASS_HEAD = re.compile(
    r"^(\s*)(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)"
    r"(?:<[^>]*>)?\s*(?:\(([^)]*)\)|extends\s+([\w$.]+))?"
)
_BASE_NAME = re.compile(r"(?:^|[\s,(])(?:[a-z_]\w*\.)*([A-Z][\w$]*)")
_IMPL_HEAD = re.compile(r"^\s*impl\b(?:<[^>]*>)?\s+(?:[\w:<>, ]+\s+for\s+)?&?([A-Za-z_]\w*)")
_GO_RECEIVER = re.compile(r"^func\s*\(\s*(\w+)\s+\*?\s*([A-Za-z_]\w*)")
#: ``name: Type`` (Python, TypeScript, Rust), ``name *Type`` / ``name Type`` (Go parameters and vars).
_ANNOTATED = re.compile(r"\b([a-z_$][\w$]*)\s*\??:\s*(?:&\s*)?(?:mut\s+)?(?:[a-z_]\w*\.)?([A-Z][\w$]*)")
_GO_TYPED = re.compile(r"\b([a-z_]\w*)\s+\*?(?:\[\])?([A-Z]\w*)\b")
_CONSTRUCTED = re.compile(r"\b([a-z_$][\w$]*)\s*(?::=|=)\s*(?:new\s+|&)?(?:[a-z_]\w*\.)?([A-Z][\w$]*)\s*(?:\(|\{|::)")
_SELF_ATTRIBUTE = re.compile(
    r"\b(?:self|this)\.([A-Za-z_$][\w$]*)\s*(?::\s*(?:[a-z_]\w*\.)?([A-Z][\w$]*)|=\s*(?:new\s+)?(?:[a-z_]\w*\.)?([A-Z][\w$]*)\s*\()"
)
_SELF_COPY = re.compile(r"\b(?:self|this)\.([A-Za-z_$][\w$]*)\s*=\s*([a-z_$][\w$]*)\s*$", re.M)
_FIELD = re.compile(r"^\s*(?:private|public|protected|readonly|\s)*([a-z_$][\w$]*)\s*[?!]?:\s*([A-Z][\w$]*)", re.M)


@dataclass(slots=True)
class Uses:
    """Weights of what the code near the cursor uses (higher: nearer the cursor, more often)."""

    #: Identifiers written near the cursor.
    names: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    #: Identifiers written as members (after ``.``, ``->``, ``::``) whose receiver's type is unknown.
    members: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    #: (type, member) for members whose receiver's type is known.
    typed_members: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))

    def member_weight(self, owner: str | None, member: str) -> float:
        """How much ``member`` (of type ``owner``, when known) is used: certain uses count double."""
        certain = self.typed_members.get((owner, member), 0.0) if owner else 0.0
        return 2 * certain + self.members.get(member, 0.0) / 2


def _line_bounds(text: str, offset: int) -> tuple[list[str], int]:
    """The lines of the window around ``offset`` and the index of the cursor's line among them."""
    start = offset
    for _ in range(LINES_BEFORE):
        start = text.rfind("\n", 0, start - 1) + 1 if start > 0 else 0
        if start == 0:
            break
    end = offset
    for _ in range(LINES_AFTER + 1):
        found = text.find("\n", end + 1)
        if found == -1:
            end = len(text)
            break
        end = found
    # Long lines (minified code, a 1 MB literal) must not make the scan long: characters are bounded too.
    start = max(start, offset - MAX_CHARS_BEFORE)
    end = min(end, offset + MAX_CHARS_AFTER)
    before = text[start:offset]
    lines = text[start:end].split("\n")
    return lines, before.count("\n")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _enclosing(lines: list[str], cursor: int, pattern: re.Pattern[str]) -> int | None:
    """The index of the nearest line at or above the cursor matching ``pattern`` with less indentation."""
    limit = _indent(lines[cursor]) if lines[cursor].strip() else 10**6
    for index in range(cursor, -1, -1):
        line = lines[index]
        if not line.strip():
            continue
        if pattern.match(line) and (_indent(line) < limit or index == cursor):
            return index
        if line.strip() and _indent(line) < limit:
            limit = _indent(line)
    return None


def _receiver_types(text: str, lines: list[str], cursor: int, function: int | None) -> dict[str, str]:
    """Variable -> type, for receivers whose declaration near the cursor is certain."""
    types: dict[str, str] = {}
    scope = "\n".join(lines[function if function is not None else 0 : cursor + 1])
    for pattern in (_ANNOTATED, _CONSTRUCTED):
        for match in pattern.finditer(scope):
            types.setdefault(match.group(1), match.group(2))
    if function is not None:
        head = lines[function]
        receiver = _GO_RECEIVER.match(head.strip())
        if receiver:
            types[receiver.group(1)] = receiver.group(2)
        for match in _GO_TYPED.finditer(head.split("{", 1)[0]):
            types.setdefault(match.group(1), match.group(2))
    owner = _enclosing(lines, cursor, _CLASS_HEAD)
    if owner is not None:
        name = _CLASS_HEAD.match(lines[owner])
        if name:
            types["self"] = types["cls"] = types["this"] = name.group(2)
            bases = name.group(3) or name.group(4) or ""
            # A member of ``self`` may come from a base class (defined in another file, more often than not).
            for index, base in enumerate(_BASE_NAME.findall(bases)):
                types[f"{_BASE}{index}"] = base
    else:
        impl = _enclosing(lines, cursor, _IMPL_HEAD)
        found = _IMPL_HEAD.match(lines[impl]) if impl is not None else None
        if found:
            types["self"] = types["Self"] = found.group(1)
    return types


def _attribute_types(text: str, offset: int) -> dict[str, str]:
    """``self.x`` / ``this.x`` -> type, from annotations and constructor assignments in the class."""
    found: dict[str, str] = {}
    head = text[max(0, offset - _ATTRIBUTE_SEARCH_BEFORE) : offset + _ATTRIBUTE_SEARCH_AFTER]
    for match in _SELF_ATTRIBUTE.finditer(head):
        found.setdefault(match.group(1), match.group(2) or match.group(3))
    for match in _FIELD.finditer(head):
        found.setdefault(match.group(1), match.group(2))
    # ``self.x = x`` where the constructor's parameter ``x`` is annotated.
    annotated = {m.group(1): m.group(2) for m in _ANNOTATED.finditer(head)}
    for match in _SELF_COPY.finditer(head):
        if match.group(2) in annotated:
            found.setdefault(match.group(1), annotated[match.group(2)])
    return found


def _bands(lines: list[str], cursor: int, function: int | None) -> list[tuple[float, str]]:
    """The window's lines grouped by weight (one regex pass per group, not per line)."""
    statement = max(0, cursor - _STATEMENT_LINES)
    body = statement if function is None else min(max(function, 0), statement)
    return [
        (CURSOR_LINE, lines[cursor]),
        (STATEMENT, "\n".join(lines[statement:cursor])),
        (FUNCTION, "\n".join(lines[body:statement])),
        (WINDOW, "\n".join(lines[:body])),
        (WINDOW / 2, "\n".join(lines[cursor + 1 :])),
    ]


def uses_near(text: str, offset: int) -> Uses:
    """What the code around ``offset`` uses, weighted by nearness (see the module docstring)."""
    uses = Uses()
    if not text:
        return uses
    offset = min(max(offset, 0), len(text))
    lines, cursor = _line_bounds(text, offset)
    function = _enclosing(lines, cursor, _FUNCTION_HEAD)
    types = _receiver_types(text, lines, cursor, function)
    attributes: dict[str, str] | None = None
    for weight, band in _bands(lines, cursor, function):
        for name, count in Counter(_IDENTIFIER.findall(band)).items():
            uses.names[name] += weight * count
        for member in _CHAINED.findall(band):
            uses.members[member] += weight
        for match in _MEMBER.finditer(band):
            receiver, member = match.group(1), match.group(2)
            owner = types.get(receiver)
            if owner is None and receiver[:1].isupper() and "(" not in match.group(0):
                # ``Command::new``, ``Request.build``: a type's own member, or a package-level variable
                # (Go's ``CommandLine.VarP``): counted both ways.
                uses.members[member] += weight
                owner = receiver
            if owner is None and receiver not in ("self", "this"):
                # ``self.parser.parse_args``: the attribute's type, if the class declares it.
                if _AFTER_SELF.search(band, max(0, match.start() - 8), match.start()):
                    if attributes is None:
                        attributes = _attribute_types(text, offset)
                    owner = attributes.get(receiver)
            if owner is not None:
                uses.typed_members[(owner, member)] += weight
                uses.names[owner] += weight / 4  # the type's own definition matters too, a little
                if receiver in ("self", "this", "cls"):
                    for key, base in types.items():
                        if key.startswith(_BASE):
                            uses.typed_members[(base, member)] += weight / 2
            else:
                uses.members[member] += weight
    return uses
