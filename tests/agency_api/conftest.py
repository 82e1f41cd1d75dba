"""Agency API fixtures: credentials for two agencies, citizens with applications."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.settings import Settings
from tests.support.agency import dopa, msgspec_replace, nhso
from tests.support.flows import enrol_citizen, thai_id

Client = AsyncTestClient[Any]

__all__ = ["citizen", "dopa", "nhso", "settings"]  # fixtures for the tests here


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The webhook receiver in these tests listens on 127.0.0.1.
    return msgspec_replace(settings, agency_webhook_allow_private=True)


@pytest.fixture
async def citizen(client: Client) -> dict[str, Any]:
    """A signed-in citizen (the `client` fixture's cookies)."""
    return await enrol_citizen(client, national_id=thai_id(777))
