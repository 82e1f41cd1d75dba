"""Fee fixtures: two agencies' systems, a citizen with a push subscription's fixtures."""

from __future__ import annotations

from typing import Any

import pytest

from backend.settings import Settings
from tests.support.agency import Signer, signer_for
from tests.support.pushes import clock, push, settings, vapid

__all__ = ["clock", "dopa", "nhso", "push", "settings", "vapid"]


@pytest.fixture
async def dopa(db: Any, settings: Settings) -> Signer:
    """DOPA's system (the ID card replacement: a fixed fee of 100 baht, payable by QR)."""
    return await signer_for("DOPA", settings)


@pytest.fixture
async def nhso(db: Any, settings: Settings) -> Signer:
    """Another agency's system."""
    return await signer_for("NHSO", settings)
