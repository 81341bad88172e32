"""Scenario 8: context from the whole workspace, on a generated workspace of 2,000 Python files.

Each module of the workspace defines a class with documented methods and imports classes of three other
modules. The document being edited imports five of them; five other documents are open, and two of them were
just edited (so every provider has work: imports, recent edits, similar windows).

*In process*: the providers alone (``WorkspaceContext.collect``, no time budget), for the first request of a
fresh server (caches cold: every imported file read and parsed) and for each later keystroke (a new document
version, caches warm). *Through the server*: the overhead over the upstream's own latency per keystroke (a
``didChange`` and the completion request written together), on two servers fed the same keystrokes
alternately, one with workspace context on (default 50 ms budget) and one with it off
(``completion.workspaceContext: false``); the difference of the medians is what the providers add.
The prompt sizes are those the fake received. arb-lsp only: the naive baseline sends no other files.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fake_openrouter import FakeOpenRouter

from arb_lsp.settings import Settings
from arb_lsp.workspace_context import ContextRequest, Deadline, OpenDocument, WorkspaceContext
from arb_lsp.workspace_context.snippets import merge_snippets
from benchmarks.config import Config
from benchmarks.lsp_client import LspProcess
from benchmarks.results import Section
from benchmarks.scenarios.common import chats_since, describe_upstream, ping, upstream, upstream_seconds
from benchmarks.servers import ARB, Document, process
from benchmarks.stats import summarize

TTFT = 0.025
TPS = 250.0
REPLY = "total()"
MODULES_PER_PACKAGE = 50
IMPORTS_PER_MODULE = 3
OPEN_DOCUMENTS = 5
#: The edited document imports this many modules.
EDITED_IMPORTS = 5


def _module(package: int, module: int, packages: int) -> str:
    """One module: imports of three other modules' classes, then a documented class with five methods."""
    lines = []
    for k in range(1, IMPORTS_PER_MODULE + 1):
        other_package, other_module = (package + k) % packages, (module * 7 + k) % MODULES_PER_PACKAGE
        lines.append(f"from pkg{other_package:02d}.mod{other_module:02d} import Model{other_package}x{other_module}\n")
    lines += ["\n", f"class Model{package}x{module}:\n", f'    """Totals of batch {package}.{module}."""\n', "\n"]
    lines.append("    def __init__(self, items: list[int], factor: int = 2) -> None:\n")
    lines += ["        self.items = items\n", "        self.factor = factor\n", "\n"]
    for method in ("total", "average", "largest", "scaled", "describe"):
        lines.append(f"    def {method}_{module}(self, limit: int = {module}) -> float:\n")
        lines.append(f'        """The {method} of the first ``limit`` items."""\n')
        lines += ["        values = self.items[:limit]\n", "        result = sum(values) * self.factor\n"]
        lines += [
            "        for value in values:\n",
            "            result -= value % 3\n",
            "        return result\n",
            "\n",
        ]
    return "".join(lines)


