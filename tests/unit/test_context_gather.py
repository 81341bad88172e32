"""Running the providers for one request: priority order, one time budget, cancellation, per-version cache."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from arb_lsp.workspace_context import ContextRequest, OpenDocument, Source, WorkspaceContext, merge_snippets


def request(
    root: Path,
    text: str,
    *,
    version: int = 1,
    others: tuple[OpenDocument, ...] = (),
    context: WorkspaceContext | None = None,
) -> ContextRequest:
    document = OpenDocument(str(root / "app.py"), "python", text, version)
    edits = tuple(context.history.ranges()) if context else ()
    return ContextRequest(document, len(text), (str(root),), (document, *others), edits)


def never(_: str) -> bool:
    return False


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text("class Order:\n    def total(self) -> int:\n        return 1\n")
    return tmp_path


async def test_every_provider_contributes_in_priority_order(shop: Path) -> None:
    context = WorkspaceContext()
    other = OpenDocument(str(shop / "report.py"), "python", "def report_total(order):\n    return order.total()\n", 1)
    context.history.record(other.path, 0, 0, "def report_total(order):\n")
    found = await context.gather(
        request(
            shop, "from shop.models import Order\norder = Order()\nreport_total(order", others=(other,), context=context
        ),
        never,
        1.0,
    )
    assert [s.source for s in found] == [Source.IMPORT, Source.RECENT_EDIT, Source.SIMILAR]
    assert found[0].path == "shop/models.py" and "def total(self) -> int:" in found[0].text


async def test_what_is_not_done_within_the_budget_is_left_out(shop: Path) -> None:
    def slow(path: str) -> bool:
        time.sleep(0.3)
        return False

    context = WorkspaceContext()
    text = "from shop.models import Order\n"
    assert await context.gather(request(shop, text), slow, 0.02) == []
    assert [s.path for s in await WorkspaceContext().gather(request(shop, text), never, 2.0)] == ["shop/models.py"]


async def test_a_cancelled_request_stops_the_worker(tmp_path: Path) -> None:
    for n in range(10):
        (tmp_path / f"m{n}.py").write_text(f"def f{n}(): ...\n")
    checked: list[str] = []

    def slow(path: str) -> bool:
        checked.append(path)
        time.sleep(0.05)
        return False

    text = "".join(f"from m{n} import f{n}\n" for n in range(10))
    task = asyncio.ensure_future(WorkspaceContext().gather(request(tmp_path, text), slow, 5.0))
    await asyncio.sleep(0.08)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    seen = len(checked)
    await asyncio.sleep(0.4)
    assert len(checked) <= seen + 1, "the worker went on after the request was cancelled"


async def test_import_snippets_are_cached_per_document_version(shop: Path) -> None:
    context = WorkspaceContext()
    text = "from shop.models import Order\n"
    first = await context.gather(request(shop, text, version=1), never, 1.0)
    (shop / "shop" / "models.py").unlink()
    again = await context.gather(request(shop, text, version=1), never, 1.0)
    assert again == first
    assert await context.gather(request(shop, text, version=2), never, 1.0) == []


async def test_no_budget_no_work(shop: Path) -> None:
    assert await WorkspaceContext().gather(request(shop, "from shop.models import Order\n"), never, 0) == []


async def test_the_import_used_at_the_cursor_comes_first(tmp_path: Path) -> None:
    (tmp_path / "first.py").write_text("class Ledger:\n    def post(self) -> None: ...\n")
    (tmp_path / "second.py").write_text("class Invoice:\n    def send(self) -> None: ...\n")
    text = "from first import Ledger\nfrom second import Invoice\n\n" + "x = 1\n" * 40 + "invoice = Invoice()\ninvoice."
    found = await WorkspaceContext().gather(request(tmp_path, text), never, 1.0)
    assert [s.path for s in merge_snippets(found, 2000)] == ["second.py", "first.py"]


async def test_a_file_excluded_since_the_last_request_is_dropped_from_the_cache(shop: Path) -> None:
    context = WorkspaceContext()
    text = "from shop.models import Order\n"
    assert [s.path for s in await context.gather(request(shop, text), never, 1.0)] == ["shop/models.py"]

    def models_excluded(path: str) -> bool:
        return path.endswith("models.py")

    assert await context.gather(request(shop, text), models_excluded, 1.0) == []
