"""Turn a chat model's raw answer into exactly the text to insert at the cursor, or nothing.

The last pure step of the completion pipeline.  Chat models asked to fill a hole answer messily:
they wrap code in markdown fences with chatter around it, leak FIM and end-of-text tokens, retype
what is already before the cursor, run on into what already follows it, indent for column 0 or
twice, use spaces in a tab-indented file, and wander out of the block they were asked for.
`clean_completion` undoes all of that, in this order:

1. special tokens, wrapper tags, fences and chatter -> the code the model meant
2. echoes of the text before the cursor             -> the code continues exactly at the cursor
   refusals and prose                               -> None (`prose`)
3. shape: one line, or one re-indented block        -> lines at the file's indentation (evidence,
                                                       convention, model: `indentation`), within
                                                       the block, without degenerate repetition
4. overlap with the text after the cursor           -> nothing that is already there is inserted
                                                       twice, nor nearly (`repetition`)
5. trailing whitespace; empty or no-op              -> None, since no suggestion is better than a
                                                       wrong one

`is_decided` tells a streaming caller when the final insertion can no longer change, so it can
stop reading (and paying for) the rest of the answer: it is the stream guard.  `edits` then turns
the insertion into an edit that never makes the code worse.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from arb_lsp.context import MAX_BLOCK_LINES, CompletionContext, ends_with_block_opener
from arb_lsp.postprocess.indentation import with_indent_evidence
from arb_lsp.postprocess.prose import is_prose, is_refusal, is_sentence, strip_wrappers
from arb_lsp.postprocess.repetition import near_duplicate, repetition_start
from arb_lsp.prompts import HOLE

# Text after any of these is not part of the answer.
END_TOKENS = (
    "<|endoftext|>",
    "<|end_of_text|>",
    "<|im_end|>",
    "<|eot_id|>",
    "<|end|>",
    "<|file_separator|>",
    "</s>",
    "<｜end▁of▁sentence｜>",
)
# These are dropped wherever they appear.
MARKER_TOKENS = (
    "<|fim_prefix|>",
    "<|fim_suffix|>",
    "<|fim_middle|>",
    "<|fim_pad|>",
    "<fim_prefix>",
    "<fim_suffix>",
    "<fim_middle>",
    "<|im_start|>",
    "<s>",
    HOLE,
)
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"
_FIM_MIDDLE = ("<|fim_middle|>", "<fim_middle>")
_FIM_ECHO = ("<|fim_prefix|>", "<|fim_suffix|>", "<fim_prefix>", "<fim_suffix>")

_FENCE = "```"
_FENCE_INFO = re.compile(r"[ \t]*[\w+#.\-]*[ \t]*")

# Prose a model puts before its code ("Here is the completion:") or after it ("This completes...").
_LEADING_CHATTER = re.compile(
    r"(?:here(?:'s|’s| is| are)|sure|certainly|of course|okay|ok|below|i(?:'ll|’ll| will| have| would)"
    r"|the (?:completion|completed|missing|following|code|rest)|this (?:is|completes|code|completion)"
    r"|to complete|completion)\b",
    re.IGNORECASE,
)
_TRAILING_CHATTER = re.compile(
    r"(?:this|that|these|it|note|explanation|the (?:above|code|function|completion|rest))\b", re.IGNORECASE
)
_CODE_PUNCTUATION = frozenset("=(){}[];<>")
_INLINE_CODE = re.compile(r"`[^`]*`")
# Languages where a backtick is code (template literals, raw strings, command substitution...).
_BACKTICK_LANGUAGES = frozenset(
    {
        "javascript",
        "javascriptreact",
        "typescript",
        "typescriptreact",
        "go",
        "shellscript",
        "bash",
        "sh",
        "zsh",
        "kotlin",
        "scala",
        "markdown",
        "sql",
        "mysql",
        "haskell",
        "r",
        "julia",
        "ruby",
        "perl",
        "powershell",
        "elixir",
        "vue",
        "svelte",
    }
)
_PROSE_LANGUAGES = frozenset({"markdown", "plaintext", "restructuredtext", "latex"})
_HASH_COMMENT_LANGUAGES = frozenset(
    {
        "python",
        "ruby",
        "shellscript",
        "bash",
        "sh",
        "zsh",
        "perl",
        "r",
        "yaml",
        "toml",
        "makefile",
        "dockerfile",
        "elixir",
        "julia",
        "powershell",
        "coffeescript",
    }
)
_END_KEYWORD_LANGUAGES = frozenset({"ruby", "lua", "elixir", "julia", "crystal"})
# A line starting with one of these continues the statement its block belongs to.
_CONTINUATION_KEYWORDS = re.compile(r"(?:else|elif|elsif|except|finally|catch|rescue|ensure|case|default)\b")
_SWITCH_LABEL = re.compile(r"(?:case\b.*|default\s*):")
# After one of these, code at the same level is unreachable.
_TERMINATORS = re.compile(r"(?:return|raise|throw|break|continue)\b")
_OPERATOR_ENDINGS = frozenset("=+-*/%&|^<>!~.?")
_BRACKETS = {"(": (0, 1), ")": (0, -1), "[": (1, 1), "]": (1, -1), "{": (2, 1), "}": (2, -1)}
_RUST_CHAR_LITERAL = re.compile(r"'(?:\\.|\\u\{[0-9a-fA-F]+\}|[^\\'])'")

_ACCESSORS = frozenset({".", "::", "->", "?."})
_ECHO_LOOKBACK = 12
_ECHO_ANCHOR_LINES = 3
_BELOW_LOOKAHEAD = 8
_BELOW_MATCH_LINES = 3


@dataclass(frozen=True, slots=True)
class _Outcome:
    text: str | None
    # The answer was cut because the insertion had ended (fence closed, block left, suffix reached):
    # more of the stream would not change the result.
    stopped: bool
    # The insertion before its overlap with the rest of the cursor's line was cut.
    untrimmed: str | None = None


def clean_completion(raw: str, ctx: CompletionContext) -> str | None:
    """The text to insert at the cursor for the model's answer `raw`, or None for no suggestion."""
    return clean_parts(raw, ctx)[0]


