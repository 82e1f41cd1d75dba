"""Kiosk HTTP API: admins register kiosks, a browser activates as one, operators run
assisted sessions, citizens approve from their own phone."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts.auth import Auth, own_account_only, provide_auth, requires_role
from backend.accounts.schemas import CeremonyOptions, CredentialIn
from backend.kiosk import services
from backend.kiosk.assist import ASSISTED_IDLE, KIOSK_COOKIE, kiosk_id_for_token
from backend.kiosk.tables import Kiosk
from backend.lib.errors import NotFoundError
from backend.lib.qr import qr_svg
from backend.lib.schema import Struct
from backend.settings import Settings

__all__ = [
    "AdminKioskController",
    "AssistedSessionController",
    "KioskConsentController",
    "KioskDeviceController",
]

CLEAR_SITE_DATA = '"cache", "storage"'
"""Sent when an assisted session ends: the browser drops every cache, IndexedDB, local
storage and service worker of the portal. Cookies stay (the kiosk's device credential and the
operator's session are not the citizen's)."""

DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetimes at 400 days


class KioskIn(Struct):
    name: Annotated[str, msgspec.Meta(min_length=2, max_length=120)]
    district: Annotated[str, msgspec.Meta(min_length=2, max_length=80)]
    province: Annotated[str, msgspec.Meta(min_length=2, max_length=80)]


class KioskOut(Struct):
    id: int
    name: str
    district: str
    province: str
    active: bool = True


class ActivationCode(Struct):
    kiosk: KioskOut
    code: str
    url: str
    expires_at: dt.datetime
    qr_svg: str


class ActivateIn(Struct):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=40)]


class StartAssisted(Struct):
    national_id: Annotated[str, msgspec.Meta(min_length=13, max_length=17)]
    id_card_checked: bool = False
    """The operator looked at the citizen's ID card (raises assurance to verified_in_person)."""
    full_name: Annotated[str, msgspec.Meta(min_length=2, max_length=120)] | None = None
    """Only to enrol a citizen who has no account yet."""
    phone: Annotated[str, msgspec.Meta(max_length=20)] = ""


class InPersonConsent(Struct):
    id_card_checked: bool


class CitizenOut(Struct):
    id: int
    full_name: str
    national_id_masked: str
    assurance: str
    has_passkey: bool


class AssistedOut(Struct):
    id: int
    citizen: CitizenOut
    started_at: dt.datetime
    idle_timeout_s: int
    consent_method: str = ""
    consent_at: dt.datetime | None = None


class ConsentCodeOut(Struct):
    code: str
    url: str
    expires_at: dt.datetime
    qr_svg: str


class FinishIn(Struct):
    reason: Literal["finished", "timeout"] = "finished"
    """"timeout": the page's own 3-minute timer ended the visit, nobody pressed Finish."""


class ApproveIn(Struct):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=20)]


def _kiosk_out(row: dict[str, Any]) -> KioskOut:
    return KioskOut(
        id=row["id"],
        name=row["name"],
        district=row["district"],
        province=row["province"],
        active=row.get("revoked_at") is None,
    )


async def provide_operator(auth: NamedDependency[Auth]) -> services.Operator:
    """The operator and the registered kiosk this request comes from (403 elsewhere)."""
    if auth.kiosk_id is None or auth.staff_role != "operator":
        raise services.KioskRequiredError()
    assert auth.session.account_id is not None
    return services.Operator(
        account_id=auth.session.account_id,
        session_id=auth.session.id,
        kiosk_id=auth.kiosk_id,
        actor=auth.actor(),
    )


def _assisted_out(row: dict[str, Any]) -> AssistedOut:
    return AssistedOut(
        id=row["id"],
        citizen=CitizenOut(
            id=row["citizen"],
            full_name=row["citizen_name"],
            national_id_masked=services.masked_id(row["citizen_national_id"]),
            assurance=row["citizen_assurance"],
            has_passkey=row["has_passkey"],
        ),
        started_at=row["started_at"],
        idle_timeout_s=int(ASSISTED_IDLE.total_seconds()),
        consent_method=row["consent_method"],
        consent_at=row["consent_at"],
    )


class AdminKioskController(Controller):
    path = "/api/v1/admin/kiosks"
    tags = ["kiosk"]
    guards = [requires_role("admin")]
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
        return [_kiosk_out(r) for r in rows]

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
        return _activation(settings, _kiosk_out(await services.kiosk_info(kiosk_id)), code, expires)

    @delete("/{kiosk_id:int}", operation_id="revokeKiosk")
    async def revoke(self, auth: NamedDependency[Auth], kiosk_id: FromPath[int]) -> None:
        """Revoke a kiosk: its device token stops working and open sessions end."""
        await services.revoke_kiosk(auth.actor(), kiosk_id)


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
        response = Response(_kiosk_out(row))
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
            _kiosk_out(await services.kiosk_info(kiosk_id)), headers={"Cache-Control": "no-store"}
        )


