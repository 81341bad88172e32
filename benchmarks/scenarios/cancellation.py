"""Scenario 3: how fast a ``$/cancelRequest`` closes the upstream connection (which stops billing).

An inline completion request is sent; once the fake has the upstream request, the client cancels it,
either while the model is still "thinking" (before the first token) or while it streams its answer.
Measured: the fake's ``disconnected_at`` minus the moment the cancel was written (both monotonic clocks
of this process, since the fake runs in it), and the time until the client got the cancelled answer.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from fake_openrouter import FakeOpenRouter

from benchmarks.config import Config
from benchmarks.corpus import python_source
from benchmarks.results import Section
from benchmarks.scenarios.common import chats_since, ping, upstream
from benchmarks.servers import ARB, KINDS, NAIVE, NO_DEBOUNCE, Document, ServerKind, new_uri, session
from benchmarks.stats import summarize


@dataclass(frozen=True, slots=True)
class Phase:
    """Where the upstream answer is when the cancel comes: the fake's latency and when to cancel."""

    key: str
    name: str
    ttft: float
    tps: float | None
    reply: str
    cancel_after: float  # s after the upstream request arrived

    def describe(self) -> str:
        pace = f"{self.tps:g} pieces/s" if self.tps else "no pacing"
        return f"{self.name}: ttft {self.ttft * 1000:g} ms, {pace}, cancelled {self.cancel_after * 1000:g} ms after arrival"


#: Cancels start this long after ``initialized`` (steady state; the first second is section 1b's).
SETTLE_S = 1.0
PHASES = (
    Phase("ttft", "waiting for the first token", 5.0, None, "compute_total(items)", 0.05),
    Phase("stream", "while streaming", 0.0, 20.0, "compute_" + "total_" * 60 + "(items)", 0.25),
)


@dataclass(slots=True)
class Cancels:
    to_disconnect: list[float] = field(default_factory=list)
    to_answer: list[float] = field(default_factory=list)
    never_closed: int = 0


async def _measure(kind: ServerKind, fake: FakeOpenRouter, phase: Phase, rounds: int) -> Cancels:
    upstream(fake, ttft=phase.ttft, tps=phase.tps, reply=phase.reply)
    cancels = Cancels()
    async with session(kind, fake, NO_DEBOUNCE) as server:
        opened = time.monotonic()
        doc = Document(server, new_uri("cancel"), python_source(100))
        await ping(server)
        # Steady state: arb-lsp's warm-up (section 1b's subject) holds the interpreter for its first moments.
        await asyncio.sleep(max(0.0, opened + SETTLE_S - time.monotonic()))
        line = 30
        for i in range(rounds):
            seen = len(fake.chat_requests())
            change = doc.insert(line, 0, f"    value_{i} = \n")
            pending = server.send(*doc.inline(doc.end_of(line)), before=[change])
            if not await fake.wait_for_async(
                lambda seen=seen: len(fake.chat_requests()) > seen, timeout=10, interval=0.001
            ):
                raise RuntimeError(f"{kind.name} sent no upstream request")
            await asyncio.sleep(phase.cancel_after)
            request = chats_since(fake, seen)[0]
            cancelled_at = server.cancel(pending.id)
            answer = await asyncio.wait_for(pending.answer, 10)
            cancels.to_answer.append(answer.answered_at - cancelled_at)
            if await fake.wait_for_async(
                lambda request=request: request.disconnected_at is not None, timeout=5, interval=0.001
            ):
                assert request.disconnected_at is not None
                cancels.to_disconnect.append(request.disconnected_at - cancelled_at)
            else:
                cancels.never_closed += 1
    return cancels


async def run(fake: FakeOpenRouter, config: Config) -> Section:
    section = Section(
        "cancel",
        "3. Cancellation: `$/cancelRequest` to the upstream connection closing",
        f"{config.cancel_rounds} cancels per row, each of an inline completion request whose upstream request "
        f"had arrived at the fake, from {SETTLE_S:g} s after `initialized`: "
        + "; ".join(phase.describe() for phase in PHASES)
        + ".",
    )
    for phase in PHASES:
        results = {kind.name: await _measure(kind, fake, phase, config.cancel_rounds) for kind in KINDS}
        arb, naive = results[ARB.name], results[NAIVE.name]
        key, name = phase.key, phase.name
        a, n = summarize(arb.to_disconnect), summarize(naive.to_disconnect)
        section.add(
            f"{key}_close_median",
            f"{name}: cancel to upstream closed, median",
            "ms",
            a.median * 1000,
            n.median * 1000,
        )
        section.add(f"{key}_close_p95", f"{name}: cancel to upstream closed, p95", "ms", a.p95 * 1000, n.p95 * 1000)
        a, n = summarize(arb.to_answer), summarize(naive.to_answer)
        section.add(
            f"{key}_answer_median",
            f"{name}: cancel to the client's answer, median",
            "ms",
            a.median * 1000,
            n.median * 1000,
        )
        for server, cancels in results.items():
            if cancels.never_closed:
                section.notes.append(
                    f"{name}, {server}: {cancels.never_closed} upstream connections stayed open 5 s after the cancel."
                )
    return section