def clean_parts(raw: str, ctx: CompletionContext) -> tuple[str | None, str | None]:
    """`clean_completion`'s insertion, and the same before its overlap with the rest of the
    cursor's line was cut (the model's own closers, for an edit that replaces the line's)."""
    code, _, _, _ = _answer_code(raw, ctx.language_id)
    outcome = _shape_and_trim(code, ctx)
    return outcome.text, outcome.untrimmed


def _answer_code(raw: str, language_id: str) -> tuple[str, bool, bool, bool]:
    """The code in an answer: (code, the answer ended, a closing fence was seen, an opening fence
    line is unfinished).  Wrapper tags may sit inside fences or around them: both are stripped."""
    text, ended = _strip_special_tokens(raw)
    text, wrapped_end = strip_wrappers(text, language_id)
    code, closed, waiting = _extract_code(text, language_id)
    code, inner_end = strip_wrappers(code, language_id)
    return code, ended or wrapped_end or inner_end, closed, waiting


def is_decided(partial: str, ctx: CompletionContext) -> bool:
    """Whether the streamed answer so far already fixes what `clean_completion` will return.

    Only complete lines are judged, since the line being streamed may still grow.
    """
    code, ended, closed, waiting = _answer_code(partial, ctx.language_id)
    if ended or closed:
        return True
    last_break = code.rfind("\n")
    if waiting or last_break == -1:
        return False
    complete = code[:last_break]
    if is_refusal(complete):
        return True
    if not ctx.multiline:
        lines = [line for line in complete.split("\n") if line.strip()]
        return bool(lines) and not _only_echoes_prefix(lines, ctx)
    if sum(1 for line in complete.split("\n") if line.strip()) >= MAX_BLOCK_LINES:
        return True
    return _shape_and_trim(complete, ctx).stopped


#: Providers take at most four stop sequences (OpenAI's limit; others are lower or equal).
MAX_STOPS = 4
_MIN_STOP_LINE = 6


def guard_stops(ctx: CompletionContext, base: Sequence[str]) -> list[str]:
    """`base` stop sequences plus the line below the cursor, where it helps and fits.

    A block that runs on into the code below writes that line again: the provider stops before it,
    and nothing of what follows is generated (or billed).  Only a distinctive line is used (not a
    lone "}" or "else:"), written as it is in the file, after a line break.
    """
    stops = list(dict.fromkeys(base))[:MAX_STOPS]
    if not ctx.multiline or len(stops) >= MAX_STOPS:
        return stops
    below = ctx.suffix.split("\n", _BELOW_LOOKAHEAD * 4)[1:]
    line = next((line.rstrip("\r") for line in below if line.strip()), "")
    content = line.strip()
    if _has_word_char(content) and len(content) >= _MIN_STOP_LINE and HOLE not in content:
        stops.append("\n" + line.rstrip())
    return stops


