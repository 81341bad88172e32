"""Scenario 5c: cold start, from launching the process to the answer to ``initialize``.

Two floors are launched in the same run, interleaved with the servers: a pygls server with nothing
registered (``benchmarks/bare_pygls.py``: what any pygls 2 server pays) and a bare ``python -c pass``.
The modules that take longest to import (``python -X importtime``) say where the time goes.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
import time

from fake_openrouter import FakeOpenRouter

from benchmarks import ROOT
from benchmarks.config import Config
from benchmarks.results import Section
from benchmarks.servers import ARB, BARE, KINDS, NAIVE, ServerKind, process
from benchmarks.stats import summarize

_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)")


async def _cold_start(kind: ServerKind, fake: FakeOpenRouter) -> float:
    with tempfile.TemporaryDirectory(prefix="arb-bench-") as data_dir:
        server = process(kind, fake, data_dir)
        launched = await server.launch()
        try:
            answer = await server.initialize(None)
        finally:
            await server.shutdown()
    return answer.answered_at - launched


async def _bare_python() -> float:
    start = time.monotonic()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await proc.wait()
    return time.monotonic() - start


async def import_times(kind: ServerKind) -> dict[str, float]:
    """ms per package (its modules' own times added up, ``python -X importtime``) to build ``kind``'s server."""
    module = "arb_lsp.server" if kind.is_arb else kind.module
    code = f"from {module} import create_server; create_server()"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-X", "importtime", "-c", code, cwd=str(ROOT), env=env, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    totals: dict[str, float] = {}
    for line in err.decode(errors="replace").splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            name = match.group(2).split(".")[0]
            totals[name] = totals.get(name, 0.0) + int(match.group(1)) / 1000
    return totals


def _top(times: dict[str, float], count: int = 6) -> list[tuple[str, float]]:
    return sorted(times.items(), key=lambda item: -item[1])[:count]


async def run(fake: FakeOpenRouter, config: Config) -> Section:
    section = Section(
        "startup",
        "5c. Cold start: process launch to the `initialize` answer",
        f"{config.cold_starts} launches per server, each with a fresh data directory; "
        "bytecode caches warm (as after installation).",
    )
    await _cold_start(ARB, fake)  # compile and cache bytecode once, as an installed package would have
    await _cold_start(NAIVE, fake)
    await _cold_start(BARE, fake)
    starts: dict[str, list[float]] = {kind.name: [] for kind in (*KINDS, BARE)}
    bare: list[float] = []
    for _ in range(config.cold_starts):
        for kind in (*KINDS, BARE):
            starts[kind.name].append(await _cold_start(kind, fake))
        bare.append(await _bare_python())
    a, n = summarize(starts[ARB.name]), summarize(starts[NAIVE.name])
    section.add("median", "cold start, median", "ms", a.median * 1000, n.median * 1000)
    section.add("p95", "cold start, p95", "ms", a.p95 * 1000, n.p95 * 1000)
    pygls_floor = summarize(starts[BARE.name])
    section.add(
        "pygls_median",
        "bare pygls server, nothing registered (the floor), median",
        "ms",
        pygls_floor.median * 1000,
        pygls_floor.median * 1000,
    )
    section.add(
        "over_pygls",
        "cold start over the bare pygls server's, medians",
        "×",
        a.median / pygls_floor.median,
        n.median / pygls_floor.median,
    )
    floor = summarize(bare)
    section.add("python", "bare `python -c pass` (the floor), median", "ms", floor.median * 1000, floor.median * 1000)
    arb_imports, naive_imports = await import_times(ARB), await import_times(NAIVE)
    # Standard-library modules are shared with the baseline; their differences are noise.
    extra = {
        name: ms - naive_imports.get(name, 0.0)
        for name, ms in arb_imports.items()
        if name not in sys.stdlib_module_names
    }
    section.series["imports"] = _top(arb_imports)
    section.series["extra_imports"] = _top(extra)
    section.notes.append(
        "Slowest imports when arb-lsp builds its server (`python -X importtime`, each package's modules added "
        "up): "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in _top(arb_imports))
        + "; the baseline's: "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in _top(naive_imports, 4))
        + "."
    )
    return section
