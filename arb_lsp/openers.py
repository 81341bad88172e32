"""Whether a line of code opens a block whose body follows: asked by the context and by post-processing alike."""

from __future__ import annotations

import re


def ends_with_block_opener(line: str, language_id: str, *, in_brackets: bool = False) -> bool:
    """Whether `line` ends by opening something whose body usually follows on the next lines.

    `in_brackets`: the line continues a bracket opened on an earlier line (see :func:`opened_before`)."""
    stripped = line.rstrip()
    if stripped.endswith(("{", "(", "[", "=>")):
        return True
    # In Python, ":" opens a block only outside brackets ("d[1:" is a slice, "{'a':" a dict, "    b: " on the
    # second line of a parameter list an annotation) and after a compound statement's keyword or at the end of
    # a header spread over lines (") -> int:"): "total: " is an annotation, "'key':" a dict entry, "lambda x:"
    # an expression.
    return (
        language_id == "python"
        and stripped.endswith(":")
        and not in_brackets
        and _bracket_depth(stripped) <= 0
        and (_PYTHON_HEADER.match(stripped) is not None or stripped.lstrip().startswith((")", "]")))
    )


_PYTHON_HEADER = re.compile(
    r"\s*(?:async\s+)?(?:if|elif|else|for|while|try|except|finally|with|def|class|match|case)\b"
)


def opened_before(lines: str, language_id: str) -> bool:
    """Whether the Python statement `lines` (from where the statement starts up to the cursor) leaves a
    bracket open, so that the cursor is inside it (a parameter list, a call, a literal)."""
    return language_id == "python" and _bracket_depth(lines) > 0


def _bracket_depth(text: str) -> int:
    """Open minus closed brackets outside strings and comments (Python's: triple quotes span lines)."""
    depth = 0
    quote = ""
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif text.startswith(quote, index):
                index += len(quote) - 1
                quote = ""
            elif char == "\n" and len(quote) == 1:
                quote = ""  # an unterminated one-line string ends with its line
        elif char in "'\"":
            quote = text[index : index + 3] if text.startswith(char * 3, index) else char
            index += len(quote) - 1
        elif char == "#":
            end = text.find("\n", index)
            index = size if end == -1 else end
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        index += 1
    return depth