def _shape_and_trim(code: str, ctx: CompletionContext) -> _Outcome:
    code = code.rstrip()
    if ctx.language_id not in _BACKTICK_LANGUAGES:
        code = _unwrap_inline_code(code)
    code = _strip_prefix_echo(code, ctx)
    if not code.strip():
        return _Outcome(None, False)
    if is_prose(code, ctx.language_id, _PROSE_LANGUAGES):
        return _Outcome(None, is_refusal(code))
    ctx = with_indent_evidence(ctx, code)
    stopped = False
    if ctx.multiline:
        lines, left_block = _shape_block(code, ctx)
        repeated = repetition_start(lines)
        if repeated is not None:
            lines = _rstrip_lines(lines[:repeated])
        lines, closed_line = _end_at_cursor_line_closers(lines, ctx)
        lines, reached_below = _trim_below_overlap(lines, ctx)
        stopped = left_block or closed_line or reached_below or repeated is not None
    else:
        first = _shape_single_line(code, ctx)
        lines = [first] if first is not None else []
    untrimmed = "\n".join(_rstrip_lines(lines))
    insertion = _trim_line_suffix_overlap(untrimmed, ctx)
    if not insertion.strip() or _is_noop(insertion, ctx):
        return _Outcome(None, stopped)
    return _Outcome(insertion, stopped, untrimmed.rstrip())


# --- 1. tokens, fences, chatter ------------------------------------------------------------------


def _strip_special_tokens(raw: str) -> tuple[str, bool]:
    """Drop special tokens; returns the text and whether an end-of-text token was seen."""
    raw = _strip_reasoning(raw.replace("\r\n", "\n"))
    ends = [position for token in END_TOKENS if (position := raw.find(token)) != -1]
    ended = bool(ends)
    if ended:
        raw = raw[: min(ends)]
    # A model that echoes a FIM prompt ("<|fim_prefix|>...<|fim_middle|>answer") answers after it.
    middle_end = max(
        (raw.rfind(token) + len(token) for token in _FIM_MIDDLE if token in raw),
        default=-1,
    )
    if middle_end != -1 and any(0 <= raw.find(token) < middle_end for token in _FIM_ECHO):
        raw = raw[middle_end:]
    for token in MARKER_TOKENS:
        raw = raw.replace(token, "")
    return raw, ended


def _strip_reasoning(raw: str) -> str:
    """Drop a reasoning model's "<think>...</think>" (all of it while it is still thinking)."""
    opening = raw.find(_THINK_OPEN)
    if opening == -1 or raw[:opening].strip():
        return raw
    closing = raw.find(_THINK_CLOSE, opening)
    return "" if closing == -1 else raw[closing + len(_THINK_CLOSE) :]


def _extract_code(text: str, language_id: str) -> tuple[str, bool, bool]:
    """The code in an answer: (code, a closing fence was seen, an opening fence line is unfinished)."""
    start = text.find(_FENCE)
    if start == -1:
        return _strip_chatter(text, language_id), False, False
    after_ticks = start + len(_FENCE)
    line_end = text.find("\n", after_ticks)
    opening_rest = text[after_ticks : line_end if line_end != -1 else len(text)]
    before = _strip_chatter(text[:start], language_id)
    if before.strip() and not opening_rest.strip() and _FENCE not in text[after_ticks:]:
        # Code, then a lone closing fence: the model skipped the opening one.
        return before, True, False
    if _FENCE in opening_rest:
        # ```code``` on one line.
        return opening_rest[: opening_rest.find(_FENCE)], True, False
    info_only = _FENCE_INFO.fullmatch(opening_rest) is not None
    if line_end == -1:
        return ("", False, True) if info_only else (opening_rest, False, False)
    body_start = line_end + 1 if info_only else after_ticks
    close = text.find("\n" + _FENCE, body_start - 1)
    if close == -1:
        close = text.find(_FENCE, body_start)
    if close == -1:
        return text[body_start:], False, False
    return text[body_start : max(close, body_start)], True, False


def _is_prose(line: str) -> bool:
    words = _INLINE_CODE.sub("x", line).strip()
    return bool(words) and not any(char in _CODE_PUNCTUATION for char in words)


def _is_leading_chatter(line: str) -> bool:
    stripped = line.strip()
    if stripped[-1:] == ":" and is_sentence(stripped):
        return True  # "You need to return the total:"
    return _LEADING_CHATTER.match(stripped) is not None and _is_prose(stripped) and stripped[-1:] in (":", ".", "!")


def _is_trailing_chatter(line: str) -> bool:
    stripped = line.strip()
    return (
        _TRAILING_CHATTER.match(stripped) is not None
        and _is_prose(stripped)
        and len(stripped.split()) >= 3
        and stripped[-1:] in (".", "!")
    )


