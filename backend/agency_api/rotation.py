"""Rotating the master key that seals agency secrets (keys.py), without a moment when an
agency's request or a webhook cannot be signed or checked.

With the key file (the default), `rotate_key_file` does it all: it writes the file as
"new key, then the old ones" (every process re-reads a changed file, so from now on each
can open both and seals with the new), reseals every stored secret under the new key in one
transaction, then drops the old keys from the file.

With AGENCY_SECRET_KEY (several app nodes, keys from a secret store) the operator does the
same by hand: set AGENCY_SECRET_KEY="<new>,<old>" on every node and worker and restart them,
run `portal agency-key reseal`, then set AGENCY_SECRET_KEY="<new>" and restart again.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.agency_api.keys import SecretKeyError, decode_keys, key_file, new_key, secret_box
from backend.agency_api.tables import AgencyCredential, AgencyWebhook
from backend.lib.db import write_transaction
from backend.lib.keyfile import write_private
from backend.settings import Settings

__all__ = ["KeyRotationError", "reseal", "rotate_key_file", "unreadable_secrets"]


class KeyRotationError(RuntimeError):
    """The keys come from AGENCY_SECRET_KEY, which only the operator can change."""


@dataclass(frozen=True, slots=True)
class _Sealed:
    """One stored agency secret: where it is, and what it is bound to (keys.SecretBox)."""

    table: type[AgencyCredential] | type[AgencyWebhook]
    row_id: int
    secret: str
    context: str


async def _stored_secrets() -> list[_Sealed]:
    """Every sealed secret: agency API credentials and webhook signing secrets."""
    from backend.agency_api.webhooks import bound_to

    credentials = await AgencyCredential.select(
        AgencyCredential.id, AgencyCredential.key_id, AgencyCredential.secret_encrypted
    )
    hooks = await AgencyWebhook.select(
        AgencyWebhook.id, AgencyWebhook.agency, AgencyWebhook.secret_encrypted
    )
    return [
        _Sealed(AgencyCredential, r["id"], r["secret_encrypted"], r["key_id"]) for r in credentials
    ] + [
        _Sealed(AgencyWebhook, r["id"], r["secret_encrypted"], bound_to(r["agency"])) for r in hooks
    ]


async def reseal(settings: Settings) -> int:
    """Seal every stored agency secret again under the first configured key; returns how
    many. All or nothing: one that no configured key opens stops it (SecretKeyError)."""
    box = secret_box(settings)
    async with write_transaction():
        stored = await _stored_secrets()
        for sealed in stored:
            plain = box.open(sealed.secret, bound_to=sealed.context)
            table = sealed.table
            await table.update(
                {table.secret_encrypted: box.seal(plain, bound_to=sealed.context)}
            ).where(table.id == sealed.row_id)
    return len(stored)


async def unreadable_secrets(settings: Settings) -> tuple[int, int]:
    """(stored, unreadable): how many agency secrets the configured keys cannot open (a node
    given the wrong AGENCY_SECRET_KEY, or a key file from another installation)."""
    stored = await _stored_secrets()
    if not stored:
        return 0, 0  # nothing to open: no key file is created just to check
    box = secret_box(settings)
    unreadable = 0
    for sealed in stored:
        try:
            box.open(sealed.secret, bound_to=sealed.context)
        except SecretKeyError:
            unreadable += 1
    return len(stored), unreadable


async def rotate_key_file(settings: Settings) -> int:
    """A new master key in the key file, every secret resealed under it, the old keys gone;
    returns how many secrets were resealed. Interrupted, it leaves a file whose keys open
    every secret (run it again)."""
    if settings.agency_secret_key:
        raise KeyRotationError(
            "the keys come from AGENCY_SECRET_KEY: set it to '<new>,<old>' everywhere, "
            "restart, run `portal agency-key reseal`, then set it to '<new>' (a new key: "
            "`portal agency-key new`)"
        )
    secret_box(settings)  # creates the file on a portal that never needed one
    path = key_file(settings)
    fresh = new_key()
    old = path.read_text()
    decode_keys(old, str(path))  # a damaged file stops here, before anything changes
    write_private(path, f"{fresh}\n{old.strip()}\n".encode(), replace=True)
    count = await reseal(settings)
    write_private(path, f"{fresh}\n".encode(), replace=True)
    return count
