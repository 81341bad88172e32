"""Latest-wins scheduling: supersession, shared in-flight work, debounce, cancellation."""

from __future__ import annotations

import asyncio

from arb_lsp.scheduling import LatestWins


async def test_newer_context_supersedes_older_during_debounce_without_starting_it() -> None:
    scheduler: LatestWins[str] = LatestWins()
    started: list[str] = []

    async def job(name: str) -> str:
        started.append(name)
        return name

    first = asyncio.ensure_future(scheduler.run("doc", "a", 0.05, lambda: job("a")))
    await asyncio.sleep(0.01)
    second = await scheduler.run("doc", "b", 0.05, lambda: job("b"))
    assert await first is None and second == "b"
    assert started == ["b"] and scheduler.started == 1


async def test_superseding_started_work_cancels_it() -> None:
    scheduler: LatestWins[str] = LatestWins()
    cancelled = asyncio.Event()

    async def slow() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "slow"

    first = asyncio.ensure_future(scheduler.run("doc", "a", 0, slow))
    await asyncio.sleep(0.01)

    async def fast() -> str:
        return "fast"

    assert await scheduler.run("doc", "b", 0, fast) == "fast"
    assert await first is None
    assert cancelled.is_set()


async def test_same_context_joins_the_work_in_flight() -> None:
    scheduler: LatestWins[int] = LatestWins()
    calls = 0

    async def job() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        return 7

    results = await asyncio.gather(*(scheduler.run("doc", "same", 0, job) for _ in range(3)))
    assert results == [7, 7, 7] and calls == 1


async def test_work_stops_only_when_its_last_waiter_is_cancelled() -> None:
    scheduler: LatestWins[int] = LatestWins()
    stopped = asyncio.Event()

    async def job() -> int:
        try:
            await asyncio.sleep(10)
        finally:
            stopped.set()
        return 1

    one = asyncio.ensure_future(scheduler.run("doc", "k", 0, job))
    two = asyncio.ensure_future(scheduler.run("doc", "k", 0, job))
    await asyncio.sleep(0.01)
    one.cancel()
    await asyncio.sleep(0.01)
    assert not stopped.is_set(), "another request still waits for this work"
    two.cancel()
    await asyncio.sleep(0.01)
    assert stopped.is_set()


async def test_documents_do_not_interfere() -> None:
    scheduler: LatestWins[str] = LatestWins()

    async def job(name: str) -> str:
        await asyncio.sleep(0.01)
        return name

    a, b = await asyncio.gather(
        scheduler.run("doc1", "x", 0, lambda: job("1")), scheduler.run("doc2", "x", 0, lambda: job("2"))
    )
    assert (a, b) == ("1", "2")
