"""Operators run assisted sessions at a kiosk; citizens consent there or approve from their own
phone."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.accounts.schemas import CeremonyOptions, CredentialIn
from backend.kiosk import services
from backend.kiosk.assist import ASSISTED_IDLE
from backend.kiosk.controllers.device import CLEAR_SITE_DATA
from backend.kiosk.errors import KioskRequiredError
from backend.kiosk.schemas import (
    ApprovalIn,
    ApprovalOut,
    ApproveIn,
    AssistedOut,
    CitizenOut,
    ConsentCodeOut,
    FinishIn,
    IdentityClaim,
    InPersonConsent,
    StartAssisted,
)
from backend.kiosk.services.identity_claim import claim_identity
from backend.lib.qr import qr_svg
from backend.lib.thai_id import masked_id
from backend.settings import Settings


async def provide_operator(auth: NamedDependency[Auth]) -> services.Operator:
    """The operator and the registered kiosk this request comes from (403 elsewhere)."""
    if auth.kiosk_id is None or auth.staff_role != "operator":
        raise KioskRequiredError()
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
            national_id_masked=masked_id(row["citizen_national_id"]),
            assurance=row["citizen_assurance"],
            has_passkey=row["has_passkey"],
        ),
        started_at=row["started_at"],
        idle_timeout_s=int(ASSISTED_IDLE.total_seconds()),
        consent_method=row["consent_method"],
        consent_at=row["consent_at"],
        id_card_checked=row["id_card_checked"],
    )


class AssistedSessionController(Controller):
    """An operator at a registered kiosk, serving one citizen at a time."""

    path = "/api/v1/kiosk/assisted-sessions"
    tags = ["kiosk"]
    guards = [requires_role("operator")]
    opt = need("staff")
    dependencies = {"auth": Provide(provide_auth), "operator": Provide(provide_operator)}

    @post("/", operation_id="startAssistedSession", status_code=HTTP_201_CREATED)
    async def start(
        self,
        operator: NamedDependency[services.Operator],
        settings: NamedDependency[Settings],
        data: JSONBody[StartAssisted],
    ) -> AssistedOut:
        """Find the citizen by ID number (or enrol one who has no phone), pending consent."""
        await services.start_assisted(
            operator,
            national_id=data.national_id,
            full_name=data.full_name,
            phone=data.phone,
            id_card_checked=data.id_card_checked,
            settings=settings,
        )
        return _assisted_out(await services.current_assisted(operator))

    @get("/current", operation_id="getAssistedSession", cache_control=None)
    async def current(self, operator: NamedDependency[services.Operator]) -> Response[AssistedOut]:
        """The open assisted session (poll it while the citizen approves on their phone)."""
        return Response(
            _assisted_out(await services.current_assisted(operator)),
            headers={"Cache-Control": "no-store"},
        )

    @post("/current/id-card-check", operation_id="checkIdCard", status_code=HTTP_200_OK)
    async def check_id_card(
        self, operator: NamedDependency[services.Operator], settings: NamedDependency[Settings]
    ) -> AssistedOut:
        """Record that the operator checked the citizen's ID card in this session (needed
        before a recovery code)."""
        await services.check_id_card(operator, settings)
        return _assisted_out(await services.current_assisted(operator))

    @post("/current/approvals/options", operation_id="approvalOptions", status_code=HTTP_200_OK)
    async def approval_options(
        self,
        operator: NamedDependency[services.Operator],
        settings: NamedDependency[Settings],
        data: JSONBody[ApprovalIn],
    ) -> CeremonyOptions:
        """Passkey options for a second staff member (not the one serving) to approve one
        action, for a reason: the passkey then confirms exactly that."""
        return CeremonyOptions(
            public_key=await services.approval_options(operator, settings, data.action, data.reason)
        )

    @post("/current/approvals", operation_id="approve", status_code=HTTP_201_CREATED)
    async def approve(
        self,
        operator: NamedDependency[services.Operator],
        settings: NamedDependency[Settings],
        data: JSONBody[CredentialIn],
    ) -> ApprovalOut:
        """The second staff member's passkey confirms the approval the options named (a
        recovery code for a citizen who can still sign in; in-person consent for one who
        could consent otherwise). Used once, within 10 minutes."""
        approval_id, action = await services.approve(operator, settings, data.credential)
        return ApprovalOut(id=approval_id, action=action)

    @post("/current/claim-identity", operation_id="claimIdentity", status_code=HTTP_201_CREATED)
    async def claim_identity(
        self,
        operator: NamedDependency[services.Operator],
        settings: NamedDependency[Settings],
        data: JSONBody[IdentityClaim],
    ) -> AssistedOut:
        """The citizen, ID card checked, holds the number of a self-asserted account they
        cannot sign in to: with a second staff member's approval (`identity_claim`), the
        number becomes theirs in a new account verified in person, and the other account is
        frozen (its applications flagged to agencies). The session then serves the new
        account, pending consent."""
        await claim_identity(operator, data.full_name, settings)
        return _assisted_out(await services.current_assisted(operator))

    @post("/current/consent/in-person", operation_id="consentInPerson", status_code=HTTP_200_OK)
    async def consent_in_person(
        self,
        operator: NamedDependency[services.Operator],
        settings: NamedDependency[Settings],
        data: JSONBody[InPersonConsent],
    ) -> AssistedOut:
        """Record consent given in person after an ID-card check."""
        await services.consent_in_person(operator, settings, id_card_checked=data.id_card_checked)
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
    guards = [requires_role("citizen")]
    opt = need("owner")
    dependencies = {"auth": Provide(provide_auth)}

    @post("/", operation_id="approveKioskSession", status_code=HTTP_200_OK)
    async def approve(self, auth: NamedDependency[Auth], data: JSONBody[ApproveIn]) -> None:
        """On my own phone: let the operator at the kiosk act for me in this visit."""
        await services.approve_on_phone(auth.actor(), data.code)
