"""`portal performance`: compute the public figures now (every worker does it hourly)."""

from __future__ import annotations

import click

from backend.lib.cli import run_job, settings_or_exit

__all__ = ["performance"]


@click.command()
def performance() -> None:
    """Compute the figures /performance and its API show, now. Every `portal worker` does it
    hourly with housekeeping; a visit to the page only reads the last result."""
    from backend.performance.services import refresh

    settings = settings_or_exit()
    snapshot = run_job(refresh, settings)
    click.echo(
        f"figures of {len(snapshot.agencies)} agencies, {snapshot.months[0]} to "
        f"{snapshot.months[-1]}, computed at {snapshot.computed_at.isoformat()}"
    )
