"""`portal worker` and `portal vapid`. Heavy imports wait until a command runs, so
`portal --help` stays fast."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from backend.lib.background import in_background
from backend.settings import Settings, SettingsError, get_settings

if TYPE_CHECKING:
    from backend.notifications.worker import BatchResult

__all__ = ["vapid", "worker"]

T = TypeVar("T")

DB_POOL_MAX = 4
"""A worker runs one claim or one result write at a time; the rest is for handlers."""


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _run_with_database(settings: Settings, make: Callable[[], Awaitable[T]]) -> T:
    """Run `make()` on uvloop with the configured engine bound and its pool open."""
    import uvloop

    from backend.lib.db import bind_engine, close_pool, make_engine, open_pool

    async def job() -> T:
        engine = make_engine(settings)
        bind_engine(engine)
        await open_pool(engine, 1, DB_POOL_MAX)
        try:
            return await make()
        finally:
            await close_pool(engine)

    return uvloop.run(job())


HOUSEKEEPING_EVERY_S = 3600.0


@contextlib.asynccontextmanager
async def _housekeeping(stop: asyncio.Event, settings: Settings) -> AsyncIterator[None]:
    """Hourly `housekeep()` and the sweep of expired resumable uploads beside the deliveries,
    starting a minute in (so restarts do not all run it at once); a failure is logged and
    retried at the next hour."""
    from backend.system.housekeeping import housekeep_all, log

    async def loop() -> None:
        delay = 60.0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
                return
            try:
                await housekeep_all(settings)
            except Exception:
                log.exception("housekeeping failed")
            delay = HOUSEKEEPING_EVERY_S

    async with in_background(loop()):
        yield


@click.command()
@click.option("--once", is_flag=True, help="Deliver one batch, print what happened, exit.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 5000),
    default=100,
    show_default=True,
    help="Messages claimed per database round trip.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="Deliveries in progress at once.",
)
@click.option(
    "--lease-s",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds a claimed batch stays ours; if this worker dies, another takes the "
    "batch over after it.",
)
@click.option(
    "--worker-id",
    default=None,
    help="Name recorded on claimed rows; unique per running worker. [default: host:pid]",
)
@click.option(
    "--idle-sleep",
    type=click.FloatRange(min=0.01, max=60),
    default=0.25,
    show_default=True,
    help="Seconds between polls when there is nothing to do. On PostgreSQL new work also "
    "wakes the worker at once (LISTEN/NOTIFY); on SQLite it waits for the next poll.",
)
def worker(
    once: bool,
    batch_size: int,
    concurrency: int,
    lease_s: float,
    worker_id: str | None,
    idle_sleep: float,
) -> None:
    """Deliver queued outbox messages (Web Push; agency webhooks) until SIGTERM or Ctrl+C,
    and do what `portal housekeep` does hourly.

    Start as many as needed, on any hosts: each claims its own batches. On SIGTERM the
    batch in progress is finished before exiting. A worker killed outright loses nothing:
    its batch is delivered by another worker once the lease ends (so a message may arrive
    twice, never not at all). Failed deliveries are retried with backoff, then kept as
    dead letters for an administrator.
    """
    from backend.lib.logging import configure_logging
    from backend.notifications.subscriptions import forget
    from backend.notifications.wakeup import listen
    from backend.notifications.worker import Worker, default_handlers, default_worker_id

    settings = _settings()
    configure_logging(settings.log_level, settings.log_json)

    async def job() -> BatchResult | None:
        async with default_handlers(settings, on_gone=forget) as handlers:
            runner = Worker(
                handlers,
                worker_id=worker_id or default_worker_id(),
                batch_size=batch_size,
                concurrency=concurrency,
                lease_s=lease_s,
            )
            if once:
                return await runner.run_once()
            stop, wake = asyncio.Event(), asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            async with listen(settings.database_url, wake), _housekeeping(stop, settings):
                await runner.run_forever(stop, idle_sleep, wake)
            return None

    result = _run_with_database(settings, job)
    if result is not None:
        click.echo(
            f"claimed {result.claimed}: delivered {result.delivered}, retried "
            f"{result.retried}, dropped {result.dropped}, dead {result.dead}, "
            f"stale {result.stale}"
        )


@click.command()
@click.option(
    "--rotate",
    is_flag=True,
    help="Replace the key pair. Every existing push subscription stops working until the "
    "browser subscribes again with the new public key.",
)
def vapid(rotate: bool) -> None:
    """Print the VAPID public key (the browser's applicationServerKey).

    The key pair is created in VAR_DIR on first use unless VAPID_PRIVATE_KEY is set.
    --rotate makes a new pair: push services then refuse pushes to every existing
    subscription, so each citizen's browser must subscribe again with the new key.
    Rotate only if the private key may have leaked.
    """
    from backend.lib.webpush import VapidKeyError, load_or_create_vapid, rotate_vapid

    settings = _settings()
    try:
        keys = rotate_vapid(settings) if rotate else load_or_create_vapid(settings)
    except VapidKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    if rotate:
        click.echo("new VAPID key pair: existing subscriptions must re-subscribe", err=True)
    click.echo(keys.public_key_b64url)
