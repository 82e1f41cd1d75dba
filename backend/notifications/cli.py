"""`portal vapid`: the Web Push key pair."""

from __future__ import annotations

import click

from backend.lib.cli import settings_or_exit

__all__ = ["vapid"]


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

    settings = settings_or_exit()
    try:
        keys = rotate_vapid(settings) if rotate else load_or_create_vapid(settings)
    except VapidKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    if rotate:
        click.echo("new VAPID key pair: existing subscriptions must re-subscribe", err=True)
    click.echo(keys.public_key_b64url)
