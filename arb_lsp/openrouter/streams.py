"""An async iterator of answer pieces that releases its HTTP response the moment it is left."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType
from typing import Self


class ClosingStream:
    """``async for piece in stream`` yields text; ``aclose()`` or leaving ``async with`` closes at once.

    Closing the response is what stops generation and billing upstream, so it must not wait for
    garbage collection: use ``async with`` (or call ``aclose()``) whenever a loop may end early.
    """

    def __init__(self, events: AsyncGenerator[str, None]) -> None:
        self._events = events

    def __aiter__(self) -> AsyncIterator[str]:
        return self

    async def __anext__(self) -> str:
        return await self._events.__anext__()

    async def aclose(self) -> None:
        await self._events.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
