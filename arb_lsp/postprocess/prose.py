"""Wrappers, answer markers, refusals and prose: what a chat model puts around (or instead of) code.

Hole-filling prompts in the wild teach models to answer inside tags (`<COMPLETION>…</COMPLETION>`,
`<CODE>`, `<MID>`, `<FILL>`…) or after a marker ("Answer:", "### Completion"), and some answer a
code hole with a sentence: a refusal ("I'm sorry, but I can't help with that.") or a description
of what to write ("This function should return the sum of the items.").  A tag or marker is
stripped; a sentence is never code, in any language, so the answer is refused: no suggestion is
better than a sentence inserted into code.
"""

from __future__ import annotations

import re

# Tags that wrap a hole-filler's answer.  In markup languages (JSX, HTML, Vue...) a lower-case
# `<code>` is real code, so there only the upper-case spellings count as wrappers.
_WRAPPER_NAMES = (
    "completion",
    "code",
    "mid",
    "middle",
    "fill",
    "fill_here",
    "fim_middle",
    "answer",
    "suggestion",
    "insert",
    "insertion",
    "output",
    "response",
    "result",
    "replacement",
    "hole",
)
_MARKUP_LANGUAGES = frozenset(
    {
        "html",
        "xml",
        "javascriptreact",
        "typescriptreact",
        "javascript",
        "typescript",
        "vue",
        "svelte",
        "php",
        "markdown",
        "astro",
        "erb",
    }
)
_NAMES = "|".join(_WRAPPER_NAMES)
_OPEN_ANY = re.compile(rf"<(?:{_NAMES})(?:\s[^<>\n]*)?>", re.IGNORECASE)
_CLOSE_ANY = re.compile(rf"</(?:{_NAMES})\s*>", re.IGNORECASE)
_OPEN_UPPER = re.compile(rf"<(?:{_NAMES.upper()})(?:\s[^<>\n]*)?>")
_CLOSE_UPPER = re.compile(rf"</(?:{_NAMES.upper()})\s*>")
# Markers on a line of their own ("Answer:", "### Completion", "[CODE]") or before the code on
# the same line ("ANSWER: x + 1").  Capitalised or upper case only: "code:" or "output:" in lower
# case is a YAML key, a label, real code.
_MARKER_BASE = (
    "answer",
    "completion",
    "completed code",
    "output",
    "response",
    "insertion",
    "replacement",
    "fill",
    "code",
    "result",
)
_MARKER_WORDS = "|".join(
    re.escape(variant) for word in _MARKER_BASE for variant in (word.capitalize(), word.upper(), word.title())
)
_MARKER_LINE = re.compile(
    rf"[ \t]*(?:\[(?:{_MARKER_WORDS})\]|(?:\#+[ \t]*)?(?:\*\*)?(?:{_MARKER_WORDS})(?:\*\*)?[ \t]*:(?:\*\*)?"
    rf"|\#+[ \t]*(?:{_MARKER_WORDS}))[ \t]*\n"
)
_MARKER_INLINE = re.compile(r"[ \t]*(?:ANSWER|COMPLETION|OUTPUT|RESPONSE|Answer|Completion|Output|Response):[ \t]+")

_REFUSAL = re.compile(
    r"(?:i['’]?m sorry|i am sorry|sorry|i apologi[sz]e|unfortunately|as an ai\b|i (?:can(?:no|['’])t|am unable|"
    r"['’]m unable|won['’]t|do not|don['’]t)|there is no|there['’]s no|no (?:code|completion) (?:is )?needed)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[,.;:!?]?[\"')’]*")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
# Function words of English that are no language's keywords ("for", "in", "is", "this" are).
_STOPWORDS = frozenset(
    "the a an to of are that you your we should will be it here can must would could need needs which by at "
    "on into its there their please".split()
)
# Languages whose plain statements read like English ("SELECT name FROM users WHERE id IS NOT NULL").
_WORDY_CODE_LANGUAGES = frozenset({"sql", "mysql", "plsql", "shellscript", "bash", "sh", "zsh", "fish", "applescript"})
_CODE_CHARS = frozenset("=(){}[];<>$@#|&\\")
_COMMENT_STARTS = ("#", "//", "/*", "*", "--", ";", "%", "'", '"', "<!--", "(*")


