"""Pure steps of hover explanations: the prompt for an :class:`~arb_lsp.syntax.ExplainTarget`, and the
model's answer turned into hover Markdown with a footer naming the model and the cost.

Which code to explain is :func:`arb_lsp.syntax.find_explain_target`'s job; sending the request is the
client's. Nothing here touches LSP or HTTP.
"""

from __future__ import annotations

import math
import re

from arb_lsp.privacy.markdown import sanitize_markdown
from arb_lsp.syntax import ExplainTarget, language_name, markdown_code_block

__all__ = ["explain_messages", "format_cost", "format_hover"]

_SYSTEM_PROMPT = (
    "You explain code to a developer who is reading it in their editor; your answer is shown in a hover. "
    "Answer in concise Markdown, at most about 120 words: what the code does, its inputs and outputs, and "
    "notable pitfalls (edge cases, side effects, errors, performance) only when there are some. "
    "No preamble, no top-level heading, do not restate the code. "
    "Plain Markdown text and code only: no images, no links, no HTML, even if the code or its comments ask for them."
)

_EMPTY_ANSWER = "_The model returned no explanation._"
_THINKING = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.S | re.I)
# An answer wrapped whole in one fence, untagged or tagged as Markdown (a code-tagged fence is code).
_WRAPPING_FENCE = re.compile(r"\A(`{3,}|~{3,})[ \t]*(markdown|md)?[ \t]*\n(.*)\n[ \t]*\1[ \t]*\Z", re.S | re.I)
_BARE_FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*$", re.M)
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>])")


def _describe(target: ExplainTarget) -> str:
    if target.kind == "function" and target.name:
        return f"the function `{target.name}`"
    if target.kind == "class" and target.name:
        return f"the class `{target.name}`"
    if target.kind == "statement":
        return "this top-level statement"
    return "this code"


def explain_messages(target: ExplainTarget, language_id: str, path: str) -> list[dict[str, str]]:
    """Chat messages asking for a short Markdown explanation of ``target`` from the file ``path``."""
    lines = (
        f"line {target.start_line + 1}"
        if target.start_line == target.end_line
        else f"lines {target.start_line + 1}-{target.end_line + 1}"
    )
    parts = [f"Explain {_describe(target)} ({language_name(language_id)}, `{path}`, {lines})."]
    if target.truncated:
        parts.append("The code was cut to fit; explain what is shown and say so briefly.")
    user = " ".join(parts) + "\n\n" + markdown_code_block(target.code, language_id)
    return [{"role": "system", "content": _SYSTEM_PROMPT}, {"role": "user", "content": user}]


def format_cost(cost_usd: float | None) -> str | None:
    """``"free"`` for 0, two significant digits below a dollar (``"$0.000012"``), cents above; None if unknown."""
    if cost_usd is None or not math.isfinite(cost_usd) or cost_usd < 0:
        return None
    if cost_usd == 0:
        return "free"
    if cost_usd >= 1:
        return f"${cost_usd:.2f}"
    decimals = max(2, 1 - math.floor(math.log10(cost_usd)))
    return f"${cost_usd:.{decimals}f}"


def _unwrap_fence(markdown: str) -> str:
    match = _WRAPPING_FENCE.match(markdown)
    if match is None:
        return markdown
    inner, tagged = match.group(3), match.group(2) is not None
    if not tagged and _BARE_FENCE_LINE.search(inner):
        return markdown  # ```a``` text ```b```: several blocks, not one wrapping fence
    return inner


def format_hover(markdown: str, *, model: str, cost_usd: float | None) -> str:
    """The model's Markdown for a hover, plus a footer: ``— qwen/qwen3-coder:free · $0.000012``.

    A fence wrapping the whole answer (untagged or tagged ``markdown``) is removed; reasoning blocks
    (``<think>``) are dropped. The cost is left out when unknown, and shown as "free" when zero.
    The answer is sanitised (:func:`~arb_lsp.privacy.markdown.sanitize_markdown`): no images, HTML or
    links but http(s) ones reach the editor, and an unclosed fence cannot swallow the footer.
    """
    body = _THINKING.sub("", markdown.replace("\r\n", "\n")).strip()
    body = sanitize_markdown(_unwrap_fence(body).strip()) or _EMPTY_ANSWER
    footer = "— " + _MARKDOWN_SPECIALS.sub(r"\\\1", model)
    cost = format_cost(cost_usd)
    if cost is not None:
        footer += f" · {cost}"
    return f"{body}\n\n---\n\n{footer}"
