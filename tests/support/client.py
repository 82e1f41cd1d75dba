"""The test client: the app served on the test's own event loop.

Litestar's AsyncTestClient runs the app on an event loop of its own, in a thread: each request
hops threads while the test's loop waits, and the app cannot share the test's connection pool
(asyncpg's pools serve the loop that opened them), so every statement opened a connection.
This one hands requests to the app on the test's loop (httpx's ASGI transport), with the app's
startup and shutdown run around it as a server would, in a task of their own (the lifespan's
task groups must end in the task that began them; a fixture's setup and teardown are two).
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self

import httpx
from litestar import Litestar

__all__ = ["PortalClient"]


class PortalClient(httpx.AsyncClient):
    def __init__(
        self, app: Litestar, base_url: str = "http://testserver.local", **kwargs: Any
    ) -> None:
        super().__init__(
            transport=httpx.ASGITransport(app=app, client=("testclient", 50000)),
            base_url=base_url,
            follow_redirects=True,
            headers={"user-agent": "testclient"},
            **kwargs,
        )
        self.app = app
        self._stop = asyncio.Event()
        self._lifespan: asyncio.Task[None] | None = None

    async def _run_lifespan(self, started: asyncio.Future[None]) -> None:
        async with self.app.lifespan():
            started.set_result(None)
            await self._stop.wait()

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        started = asyncio.get_running_loop().create_future()
        self._lifespan = asyncio.create_task(self._run_lifespan(started))
        await asyncio.wait([started, self._lifespan], return_when=asyncio.FIRST_COMPLETED)
        if not started.done():
            await self._lifespan  # the startup failed: its error
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        try:
            if self._lifespan is not None:
                self._stop.set()
                await self._lifespan
        finally:
            await super().__aexit__(exc_type, exc, traceback)
