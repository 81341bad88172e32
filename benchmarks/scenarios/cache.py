"""Scenario 4: answers that need no upstream call: the same request again, and typing into a suggestion.

* Repeated request: one completion, then the identical request again (same document version and
  position), as editors do when a menu is re-opened.
* Type-ahead: a ghost-text suggestion is shown, then the user types its first characters one by one,
  each keystroke followed by an inline completion request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fake_openrouter import FakeOpenRouter

from benchmarks.config import Config
from benchmarks.corpus import python_source
from benchmarks.results import Section
from benchmarks.scenarios.common import chats_since, describe_upstream, ping, upstream
from benchmarks.servers import ARB, KINDS, NAIVE, NO_DEBOUNCE, Document, ServerKind, new_uri, session
from benchmarks.stats import summarize

TTFT = 0.025
TPS = 250.0
REPLY = "compute_total(items)"
TYPED = "compute"


@dataclass(slots=True)
class Served:
    repeat: list[float] = field(default_factory=list)
    repeat_calls: int = 0
    typed: list[float] = field(default_factory=list)
    typed_calls: int = 0
    typed_suggestions: int = 0


async def _measure(kind: ServerKind, fake: FakeOpenRouter, config: Config) -> Served:
    upstream(fake, ttft=TTFT, tps=TPS, reply=REPLY)
    served = Served()
    async with session(kind, fake, NO_DEBOUNCE) as server:
        doc = Document(server, new_uri("cache"), python_source(100))
        await ping(server)
        line = 20
        doc_change = doc.insert(line, 0, "    total = \n")
        await server.request(*doc.completion(doc.end_of(line)), before=[doc_change])
        seen = len(fake.chat_requests())
        for _ in range(config.cache_repeats):
            served.repeat.append((await server.request(*doc.completion(doc.end_of(line)))).latency)
        served.repeat_calls = len(chats_since(fake, seen))

        for round_ in range(config.typeahead_rounds):
            line = 50 + round_
            first = doc.insert(line, 0, f"    total_{round_} = \n")
            shown = await server.request(*doc.inline(doc.end_of(line)), before=[first])
            if not shown.items():
                continue
            seen = len(fake.chat_requests())
            for char in TYPED:
                keystroke = doc.insert(line, len(doc.lines[line]), char)
                answer = await server.request(*doc.inline(doc.end_of(line)), before=[keystroke])
                served.typed.append(answer.latency)
                served.typed_suggestions += bool(answer.items())
            served.typed_calls += len(chats_since(fake, seen))
    return served


async def run(fake: FakeOpenRouter, config: Config) -> Section:
    keystrokes = config.typeahead_rounds * len(TYPED)
    section = Section(
        "cache",
        "4. Cache and type-ahead: answers without an upstream call",
        describe_upstream(TTFT, TPS, REPLY)
        + f"; {config.cache_repeats} repeats of one request; {config.typeahead_rounds} suggestions typed into, "
        f"`{TYPED}` one character at a time ({keystrokes} keystrokes, each with an inline request).",
    )
    section.notes.append(
        "A keystroke is two messages (its `didChange` and the request), each read through pygls's stdio "
        "transport; a repeated request is one."
    )
    results = {kind.name: await _measure(kind, fake, config) for kind in KINDS}
    arb, naive = results[ARB.name], results[NAIVE.name]
    a, n = summarize(arb.repeat), summarize(naive.repeat)
    section.add("repeat_median", "repeated request: latency, median", "ms", a.median * 1000, n.median * 1000)
    section.add("repeat_p95", "repeated request: latency, p95", "ms", a.p95 * 1000, n.p95 * 1000)
    section.add(
        "repeat_calls",
        f"repeated request: upstream calls for {config.cache_repeats}",
        "",
        arb.repeat_calls,
        naive.repeat_calls,
        integer=True,
    )
    a, n = summarize(arb.typed), summarize(naive.typed)
    section.add(
        "typed_median",
        "typing into a suggestion: latency per keystroke, median",
        "ms",
        a.median * 1000,
        n.median * 1000,
    )
    section.add("typed_p95", "typing into a suggestion: latency per keystroke, p95", "ms", a.p95 * 1000, n.p95 * 1000)
    section.add(
        "typed_calls",
        f"typing into a suggestion: upstream calls for {keystrokes} keystrokes",
        "",
        arb.typed_calls,
        naive.typed_calls,
        integer=True,
    )
    section.add(
        "typed_shown",
        "typing into a suggestion: keystrokes answered with a suggestion",
        "",
        arb.typed_suggestions,
        naive.typed_suggestions,
        integer=True,
    )
    return section
