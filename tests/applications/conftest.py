"""Helpers for applying: a signed-in citizen and valid answers for demo services."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.flows import enrol_citizen, thai_id

Client = AsyncTestClient[Any]


@pytest.fixture
async def citizen(client: Client) -> dict[str, Any]:
    """A signed-in citizen (the `client` fixture's cookies)."""
    return await enrol_citizen(client, national_id=thai_id(4242))