def _strip_chatter(text: str, language_id: str) -> str:
    """Drop prose lines before and after unfenced code."""
    if language_id in _PROSE_LANGUAGES:
        return text
    lines = text.split("\n")
    start = 0
    while True:
        line = next((i for i in range(start, len(lines)) if lines[i].strip()), len(lines))
        if line == len(lines) or not _is_leading_chatter(lines[line]):
            break
        start = line + 1
        # Blank lines after chatter separate it from the code; they are not the code's.
        while start < len(lines) and not lines[start].strip():
            start += 1
    last = next((i for i in range(len(lines) - 1, start, -1) if lines[i].strip()), None)
    if last is not None and _is_trailing_chatter(lines[last]):
        return "\n".join(lines[start:last])
    return "\n".join(lines[start:])


def _unwrap_inline_code(code: str) -> str:
    stripped = code.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == "`" and "`" not in stripped[1:-1]:
        return stripped[1:-1]
    return code


# --- 2. echoes of what is before the cursor ------------------------------------------------------


def _prefix_lines_before_cursor_line(ctx: CompletionContext) -> list[str]:
    head, newline, _ = ctx.prefix.rpartition("\n")
    if not newline:
        return []
    return head.rsplit("\n", _ECHO_LOOKBACK)[-_ECHO_LOOKBACK:]


def _has_word_char(text: str) -> bool:
    return any(char.isalnum() or char == "_" for char in text)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _token_starts(typed: str) -> list[int]:
    """Where the tokens of `typed` start, so that `typed[i:]` is a retypeable tail of it."""
    starts = []
    for i, char in enumerate(typed):
        if char.isspace():
            continue
        previous = typed[i - 1] if i else " "
        if previous.isspace() or _is_word_char(char) != _is_word_char(previous):
            starts.append(i)
    return starts


def _strip_prefix_echo(code: str, ctx: CompletionContext) -> str:
    """Drop a retyped copy of the lines before the cursor and of the cursor line's typed text."""
    lines = code.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if first == len(lines):
        return code
    typed = ctx.line_prefix.strip()
    echo_end = _end_of_echoed_lines(lines, first, ctx)
    if echo_end is not None:
        lines = lines[echo_end:]
        first = 0
    if typed:
        content = lines[first].lstrip()
        for start in _token_starts(typed):
            retyped = typed[start:]
            if content.startswith(retyped) and (_has_word_char(retyped) or _retypes_accessor(retyped, content)):
                return "\n".join([content[len(retyped) :], *lines[first + 1 :]])
    return "\n".join(lines)


def _end_of_echoed_lines(lines: Sequence[str], first: int, ctx: CompletionContext) -> int | None:
    """Where the answer's own text starts, if it first retypes the lines above the cursor."""
    before = _prefix_lines_before_cursor_line(ctx)
    typed = ctx.line_prefix.strip()

    def starts_cursor_line(index: int) -> int | None:
        if not typed:
            return index if index < len(lines) else None
        index = next((i for i in range(index, len(lines)) if lines[i].strip()), len(lines))
        return index if index < len(lines) and lines[index].strip().startswith(typed) else None

    # The answer opens with a copy of the lines just above the cursor...
    for count in range(min(len(before), len(lines) - first - 1), 0, -1):
        echoed = [line.strip() for line in lines[first : first + count]]
        if echoed == [line.strip() for line in before[-count:]] and _has_word_char("".join(echoed)):
            start = starts_cursor_line(first + count)
            if start is not None:
                return start
    # ...or retypes the whole file: find the last lines above the cursor anywhere in it.
    anchor = [line.strip() for line in before if line.strip()][-_ECHO_ANCHOR_LINES:]
    if len(anchor) < _ECHO_ANCHOR_LINES or not _has_word_char("".join(anchor)):
        return None
    content = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    for j in range(len(content) - len(anchor) + 1):
        if [text for _, text in content[j : j + len(anchor)]] == anchor:
            start = starts_cursor_line(content[j + len(anchor) - 1][0] + 1)
            if start is not None:
                return start
    return None


def _retypes_accessor(retyped: str, content: str) -> bool:
    """Whether `content` retypes a member access operator the line ends with ("." then ".map")."""
    rest = content[len(retyped) : len(retyped) + 1]
    return retyped in _ACCESSORS and bool(rest) and (_is_word_char(rest) or rest == "$")


def _only_echoes_prefix(lines: Sequence[str], ctx: CompletionContext) -> bool:
    """Whether `lines` so far are a run of the lines before the cursor (an echo still streaming)."""
    before = [line.strip() for line in _prefix_lines_before_cursor_line(ctx)]
    wanted = [line.strip() for line in lines]
    return any(before[i : i + len(wanted)] == wanted for i in range(len(before) - len(wanted) + 1))


# --- 3. shape: one line or one block -------------------------------------------------------------


