"""A citizen's own activity log: every read or change of their data, by whom, from where."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from backend.accounts.auth import Auth, need, provide_auth, requires_role, signed_in
from backend.accounts.sessions import clear_cookies
from backend.privacy import services as rights
from backend.privacy.schemas import ActivityEntry, Erased, Erasure
from backend.settings import Settings

__all__ = ["ActivityController", "MyDataController"]


class ActivityController(Controller):
    path = "/api/v1/me/activity"
    tags = ["privacy"]
    guards = [signed_in]
    opt = need("owner")
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="getMyActivity", cache_control=None)
    async def activity(
        self,
        auth: NamedDependency[Auth],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> list[ActivityEntry]:
        """Who did what with my data, newest first (page with `before` = the last id)."""
        return await rights.activity(auth.require_account(), limit=limit, before=before)


class MyDataController(Controller):
    """My rights over my data (PDPA): a copy of all of it, and erasure of my account. Only
    the account holder, never an operator acting for them at a kiosk."""

    path = "/api/v1/me"
    tags = ["privacy"]
    guards = [requires_role("citizen")]
    opt = need("owner")
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
