"""A real HTTP server standing in for an agency's webhook endpoint (aiohttp on 127.0.0.1).

It verifies each delivery's HMAC signature and timestamp as an agency should, answers with
scripted statuses (500s, delays), and keeps every verified event.

    async with AgencyReceiver() as agency:
        agency.secret = "whsec_…"      # from the admin API's answer
        agency.script(500, 500)        # the next two deliveries fail
        ...
        agency.events                  # verified events, in arrival order
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import deque
from types import TracebackType
from typing import Any

from aiohttp import web

__all__ = ["AgencyReceiver"]


class AgencyReceiver:
    def __init__(self) -> None:
        self.secret = ""
        self.events: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.attempts = 0
        self.delay_s = 0.0
        self._script: deque[int] = deque()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def script(self, *statuses: int) -> None:
        self._script.extend(statuses)

    async def _handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.read()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self._script:
            return web.Response(status=self._script.popleft())
        timestamp = request.headers.get("X-Portal-Timestamp", "")
        expected = (
            "v1="
            + hmac.new(
                self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
            ).hexdigest()
        )
        sent = request.headers.get("X-Portal-Signature", "")
        if not hmac.compare_digest(expected, sent):
            self.rejected.append("bad signature")
            return web.Response(status=401)
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            self.rejected.append("stale timestamp")
            return web.Response(status=401)
        event = json.loads(body)
        if event["id"] != request.headers.get("X-Portal-Event-Id"):
            self.rejected.append("event id header")
            return web.Response(status=400)
        self.events.append(event)
        return web.Response(status=204)

    async def __aenter__(self) -> AgencyReceiver:
        app = web.Application()
        app.router.add_post("/hooks/portal", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hooks/portal"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
