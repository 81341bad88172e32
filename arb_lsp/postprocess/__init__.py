"""Turn a chat model's raw answer into exactly the edit to make at the cursor, or nothing.

The last pure step of the completion pipeline, in modules by responsibility:

- `clean`: special tokens, fences and chatter; echoes of the text before the cursor; the shape of
  one line or one re-indented block; overlap with the text after the cursor; `is_decided`, which
  tells a streaming caller when more of the answer cannot change the result (the stream guards).
- `prose`: wrapper tags and answer markers stripped; refusals and sentences refused.
- `repetition`: degenerate repetition and near-duplicates of the lines below the cursor.
- `indentation`: the file's evidence, then the language's convention, then the model's own.
- `validity`: the suggestion must not make the code worse (tree-sitter, or bracket balance), and
  the edit replaces the closers after the cursor when only closers follow it.
"""

from __future__ import annotations

from arb_lsp.postprocess.clean import END_TOKENS, MARKER_TOKENS, clean_completion, guard_stops, is_decided
from arb_lsp.postprocess.edits import Edit, suggest_edit

__all__ = ["END_TOKENS", "MARKER_TOKENS", "Edit", "clean_completion", "guard_stops", "is_decided", "suggest_edit"]
