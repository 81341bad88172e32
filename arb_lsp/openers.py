"""Whether a line of code opens a block whose body follows: asked by the context and by post-processing alike."""

from __future__ import annotations


def ends_with_block_opener(line: str, language_id: str) -> bool:
    """Whether `line` ends by opening something whose body usually follows on the next lines."""
    stripped = line.rstrip()
    if stripped.endswith(("{", "(", "[", "=>")):
        return True
    # In Python, ":" opens a block only outside brackets: "d[1:" is a slice, "{'a':" a dict.
    return language_id == "python" and stripped.endswith(":") and _bracket_depth(stripped) <= 0


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
