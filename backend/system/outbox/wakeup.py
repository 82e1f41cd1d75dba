"""Wake idle workers as soon as work is queued (PostgreSQL LISTEN/NOTIFY).

`outbox.enqueue_many` sends a NOTIFY on `WAKE_CHANNEL` in the producer's transaction, which
PostgreSQL delivers at commit (never for a change that rolled back; once per transaction,
however many rows). A worker listening on a connection of its own ends its idle wait at once
instead of at its next poll, so a status change reaches the phone in tens of milliseconds.
The poll stays: it finds retries that fall due, and covers a lost listening connection,
which is reopened with backoff. SQLite has no such channel: workers find new work at their
next poll (`portal worker --idle-sleep`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from backend.lib.background import in_background

__all__ = ["WAKE_CHANNEL", "listen"]

log = logging.getLogger("portal.worker")

WAKE_CHANNEL = "portal_outbox"
MAX_RECONNECT_S = 30.0


@contextlib.asynccontextmanager
async def listen(database_url: str, wake: asyncio.Event) -> AsyncIterator[None]:
    """Set `wake` on every NOTIFY while the block runs (a no-op for SQLite URLs)."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        yield
        return
    async with in_background(_listen_forever(database_url, wake)):
        yield


async def _listen_forever(database_url: str, wake: asyncio.Event) -> None:
    delay = 1.0
    while True:
        try:
            connection = await asyncpg.connect(database_url)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("cannot listen for queued work; polling only", extra={"error": str(exc)})
            await asyncio.sleep(delay)
            delay = min(2 * delay, MAX_RECONNECT_S)
            continue
        delay = 1.0
        await _listen_on(connection, wake)


async def _listen_on(connection: asyncpg.Connection, wake: asyncio.Event) -> None:
    """Until the connection is lost."""
    lost = asyncio.Event()

    def wake_up(*_: Any) -> None:
        wake.set()

    connection.add_termination_listener(lambda _: lost.set())
    try:
        await connection.add_listener(WAKE_CHANNEL, wake_up)
        wake.set()  # whatever was queued while nobody listened
        await lost.wait()
        log.warning("the listening connection closed; reconnecting")
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("lost the listening connection", extra={"error": str(exc)})
    finally:
        if not connection.is_closed():
            await connection.close()
