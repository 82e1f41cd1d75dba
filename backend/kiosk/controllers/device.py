"""A browser at a district office activates as a kiosk, and learns which kiosk it is."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from backend.kiosk import services
from backend.kiosk.assist import KIOSK_COOKIE, kiosk_id_for_token
from backend.kiosk.controllers.admin import kiosk_out
from backend.kiosk.schemas import (
    ActivateIn,
    KioskOut,
)
from backend.lib.errors import NotFoundError
from backend.settings import Settings

CLEAR_SITE_DATA = '"cache", "storage"'
"""Sent when an assisted session ends: the browser drops every cache, IndexedDB, local
storage and service worker of the portal. Cookies stay (the kiosk's device credential and the
operator's session are not the citizen's)."""


DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetimes at 400 days


class KioskDeviceController(Controller):
    path = "/api/v1/kiosk"
    tags = ["kiosk"]

    @post("/activate", operation_id="activateKiosk", status_code=HTTP_200_OK)
    async def activate(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        data: JSONBody[ActivateIn],
    ) -> Response[KioskOut]:
        """Make this browser the kiosk the code was issued for (sets its device credential)."""
        ip = request.client.host if request.client else ""
        row, token = await services.activate(ip, data.code)
        response = Response(kiosk_out(row))
        response.set_cookie(
            Cookie(
                key=KIOSK_COOKIE,
                value=token,
                max_age=DEVICE_COOKIE_MAX_AGE,
                httponly=True,
                secure=settings.secure_cookies,
                samesite="strict",
                path="/",
            )
        )
        return response

    @get("/device", operation_id="getKioskDevice", cache_control=None)
    async def device(self, request: Request[Any, Any, Any]) -> Response[KioskOut]:
        """Whether this browser is a kiosk (the PWA then runs in kiosk mode)."""
        kiosk_id = await kiosk_id_for_token(request.cookies.get(KIOSK_COOKIE))
        if kiosk_id is None:
            raise NotFoundError(
                "This browser is not a kiosk.", "เครื่องนี้ไม่ใช่เครื่องบริการ", code="not_a_kiosk"
            )
        return Response(
            kiosk_out(await services.kiosk_info(kiosk_id)), headers={"Cache-Control": "no-store"}
        )
