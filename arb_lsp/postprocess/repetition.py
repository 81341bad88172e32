"""Lines that say the model is looping or retyping: degenerate repetition and near-duplicates.

A model stuck in a loop writes the same line (or the same few lines) again and again; one that ran
past the hole retypes the code below the cursor, sometimes with a comment added or a character
changed.  Both are judged on whole lines, so a streaming caller can stop reading as soon as the
line that proves it is complete.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

#: Occurrences of a line (or block of lines) in a row that make a repetition degenerate.
REPEATS = 3
#: Longest block of lines whose repetition is looked for.
_MAX_PERIOD = 4
#: Names this similar are the same name retyped (a typo, a plural).
_SIMILARITY = 0.85
_MIN_FUZZY_WORD = 5
_WORDS = re.compile(r"\w+")
# Lines that legitimately repeat in a row: closers of nested blocks and the like.
_REPEATABLE = frozenset({"end", "fi", "done", "esac", "endif", "endfor", "endwhile", "pass", "else", "break"})


def _has_word(text: str) -> bool:
    return any(char.isalnum() or char == "_" for char in text)


def _repeatable(line: str) -> bool:
    content = line.strip().rstrip(";")
    return not _has_word(content) or content in _REPEATABLE


def repetition_start(lines: Sequence[str]) -> int | None:
    """Where a degenerate repetition begins its second occurrence: the lines before that index are
    kept (the first occurrence included), the rest dropped.  None when there is none."""
    # Compared without indentation: the first line sits at the cursor, without its line's indentation.
    keys = [line.strip() for line in lines]
    count = len(keys)
    for start in range(count):
        for period in range(1, _MAX_PERIOD + 1):
            end = start + period * REPEATS
            if end > count:
                break
            block = keys[start : start + period]
            if not any(line.strip() and not _repeatable(line) for line in block):
                continue
            if all(keys[start + k * period : start + (k + 1) * period] == block for k in range(1, REPEATS)):
                return start + period
    return None


def code_part(line: str, comment: str) -> str:
    """`line` without a trailing comment (outside strings) and surrounding whitespace."""
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif line.startswith(comment, index):
            return line[:index].strip()
        index += 1
    return line.strip()


def near_duplicate(line: str, other: str, comment: str) -> bool:
    """Whether `line` retypes `other`: equal, or equal but for a comment, spacing, punctuation or a
    slightly misspelt name ("return total  # done", "return total;", "computeTotals(items)").

    Lines without a word character (closers, punctuation) only count when exactly equal.  Numbers
    and short names must match exactly: "x.append(2)" above "x.append(1)" continues a sequence.
    """
    a, b = line.strip(), other.strip()
    if a == b:
        return True
    if not (_has_word(a) and _has_word(b)):
        return False
    words_a, words_b = _WORDS.findall(code_part(a, comment)), _WORDS.findall(code_part(b, comment))
    if not words_a or len(words_a) != len(words_b):
        return False
    return all(x == y or _misspelt(x, y) for x, y in zip(words_a, words_b, strict=True))


def _misspelt(word: str, other: str) -> bool:
    if min(len(word), len(other)) < _MIN_FUZZY_WORD or word.isdigit() or other.isdigit():
        return False
    return SequenceMatcher(None, word, other, autojunk=False).ratio() >= _SIMILARITY
