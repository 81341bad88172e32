"""The code in a chat model's answer: special tokens, reasoning, fences and the chatter around code stripped."""

from __future__ import annotations

import re

from arb_lsp.postprocess.prose import is_sentence, strip_wrappers
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
PROSE_LANGUAGES = frozenset({"markdown", "plaintext", "restructuredtext", "latex"})


def answer_code(raw: str, language_id: str) -> tuple[str, bool, bool, bool]:
    """The code in an answer: (code, the answer ended, a closing fence was seen, an opening fence
    line is unfinished).  Wrapper tags may sit inside fences or around them: both are stripped."""
    text, ended = _strip_special_tokens(raw)
    text, wrapped_end = strip_wrappers(text, language_id)
    code, closed, waiting = _extract_code(text, language_id)
    code, inner_end = strip_wrappers(code, language_id)
    return code, ended or wrapped_end or inner_end, closed, waiting


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
    if language_id in PROSE_LANGUAGES:
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


def unwrap_inline_code(code: str, language_id: str) -> str:
    """`code` without the backticks of an inline code span, where a backtick is not code itself."""
    if language_id in _BACKTICK_LANGUAGES:
        return code
    stripped = code.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == "`" and "`" not in stripped[1:-1]:
        return stripped[1:-1]
    return code
