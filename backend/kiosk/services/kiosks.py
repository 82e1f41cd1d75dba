"""Kiosks: an admin registers one, a browser at a district office activates as it with a one-
time code, an admin revokes it."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from backend.accounts import services as accounts
from backend.accounts.errors import CodeInvalidError
from backend.kiosk.assist import end_assisted, token_hash
from backend.kiosk.errors import (
    KioskRequiredError,
)
from backend.kiosk.tables import AssistedSession, Kiosk
from backend.lib.db import write_transaction
from backend.lib.errors import (
    NotFoundError,
)
from backend.system.audit import Actor, record
from backend.system.ratelimit import Limit, check

ACTIVATION_TTL = dt.timedelta(hours=24)


ACTIVATE_IP = Limit("kiosk-activate:ip", 10, 3600)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def short_code(length: int) -> str:
    return "".join(secrets.choice(accounts.CODE_ALPHABET) for _ in range(length))


async def register_kiosk(
    actor: Actor, *, name: str, district: str, province: str
) -> tuple[int, str, dt.datetime]:
    """A new kiosk and its one-time activation code (valid 24 h)."""
    code = short_code(12)
    expires = utc_now() + ACTIVATION_TTL
    async with write_transaction():
        kiosk = Kiosk(
            name=name.strip(),
            district=district.strip(),
            province=province.strip(),
            created_at=utc_now(),
            created_by=actor.account_id,
            activation_code_hash=token_hash(code),
            activation_expires_at=expires,
        )
        await kiosk.save()
        await record(
            "kiosk.registered",
            actor,
            object_type="kiosk",
            object_id=kiosk.id,
            detail={"name": kiosk.name},
        )
    return int(kiosk.id), code, expires


async def new_activation_code(actor: Actor, kiosk_id: int) -> tuple[str, dt.datetime]:
    """Re-issue an activation code (a kiosk's browser was reset); the old device is forgotten."""
    code = short_code(12)
    expires = utc_now() + ACTIVATION_TTL
    updated = (
        await Kiosk.update(
            {
                Kiosk.activation_code_hash: token_hash(code),
                Kiosk.activation_expires_at: expires,
                Kiosk.device_token_hash: None,
            }
        )
        .where((Kiosk.id == kiosk_id) & Kiosk.revoked_at.is_null())
        .returning(Kiosk.id)
    )
    if not updated:
        raise NotFoundError("Kiosk not found.", "ไม่พบเครื่องบริการ", code="kiosk_not_found")
    await record("kiosk.activation_reissued", actor, object_type="kiosk", object_id=kiosk_id)
    return code, expires


async def revoke_kiosk(actor: Actor, kiosk_id: int) -> None:
    async with write_transaction():
        updated = (
            await Kiosk.update({Kiosk.revoked_at: utc_now()})
            .where((Kiosk.id == kiosk_id) & Kiosk.revoked_at.is_null())
            .returning(Kiosk.id)
        )
        if not updated:
            raise NotFoundError("Kiosk not found.", "ไม่พบเครื่องบริการ", code="kiosk_not_found")
        # Each citizen served there reads in their own log that the visit ended.
        await end_assisted(AssistedSession.kiosk == kiosk_id, "kiosk_revoked")
        await record("kiosk.revoked", actor, object_type="kiosk", object_id=kiosk_id)


async def activate(ip: str, code: str) -> tuple[dict[str, Any], str]:
    """Turn this browser into the kiosk the code belongs to; returns (kiosk, device token)."""
    await check([(ACTIVATE_IP, ip)])
    normalized = code.strip().upper().replace("-", "").replace(" ", "")
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        row = (
            await Kiosk.select()
            .where(
                (Kiosk.activation_code_hash == token_hash(normalized)) & Kiosk.revoked_at.is_null()
            )
            .first()
        )
        if (
            row is None
            or row["activation_expires_at"] is None
            or (row["activation_expires_at"] <= utc_now())
        ):
            raise CodeInvalidError()
        await Kiosk.update(
            {
                Kiosk.device_token_hash: token_hash(token),
                Kiosk.activated_at: utc_now(),
                Kiosk.activation_code_hash: None,
                Kiosk.activation_expires_at: None,
            }
        ).where(Kiosk.id == row["id"])
        await record(
            "kiosk.activated",
            Actor(account_id=None, role="", ip=ip, kiosk_id=row["id"]),
            object_type="kiosk",
            object_id=row["id"],
        )
    return dict(row), token


async def kiosk_info(kiosk_id: int) -> dict[str, Any]:
    row = (
        await Kiosk.select(Kiosk.id, Kiosk.name, Kiosk.district, Kiosk.province)
        .where(Kiosk.id == kiosk_id)
        .first()
    )
    if row is None:
        raise KioskRequiredError()
    return dict(row)
