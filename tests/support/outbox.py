"""The outbox seen from tests: a clock the test moves, and the outbox's rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.system.tables import OutboxMessage

__all__ = ["Clock", "outbox_rows"]


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


async def outbox_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await OutboxMessage.select().order_by(OutboxMessage.id)
    return rows
