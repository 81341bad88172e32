"""One module per scenario; each returns a ``Section`` of figures for arb-lsp and the naive baseline."""
