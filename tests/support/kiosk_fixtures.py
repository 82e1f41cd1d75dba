"""Fixtures: a registered kiosk with a signed-in operator, ready to serve citizens, and the
admin who registered it (for test packages that serve citizens at a kiosk)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.flows import enrol_staff
from tests.support.kiosk import KioskSetup, activate, register_kiosk

Client = AsyncTestClient[Any]


@pytest.fixture
async def admin(make_client: Any) -> AsyncIterator[Client]:
    async with make_client() as client:
        await enrol_staff(client, "admin", full_name="ผู้ดูแล ระบบ")
        yield client


@pytest.fixture
async def kiosk(admin: Client, make_client: Any) -> AsyncIterator[KioskSetup]:
    registered = await register_kiosk(admin)
    async with make_client() as client:
        assert (await activate(client, registered["code"])).status_code == 200
        operator = await enrol_staff(client, "operator", full_name="สมศรี ผู้ให้บริการ")
        yield KioskSetup(
            client=client, kiosk_id=registered["kiosk"]["id"], operator_id=operator["account"]["id"]
        )
