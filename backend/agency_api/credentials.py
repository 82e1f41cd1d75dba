"""Agency API credentials: created, rotated and revoked by an administrator (or `portal
agency-credential`). The secret is returned once, at creation, and kept only encrypted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from backend.agency_api.keys import new_token, secret_box
from backend.agency_api.tables import AgencyCredential
from backend.catalog.tables import Agency
from backend.lib.db import write_transaction
from backend.lib.errors import NotFoundError
from backend.settings import Settings
from backend.system.audit import Actor, record

__all__ = [
    "AgencyNotFoundError",
    "CredentialNotFoundError",
    "CredentialRow",
    "NewCredential",
    "agency_by_code",
    "create_credential",
    "list_credentials",
    "revoke_credential",
    "rotate_credential",
]

KEY_PREFIX = "ak_"
SECRET_PREFIX = "as_"  # noqa: S105 (a prefix, not a password)
KEY_ID_BYTES = 12
SECRET_BYTES = 32
"""256 bits: as strong as HMAC-SHA256's own key space needs."""


class AgencyNotFoundError(NotFoundError):
    code = "agency_not_found"
    message_en = "There is no agency with this code."
    message_th = "ไม่พบหน่วยงานรหัสนี้"


class CredentialNotFoundError(NotFoundError):
    code = "credential_not_found"
    message_en = "This agency has no credential with this key id."
    message_th = "ไม่พบกุญแจ API นี้ของหน่วยงาน"


@dataclass(frozen=True, slots=True)
class CredentialRow:
    key_id: str
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class NewCredential:
    key_id: str
    secret: str
    """Shown to the administrator once; never stored in clear, never logged."""
    name: str
    created_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def agency_by_code(code: str) -> dict[str, Any]:
    row = await Agency.select(Agency.id, Agency.code).where(Agency.code == code.upper()).first()
    if row is None:
        raise AgencyNotFoundError()
    return dict(row)


async def _insert(agency_id: int, name: str, settings: Settings) -> NewCredential:
    key_id = new_token(KEY_PREFIX, KEY_ID_BYTES)
    secret = new_token(SECRET_PREFIX, SECRET_BYTES)
    now = _now()
    await AgencyCredential.insert(
        AgencyCredential(
            agency=agency_id,
            key_id=key_id,
            secret_encrypted=secret_box(settings).seal(secret, bound_to=key_id),
            name=name,
            created_at=now,
        )
    )
    return NewCredential(key_id=key_id, secret=secret, name=name, created_at=now)


async def create_credential(
    actor: Actor, agency_code: str, name: str, *, settings: Settings
) -> NewCredential:
    async with write_transaction():
        agency = await agency_by_code(agency_code)
        new = await _insert(agency["id"], name, settings)
        await record(
            "agency_credential.created",
            actor,
            object_type="agency_credential",
            object_id=new.key_id,
            detail={"agency": agency["code"]},
        )
    return new


async def _own(agency_id: int, key_id: str) -> dict[str, Any]:
    row = (
        await AgencyCredential.select()
        .where((AgencyCredential.agency == agency_id) & (AgencyCredential.key_id == key_id))
        .first()
    )
    if row is None:
        raise CredentialNotFoundError()
    return dict(row)


async def rotate_credential(
    actor: Actor, agency_code: str, key_id: str, grace: dt.timedelta, *, settings: Settings
) -> NewCredential:
    """A new credential; the old one keeps working for `grace` (so the agency's system can
    switch over without a failed request), then is refused."""
    async with write_transaction():
        agency = await agency_by_code(agency_code)
        old = await _own(agency["id"], key_id)
        new = await _insert(agency["id"], old["name"], settings)
        ends = _now() + grace
        if old["revoked_at"] is None or old["revoked_at"] > ends:
            await AgencyCredential.update({AgencyCredential.revoked_at: ends}).where(
                AgencyCredential.id == old["id"]
            )
        await record(
            "agency_credential.rotated",
            actor,
            object_type="agency_credential",
            object_id=key_id,
            detail={"agency": agency["code"], "new_key_id": new.key_id, "old_until": str(ends)},
        )
    return new


async def revoke_credential(actor: Actor, agency_code: str, key_id: str) -> None:
    """Refuse the key from now on (already revoked: nothing changes)."""
    async with write_transaction():
        agency = await agency_by_code(agency_code)
        old = await _own(agency["id"], key_id)
        now = _now()
        if old["revoked_at"] is None or old["revoked_at"] > now:
            await AgencyCredential.update({AgencyCredential.revoked_at: now}).where(
                AgencyCredential.id == old["id"]
            )
        await record(
            "agency_credential.revoked",
            actor,
            object_type="agency_credential",
            object_id=key_id,
            detail={"agency": agency["code"]},
        )


async def list_credentials(agency_code: str) -> list[CredentialRow]:
    agency = await agency_by_code(agency_code)
    rows = (
        await AgencyCredential.select(
            AgencyCredential.key_id,
            AgencyCredential.name,
            AgencyCredential.created_at,
            AgencyCredential.revoked_at,
        )
        .where(AgencyCredential.agency == agency["id"])
        .order_by(AgencyCredential.id)
    )
    return [CredentialRow(**r) for r in rows]
