"""Scenario 5b: the server's resident memory after 1,000 completions across 50 open 10,000-line files.

Each completion has its own context (another line of another file), so each one reaches the upstream
and fills the server's caches. Memory is the server process's VmRSS (and its peak, VmHWM) from /proc.
"""

from __future__ import annotations

import asyncio

from fake_openrouter import FakeOpenRouter

from benchmarks.config import Config
from benchmarks.corpus import python_source
from benchmarks.results import Section
from benchmarks.scenarios.common import describe_upstream, ping, upstream
from benchmarks.servers import ARB, KINDS, NAIVE, NO_DEBOUNCE, Document, ServerKind, new_uri, session

TTFT = 0.002
TPS = None
REPLY = "compute_total(items)"
#: Time after ``initialized`` before the idle figure: the warm-up's imports are memory too.
SETTLE_S = 1.5


async def _measure(kind: ServerKind, fake: FakeOpenRouter, config: Config) -> dict[str, float]:
    upstream(fake, ttft=TTFT, tps=TPS, reply=REPLY)
    figures: dict[str, float] = {}
    async with session(kind, fake, NO_DEBOUNCE) as server:
        await asyncio.sleep(SETTLE_S)  # arb-lsp loads its settings, HTTP stack and parsers after `initialized`
        await ping(server)
        figures["idle"] = server.memory_kib()["VmRSS"]
        text = python_source(config.rss_file_lines)
        documents = []
        for n in range(config.rss_files):
            # Every file differs (its own first line), as a real workspace's would.
            documents.append(Document(server, new_uri("rss"), f"# module {n}\n" + text))
            await server.drain()
        await ping(server)
        figures["opened"] = server.memory_kib()["VmRSS"]
        per_file = max(1, config.rss_completions // config.rss_files)
        step = max(1, (config.rss_file_lines - 2) // per_file)
        asked = answered = 0
        for round_ in range(per_file):
            for doc in documents:
                line = 1 + (round_ * step + 7 * documents.index(doc)) % (config.rss_file_lines - 1)
                answer = await server.request(*doc.completion(doc.end_of(line)))
                asked += 1
                answered += answer.error is None
            fake.reset()  # the fake keeps every request body; forget them, keep the latency
            upstream(fake, ttft=TTFT, tps=TPS, reply=REPLY)
        memory = server.memory_kib()
        figures["after"] = memory["VmRSS"]
        figures["peak"] = memory["VmHWM"]
        figures["asked"] = asked
        figures["answered"] = answered
    return figures


async def run(fake: FakeOpenRouter, config: Config) -> Section:
    section = Section(
        "memory",
        f"5b. Scale: server memory with {config.rss_files} open {config.rss_file_lines:,}-line files",
        describe_upstream(TTFT, TPS, REPLY)
        + f"; {config.rss_completions:,} completion requests, each at a new place; RSS read from /proc/PID/status.",
    )
    results = {kind.name: await _measure(kind, fake, config) for kind in KINDS}
    arb, naive = results[ARB.name], results[NAIVE.name]
    mb = 1024 / 1e6  # /proc reports KiB
    section.add("idle", "RSS after start and warm-up (no documents)", "MB", arb["idle"] * mb, naive["idle"] * mb)
    section.add("opened", f"RSS with {config.rss_files} files open", "MB", arb["opened"] * mb, naive["opened"] * mb)
    section.add("after", f"RSS after {int(arb['asked']):,} completions", "MB", arb["after"] * mb, naive["after"] * mb)
    section.add("peak", "peak RSS (VmHWM)", "MB", arb["peak"] * mb, naive["peak"] * mb)
    for name, figures in results.items():
        if figures["answered"] < figures["asked"]:
            section.notes.append(f"{name}: {int(figures['asked'] - figures['answered'])} requests failed.")
    return section
