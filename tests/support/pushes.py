"""Fixtures for tests that deliver pushes: the app accepting the local push service, the
portal's VAPID keys, the local push service itself, and a clock the test moves. Test
packages that need them import them into their conftest."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest

from backend.lib.webpush import VapidKeys, load_or_create_vapid
from backend.settings import Settings
from tests.support.outbox import Clock
from tests.support.push_service import PushService

__all__ = ["clock", "push", "settings", "vapid"]


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