def _leading_whitespace(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _unit_width(indent_unit: str) -> int:
    return 4 if indent_unit == "\t" else max(1, len(indent_unit))


def _level(whitespace: str, space_width: int) -> float:
    """Indentation depth in levels: a tab is one level, `space_width` spaces are one."""
    return whitespace.count("\t") + whitespace.count(" ") / space_width


def _indentation(level: float, indent_unit: str) -> str:
    if level <= 0:
        return ""
    whole = int(level + 1e-9)
    spaces = round((level - whole) * _unit_width(indent_unit))
    return indent_unit * whole + " " * spaces


def _model_space_width(lines: Sequence[str], file_width: int) -> int:
    """How many spaces make one level in the model's answer (it need not match the file).

    The most common step between consecutive lines says it best; without steps, indentation
    that fits the file's unit is taken in the file's unit, else the shallowest is one level.
    """
    widths = [
        len(whitespace) for line in lines if line.strip() and "\t" not in (whitespace := _leading_whitespace(line))
    ]
    steps = Counter(b - a for a, b in itertools.pairwise(widths) if 1 < b - a <= 8)
    if steps:
        best = max(steps.values())
        return min(step for step, count in steps.items() if count == best)
    indented = [width for width in widths if width]
    if not indented or all(width % file_width == 0 for width in indented):
        return file_width
    return min(indented) if min(indented) > 1 else file_width


def _starts_with_closer(content: str, language_id: str) -> bool:
    if content[:1] in (")", "]", "}"):
        return True
    return language_id in _END_KEYWORD_LANGUAGES and re.match(r"end\b", content) is not None


def _opens_block(line: str, language_id: str) -> bool:
    """Whether the lines after `line` belong inside it (a block opener or an unclosed bracket)."""
    if ends_with_block_opener(line, language_id) or _SWITCH_LABEL.fullmatch(line.strip()):
        return True
    depth = _scan(line, language_id, _ScanState()).depth
    return any(count > 0 for count in depth)


def _expects_same_line(line_prefix: str, language_id: str) -> bool:
    """Whether the cursor line is unfinished, so the insertion must not start a new line."""
    stripped = line_prefix.rstrip()
    if ends_with_block_opener(line_prefix, language_id) or stripped.endswith((",", ";")):
        return False
    return line_prefix[-1:] in (" ", "\t") or stripped[-1:] in _OPERATOR_ENDINGS


def _opens_body_on_next_line(line_prefix: str, language_id: str) -> bool:
    stripped = line_prefix.rstrip()
    if stripped.endswith("{"):
        return True
    return language_id == "python" and stripped.endswith(":") and ends_with_block_opener(stripped, "python")


def _shape_single_line(code: str, ctx: CompletionContext) -> str | None:
    """The answer's first line, placed to continue the cursor's line."""
    lines = code.split("\n")
    first = next(i for i, line in enumerate(lines) if line.strip())
    line = lines[first]
    if not ctx.line_prefix.strip():
        indentation = "" if ctx.line_prefix else _indentation(_first_line_level(line, ctx), ctx.indent_unit)
        return indentation + line.strip()
    if first > 0:
        if _opens_body_on_next_line(ctx.line_prefix, ctx.language_id):
            # The model wrote a body for the next line, which a single-line suggestion cannot hold.
            return None
        return line.lstrip(" \t")
    if ctx.line_prefix[-1:] in (" ", "\t"):
        return line.lstrip(" \t")
    return line


def _first_line_level(line: str, ctx: CompletionContext) -> float:
    """The level of an answer's first line when the cursor is at the start of its line's text."""
    width = _unit_width(ctx.indent_unit)
    if ctx.line_prefix:
        return _level(ctx.line_prefix, width)
    # Column 0: the insertion carries its own indentation.  Trust the model's, unless it wrote
    # flush code right under a line that opens a block.
    own = _level(_leading_whitespace(line), _model_space_width([line], width))
    if own > 0:
        return own
    previous = next((p for p in reversed(_prefix_lines_before_cursor_line(ctx)) if p.strip()), "")
    if previous and ends_with_block_opener(previous, ctx.language_id):
        return _level(_leading_whitespace(previous), width) + 1
    return 0.0


def _shape_block(code: str, ctx: CompletionContext) -> tuple[list[str], bool]:
    """Lines of a block insertion (the first continues the cursor's line) and whether it was cut."""
    lines = code.split("\n")
    language = ctx.language_id
    line_prefix = ctx.line_prefix
    cursor_level = _level(_leading_whitespace(line_prefix), _unit_width(ctx.indent_unit))

    if not line_prefix.strip():
        lines = _drop_leading_blank_lines(lines)
        level = _first_line_level(lines[0], ctx)
        return _shape_lines_from_line_start(lines, ctx, level, first_indent=not line_prefix, parent_opened=False)

    if not lines[0].strip() and len(lines) > 1:
        lines = _drop_leading_blank_lines(lines)
        if _expects_same_line(line_prefix, language):
            lines[0] = lines[0].lstrip(" \t")
            return _shape_continued_lines(lines, ctx, cursor_level)
    elif not _starts_body_below(lines, ctx):
        if line_prefix[-1:] in (" ", "\t"):
            lines[0] = lines[0].lstrip(" \t")
        return _shape_continued_lines(lines, ctx, cursor_level)

    # The insertion starts a new line below the cursor's.
    opened = _opens_block(line_prefix, language)
    level = cursor_level + 1 if opened else cursor_level
    body, stopped = _shape_lines_from_line_start(lines, ctx, level, first_indent=True, parent_opened=opened)
    return ["", *body], stopped


def _starts_body_below(lines: Sequence[str], ctx: CompletionContext) -> bool:
    """Whether an answer that does not start with a line break is still the body of the block the
    cursor's line opens: after "{" or a Python ":" at the end of the line, code belongs below,
    unless the block is closed on this same line ("{|}") and the answer fits there."""
    if not _opens_body_on_next_line(ctx.line_prefix, ctx.language_id):
        return False
    if not ctx.line_suffix.strip():
        return True
    return len(lines) > 1 or lines[0].startswith(("\t", "  "))


def _drop_leading_blank_lines(lines: list[str]) -> list[str]:
    first = next(i for i, line in enumerate(lines) if line.strip())
    return lines[first:]


def _choose_base(candidates: Sequence[float], next_level: float, anchor: float, expected: float) -> float:
    """The model's level that corresponds to `anchor` in the file: the one that puts the line
    after the first where the code says it belongs (one deeper after an opener, and so on)."""
    return min(candidates, key=lambda base: abs(anchor + next_level - base - expected))


def _shape_lines_from_line_start(
    lines: list[str], ctx: CompletionContext, level: float, *, first_indent: bool, parent_opened: bool
) -> tuple[list[str], bool]:
    """Re-indent a block whose first line starts a line at `level` (at the cursor or below it)."""
    language = ctx.language_id
    # The first line's own indentation says little: the model often writes it flush at the hole.
    width = _model_space_width(lines[1:], _unit_width(ctx.indent_unit))
    levels = [_level(_leading_whitespace(line), width) for line in lines]
    first_content = lines[0].strip()
    opens_first = _opens_block(first_content, language)
    following = next((i for i in range(1, len(lines)) if lines[i].strip()), None)
    base = levels[0]
    if following is not None:
        expected = level + (1 if opens_first else 0)
        if _starts_with_closer(lines[following].strip(), language):
            expected -= 1
        candidates = list(dict.fromkeys([levels[0], level, 0.0, 2 * level]))
        base = _choose_base(candidates, levels[following], level, expected)
    first = (_indentation(level, ctx.indent_unit) if first_indent else "") + first_content
    targets = [level + line_level - base for line_level in levels]
    # A top-level definition is the whole block: the next one at its level starts another.
    ends_at_own_level = opens_first and level <= 0 and not parent_opened
    return _bound_block(
        first,
        lines[1:],
        targets[1:],
        ctx,
        first_statement=(first_content, level),
        floor=level + 1 if ends_at_own_level else level,
        may_close_parent=parent_opened or ends_at_own_level,
    )


def _shape_continued_lines(lines: list[str], ctx: CompletionContext, cursor_level: float) -> tuple[list[str], bool]:
    """Re-indent a block whose first line continues the cursor's line."""
    language = ctx.language_id
    width = _model_space_width(lines[1:], _unit_width(ctx.indent_unit))
    levels = [_level(_leading_whitespace(line), width) for line in lines]
    opened = _opens_block(ctx.line_prefix + lines[0], language)
    following = next((i for i in range(1, len(lines)) if lines[i].strip()), None)
    base = cursor_level
    if following is not None:
        expected = cursor_level + (1 if opened else 0)
        if _starts_with_closer(lines[following].strip(), language):
            expected -= 1
        candidates = list(dict.fromkeys([cursor_level, 0.0, 2 * cursor_level]))
        base = _choose_base(candidates, levels[following], cursor_level, expected)
    targets = [cursor_level + line_level - base for line_level in levels]
    return _bound_block(
        lines[0],
        lines[1:],
        targets[1:],
        ctx,
        first_statement=((ctx.line_prefix + lines[0]).strip(), cursor_level),
        floor=cursor_level + 1 if opened else cursor_level,
        may_close_parent=opened,
    )


def _bound_block(
    first: str,
    rest: Sequence[str],
    targets: Sequence[float],
    ctx: CompletionContext,
    *,
    first_statement: tuple[str, float],
    floor: float,
    may_close_parent: bool,
) -> tuple[list[str], bool]:
    """Re-indent `rest` to `targets` and stop where the block ends.

    Lines below `floor` have left the block.  When the line above the block opened it, a line one
    level up may still close it ("}", "end") or continue its statement ("else:", "} else {").
    Code after a `return` (or `break`...) at its level is unreachable: the model has moved on to
    other code.  `first_statement` is the first line's whole text and its level.
    """
    language = ctx.language_id
    out = [first]
    content, level = first_statement
    terminated_at = level if _TERMINATORS.match(content) else None
    for line, target in zip(rest, targets, strict=True):
        if len(out) >= MAX_BLOCK_LINES:
            return out, any(line.strip() for line in rest[len(out) - 1 :])
        content = line.strip()
        if not content:
            out.append("")
            continue
        target = max(target, 0.0)
        closes = _starts_with_closer(content, language)
        continues = _CONTINUATION_KEYWORDS.match(content) is not None
        if terminated_at is not None and not (closes or continues):
            if abs(target - terminated_at) < 1e-9:
                return out, True
            if target < terminated_at:
                terminated_at = None  # left the block that returned
        if target < floor - 1e-9:
            if not (may_close_parent and target >= floor - 1 - 1e-9):
                return out, True
            if closes:
                out.append(_indentation(target, ctx.indent_unit) + content)
                if _opens_block(content, language) and not content.endswith(("(", "[")):
                    terminated_at = None
                    continue
                return out, True
            if not continues:
                return out, True
        out.append(_indentation(target, ctx.indent_unit) + content)
        if _TERMINATORS.match(content):
            terminated_at = target
        elif closes or continues:
            terminated_at = None
    return out, False


# --- 4. overlap with what follows the cursor -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ScanState:
    """Open brackets ((), [], {}) and the open string's quote, after scanning some code."""

    depth: tuple[int, int, int] = (0, 0, 0)
    quote: str = ""


def _line_comment(language_id: str) -> str:
    return "#" if language_id in _HASH_COMMENT_LANGUAGES else "//"


def _scan(text: str, language_id: str, state: _ScanState) -> _ScanState:
    """Roughly track brackets and strings through `text`, skipping line comments."""
    depth = list(state.depth)
    quote = state.quote
    comment = _line_comment(language_id)
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if text.startswith(quote, index):
                index += len(quote)
                quote = ""
                continue
            if char == "\n" and quote in ("'", '"'):
                quote = ""
            index += 1
            continue
        if text.startswith(comment, index):
            newline = text.find("\n", index)
            index = length if newline == -1 else newline
            continue
        if char in "'\"`":
            if language_id == "rust" and char == "'":
                literal = _RUST_CHAR_LITERAL.match(text, index)
                index = literal.end() if literal else index + 1  # a lifetime, not a string
                continue
            triple = text[index : index + 3]
            quote = triple if language_id == "python" and triple in ('"""', "'''") else char
            index += len(quote)
            continue
        if char in _BRACKETS:
            kind, step = _BRACKETS[char]
            depth[kind] += step
        index += 1
    return _ScanState((depth[0], depth[1], depth[2]), quote)


def _imbalance(insertion: str, ctx: CompletionContext) -> int:
    """How much inserting `insertion` would change bracket and string balance at the cursor."""
    start = _scan(ctx.line_prefix, ctx.language_id, _ScanState())
    end = _scan(insertion, ctx.language_id, start)
    changed_string = 1 if end.quote != start.quote else 0
    return sum(abs(a - b) for a, b in zip(end.depth, start.depth, strict=True)) + changed_string


def _below_lines(ctx: CompletionContext) -> list[str]:
    """The first non-blank lines after the cursor's line, stripped."""
    below = ctx.suffix.split("\n", _BELOW_LOOKAHEAD * 4)[1:]
    return [line.strip() for line in below if line.strip()][:_BELOW_LOOKAHEAD]


def _trim_below_overlap(lines: list[str], ctx: CompletionContext) -> tuple[list[str], bool]:
    """Cut the insertion where it starts retyping the lines already below the cursor.

    A line of code that equals or nearly equals the next line below is enough; closers alone
    must be followed by the lines below them too, and only count when cutting them balances.
    """
    below = _below_lines(ctx)
    if not below:
        return lines, False
    # The first line is a whole line only when the cursor is at the start of its line's text.
    start = 0 if not ctx.line_prefix.strip() else 1
    comment = _line_comment(ctx.language_id)
    whole = _imbalance("\n".join(lines), ctx)
    for cut in range(start, len(lines)):
        if not lines[cut].strip():
            continue
        rest = [line.strip() for line in lines[cut:] if line.strip()]
        if not near_duplicate(rest[0], below[0], comment):
            continue
        kept = lines[:cut]
        if _has_word_char(rest[0]):
            # A line of code that retypes the next one (maybe with a comment added): the model has
            # run into the code below, whatever it writes after it.
            return kept, True
        count = min(len(rest), len(below), _BELOW_MATCH_LINES)
        if not all(near_duplicate(a, b, comment) for a, b in zip(rest[:count], below[:count], strict=True)):
            continue
        # Closing brackets alone prove little: cut them only if the insertion then balances better.
        if _has_word_char("".join(rest[:count])) or _imbalance("\n".join(kept), ctx) < whole:
            return kept, True
    return lines, False


def _end_at_cursor_line_closers(lines: list[str], ctx: CompletionContext) -> tuple[list[str], bool]:
    """Cut a block after the line that closes the brackets the cursor's line is in.

    With the cursor in "foo(|)", an answer "a, b)" followed by more lines has finished the call;
    what follows is code the model imagined after it, not part of the insertion.  Without a rest
    of the line, the same holds for brackets opened before the cursor ("foo(|"), unless the line
    that closes them opens a body ("def f(a):").
    """
    language = ctx.language_id
    start = _scan(ctx.line_prefix, language, _ScanState())
    rest = ctx.line_suffix.strip()
    if rest:
        line_end = _scan(rest, language, start)
        closing = [kind for kind in range(3) if line_end.depth[kind] < start.depth[kind]]
        limits = line_end.depth
    else:
        closing = [kind for kind in range(3) if start.depth[kind] > 0]
        limits = (0, 0, 0)
    if not closing:
        return lines, False
    state = start
    for index, line in enumerate(lines[:-1]):
        state = _scan(line + "\n", language, state)
        if all(state.depth[kind] <= limits[kind] for kind in closing):
            if not rest and ends_with_block_opener(ctx.line_prefix + line if index == 0 else line, language):
                return lines, False
            return lines[: index + 1], True
    return lines, False


def _trim_line_suffix_overlap(insertion: str, ctx: CompletionContext) -> str:
    """Cut the end of the insertion where it retypes the start of the rest of the cursor's line."""
    rest = ctx.line_suffix.strip()
    if not rest or not insertion.strip():
        return insertion
    body = insertion.rstrip()
    whole = _imbalance(body, ctx)
    best_cut, best = 0, whole
    for size in range(1, len(rest) + 1):
        if body.endswith(rest[:size]):
            score = _imbalance(body[:-size], ctx)
            if score < best:
                best_cut, best = size, score
    # Retyping the whole rest of the line ("foo.bar()" before "bar()") is an echo unless the
    # overlap is closing brackets the insertion needs for itself ("g()" before ")").
    if (
        not best_cut
        and body.endswith(rest)
        and not all(char in ")]}" for char in rest)
        and _imbalance(body[: -len(rest)], ctx) <= whole
    ):
        best_cut = len(rest)
    if not best_cut:
        return body
    kept = body[:-best_cut]
    last_line = kept[kept.rfind("\n") + 1 :]
    if kept.startswith("\n") and kept.count("\n") > 1 and not last_line.strip():
        # The rest of the line was retyped on a line of its own: keep that line break, so the
        # rest ends up there, indented as the model had it (a closing ")" under its opener).
        return kept
    return kept.rstrip()


# --- 5. final checks -----------------------------------------------------------------------------


def _rstrip_lines(lines: Sequence[str]) -> list[str]:
    stripped = [line.rstrip() for line in lines]
    while len(stripped) > 1 and not stripped[-1]:
        stripped.pop()
    return stripped


def _is_noop(insertion: str, ctx: CompletionContext) -> bool:
    """Whether the insertion only retypes what already follows the cursor."""
    if "\n" not in insertion:
        typed_over = ctx.line_suffix.lstrip()
        content = insertion.strip()
        if typed_over:
            if not typed_over.startswith(content):
                return False
            following = typed_over[len(content) : len(content) + 1]
            return not (following and _is_word_char(following) and _is_word_char(content[-1]))
        if ctx.line_prefix.strip():
            return False
    wanted = [line.strip() for line in insertion.split("\n") if line.strip()]
    ahead = [line.strip() for line in [ctx.line_suffix, *_below_lines(ctx)] if line.strip()]
    return ahead[: len(wanted)] == wanted
