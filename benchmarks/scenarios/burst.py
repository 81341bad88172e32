"""Scenario 2: a typing burst, as two real editors send it, with the server's default settings.

30 keystrokes 60 ms apart, each followed by a request, at the end of a line of a 100-line file:

* VS Code: ``textDocument/inlineCompletion`` (trigger Automatic), every previous one ``$/cancelRequest``ed;
* Neovim: ``textDocument/completion`` with trigger kind TriggerForIncompleteCompletions, never cancelled.

Counted: upstream requests sent and completed (answered to the end rather than abandoned), and the time
from the last keystroke to the answer of the last request (the suggestion the user finally sees).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

from fake_openrouter import FakeOpenRouter
from lsprotocol import types

from benchmarks.config import Config
from benchmarks.corpus import python_source
from benchmarks.lsp_client import Message, Pending
from benchmarks.results import Section
from benchmarks.scenarios.common import chats_since, describe_upstream, ended, ping, upstream
from benchmarks.servers import ARB, KINDS, NAIVE, Document, ServerKind, new_uri, session

TTFT = 0.150
TPS = 100.0
REPLY = " = compute_total(items)"
TYPED = "total_price_with_discount_and_tax_in_euros"
CLIENTS = ("vscode", "neovim")
#: Typing starts this long after ``initialized``: a burst measures debounce and supersession once the
#: server has settled (arb-lsp's start-up work, which can hold its event loop, is section 1b's subject).
SETTLE_S = 1.0


@dataclass(slots=True)
class Burst:
    sent: int
    completed: int
    last_latency: float | None  # s from the last keystroke to the last request's answer, if it had a suggestion


async def _burst(kind: ServerKind, fake: FakeOpenRouter, client: str, config: Config) -> Burst:
    async with session(kind, fake) as server:  # default settings: debounce on
        doc = Document(server, new_uri("burst"), python_source(100))
        line = 40
        await asyncio.sleep(SETTLE_S)
        await ping(server)
        seen = len(fake.chat_requests())
        pending: list[Pending] = []
        start = time.monotonic()
        for i in range(config.burst_keystrokes):
            before: list[Message] = []
            if i == 0:
                before.append(doc.insert(line, 0, "    \n"))  # a new, indented line to type on
            column = len(doc.lines[line])
            before.append(doc.insert(line, column, TYPED[i % len(TYPED)]))
            position = doc.end_of(line)
            if client == "vscode":
                if pending:
                    before.append((types.CANCEL_REQUEST, types.CancelParams(id=pending[-1].id)))
                pending.append(server.send(*doc.inline(position), before=before))
            else:
                method, params = doc.completion(position, types.CompletionTriggerKind.TriggerForIncompleteCompletions)
                pending.append(server.send(method, params, before=before))
            await asyncio.sleep(max(0.0, start + (i + 1) * config.burst_gap_s - time.monotonic()))
        answers = await asyncio.gather(*(asyncio.wait_for(p.answer, 30) for p in pending))
        chats = chats_since(fake, seen)
        await fake.wait_for_async(lambda: all(ended(c) for c in chats), timeout=10)
        last = answers[-1]
        latency = last.answered_at - last.sent_at if last.items() else None
        completed = sum(1 for c in chats if c.finished_at is not None and not c.disconnected)
        return Burst(len(chats), completed, latency)


async def run(fake: FakeOpenRouter, config: Config) -> Section:
    section = Section(
        "burst",
        "2. Typing burst: upstream requests and time to the suggestion",
        describe_upstream(TTFT, TPS, REPLY)
        + f"; {config.burst_keystrokes} keystrokes {config.burst_gap_s * 1000:g} ms apart, from "
        f"{SETTLE_S:g} s after `initialized`, "
        f"{config.burst_rounds} bursts per client and server (requests: the most in any burst; latency: the "
        "median); arb-lsp with its default settings (debounce 100 ms).",
    )
    section.notes.append(
        "arb-lsp's time to the suggestion includes its 100 ms debounce after the last keystroke: the price "
        "of asking once per burst instead of once per keystroke."
    )
    for client in CLIENTS:
        results: dict[str, list[Burst]] = {}
        for kind in KINDS:
            results[kind.name] = []
            for _ in range(config.burst_rounds):
                upstream(fake, ttft=TTFT, tps=TPS, reply=REPLY)
                results[kind.name].append(await _burst(kind, fake, client, config))
        arb, naive = results[ARB.name], results[NAIVE.name]
        name = "VS Code (inline, cancels)" if client == "vscode" else "Neovim (completion, no cancel)"

        def median(bursts: list[Burst], attribute: str) -> float | None:
            values = [getattr(b, attribute) for b in bursts if getattr(b, attribute) is not None]
            return statistics.median(values) if values else None

        def most(bursts: list[Burst], attribute: str) -> float:
            return max(getattr(b, attribute) for b in bursts)

        section.add(
            f"{client}_sent",
            f"{name}: upstream requests sent (most in one burst)",
            "",
            most(arb, "sent"),
            most(naive, "sent"),
            integer=True,
        )
        section.add(
            f"{client}_completed",
            f"{name}: upstream requests completed (most in one burst)",
            "",
            most(arb, "completed"),
            most(naive, "completed"),
            integer=True,
        )
        a, n = median(arb, "last_latency"), median(naive, "last_latency")
        section.add(
            f"{client}_latency",
            f"{name}: last keystroke to suggestion",
            "ms",
            a * 1000 if a is not None else None,
            n * 1000 if n is not None else None,
        )
        for kind_name, bursts in results.items():
            missing = sum(1 for b in bursts if b.last_latency is None)
            if missing:
                section.notes.append(f"{name}, {kind_name}: {missing} bursts ended without a suggestion.")
    return section
