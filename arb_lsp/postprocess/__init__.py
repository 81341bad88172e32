"""Turn a chat model's raw answer into exactly the edit to make at the cursor, or nothing.

The last pure step of the completion pipeline, in modules by responsibility:

- `clean`: the steps in order (`clean_completion`), and the stream guards: `is_decided`, which tells
  a streaming caller when more of the answer cannot change the result, and `guard_stops`.
- `extraction`: special tokens, reasoning, fences and chatter stripped: the code the model meant.
- `prose`: wrapper tags and answer markers stripped; refusals and sentences refused.
- `echoes`: retyped copies of the text before the cursor dropped.
- `shaping`: one line, or one block re-indented and cut where it ends.
- `indentation`: the file's evidence, then the language's convention, then the model's own.
- `repetition`: degenerate repetition and near-duplicates of the lines below the cursor.
- `overlap`: nothing already after the cursor inserted twice; `brackets` scans balance for it.
- `edits` and `syntax_check`: the suggestion must not make the code worse (tree-sitter, or bracket
  balance), and the edit replaces the closers after the cursor when only closers follow it.
"""

from __future__ import annotations

from arb_lsp.postprocess.clean import clean_completion, guard_stops, is_decided
from arb_lsp.postprocess.edits import Edit, suggest_edit
from arb_lsp.postprocess.extraction import END_TOKENS, MARKER_TOKENS

__all__ = ["END_TOKENS", "MARKER_TOKENS", "Edit", "clean_completion", "guard_stops", "is_decided", "suggest_edit"]
