"""Scenario 1: what a server adds to the upstream's latency, on a small and a large file.

Each sample is a keystroke as an editor sends it: a ``didChange`` that starts a new line in the middle
of the file and, in the same write, the completion request at its end. Every sample has a new context,
so no cache can answer it. Overhead = the client's latency (write to answer read) minus the upstream's
own (the fake's request arrival to its last byte). A second series moves the cursor to other lines
without editing (no new document version), which separates the per-request cost from the per-edit
cost. Repeating the last request shows the cache hit.

Alongside, the floors any Python server on pygls and httpx stands on: the LSP round trip of a request
the server does not implement, and bare httpx requests to the same fake from their own process.
"""

from __future__ import annotations

import asyncio
import functools
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from fake_openrouter import FakeOpenRouter
from lsprotocol import types

from benchmarks import ROOT
from benchmarks.config import Config
from benchmarks.corpus import python_source
from benchmarks.lsp_client import LspProcess, Message
from benchmarks.results import Section
from benchmarks.scenarios.common import chats_since, describe_upstream, ping, upstream, upstream_seconds
from benchmarks.servers import ARB, KINDS, NAIVE, NO_DEBOUNCE, Document, ServerKind, new_uri, session
from benchmarks.stats import summarize

TTFT = 0.025
TPS = 250.0
REPLY = "compute_total(items)"
PINGS = 50
#: Measuring starts this long after ``initialized``: steady state, not arb-lsp's warm-up (section 1b's subject),
#: which runs on worker threads for the first few hundred milliseconds and slowed what was timed during it.
SETTLE_S = 1.0


@dataclass(slots=True)
class Measured:
    keystroke: list[float] = field(default_factory=list)  # overhead per sample, s
    request_only: list[float] = field(default_factory=list)
    upstream: list[float] = field(default_factory=list)
    repeat: list[float] = field(default_factory=list)  # latency of the same request again, s
    repeat_upstream_calls: int = 0
    ping: list[float] = field(default_factory=list)
    upstream_requests: int = 0
    connections: int = 0
    failures: int = 0


async def _timed(server: LspProcess, fake: FakeOpenRouter, request: Message, before: Sequence[Message]) -> float | None:
    """Overhead of one request that must reach the upstream exactly once (None if it did not)."""
    seen = len(fake.chat_requests())
    answer = await server.request(*request, before=before)
    chats = chats_since(fake, seen)
    own = upstream_seconds(chats[0]) if len(chats) == 1 else None
    if answer.error is not None or own is None:
        return None
    return answer.latency - own


def _cursor_positions(doc: Document, first_line: int, count: int) -> list[types.Position]:
    """``count`` distinct cursor positions from ``first_line`` on: line ends, then one column back, ..."""
    positions: list[types.Position] = []
    for back in range(max(len(line) for line in doc.lines) + 1):
        for line in range(first_line, len(doc.lines)):
            text = doc.lines[line]
            if len(text) >= back and (back == 0 or text.strip()):
                positions.append(types.Position(line=line, character=len(text) - back))
                if len(positions) == count:
                    return positions
    return positions


async def measure(kind: ServerKind, fake: FakeOpenRouter, lines: int, config: Config) -> Measured:
    upstream(fake, ttft=TTFT, tps=TPS, reply=REPLY)
    measured = Measured()
    async with session(kind, fake, NO_DEBOUNCE) as server:
        opened = time.monotonic()
        doc = Document(server, new_uri("overhead"), python_source(lines))
        await ping(server)
        await asyncio.sleep(max(0.0, opened + SETTLE_S - time.monotonic()))
        for _ in range(PINGS):
            measured.ping.append((await server.request("bench/ping", {})).latency)
        edit_line = lines // 2
        total = config.overhead_warmup + config.overhead_samples
        for i in range(total):
            change = doc.insert(edit_line, 0, f"    result_{i} = \n")
            overhead = await _timed(server, fake, doc.completion(doc.end_of(edit_line)), [change])
            if i < config.overhead_warmup:
                continue
            if overhead is None:
                measured.failures += 1
            else:
                measured.keystroke.append(overhead)
        for position in _cursor_positions(doc, edit_line + total + 1, config.overhead_samples):
            overhead = await _timed(server, fake, doc.completion(position), [])
            if overhead is None:
                measured.failures += 1
            else:
                measured.request_only.append(overhead)
        measured.upstream = [s for r in fake.chat_requests() if (s := upstream_seconds(r)) is not None]
        measured.upstream_requests = len(fake.chat_requests())
        measured.connections = fake.connections_opened
        # The last keystroke's request again: same version, same position.
        position = doc.end_of(edit_line)
        seen = len(fake.chat_requests())
        for _ in range(config.cache_repeats):
            measured.repeat.append((await server.request(*doc.completion(position))).latency)
        measured.repeat_upstream_calls = len(chats_since(fake, seen))
    return measured


