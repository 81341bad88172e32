"""Whether a line of code opens a block whose body follows: asked by the context and by post-processing alike."""

from __future__ import annotations

import re


def ends_with_block_opener(line: str, language_id: str) -> bool:
    """Whether `line` ends by opening something whose body usually follows on the next lines."""
    stripped = line.rstrip()
    if stripped.endswith(("{", "(", "[", "=>")):
        return True
    # In Python, ":" opens a block only outside brackets ("d[1:" is a slice, "{'a':" a dict) and after a
    # compound statement's keyword: "total: " is an annotation, "'key':" a dict entry, "lambda x:" an expression.
    return (
        language_id == "python"
        and stripped.endswith(":")
        and _bracket_depth(stripped) <= 0
        and _PYTHON_HEADER.match(stripped) is not None
    )


_PYTHON_HEADER = re.compile(
    r"\s*(?:async\s+)?(?:if|elif|else|for|while|try|except|finally|with|def|class|match|case)\b"
)


def _bracket_depth(line: str) -> int:
    depth = 0
    quote = ""
    escaped = False
    for char in line:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            break
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
    return depth
