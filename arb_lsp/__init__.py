"""arb-lsp: OpenRouter's models in any editor, over the Language Server Protocol."""

__version__ = "0.1.0"
