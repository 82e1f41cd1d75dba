"""The platform's commands: `portal worker` (the outbox and hourly housekeeping), `portal
housekeep` and `portal national-id-key`. Heavy imports wait until a command runs, so `portal
--help` stays fast."""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING

import click

from backend.lib.cli import run_job, settings_or_exit

if TYPE_CHECKING:
    from backend.system.outbox.worker import BatchResult

__all__ = ["housekeep", "national_id_key", "worker"]


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
    """Deliver queued outbox messages (Web Push, agency webhooks, …) until SIGTERM or Ctrl+C,
    and do what `portal housekeep` does hourly.

    Start as many as needed, on any hosts: each claims its own batches. On SIGTERM the
    batch in progress is finished before exiting. A worker killed outright loses nothing:
    its batch is delivered by another worker once the lease ends (so a message may arrive
    twice, never not at all). Failed deliveries are retried with backoff, then kept as
    dead letters for an administrator.
    """
    from backend.lib.logging import configure_logging
    from backend.lib.metrics import prepare_multiprocess
    from backend.system.outbox.runner import WorkerOptions, deliver_until
    from backend.system.outbox.worker import Worker, default_worker_id, open_handlers

    settings = settings_or_exit()
    configure_logging(settings.log_level, settings.log_json)
    prepare_multiprocess(settings.var_dir)  # counted with the servers' metrics
    options = WorkerOptions(
        worker_id=worker_id or default_worker_id(),
        batch_size=batch_size,
        concurrency=concurrency,
        lease_s=lease_s,
        idle_sleep_s=idle_sleep,
    )

    async def job() -> BatchResult | None:
        if once:
            async with open_handlers(settings) as handlers:
                runner = Worker(
                    handlers,
                    worker_id=options.worker_id,
                    batch_size=batch_size,
                    concurrency=concurrency,
                    lease_s=lease_s,
                )
                return await runner.run_once()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await deliver_until(stop, settings, options)
        return None

    # Its claims and results need no flushed commit: lib.db.make_engine.
    result = run_job(job, settings, flushed_commits=False)
    if result is not None:
        click.echo(
            f"claimed {result.claimed}: delivered {result.delivered}, retried "
            f"{result.retried}, dropped {result.dropped}, dead {result.dead}, "
            f"stale {result.stale}"
        )


@click.command()
def housekeep() -> None:
    """Delete expired sessions, challenges, codes, rate-limit windows, idempotency records,
    old delivered outbox messages, and expired resumable uploads with their bytes, now (every
    `portal worker` also does it hourly)."""
    from backend.system.housekeeping import housekeep_all
    from backend.system.registry import current

    settings = settings_or_exit()
    deleted = run_job(lambda: housekeep_all(settings, current()), settings)
    click.echo(", ".join(f"{table}: {n}" for table, n in deleted.items()))


batch_size = click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Rows re-encrypted per transaction.",
)
"""The rotate and reseal commands' batch size."""


@click.group("national-id-key")
def national_id_key() -> None:
    """Rotate the key that encrypts national ID numbers in the database."""


@national_id_key.command("rotate")
@batch_size
def rotate(batch_size: int) -> None:
    """With the key file (VAR_DIR/national_id.key): make a new key, re-encrypt every stored
    ID number under it, batch by batch, drop the old key. Running processes pick up the new
    file; the portal keeps serving."""
    from backend.lib.idcrypt import IdCryptError
    from backend.system.sealed import KeyRotationError, rotate_key_file

    settings = settings_or_exit()
    try:
        counts = run_job(lambda: rotate_key_file(settings, batch_size), settings)
    except (KeyRotationError, IdCryptError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"new national-ID key in use; re-encrypted {_counted(counts)}")


@national_id_key.command("reseal")
@batch_size
def reseal_command(batch_size: int) -> None:
    """Re-encrypt every stored ID number under the first key of NATIONAL_ID_KEYS (after
    setting it to '<new>,<old>' on every node)."""
    from backend.lib.idcrypt import IdCryptError
    from backend.system.sealed import reseal

    settings = settings_or_exit()
    try:
        counts = run_job(lambda: reseal(settings, batch_size), settings)
    except IdCryptError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"re-encrypted under the first key: {_counted(counts)}")


@national_id_key.command("new")
def new() -> None:
    """Print a new random key (for NATIONAL_ID_KEYS or NATIONAL_ID_INDEX_KEY)."""
    from backend.lib.keyfile import new_key

    click.echo(new_key())


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}: {n}" for name, n in counts.items()) or "nothing stored"
