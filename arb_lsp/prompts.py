"""Pure prompt builders: a context in, chat messages and request limits out.

Completion uses a "fill the hole" chat prompt rather than a FIM endpoint, because OpenRouter's
chat models are what is reliably available: the code is shown with `HOLE` where the cursor is,
and the model is told to answer with exactly the text that replaces it.  `postprocess` cleans up
what models do anyway (fences, echoes, chatter).

Every template is a module constant, so a prompt can be read and reviewed in one place.  Keep
this module a flat list of templates and functions, one group per feature.
"""

from __future__ import annotations

from dataclasses import dataclass

from arb_lsp.context import MAX_BLOCK_LINES, CompletionContext, Snippet

Message = dict[str, str]

# The marker for the cursor.  Plain text that no tokenizer treats as special and no real code uses.
HOLE = "{{FILL_HERE}}"

# ---------------------------------------------------------------------------------------------
# Completion
# ---------------------------------------------------------------------------------------------

# The prompt is laid out for the providers' prompt caches (``arb_lsp.openrouter.caching``): what stays
# byte-identical while the user types at one spot comes first (the instructions, the same for one-line and
# block requests; the file's path; code from other files in a stable order; the file from a window start that
# moves in large steps), and what changes with every keystroke comes last (the cursor's line, the shape rule,
# the indentation, the task).  A provider then bills everything up to the cursor's line as cached.
COMPLETION_SYSTEM_TEMPLATE = """\
You are a code completion engine inside a code editor. You are shown a file in which the \
cursor is marked {hole}. Reply with ONLY the text that replaces {hole}; it is inserted \
exactly at the cursor.

Rules:
- Output raw code only: no markdown, no code fences, no explanation, no notes before or after.
- Never repeat code that comes before or after {hole}: start with the first character that \
belongs at the cursor and stop where the code after {hole} takes over.
- Follow the shape asked for after the file: the rest of one line, or a block.
- Match the file's style and indentation.
- If nothing sensible fits, reply with nothing at all.\
"""

COMPLETION_SINGLE_LINE_RULE = "Complete only the current line: reply with a single line, without any line break."
COMPLETION_BLOCK_RULE = (
    "You may write a block of up to {max_lines} lines; stop where the block ends. Your text "
    "starts exactly at the cursor, so write its first line from there, and indent every "
    "following line exactly as it must appear in the file."
)

#: The stable head of the user message: everything up to the file's code.
COMPLETION_HEAD_TEMPLATE = """\
Language: {language}
File: {path}
{neighbours}
<file>
"""
#: The rest, from the code above the cursor on: ``{code}`` is the file with the hole.
COMPLETION_TAIL_TEMPLATE = """\
{code}
</file>

{shape_rule} Indentation: {indent}.
{task}\
"""
COMPLETION_USER_TEMPLATE = COMPLETION_HEAD_TEMPLATE + COMPLETION_TAIL_TEMPLATE

#: Codestral's suffix-first order, tried for caching (``benchmarks.typing_session``): the code after the
#: cursor comes before the code above it, so each keystroke's prompt extends the previous one.
COMPLETION_SUFFIX_FIRST_TEMPLATE = """\
The file's code after the cursor:
<after>
{suffix}
</after>

The file from the top of the window to the cursor, which is marked {hole}:
<file>
"""

COMPLETION_NEIGHBOURS_TEMPLATE = (
    "\nCode from other files of the workspace, for reference only (each starts with its path):\n"
    "<context>\n{snippets}</context>\n"
)

COMPLETION_SINGLE_LINE_TASK = "Reply with the text that replaces {hole}: the rest of the line only."
COMPLETION_BLOCK_TASK = "Reply with the code that replaces {hole}."
COMPLETION_CURSOR_LINE_NOTE = " The cursor's line is `{line}`: continue right after `{before}` without retyping it."

# Single-line answers end at their first line break, but a model may open with a fence line, so
# stop only at a blank line.  Blocks may contain one blank line but rarely two in a row.
# "\n```" catches a closing fence without stopping on an opening one at the very start.
COMPLETION_SINGLE_LINE_STOP = ("\n\n", "\n```")
COMPLETION_BLOCK_STOP = ("\n\n\n", "\n```")

