"""``python -m arb_lsp``: the same program as the ``arb-lsp`` command."""

import sys

from arb_lsp.cli import main

if __name__ == "__main__":
    sys.exit(main())
