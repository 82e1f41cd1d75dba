"""Admins register kiosks, issue activation codes and revoke kiosks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.kiosk import services
from backend.kiosk.schemas import (
    ActivationCode,
    AlertOut,
    KioskIn,
    KioskOut,
)
from backend.kiosk.tables import Kiosk
from backend.lib.qr import qr_svg
from backend.settings import Settings


def kiosk_out(row: dict[str, Any]) -> KioskOut:
    return KioskOut(
        id=row["id"],
        name=row["name"],
        district=row["district"],
        province=row["province"],
        active=row.get("revoked_at") is None,
    )


def _activation(
    settings: Settings, kiosk: KioskOut, code: str, expires: dt.datetime
) -> ActivationCode:
    url = f"{settings.public_origin}/#/kiosk/activate?code={code}"
    return ActivationCode(
        kiosk=kiosk,
        code=code,
        url=url,
        expires_at=expires,
        qr_svg=qr_svg(url, title="Kiosk activation"),
    )


class AdminKioskController(Controller):
    path = "/api/v1/admin/kiosks"
    tags = ["kiosk"]
    guards = [requires_role("admin")]
    opt = need("staff")
    dependencies = {"auth": Provide(provide_auth)}

    @post("/", operation_id="registerKiosk", status_code=HTTP_201_CREATED)
    async def register(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[KioskIn],
    ) -> ActivationCode:
        """Register a kiosk; its one-time activation code (24 h) marks a browser as it."""
        kiosk_id, code, expires = await services.register_kiosk(
            auth.actor(), name=data.name, district=data.district, province=data.province
        )
        return _activation(
            settings,
            KioskOut(
                id=kiosk_id,
                name=data.name.strip(),
                district=data.district.strip(),
                province=data.province.strip(),
            ),
            code,
            expires,
        )

    @get("/", operation_id="listKiosks")
    async def list_kiosks(self) -> list[KioskOut]:
        """Every kiosk, active or revoked."""
        rows = await Kiosk.select(
            Kiosk.id, Kiosk.name, Kiosk.district, Kiosk.province, Kiosk.revoked_at
        ).order_by(Kiosk.id)
        return [kiosk_out(r) for r in rows]

    @post(
        "/{kiosk_id:int}/activation-code",
        operation_id="reissueKioskActivation",
        status_code=HTTP_201_CREATED,
    )
    async def reissue(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        kiosk_id: FromPath[int],
    ) -> ActivationCode:
        """A new activation code (the kiosk's browser was reset); the old device is forgotten."""
        code, expires = await services.new_activation_code(auth.actor(), kiosk_id)
        return _activation(settings, kiosk_out(await services.kiosk_info(kiosk_id)), code, expires)

    @delete("/{kiosk_id:int}", operation_id="revokeKiosk")
    async def revoke(self, auth: NamedDependency[Auth], kiosk_id: FromPath[int]) -> None:
        """Revoke a kiosk: its device token stops working and open sessions end."""
        await services.revoke_kiosk(auth.actor(), kiosk_id)


class StaffAlertController(Controller):
    """What admins should look into: operators refused past a daily limit."""

    path = "/api/v1/admin/alerts"
    tags = ["kiosk"]
    guards = [requires_role("admin")]
    opt = need("staff")

    @get("/", operation_id="listStaffAlerts", cache_control=None)
    async def list_alerts(self) -> Response[list[AlertOut]]:
        """The newest 100 alerts: which operator, at which kiosk, what, how many times."""
        rows = await services.alerts()
        found = [
            AlertOut(
                id=r["id"],
                at=r["at"],
                operator_id=r["operator"],
                operator_name=r["operator_name"],
                kiosk_id=r["kiosk"],
                kiosk_name=r["kiosk_name"],
                action=r["action"],
                times=r["times"],
                daily_limit=r["daily_limit"],
            )
            for r in rows
        ]
        return Response(found, headers={"Cache-Control": "no-store"})
