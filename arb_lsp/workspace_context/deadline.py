"""A time budget shared by the context providers of one request, checked between units of work."""

from __future__ import annotations

import threading
import time


class Deadline:
    """Expires ``seconds`` after creation, or as soon as :meth:`cancel` is called (the request went away)."""

    __slots__ = ("_cancelled", "_end")

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    def expired(self) -> bool:
        return self._cancelled.is_set() or time.monotonic() >= self._end

    def remaining(self) -> float:
        return 0.0 if self._cancelled.is_set() else max(0.0, self._end - time.monotonic())


#: A deadline that never expires, for tests and one-shot commands.
def unlimited() -> Deadline:
    return Deadline(1e9)
