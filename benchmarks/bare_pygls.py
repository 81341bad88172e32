"""The cold-start floor: a pygls server with nothing registered (``python -m benchmarks.bare_pygls``).

What any pygls 2 server pays before it can answer ``initialize``: the interpreter, pygls and
``lsprotocol.types``. arb-lsp's cold start is compared with this one, launched in the same run.
"""

from __future__ import annotations

from pygls.lsp.server import LanguageServer


def create_server() -> LanguageServer:
    return LanguageServer("bare-pygls", "0")


if __name__ == "__main__":
    create_server().start_io()
