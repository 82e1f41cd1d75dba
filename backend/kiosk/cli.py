"""`portal audit alerts`: what admins should look into, from a shell."""

from __future__ import annotations

import click

from backend.lib.cli import run_job, settings_or_exit

__all__ = ["audit"]


@click.group()
def audit() -> None:
    """What the audit trail says needs a look."""


@audit.command()
@click.option("--limit", default=100, show_default=True, help="How many, newest first.")
def alerts(limit: int) -> None:
    """Operators refused past a daily limit (STAFF_DAILY_LIMIT): when, who, at which kiosk,
    what, and how many times in the 24 hours before."""
    from backend.kiosk.services import alerts as newest

    rows = run_job(lambda: newest(limit), settings_or_exit())
    if not rows:
        click.echo("no alerts")
    for r in rows:
        click.echo(
            f"{r['at']:%Y-%m-%d %H:%M} UTC  operator {r['operator']} ({r['operator_name']})  "
            f"kiosk {r['kiosk']} ({r['kiosk_name']})  {r['action']}: "
            f"{r['times']} in 24 h (limit {r['daily_limit']})"
        )
