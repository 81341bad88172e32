"""LSP glue, one module per feature; ``register_all`` wires them into a server."""

from __future__ import annotations

from arb_lsp.language_server import ArbLanguageServer


def register_all(server: ArbLanguageServer) -> None:
    from arb_lsp.features import code_actions, commands, completion, hover, lifecycle

    lifecycle.register(server)
    completion.register(server)
    hover.register(server)
    code_actions.register(server)
    commands.register(server)
