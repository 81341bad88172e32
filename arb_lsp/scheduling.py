"""Where speed and cost are decided: debounce, latest-wins per document, shared in-flight work.

Each document has at most one piece of upstream work in flight. A request for a different context
supersedes it: the old work is cancelled (closing its HTTP stream, which stops billing) and every
request waiting on it answers at once, empty. A request for the same context joins the work already
in flight instead of paying twice (VS Code asks for menu items and ghost text at the same spot).
Work is cancelled when the last request waiting on it is cancelled by the client.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Slot(Generic[T]):
    __slots__ = ("context_key", "superseded", "task", "waiters")

    def __init__(self, context_key: str) -> None:
        self.context_key = context_key
        self.task: asyncio.Task[T | None] | None = None
        self.waiters = 0
        self.superseded = False


class LatestWins(Generic[T]):
    def __init__(self) -> None:
        self._slots: dict[str, _Slot[T]] = {}
        #: Upstream jobs actually started (after their debounce), for tests and benchmarks.
        self.started = 0

    def supersede(self, key: str) -> None:
        """Drop the work in flight for ``key`` (an edit made its context stale)."""
        slot = self._slots.pop(key, None)
        if slot is not None:
            slot.superseded = True
            if slot.task is not None:
                slot.task.cancel()

    async def run(self, key: str, context_key: str, delay: float, job: Callable[[], Awaitable[T]]) -> T | None:
        """``job()``'s result after ``delay`` seconds, or None if newer work for ``key`` superseded it."""
        slot = self._slots.get(key)
        if slot is None or slot.context_key != context_key or slot.task is None or slot.task.done():
            self.supersede(key)
            slot = _Slot(context_key)
            self._slots[key] = slot
            slot.task = asyncio.ensure_future(self._drive(delay, job))
            slot.task.add_done_callback(functools.partial(self._forget, key, slot))
        task = slot.task
        assert task is not None
        slot.waiters += 1
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                # This request was cancelled by the client: stop the work if nobody else waits.
                slot.waiters -= 1
                if slot.waiters <= 0:
                    task.cancel()
                raise
            return None  # the work was superseded (or cancelled for everyone): answer empty at once

    async def _drive(self, delay: float, job: Callable[[], Awaitable[T]]) -> T | None:
        if delay > 0:
            await asyncio.sleep(delay)
        self.started += 1
        return await job()

    def _forget(self, key: str, slot: _Slot[T], _task: object = None) -> None:
        if self._slots.get(key) is slot:
            del self._slots[key]
