"""A citizen's PDPA rights over what the portal holds: a copy of all of it (export), and
erasure of the account.

Each domain keeps its own part (`registry.PersonalData`, registered by its plug-in module):
what it adds to the export, what stops an erasure, what it erases. Erasure removes what the
portal keeps *for the citizen*: name, ID number, phone, address, passkeys, sessions, devices,
notifications and preferences, drafts, uploads in progress, and wallet documents no
application used. It keeps what the state must keep: applications that were submitted (with
their answers, attached documents and history, the agencies' record of a public service) and
the audit log (who did what, never personal detail).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.accounts.tables import Account
from backend.lib.db import write_transaction
from backend.privacy.schemas import ActivityEntry
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.hotcache import announce, forget_here
from backend.system.ratelimit import Limit, check
from backend.system.registry import Erasure, current
from backend.system.tables import AuditEntry

__all__ = ["EXPORTS", "activity", "erase_account", "export_data"]

EXPORTS = Limit("privacy:export", 10, 3600)
"""An export reads everything: a few an hour per account are plenty."""


async def export_data(actor: Actor, account_id: int) -> dict[str, Any]:
    """Everything the portal holds about the account, as one JSON-ready document."""
    await check([(EXPORTS, str(account_id))])
    data: dict[str, Any] = {"exported_at": dt.datetime.now(dt.UTC)}
    for part in current().personal_data:
        if part.export is not None:
            data |= await part.export(account_id)
    data["activity"] = (
        await AuditEntry.select(
            AuditEntry.at,
            AuditEntry.action,
            AuditEntry.actor_role,
            AuditEntry.object_type,
            AuditEntry.object_id,
            AuditEntry.ip,
        )
        .where(AuditEntry.subject_account_id == account_id)
        .order_by(AuditEntry.id)
    )
    await record("data.exported", actor, subject_account_id=account_id)
    return data


async def erase_account(
    actor: Actor, account_id: int, confirm: str, *, settings: Settings
) -> dict[str, int]:
    """Erase the account (see the module's docstring); returns what was removed. `confirm`
    must be the last four digits of the account's ID number. Every part checks before any
    erases, all in one transaction; stored bytes go after it commits."""
    erasure = Erasure(actor=actor, account_id=account_id, confirm=confirm, settings=settings)
    parts = current().personal_data
    async with write_transaction():
        for part in parts:
            if part.check is not None:
                await part.check(erasure)
        for part in parts:
            if part.erase is not None:
                await part.erase(erasure)
        await record("account.erased", actor, subject_account_id=account_id, detail=erasure.counts)
        await announce(account_id)
    forget_here(account_id)
    for job in erasure.after_commit:
        await job()
    return erasure.counts


async def activity(me: int, *, limit: int, before: int | None) -> list[ActivityEntry]:
    """Who did what with the citizen's data, newest first (page with `before` = the last id)."""
    query = AuditEntry.select().where(AuditEntry.subject_account_id == me)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = await query.order_by(AuditEntry.id, ascending=False).limit(limit)
    actor_ids = {r["actor_account_id"] for r in rows if r["actor_account_id"] not in (None, me)}
    kiosk_ids = {r["kiosk_id"] for r in rows if r["kiosk_id"]}
    names = {
        a["id"]: a["full_name"]
        for a in (
            await Account.select(Account.id, Account.full_name).where(
                Account.id.is_in(list(actor_ids))
            )
            if actor_ids
            else []
        )
    }
    kiosks = await _kiosk_names(kiosk_ids)
    return [
        ActivityEntry(
            id=r["id"],
            at=r["at"],
            action=r["action"],
            by="me" if r["actor_account_id"] == me else (r["actor_role"] or "system"),
            by_name=names.get(r["actor_account_id"], ""),
            kiosk=kiosks.get(r["kiosk_id"], "") if r["kiosk_id"] else "",
            object_type=r["object_type"],
            object_id=r["object_id"],
        )
        for r in rows
    ]


async def _kiosk_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from backend.kiosk.tables import Kiosk

    rows = await Kiosk.select(Kiosk.id, Kiosk.name).where(Kiosk.id.is_in(list(ids)))
    return {r["id"]: r["name"] for r in rows}
