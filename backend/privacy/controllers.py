"""A citizen's own activity log: every read or change of their data, by whom, from where."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from backend.accounts.auth import Auth, own_account_only, provide_auth, requires_role, signed_in
from backend.accounts.sessions import clear_cookies
from backend.accounts.tables import Account
from backend.lib.schema import Struct
from backend.privacy import rights
from backend.settings import Settings
from backend.system.tables import AuditEntry

__all__ = ["ActivityController", "MyDataController"]


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


class Erasure(Struct):
    confirm: Annotated[str, msgspec.Meta(max_length=4)]
    """The last 4 digits of my ID number."""


class Erased(Struct):
    erased: bool
    removed: dict[str, int]
    """How many of each were deleted: drafts, documents, passkeys, sessions, devices,
    notifications."""


class MyDataController(Controller):
    """My rights over my data (PDPA): a copy of all of it, and erasure of my account. Only
    the account holder, never an operator acting for them at a kiosk."""

    path = "/api/v1/me"
    tags = ["privacy"]
    guards = [requires_role("citizen"), own_account_only]
    dependencies = {"auth": Provide(provide_auth)}

    @get("/export", operation_id="exportMyData", cache_control=None)
    async def export(self, auth: NamedDependency[Auth]) -> Response[Any]:
        """Everything the portal holds about me, as one JSON file to download: profile,
        passkeys, sessions, applications with answers and history, documents (with links to
        their bytes), notifications, devices, assisted sessions with consents, and the
        activity log."""
        data = await rights.export_data(auth.actor(), auth.require_account())
        day = data["exported_at"].strftime("%Y%m%d")
        return Response(
            msgspec.json.encode(data),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="citizen-portal-{day}.json"',
                "Cache-Control": "no-store",
            },
        )

    @post("/erase", operation_id="eraseMyAccount", status_code=HTTP_200_OK)
    async def erase(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[Erasure],
    ) -> Response[Erased]:
        """Delete my account: my details, passkeys, sessions, devices, notifications, drafts
        and the documents no application used. Submitted applications stay with the agencies
        (the state must keep them); refused (409) while one is still being worked on. Signs
        out everywhere and clears this browser's HTTP cache for the portal."""
        removed = await rights.erase_account(
            auth.actor(), auth.require_account(), data.confirm, settings=settings
        )
        # "cache": the browser's HTTP cache holds my API answers. Not "storage": the page is
        # still running and clears its own (IndexedDB, the worker's copies) as on sign-out;
        # pulling storage from under it would leave it hanging.
        response = Response(
            Erased(erased=True, removed=removed),
            headers={"Clear-Site-Data": '"cache"', "Cache-Control": "no-store"},
        )
        clear_cookies(response, settings)
        return response
