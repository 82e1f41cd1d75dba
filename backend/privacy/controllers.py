"""A citizen's own activity log: every read or change of their data, by whom, from where."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from backend.accounts.auth import Auth, provide_auth, signed_in
from backend.accounts.tables import Account
from backend.lib.schema import Struct
from backend.privacy.tables import AuditEntry

__all__ = ["ActivityController"]


class ActivityEntry(Struct):
    id: int
    at: dt.datetime
    action: str
    by: str
    """"me", "operator", "officer", "agency_api", "admin" or "system"."""
    by_name: str = ""
    kiosk: str = ""
    object_type: str = ""
    object_id: str = ""


class ActivityController(Controller):
    path = "/api/v1/me/activity"
    tags = ["privacy"]
    guards = [signed_in]
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="getMyActivity", cache_control=None)
    async def activity(
        self,
        auth: NamedDependency[Auth],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> list[ActivityEntry]:
        """Who did what with my data, newest first (page with `before` = the last id)."""
        me = auth.require_account()
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
