"""A worker that runs until told to stop: deliveries (woken at once by PostgreSQL's NOTIFY,
by polling on SQLite) and hourly housekeeping beside them. `portal worker` runs one in its own
process; `portal serve` on SQLite runs one inside the app process (the embedded default of a
district office's single server), so pushes and webhooks leave with nothing else started."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.lib.background import in_background
from backend.system.housekeeping import housekeep_all, log
from backend.system.outbox.wakeup import listen
from backend.system.outbox.worker import DEFAULT_IDLE_SLEEP_S, Worker, open_handlers
from backend.system.registry import current

if TYPE_CHECKING:
    from backend.settings import Settings

__all__ = ["HOUSEKEEPING_EVERY_S", "SHUTDOWN_GRACE_S", "WorkerOptions", "deliver_until"]

HOUSEKEEPING_EVERY_S = 3600.0

SHUTDOWN_GRACE_S = 5.0
"""Once told to stop, deliveries in flight get this long to finish; the rest are handed back
due at once (a restart sends them), so a stop never waits out a slow push service (uvicorn and
process managers give a stopping process ~10 s before killing it)."""


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    worker_id: str
    batch_size: int = 100
    concurrency: int = 50
    lease_s: float = 30.0
    idle_sleep_s: float = DEFAULT_IDLE_SLEEP_S


async def deliver_until(
    stop: asyncio.Event,
    settings: Settings,
    options: WorkerOptions,
    grace_s: float = SHUTDOWN_GRACE_S,
) -> None:
    """Deliver every registered kind and housekeep hourly until `stop` is set; deliveries in
    flight then get `grace_s` to finish before they are cut short and handed back."""
    async with open_handlers(settings) as handlers:
        worker = Worker(
            handlers,
            worker_id=options.worker_id,
            batch_size=options.batch_size,
            concurrency=options.concurrency,
            lease_s=options.lease_s,
        )
        wake = asyncio.Event()
        # Through a transaction pooler a LISTEN would land on a shared server connection.
        listen_url = "" if settings.db_transaction_pooler else settings.database_url
        async with listen(listen_url, wake), _housekeeping(stop, settings):
            running = asyncio.create_task(worker.run_forever(stop, options.idle_sleep_s, wake))
            stopping = asyncio.create_task(stop.wait())
            try:
                await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(running, grace_s)  # cancels it when out of time
            finally:
                stopping.cancel()
                running.cancel()


@contextlib.asynccontextmanager
async def _housekeeping(stop: asyncio.Event, settings: Settings) -> AsyncIterator[None]:
    """Hourly housekeeping beside the deliveries, starting a minute in (so restarts do not all
    run it at once); a failure is logged and retried at the next hour."""

    async def loop() -> None:
        delay = 60.0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):  # (not wait_for: it can lose a cancel)
                    await stop.wait()
                return
            try:
                await housekeep_all(settings, current())
            except Exception:
                log.exception("housekeeping failed")
            delay = HOUSEKEEPING_EVERY_S

    async with in_background(loop()):
        yield