def strip_wrappers(text: str, language_id: str) -> tuple[str, bool]:
    """Drop wrapper tags and answer markers; returns the text and whether a closing tag was seen
    (the answer is over: more of the stream would not change it)."""
    markup = language_id in _MARKUP_LANGUAGES
    opening, closing = (_OPEN_UPPER, _CLOSE_UPPER) if markup else (_OPEN_ANY, _CLOSE_ANY)
    closed = False
    head = text.lstrip()
    match = opening.match(head)
    if match:
        text = head[match.end() :]
        # A tag on a line of its own: the code starts on the next line.
        if text[:1] == "\n":
            text = text[1:]
        elif text[:2] == "\r\n":
            text = text[2:]
    end = closing.search(text)
    if end:
        text, closed = text[: end.start()], True
    elif match is None:
        # A leaked closing tag's start still streaming ("</COMPL") must not be inserted.
        partial = text.rfind("</")
        if partial != -1 and "\n" not in text[partial:] and _could_be_closing(text[partial:], markup):
            text = text[:partial]
    text = _strip_markers(text)
    return text, closed


def _could_be_closing(tail: str, markup: bool) -> bool:
    name = tail[2:].rstrip(">").strip()
    if not markup:
        name = name.lower()
    names = [candidate.upper() for candidate in _WRAPPER_NAMES] if markup else _WRAPPER_NAMES
    return bool(name) and any(candidate.startswith(name) for candidate in names)


def _strip_markers(text: str) -> str:
    stripped = text.lstrip("\n")
    match = _MARKER_LINE.match(stripped)
    if match:
        return stripped[match.end() :]
    match = _MARKER_INLINE.match(stripped)
    if match:
        return stripped[match.end() :]
    return text


def is_refusal(text: str) -> bool:
    """Whether the answer opens with a refusal or an apology instead of code."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return _REFUSAL.match(first) is not None and _reads_as_words(first)


def _reads_as_words(line: str) -> bool:
    plain = _INLINE_CODE.sub("code", line)
    tokens = plain.split()
    words = [token for token in tokens if _WORD.fullmatch(token)]
    return len(tokens) >= 3 and len(words) >= 0.8 * len(tokens) and not any(char in _CODE_CHARS for char in plain)


def _is_sentence_like(line: str, *, need_end: bool) -> bool:
    """Whether `line` reads as natural language: mostly plain words, some of them function words."""
    line = line.strip()
    if not line or line.startswith(_COMMENT_STARTS):
        return False
    plain = _INLINE_CODE.sub("code", line)
    if any(char in _CODE_CHARS for char in plain):
        return False
    tokens = plain.split()
    if len(tokens) < 4:
        return False
    words = [token for token in tokens if _WORD.fullmatch(token)]
    stopwords = sum(1 for token in tokens if token.strip(",.;:!?\"'’").lower() in _STOPWORDS)
    if len(words) < 0.8 * len(tokens) or stopwords < 2:
        return False
    return not need_end or plain.rstrip("\"'’`)")[-1:] in (".", "!", "?", ":")


def is_prose(code: str, language_id: str, prose_languages: frozenset[str]) -> bool:
    """Whether an answer is sentences rather than code (a refusal counts in every language)."""
    if is_refusal(code):
        return True
    if language_id in prose_languages:
        return False
    lines = [line for line in code.split("\n") if line.strip()]
    if not lines:
        return False
    # A paragraph may wrap: judge the lines together, but every line must read as words.
    if not all(_is_sentence_like(line, need_end=False) or len(line.split()) < 3 for line in lines):
        return False
    paragraph = " ".join(line.strip() for line in lines)
    if _is_sentence_like(paragraph, need_end=True):
        return True
    # A description cut before its full stop (a single-line answer is its first line only).
    return language_id not in _WORDY_CODE_LANGUAGES and _is_wordy(paragraph)


def _is_wordy(text: str) -> bool:
    tokens = text.split()
    stopwords = sum(1 for token in tokens if token.strip(",.;:!?\"'’").lower() in _STOPWORDS)
    return len(tokens) >= 6 and stopwords >= 3 and _is_sentence_like(text, need_end=False)


def is_sentence(line: str) -> bool:
    """Whether one line is a whole sentence (ends like one), e.g. chatter before the code."""
    return _is_sentence_like(line, need_end=True)