async def httpx_floor(fake: FakeOpenRouter, count: int, *, stream: bool) -> list[float]:
    """Overheads (s) of bare httpx requests to the fake, made by a separate process."""
    upstream(fake, ttft=TTFT, tps=TPS, reply=REPLY)
    argv = [sys.executable, "-m", "benchmarks.http_floor", fake.base_url, str(count)]
    proc = await asyncio.create_subprocess_exec(
        *argv, *([] if stream else ["--plain"]), cwd=str(ROOT), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    times = json.loads(out)
    overheads = []
    for (start, end), request in zip(times, fake.chat_requests(), strict=False):
        own = upstream_seconds(request)
        if own is not None:
            overheads.append(end - start - own)
    return overheads[min(5, len(overheads) // 2) :]  # without the first (connection) requests


def _add_times(
    section: Section,
    lines: int,
    arb: Measured,
    naive: Measured,
    key: str,
    label: str,
    attribute: str,
    *,
    p95: bool = True,
) -> None:
    """Median (and p95) rows of one list of timings, in ms, for a file size."""
    a, n = summarize(getattr(arb, attribute)), summarize(getattr(naive, attribute))
    size = f"{lines:,}-line file"
    section.add(f"{key}_median_{lines}", f"{size}: {label}, median", "ms", a.median * 1000, n.median * 1000)
    if p95:
        section.add(f"{key}_p95_{lines}", f"{size}: {label}, p95", "ms", a.p95 * 1000, n.p95 * 1000)


async def run(fake: FakeOpenRouter, config: Config) -> Section:
    section = Section(
        "overhead",
        "1. Overhead over the upstream's own latency (debounce off)",
        describe_upstream(TTFT, TPS, REPLY)
        + f"; {config.overhead_samples} samples per row after {config.overhead_warmup} warm-up requests, "
        f"each with a context never asked before, from {SETTLE_S:g} s after `initialized` (steady state). *Per keystroke*: a `didChange` and the completion request "
        "written together, timed from that write; *cursor moved*: a request at another place, same document "
        "version.",
    )
    ms = 1000.0
    for lines in config.overhead_file_lines:
        results = {kind.name: await measure(kind, fake, lines, config) for kind in KINDS}
        arb, naive = results[ARB.name], results[NAIVE.name]
        size = f"{lines:,}-line file"

        add = functools.partial(_add_times, section, lines, arb, naive)
        add("keystroke", "overhead per keystroke", "keystroke")
        add("request", "overhead, cursor moved (no edit)", "request_only")
        add("upstream", "upstream's own latency", "upstream", p95=False)
        add("repeat", "same request again (cache hit for arb-lsp)", "repeat")
        section.add(
            f"repeat_calls_{lines}",
            f"{size}: upstream calls for {config.cache_repeats} repeats",
            "",
            arb.repeat_upstream_calls,
            naive.repeat_upstream_calls,
            integer=True,
        )
        section.add(
            f"connections_{lines}",
            f"{size}: TCP connections opened per 100 upstream requests",
            "",
            100 * arb.connections / max(1, arb.upstream_requests),
            100 * naive.connections / max(1, naive.upstream_requests),
        )
        add("ping", "LSP round trip of a no-op request (pygls floor)", "ping", p95=False)
        failures = arb.failures + naive.failures
        if failures:
            section.notes.append(f"{size}: {failures} samples had no single upstream request or an error; left out.")
        section.series[f"keystroke_{lines}"] = {
            "arb": [x * ms for x in arb.keystroke],
            "naive": [x * ms for x in naive.keystroke],
        }
    streamed = await httpx_floor(fake, max(10, config.overhead_samples // 2), stream=True)
    plain = await httpx_floor(fake, max(10, config.overhead_samples // 2), stream=False)
    section.series["httpx_floor_ms"] = {
        "streamed": statistics.median(streamed) * ms if streamed else None,
        "plain": statistics.median(plain) * ms if plain else None,
    }
    section.notes.append(
        "Floor: one httpx request to the same fake from a bare script in its own process (one kept-alive "
        f"connection) adds {section.series['httpx_floor_ms']['streamed']:.2f} ms streamed and "
        f"{section.series['httpx_floor_ms']['plain']:.2f} ms not streamed (median) to the upstream's own latency."
    )
    return section
