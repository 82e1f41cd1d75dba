"""The base of handlers that deliver over HTTP (Web Push, agency webhooks): one aiohttp
session, opened and closed with `async with`, so connections to each remote server are
reused for as long as the worker runs."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import aiohttp

__all__ = ["HttpHandler"]


class HttpHandler:
    """Subclasses say how their session is made (`new_session`) and deliver with
    `self.session` inside `__call__`."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def new_session(self) -> aiohttp.ClientSession:
        raise NotImplementedError

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError(f"use {type(self).__name__} inside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self.new_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
