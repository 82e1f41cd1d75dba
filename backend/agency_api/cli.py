"""`portal agency-credential`: API keys for an agency's system, from the server's shell.

The secret is printed once to standard output, never logged: on a server whose output goes
to a log collector, prefer the admin API (its answer goes only to the administrator)."""

from __future__ import annotations

import datetime as dt

import click

from backend.lib.cli import run_job, settings_or_exit
from backend.system.audit import Actor

__all__ = ["agency_credential", "agency_key"]

CLI_ACTOR = Actor(account_id=None, role="cli")


@click.group("agency-credential")
def agency_credential() -> None:
    """Create, list and revoke an agency's API credentials."""


@agency_credential.command("create")
@click.argument("agency")
@click.option("--name", default="", help="What the key is for, e.g. 'case system'.")
def create(agency: str, name: str) -> None:
    """Create a credential for AGENCY (its code, e.g. DOPA); print its key id and secret.

    The secret is shown this once (the portal keeps it only encrypted): put it straight into
    the agency system's secret store.
    """
    from backend.agency_api.credentials import AgencyNotFoundError, create_credential

    settings = settings_or_exit()
    try:
        new = run_job(lambda: create_credential(CLI_ACTOR, agency, name, settings=settings))
    except AgencyNotFoundError as exc:
        raise click.ClickException(f"no agency {agency.upper()!r}") from exc
    click.echo(f"key id: {new.key_id}")
    click.echo(f"secret: {new.secret}")
    click.echo("The secret is shown once: store it now.", err=True)


@agency_credential.command("list")
@click.argument("agency")
def list_(agency: str) -> None:
    """List AGENCY's credentials (key ids and state; never secrets)."""
    from backend.agency_api.credentials import AgencyNotFoundError, list_credentials

    settings_or_exit()
    try:
        rows = run_job(lambda: list_credentials(agency))
    except AgencyNotFoundError as exc:
        raise click.ClickException(f"no agency {agency.upper()!r}") from exc
    now = dt.datetime.now(dt.UTC)
    for row in rows:
        if row.revoked_at is None:
            state = "active"
        elif row.revoked_at > now:
            state = f"active until {row.revoked_at:%Y-%m-%d %H:%M} UTC"
        else:
            state = "revoked"
        click.echo(f"{row.key_id}  {state}  {row.name}")


@agency_credential.command("revoke")
@click.argument("agency")
@click.argument("key_id")
def revoke(agency: str, key_id: str) -> None:
    """Refuse AGENCY's key KEY_ID from now on."""
    from backend.agency_api.credentials import revoke_credential
    from backend.lib.errors import NotFoundError

    settings_or_exit()
    try:
        run_job(lambda: revoke_credential(CLI_ACTOR, agency, key_id))
    except NotFoundError as exc:
        raise click.ClickException(exc.message_en) from exc
    click.echo(f"revoked {key_id}")


@click.group("agency-key")
def agency_key() -> None:
    """Rotate the master key that encrypts agency secrets in the database."""


@agency_key.command("rotate")
def rotate() -> None:
    """With the key file (VAR_DIR/agency_secret.key): make a new master key, reseal every
    agency secret under it, drop the old one. Running processes pick up the new file."""
    from backend.agency_api.keys import SecretKeyError
    from backend.agency_api.rotation import KeyRotationError, rotate_key_file

    settings = settings_or_exit()
    try:
        count = run_job(lambda: rotate_key_file(settings))
    except (KeyRotationError, SecretKeyError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"new master key in use; {count} secret(s) resealed")


@agency_key.command("reseal")
def reseal_command() -> None:
    """Seal every agency secret again under the first key of AGENCY_SECRET_KEY (after
    setting it to '<new>,<old>' on every node)."""
    from backend.agency_api.keys import SecretKeyError
    from backend.agency_api.rotation import reseal

    settings = settings_or_exit()
    try:
        count = run_job(lambda: reseal(settings))
    except SecretKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{count} secret(s) resealed under the first key")


@agency_key.command("new")
def new() -> None:
    """Print a new random master key (for AGENCY_SECRET_KEY)."""
    from backend.agency_api.keys import new_key

    click.echo(new_key())
