"""The `portal` command: serve, migrate, demo, check, housekeep, and more added below."""

from __future__ import annotations

import sys

import click

from backend.lib.cli import run_job, settings_or_exit
from backend.settings import Settings

__all__ = ["main"]

NEEDS_NO_DOMAINS = frozenset({"migrate"})
"""Commands that run without every domain installed: importing them all (routes, passkeys,
push) costs ~1.5 s of CPU, and a migration needs only the tables."""


class _Portal(click.Group):
    """`portal`: the commands below, then those the domains register (imported only when one
    of them is asked for, or the list is shown)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_domain_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or _domain_commands().get(cmd_name)


def _domain_commands() -> dict[str, click.Command]:
    from backend import domains

    return {str(command.name): command for command in domains.install().commands}


@click.group(cls=_Portal, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Citizen Portal: one place for every government service."""
    if ctx.invoked_subcommand not in NEEDS_NO_DOMAINS:
        # Every command but those works as the app does: with each domain's listeners and
        # extension points in place (a demo status change notifies, as a real one would).
        from backend import domains

        domains.install()


HEALTHCHECK_S = 30


@main.command()
@click.option("--host", default=None, help="Bind address (default: HOST setting).")
@click.option("--port", type=int, default=None, help="Port (default: PORT setting).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes.")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option(
    "--worker/--no-worker",
    "embedded",
    default=None,
    help="Deliver pushes and webhooks and housekeep in this process [default: on SQLite with "
    "one process; otherwise run `portal worker` beside]",
)
def serve(
    host: str | None, port: int | None, workers: int, reload: bool, embedded: bool | None
) -> None:
    """Serve the portal (API and PWA) with uvicorn."""
    import faulthandler
    import os
    import signal

    import uvicorn

    from backend.lib.metrics import prepare_multiprocess

    if embedded and workers > 1:
        raise click.UsageError("--worker runs in one process: use `portal worker` beside")
    if embedded is not None or workers > 1:
        # Read by every server process's settings (EMBEDDED_WORKER), this one's first.
        os.environ["EMBEDDED_WORKER"] = "true" if embedded else "false"
    settings = settings_or_exit()
    # Every server process (and `portal worker`) counts into VAR_DIR/prometheus: a scrape of
    # any of them adds all up. Chosen before the first metric exists (backend.lib.metrics).
    prepare_multiprocess(settings.var_dir)
    # For a process that hangs, to stderr (the log): `kill -USR1 <pid>` each thread's stack
    # (even with the event loop blocked), `kill -USR2 <pid>` each asyncio task's.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    signal.signal(signal.SIGUSR2, _print_tasks)
    uvicorn.run(
        "backend.asgi:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        reload=reload,
        loop="uvloop",
        http="httptools",
        proxy_headers=True,
        access_log=False,  # the app logs each request itself, with its request id
        server_header=False,
        # Requests still open after this long at a stop are cut: a process manager kills a
        # process that takes longer (the embedded worker has its own, shorter, grace).
        timeout_graceful_shutdown=8,
        # With several processes uvicorn kills one that does not answer its health check in
        # time: 5 s by default, which a process still starting (imports, the PWA's
        # compressed bundle) on a busy 2-core machine missed again and again (every
        # restart died too: scripts/bench_writes.py --workers 2).
        timeout_worker_healthcheck=HEALTHCHECK_S,
    )


def _print_tasks(_signal: int, _frame: object) -> None:
    """Each asyncio task's stack to stderr (SIGUSR2 on `portal serve`)."""
    import asyncio
    import sys

    try:
        tasks = asyncio.all_tasks()
    except RuntimeError:  # no loop running yet, or any more
        return
    for task in tasks:
        task.print_stack(file=sys.stderr)


@main.command()
@click.option("-v", "--verbose", is_flag=True, help="Show each migration as it runs.")
def migrate(verbose: bool) -> None:
    """Apply pending database migrations (safe to run again)."""
    from backend.lib.migrations import MigrationFailedError, apply_migrations, pending_migrations

    settings_or_exit()

    async def job() -> list[str]:
        before = await pending_migrations()
        await apply_migrations(verbose=verbose)
        return before

    try:
        applied = run_job(job)
    except MigrationFailedError as exc:
        raise click.ClickException(f"migration failed: {exc}") from exc
    click.echo(f"applied {len(applied)} migration(s)" if applied else "database is up to date")


