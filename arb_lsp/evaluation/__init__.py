"""``arb-lsp eval``: measure models on a repository's own code through the editor's completion pipeline.

- :mod:`~arb_lsp.evaluation.files`: the files sites may come from (tracked, not excluded, parsed languages).
- :mod:`~arb_lsp.evaluation.sites`: sites found with tree-sitter, sampled by kind; sites files.
- :mod:`~arb_lsp.evaluation.run`: each site through the editor's pipeline for each model, within the limits.
- :mod:`~arb_lsp.evaluation.score`: exact match, edit similarity, the figures of a group of answers.
- :mod:`~arb_lsp.evaluation.report`: the terminal table, JSON, Markdown, and the advice line.

The command itself (arguments, confirmation, output) is :mod:`arb_lsp.commands.evaluate`.
"""
