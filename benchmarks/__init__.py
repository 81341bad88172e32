"""Latency and cost benchmarks for arb-lsp, against the fake OpenRouter, with a naive baseline.

``python -m benchmarks.run`` runs every scenario and regenerates ``docs/benchmarks.md`` and
``docs/benchmarks.png``. The servers run as real subprocesses driven over LSP on stdio; the fake
OpenRouter runs in this process, so its timestamps and ours share one monotonic clock.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The fake OpenRouter lives with the tests (it is their fixture too); import it from there.
_TESTS = str(ROOT / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