def generate_workspace(root: Path, files: int) -> list[Path]:
    """``files`` Python modules in packages of 50 (plus their ``__init__.py``); returns the module paths."""
    packages = max(1, files // MODULES_PER_PACKAGE)
    modules: list[Path] = []
    for package in range(packages):
        directory = root / f"pkg{package:02d}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "__init__.py").write_text("")
        for module in range(min(MODULES_PER_PACKAGE, files - package * MODULES_PER_PACKAGE)):
            path = directory / f"mod{module:02d}.py"
            path.write_text(_module(package, module, packages))
            modules.append(path)
    return modules


def _size(paths: list[Path]) -> int:
    return sum(os.path.getsize(p) for p in paths)


def edited_document(packages: int) -> str:
    imports = "".join(
        f"from pkg{p % packages:02d}.mod{p * 3 % MODULES_PER_PACKAGE:02d} import Model{p % packages}x{p * 3 % MODULES_PER_PACKAGE}\n"
        for p in range(1, EDITED_IMPORTS + 1)
    )
    body = "".join(f"def step_{i}(model):\n    return model.total_{i % 50}({i})\n\n\n" for i in range(40))
    return imports + "\n\n" + body + "def run(batch):\n    model = Model1x3(batch)\n    return model.\n"


def _open_documents(modules: list[Path]) -> list[OpenDocument]:
    step = max(1, len(modules) // OPEN_DOCUMENTS)
    return [OpenDocument(str(p), "python", p.read_text(), 1) for p in modules[::step][:OPEN_DOCUMENTS]]


def in_process(root: Path, modules: list[Path], packages: int, samples: int) -> tuple[float, list[float], int]:
    """(cold ms, warm ms per keystroke, context chars merged into a 2,048-token prompt) of the providers alone."""
    context = WorkspaceContext()
    others = _open_documents(modules)
    for document in others[:2]:
        context.history.record(document.path, 10, 10, "        values = self.items[:limit]\n")
    text = edited_document(packages)
    path = str(root / "app" / "main.py")

    def run_once(version: int, body: str) -> tuple[float, int]:
        document = OpenDocument(path, "python", body, version)
        request = ContextRequest(
            document, len(body), (str(root),), (document, *others), tuple(context.history.ranges())
        )
        sink: list[Any] = []
        start = time.perf_counter()
        context.collect(request, lambda _: False, Deadline(60.0), sink)
        elapsed = (time.perf_counter() - start) * 1000
        merged = merge_snippets(sink, int(7168 * 0.4), body[-7168:])
        return elapsed, sum(len(s.text) for s in merged)

    cold, chars = run_once(1, text)
    warm = []
    for version in range(2, samples + 2):
        text = text[: len(text) - 1] + f"  # {version}\n"
        elapsed, chars = run_once(version, text)
        warm.append(elapsed)
    return cold, warm, chars


@dataclass(slots=True)
class _Series:
    """One server's samples: overhead per keystroke (s), prompt sizes (chars), prompts with context."""

    overheads: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    with_context: int = 0


async def _launch(fake: FakeOpenRouter, root: Path, data_dir: str, enabled: bool) -> LspProcess:
    server = process(ARB, fake, data_dir)
    await server.launch()
    await server.initialize({"completion": {"debounceMs": 0, "workspaceContext": enabled}}, root=root.as_uri())
    return server


async def through_server(
    fake: FakeOpenRouter, root: Path, modules: list[Path], packages: int, samples: int
) -> tuple[_Series, _Series]:
    """Two servers, context on and off, fed the same keystrokes alternately (so both see the same load)."""
    upstream(fake, ttft=TTFT, tps=TPS, reply=REPLY)
    results = (_Series(), _Series())
    with tempfile.TemporaryDirectory(prefix="arb-bench-") as on_dir, tempfile.TemporaryDirectory() as off_dir:
        servers = [await _launch(fake, root, on_dir, True), await _launch(fake, root, off_dir, False)]
        try:
            documents = []
            for server in servers:
                for opened in _open_documents(modules):
                    other = Document(server, Path(opened.path).as_uri(), opened.text)
                    server.notify(*other.insert(10, 0, "        values = self.items[:limit]\n"))
                documents.append(Document(server, (root / "app" / "main.py").as_uri(), edited_document(packages)))
                await ping(server)
            last = len(documents[0].lines) - 2
            for i in range(samples + 1):
                for server, doc, series in zip(servers, documents, results, strict=True):
                    change = doc.insert(last, len(doc.lines[last]), f"total_{i % 50}(")
                    seen = len(fake.chat_requests())
                    answer = await server.request(*doc.completion(doc.end_of(last)), before=[change])
                    chats = chats_since(fake, seen)
                    own = upstream_seconds(chats[0]) if len(chats) == 1 else None
                    if i == 0 or own is None or answer.error is not None:
                        continue  # the first request warms the caches (its cost is the in-process cold figure)
                    series.overheads.append(answer.latency - own)
                    prompt = str(chats[0].messages[-1]["content"])
                    series.sizes.append(len(prompt))
                    series.with_context += "<context>" in prompt
        finally:
            for server in servers:
                await server.shutdown()
    return results


async def run(fake: FakeOpenRouter, config: Config) -> Section:
    files = config.workspace_files
    section = Section(
        "workspace",
        f"8. Workspace context on a generated workspace of {files:,} files",
        describe_upstream(TTFT, TPS, REPLY)
        + f"; {files:,} Python modules, each importing {IMPORTS_PER_MODULE} others; the edited document imports "
        f"{EDITED_IMPORTS}, {OPEN_DOCUMENTS} other documents are open and 2 were just edited; "
        f"{config.workspace_samples} keystrokes per row. arb-lsp only (the baseline sends no other files).",
    )
    with tempfile.TemporaryDirectory(prefix="arb-bench-ws-") as directory:
        root = Path(directory)
        modules = generate_workspace(root, files)
        (root / "app").mkdir()
        packages = max(1, files // MODULES_PER_PACKAGE)
        cold, warm, chars = in_process(root, modules, packages, config.workspace_samples)
        on_series, off_series = await through_server(fake, root, modules, packages, config.workspace_samples)
        disk = _size(modules)
    on_sizes, off_sizes = on_series.sizes, off_series.sizes
    warm_summary, on_summary, off_summary = (
        summarize(warm),
        summarize(on_series.overheads),
        summarize(off_series.overheads),
    )
    ms = 1000.0
    section.add("context_cold_ms", "providers alone, first request (caches cold)", "ms", cold, None)
    section.add("context_warm_median", "providers alone, per keystroke, median", "ms", warm_summary.median, None)
    section.add("context_warm_p95", "providers alone, per keystroke, p95", "ms", warm_summary.p95, None)
    section.add("context_on_median", "overhead per keystroke, context on, median", "ms", on_summary.median * ms, None)
    section.add("context_on_p95", "overhead per keystroke, context on, p95", "ms", on_summary.p95 * ms, None)
    section.add(
        "context_off_median", "overhead per keystroke, context off, median", "ms", off_summary.median * ms, None
    )
    section.add("context_off_p95", "overhead per keystroke, context off, p95", "ms", off_summary.p95 * ms, None)
    section.add(
        "context_added_median",
        "added by the providers (median on − median off)",
        "ms",
        (on_summary.median - off_summary.median) * ms,
        None,
    )
    section.add(
        "context_prompt_on",
        "prompt size, context on (median)",
        "chars",
        statistics.median(on_sizes or [0]),
        None,
        integer=True,
    )
    section.add(
        "context_prompt_off",
        "prompt size, context off (median)",
        "chars",
        statistics.median(off_sizes or [0]),
        None,
        integer=True,
    )
    section.add("context_chars", "of which workspace context (in process)", "chars", chars, None, integer=True)
    section.add(
        "context_share",
        "prompts that carried workspace context",
        "%",
        100 * on_series.with_context / max(1, len(on_sizes)),
        None,
    )
    section.notes.append(
        f"Workspace: {files:,} modules, {disk / 1e6:.1f} MB. The default budget is "
        f"{Settings().completion.context_budget_ms} ms; a request never waits longer for context, and what the "
        "providers did not finish in time is left out of that request (the caches they fill serve the next one)."
    )
    return section