@main.command()
def demo() -> None:
    """Load demo agencies, services and citizens (idempotent)."""
    from backend.demo import load_demo

    settings_or_exit()
    counts, tracking = run_job(load_demo)
    click.echo("demo data ready: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    click.echo("try /track with a demo application (code, last 4 ID digits):")
    for code, last4, status in tracking:
        click.echo(f"  {code}  {last4}  ({status})")


@main.command()
def check() -> None:
    """Check configuration, database reachability, that migrations are applied, that the
    agency master key opens every stored agency secret and that the national-ID keys open
    every stored ID number."""
    from backend.agency_api.keys import SecretKeyError
    from backend.agency_api.rotation import unreadable_secrets
    from backend.lib.db import current_engine
    from backend.lib.migrations import pending_migrations

    settings = settings_or_exit()
    engine = "PostgreSQL" if settings.is_postgres else f"SQLite ({settings.sqlite_path})"
    click.echo(f"configuration: ok ({engine}, origin {settings.public_origin})")

    async def job() -> list[str]:
        await current_engine().run_ddl("SELECT 1")
        click.echo("database: reachable")
        return await pending_migrations()

    try:
        pending = run_job(job)
    except (OSError, ConnectionError) as exc:
        click.echo(f"database: UNREACHABLE ({exc})", err=True)
        sys.exit(1)
    if pending:
        click.echo(
            f"migrations: {len(pending)} pending ({', '.join(pending)}); run `portal migrate`",
            err=True,
        )
        sys.exit(1)
    click.echo("migrations: all applied")
    try:
        stored, unreadable = run_job(lambda: unreadable_secrets(settings))
    except SecretKeyError as exc:
        click.echo(f"agency secrets: {exc}", err=True)
        sys.exit(1)
    if unreadable:
        click.echo(
            f"agency secrets: {unreadable} of {stored} do not decrypt with the configured key "
            "(AGENCY_SECRET_KEY or VAR_DIR/agency_secret.key)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"agency secrets: {stored} readable")
    _check_national_ids(settings)


def _check_national_ids(settings: Settings) -> None:
    """Every stored national ID opens with the configured keys, and its blind index matches."""
    from backend.lib.idcrypt import IdCryptError
    from backend.system.sealed import check_sealed

    try:
        columns = run_job(lambda: check_sealed(settings))
    except IdCryptError as exc:
        click.echo(f"national IDs: {exc}", err=True)
        sys.exit(1)
    failing = [c for c in columns if c.unreadable]
    for column in failing:
        click.echo(
            f"national IDs: {column.unreadable} of {column.stored} in {column.name} do not open "
            f"with the configured keys (NATIONAL_ID_KEYS or VAR_DIR/national_id.key): "
            f"{column.first_problem}",
            err=True,
        )
    if failing:
        sys.exit(1)
    click.echo(f"national IDs: {sum(c.stored for c in columns)} encrypted values readable")


@main.command("create-admin")
@click.option("--name", required=True, help="The administrator's full name.")
def create_admin(name: str) -> None:
    """Print a single-use, 24-hour invitation link for the first (or another) administrator."""
    import datetime as dt

    from backend.accounts.services import issue_invitation
    from backend.system.audit import Actor

    settings = settings_or_exit()

    async def job() -> tuple[str, dt.datetime]:
        return await issue_invitation(
            Actor(account_id=None, role="cli"),
            role="admin",
            full_name=name,
            agency_code=None,
            ttl=dt.timedelta(hours=24),
        )

    code, expires = run_job(job)
    click.echo(
        f"Invitation for {name} (admin), single use, valid until {expires:%Y-%m-%d %H:%M} UTC:"
    )
    click.echo(f"  {settings.public_origin}/#/invitation?code={code}")
    click.echo(f"  code: {code}")


if __name__ == "__main__":
    main()
