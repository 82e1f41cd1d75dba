"""Shared pieces for the outbox, worker and Web Push tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from backend.lib.webpush import VapidKeys, load_or_create_vapid
from backend.settings import Settings
from backend.system.tables import OutboxMessage
from tests.support.push_service import PushService


class Clock:
    """A clock the test moves by hand; starts a second ahead so fresh messages are due."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)

    def later(self, seconds: float) -> Clock:
        """Another clock `seconds` ahead of this one (another worker's view of time)."""
        other = Clock()
        other.now = self.now + dt.timedelta(seconds=seconds)
        return other


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app accepts subscriptions to the local push service (http://127.0.0.1:<port>)."""
    return msgspec.structs.replace(settings, push_allow_loopback_http=True)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def vapid(settings: Settings) -> VapidKeys:
    """The portal's VAPID keys (VAR_DIR's key file: the app, the worker and `portal worker`
    processes of this test all use it)."""
    return load_or_create_vapid(settings)


@pytest.fixture
async def push(vapid: VapidKeys) -> AsyncIterator[PushService]:
    """The local push service; its subscriptions are made for the portal's public key, as
    the PWA subscribes, so a push signed by any other key is refused (403)."""
    async with PushService(application_server_key=vapid.public_key_b64url) as service:
        yield service


async def outbox_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await OutboxMessage.select().order_by(OutboxMessage.id)
    return rows
