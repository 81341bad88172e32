"""Entry points: ``arb-lsp`` serves LSP (stdio by default, ``--tcp`` on TCP); subcommands do one-shot work."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

from arb_lsp import __version__


def _serve_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="arb-lsp",
        description="A language server that brings OpenRouter's models into any editor.",
        epilog="Subcommands: models, complete, explain, docstring, usage, doctor, eval (each with --help).",
    )
    parser.add_argument("--version", action="version", version=f"arb-lsp {__version__}")
    parser.add_argument("--stdio", action="store_true", help="serve on stdin/stdout (the default)")
    parser.add_argument("--tcp", action="store_true", help="serve on TCP instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="TCP host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    parser.add_argument("--log-level", default=os.environ.get("ARB_LSP_LOG_LEVEL", "WARNING"), help="logging level")
    return parser


def serve(argv: Sequence[str]) -> int:
    if all(arg == "--stdio" for arg in argv):
        # What editors run: no options to parse, so argparse's import is not paid before `initialize`.
        tcp, host, port, log_level = False, "", 0, os.environ.get("ARB_LSP_LOG_LEVEL", "WARNING")
    else:
        args = _serve_parser().parse_args(argv)
        tcp, host, port, log_level = args.tcp, args.host, args.port, args.log_level
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    from arb_lsp.protocol import LOG_SCRUBBER
    from arb_lsp.server import create_server

    for handler in logging.getLogger().handlers:
        handler.addFilter(LOG_SCRUBBER)

    server = create_server()
    if tcp:
        server.start_tcp(host, port)
    else:
        server.start_io()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-"):
        from arb_lsp.commands import run_subcommand

        return run_subcommand(argv)
    return serve(argv)
