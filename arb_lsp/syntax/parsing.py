"""Parsing with tree-sitter: :class:`ParsedSource`, the lazily built parsers and the LRU of recent trees."""

from __future__ import annotations

import hashlib
import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Language, Node, Parser, Tree

from arb_lsp.syntax.languages import _GRAMMAR_BY_LANGUAGE_ID, _GRAMMAR_MODULES

_PARSE_CACHE_SIZE = 8


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _leading_whitespace(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _is_blank(line: str) -> bool:
    return not line.strip()


@dataclass(frozen=True, eq=False)
class ParsedSource:
    """A document's text with its tree-sitter tree; build it with :func:`parse`."""

    language_id: str
    grammar: str
    text: str
    source: bytes
    tree: Tree
    lines: tuple[str, ...]

    def char_column(self, row: int, byte_column: int) -> int:
        """Convert a tree-sitter byte column on ``row`` to a code-point column."""
        line = self.lines[row] if 0 <= row < len(self.lines) else ""
        if line.isascii():
            return byte_column
        return len(_encode(line)[:byte_column].decode("utf-8", "ignore"))

    def byte_column(self, row: int, char_column: int) -> int:
        """Convert a code-point column on ``row`` to tree-sitter's byte column."""
        line = self.lines[row] if 0 <= row < len(self.lines) else ""
        if line.isascii():
            return min(char_column, len(line))
        return len(_encode(line[:char_column]))

    def node_text(self, node: Node) -> str:
        return _decode(self.source[node.start_byte : node.end_byte])


class _ParserPool:
    """One lazily created parser per grammar and an LRU of recent trees, safe to share between threads."""

    def __init__(self, cache_size: int) -> None:
        self._lock = threading.Lock()
        self._parsers: dict[str, Parser] = {}
        self._trees: OrderedDict[tuple[str, bytes], ParsedSource] = OrderedDict()
        self._cache_size = cache_size

    def _parser(self, grammar: str) -> Parser:
        parser = self._parsers.get(grammar)
        if parser is None:
            module_name, function_name = _GRAMMAR_MODULES[grammar]
            language_function: Callable[[], object] = getattr(importlib.import_module(module_name), function_name)
            parser = Parser(Language(language_function()))
            self._parsers[grammar] = parser
        return parser

    def parse(self, text: str, language_id: str, grammar: str, *, cache: bool) -> ParsedSource:
        source = _encode(text)
        key = (grammar, hashlib.sha256(source).digest())
        with self._lock:
            if cache and (hit := self._trees.get(key)) is not None:
                self._trees.move_to_end(key)
                return hit
            # tree-sitter parsers are not thread-safe: parse under the lock.
            tree = self._parser(grammar).parse(source)
            parsed = ParsedSource(language_id, grammar, text, source, tree, tuple(text.split("\n")))
            if cache:
                self._trees[key] = parsed
                while len(self._trees) > self._cache_size:
                    self._trees.popitem(last=False)
            return parsed

    def reparse(self, old: ParsedSource, text: str, start: int, old_end: int, new_end: int) -> ParsedSource:
        """``text`` (``old.text`` with ``[start, old_end)`` replaced, the new part ending at ``new_end``)
        parsed from ``old``'s tree: tree-sitter reuses every subtree the edit did not touch."""
        tree = old.tree.copy()  # ``edit`` changes a tree in place: ``old`` stays as it was
        tree.edit(
            start_byte=_byte_offset(old.text, start),
            old_end_byte=_byte_offset(old.text, old_end),
            new_end_byte=_byte_offset(text, new_end),
            start_point=_point(old.text, start),
            old_end_point=_point(old.text, old_end),
            new_end_point=_point(text, new_end),
        )
        source = _encode(text)
        with self._lock:
            new_tree = self._parser(old.grammar).parse(source, tree)
        return ParsedSource(old.language_id, old.grammar, text, source, new_tree, tuple(text.split("\n")))


def _byte_offset(text: str, offset: int) -> int:
    return offset if text.isascii() else len(_encode(text[:offset]))


def _point(text: str, offset: int) -> tuple[int, int]:
    """tree-sitter's (row, byte column) for a character offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset), len(_encode(text[line_start:offset]))


_POOL = _ParserPool(_PARSE_CACHE_SIZE)


def supports_language(language_id: str) -> bool:
    """Whether ``language_id`` (an LSP language id) has a grammar here."""
    return language_id in _GRAMMAR_BY_LANGUAGE_ID


def parse(text: str, language_id: str, *, cache: bool = True) -> ParsedSource | None:
    """Parse ``text``, or return the cached tree of an identical text; None for unknown languages.

    ``cache=False`` parses without touching the LRU (for throwaway texts such as a model's answer).
    """
    grammar = _GRAMMAR_BY_LANGUAGE_ID.get(language_id)
    if grammar is None:
        return None
    return _POOL.parse(text, language_id, grammar, cache=cache)


def reparse(old: ParsedSource, text: str, start: int, old_end: int, new_end: int) -> ParsedSource:
    """``text``, an edit of ``old.text``, parsed incrementally from ``old``'s tree (see ``_ParserPool.reparse``)."""
    return _POOL.reparse(old, text, start, old_end, new_end)


def _ensure_parsed(text: str, language_id: str, parsed: ParsedSource | None) -> ParsedSource | None:
    if parsed is not None and parsed.language_id == language_id and parsed.text == text:
        return parsed
    return parse(text, language_id)
