"""What syntax lookups answer: a :class:`Definition` with its :class:`DocLocation`, an :class:`ExplainTarget`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DefinitionKind = Literal["function", "method", "class"]
ExplainTargetKind = Literal["function", "class", "statement", "lines"]


@dataclass(frozen=True)
class DocLocation:
    """Where a definition's documentation is, or where a new one goes.

    ``existing`` is ``(start_line, start_col, end_line, end_col)`` of the current doc, end column exclusive:
    the docstring statement in Python, the leading comment block elsewhere. ``insert_line`` is the line
    before which a new doc is inserted as whole lines (at column 0). ``inside_body`` is True for Python
    (docstring after the signature) and False elsewhere (comment above the declaration). A Python
    one-liner such as ``def f(): return 1`` has its body on the signature line (``body_on_header_line``):
    there is no line to put a docstring on without rewriting the statement.
    """

    existing: tuple[int, int, int, int] | None
    insert_line: int
    inside_body: bool
    body_on_header_line: bool = False


@dataclass(frozen=True)
class Definition:
    """A function, method or class (struct, impl, trait, interface and enum count as classes)."""

    kind: DefinitionKind
    name: str
    language_id: str
    start_line: int  # decorators, annotations, attributes, ``export`` and ``template`` included
    end_line: int
    header_end_line: int  # last line of the (possibly multi-line) signature
    text: str  # source of the definition from start_line, decorators included
    indent: str  # indentation of the first line
    body_indent: str  # Python: the first body statement's; braces: the body's, else indent + one unit
    doc: DocLocation


@dataclass(frozen=True)
class ExplainTarget:
    """The code a hover explains: an enclosing definition, a top-level statement or nearby lines."""

    kind: ExplainTargetKind
    name: str | None
    start_line: int
    end_line: int
    code: str  # cut to the budget at a line boundary; the cut is marked on a last line
    code_hash: str  # sha256 hex of ``code``, a cache key for explanations
    truncated: bool = False