# Generous for the lines asked for, leaving room for a fence or some indentation.
COMPLETION_SINGLE_LINE_MAX_TOKENS = 96
COMPLETION_BLOCK_MAX_TOKENS = 24 * MAX_BLOCK_LINES

_LANGUAGE_NAMES = {
    "c": "C",
    "cpp": "C++",
    "csharp": "C#",
    "go": "Go",
    "java": "Java",
    "javascript": "JavaScript",
    "javascriptreact": "JavaScript (JSX)",
    "python": "Python",
    "rust": "Rust",
    "typescript": "TypeScript",
    "typescriptreact": "TypeScript (TSX)",
}


def language_name(language_id: str) -> str:
    """A human name for an LSP language id, for prompts."""
    return _LANGUAGE_NAMES.get(language_id, language_id or "plain text")


def describe_indent(indent_unit: str) -> str:
    """The indentation unit in words, e.g. "tabs" or "4 spaces per level"."""
    if indent_unit == "\t":
        return "tabs"
    return f"{len(indent_unit)} spaces per level"


@dataclass(frozen=True, slots=True)
class CompletionPrompt:
    """The messages of a completion request, and where their stable part ends: the first ``stable_chars``
    characters of the last message (after the whole system message) stay byte-identical while the user
    types at one spot, so a provider can cache them (a ``cache_control`` breakpoint goes there)."""

    messages: list[Message]
    stable_chars: int


def completion_prompt(ctx: CompletionContext, *, suffix_first: bool = False) -> CompletionPrompt:
    """The system and user messages asking a chat model to fill the hole at the cursor."""
    system = COMPLETION_SYSTEM_TEMPLATE.format(hole=HOLE)
    shape_rule = (
        COMPLETION_BLOCK_RULE.format(max_lines=MAX_BLOCK_LINES) if ctx.multiline else COMPLETION_SINGLE_LINE_RULE
    )
    task = (COMPLETION_BLOCK_TASK if ctx.multiline else COMPLETION_SINGLE_LINE_TASK).format(hole=HOLE)
    # Taken from the windows, not from line_prefix/line_suffix, so that whatever was done to the
    # text before it leaves the machine (secret redaction) applies here too.
    before = ctx.prefix.rpartition("\n")[2].strip()
    if before:
        after = ctx.suffix.partition("\n")[0].rstrip()
        task += COMPLETION_CURSOR_LINE_NOTE.format(line=before + HOLE + after, before=before)
    head = COMPLETION_HEAD_TEMPLATE.format(
        language=language_name(ctx.language_id), path=ctx.path, neighbours=_neighbours_section(ctx.neighbours)
    )
    if suffix_first:
        head = head.removesuffix("<file>\n") + COMPLETION_SUFFIX_FIRST_TEMPLATE.format(suffix=ctx.suffix, hole=HOLE)
        code = ctx.prefix + HOLE
    else:
        code = ctx.prefix + HOLE + ctx.suffix
    tail = COMPLETION_TAIL_TEMPLATE.format(
        code=code, shape_rule=shape_rule, indent=describe_indent(ctx.indent_unit), task=task
    )
    stable = min(max(ctx.stable_prefix_chars, 0), len(ctx.prefix))
    return CompletionPrompt(
        [{"role": "system", "content": system}, {"role": "user", "content": head + tail}], len(head) + stable
    )


def completion_messages(ctx: CompletionContext) -> list[Message]:
    """The system and user messages asking a chat model to fill the hole at the cursor."""
    return completion_prompt(ctx).messages


def _neighbours_section(snippets: tuple[Snippet, ...]) -> str:
    if not snippets:
        return ""
    return COMPLETION_NEIGHBOURS_TEMPLATE.format(
        snippets="\n".join(snippet.text.rstrip("\n") + "\n" for snippet in snippets)
    )


def completion_stop(ctx: CompletionContext) -> list[str]:
    """Stop sequences for the request (at most 4, the lowest limit among providers)."""
    return list(COMPLETION_BLOCK_STOP if ctx.multiline else COMPLETION_SINGLE_LINE_STOP)


def completion_max_tokens(ctx: CompletionContext, configured: int) -> int:
    """`configured` capped to what the wanted shape (one line or one block) can need."""
    cap = COMPLETION_BLOCK_MAX_TOKENS if ctx.multiline else COMPLETION_SINGLE_LINE_MAX_TOKENS
    if configured <= 0:
        return cap
    return min(configured, cap)