class AssistedSessionController(Controller):
    """An operator at a registered kiosk, serving one citizen at a time."""

    path = "/api/v1/kiosk/assisted-sessions"
    tags = ["kiosk"]
    guards = [requires_role("operator")]
    dependencies = {"auth": Provide(provide_auth), "operator": Provide(provide_operator)}

    @post("/", operation_id="startAssistedSession", status_code=HTTP_201_CREATED)
    async def start(
        self, operator: NamedDependency[services.Operator], data: JSONBody[StartAssisted]
    ) -> AssistedOut:
        """Find the citizen by ID number (or enrol one who has no phone), pending consent."""
        await services.start_assisted(
            operator,
            national_id=data.national_id,
            full_name=data.full_name,
            phone=data.phone,
            id_card_checked=data.id_card_checked,
        )
        return _assisted_out(await services.current_assisted(operator))

    @get("/current", operation_id="getAssistedSession", cache_control=None)
    async def current(self, operator: NamedDependency[services.Operator]) -> Response[AssistedOut]:
        """The open assisted session (poll it while the citizen approves on their phone)."""
        return Response(
            _assisted_out(await services.current_assisted(operator)),
            headers={"Cache-Control": "no-store"},
        )

    @post("/current/consent/in-person", operation_id="consentInPerson", status_code=HTTP_200_OK)
    async def consent_in_person(
        self, operator: NamedDependency[services.Operator], data: JSONBody[InPersonConsent]
    ) -> AssistedOut:
        """Record consent given in person after an ID-card check."""
        await services.consent_in_person(operator, id_card_checked=data.id_card_checked)
        return _assisted_out(await services.current_assisted(operator))

    @post(
        "/current/consent/passkey/options",
        operation_id="consentPasskeyOptions",
        status_code=HTTP_200_OK,
    )
    async def consent_passkey_options(
        self, operator: NamedDependency[services.Operator], settings: NamedDependency[Settings]
    ) -> CeremonyOptions:
        """Options for the citizen to confirm with their own passkey on the kiosk."""
        return CeremonyOptions(
            public_key=await services.consent_passkey_options(operator, settings)
        )

    @post("/current/consent/passkey", operation_id="consentWithPasskey", status_code=HTTP_200_OK)
    async def consent_passkey(
        self,
        operator: NamedDependency[services.Operator],
        settings: NamedDependency[Settings],
        data: JSONBody[CredentialIn],
    ) -> AssistedOut:
        """Record consent given with the citizen's passkey."""
        await services.consent_with_passkey(operator, settings, data.credential)
        return _assisted_out(await services.current_assisted(operator))

    @post("/current/consent/phone", operation_id="consentPhoneCode", status_code=HTTP_201_CREATED)
    async def consent_phone(
        self, operator: NamedDependency[services.Operator], settings: NamedDependency[Settings]
    ) -> ConsentCodeOut:
        """A QR the citizen scans with their own phone to approve in their app."""
        code, expires = await services.phone_consent_code(operator)
        url = f"{settings.public_origin}/#/kiosk-consent?code={code}"
        return ConsentCodeOut(
            code=code,
            url=url,
            expires_at=expires,
            qr_svg=qr_svg(url, title="Approve on your phone"),
        )

    @post("/current/finish", operation_id="finishAssistedSession", status_code=HTTP_200_OK)
    async def finish(
        self,
        operator: NamedDependency[services.Operator],
        data: JSONBody[FinishIn | None] = None,
    ) -> Response[None]:
        """End the assisted session ("finished", or "timeout" from the page's idle timer); the
        browser is told to clear everything it stored."""
        await services.finish(operator, data.reason if data else "finished")
        return Response(
            None, headers={"Clear-Site-Data": CLEAR_SITE_DATA, "Cache-Control": "no-store"}
        )


class KioskConsentController(Controller):
    path = "/api/v1/me/kiosk-consent"
    tags = ["kiosk"]
    guards = [requires_role("citizen"), own_account_only]
    dependencies = {"auth": Provide(provide_auth)}

    @post("/", operation_id="approveKioskSession", status_code=HTTP_200_OK)
    async def approve(self, auth: NamedDependency[Auth], data: JSONBody[ApproveIn]) -> None:
        """On my own phone: let the operator at the kiosk act for me in this visit."""
        await services.approve_on_phone(auth.actor(), data.code)
