"""Small steps the notification tests share: a device registering its subscription, a
citizen with a submitted application, an agency moving it on, `portal worker` processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from backend.settings import ROOT
from tests.support.applications import OFFICER, agency_id, apply, set_status
from tests.support.database import Database
from tests.support.flows import csrf
from tests.support.push_service import PushService

Client = Any

SUBSCRIPTIONS = "/api/v1/me/push-subscriptions"
NOTIFICATIONS = "/api/v1/me/notifications"
PREFERENCES = "/api/v1/me/notification-preferences"


async def register(
    client: Client, subscription: dict[str, Any], device_name: str = "โทรศัพท์ของฉัน"
) -> Any:
    """POST the browser's subscription JSON (with `expirationTime`, as toJSON() gives it)."""
    return await client.post(
        SUBSCRIPTIONS,
        json={
            "subscription": {**subscription, "expirationTime": None},
            "device_name": device_name,
        },
        headers=csrf(client),
    )


async def subscribe_device(
    client: Client, push: PushService, device_name: str = "โทรศัพท์ของฉัน"
) -> dict[str, Any]:
    """A new browser subscription at the local push service, registered; its JSON."""
    subscription = push.subscribe()
    response = await register(client, subscription, device_name)
    assert response.status_code == 201, response.text
    return subscription


async def submitted_application(client: Client) -> dict[str, Any]:
    """The signed-in citizen applies (NHSO's change-health-unit); the detail body."""
    response = await apply(client)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def agency_moves(application_id: int, status: str, **messages: Any) -> None:
    """NHSO changes the status (as its API or officer console would)."""
    await set_status(application_id, status, OFFICER, agency_id=await agency_id("NHSO"), **messages)


_STARTED: list[asyncio.subprocess.Process] = []
"""Workers the tests started: none may outlive its test (tests/conftest.py ends them)."""


def end_leftover_workers() -> None:
    """Kill the workers a test started and left running (it failed before stopping them):
    one left behind would take the next tests' messages from the same database."""
    for process in _STARTED:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(process.pid, signal.SIGKILL)
                os.waitpid(process.pid, 0)
    _STARTED.clear()


async def start_worker(db: Database, log: Path, *args: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "DATABASE_URL": db.url, "VAR_DIR": str(db.var_dir), "LOG_LEVEL": "INFO"}
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "backend.cli",
            "worker",
            *args,
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    _STARTED.append(process)
    return process


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)
