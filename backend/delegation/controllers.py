"""Authorisations: the grantor's and the delegate's own routes (never open to someone acting
for them), switching to act for a grantor, and making one in person at a kiosk."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts.auth import Auth, need, provide_auth, requires_role, signed_in
from backend.delegation import services
from backend.delegation.context import ACTING_COOKIE, forget_cookie
from backend.delegation.errors import DelegationEndedError, DelegationNotFoundError
from backend.delegation.schemas import (
    Acting,
    DelegationCreate,
    DelegationOut,
    Delegations,
    InvitationAccept,
    InvitationOut,
    KioskDelegationCreate,
)
from backend.kiosk.assist import office
from backend.kiosk.errors import KioskRequiredError, NoAssistedSessionError
from backend.lib.errors import ValidationFailedError
from backend.settings import Settings

__all__ = ["ActingController", "DelegationController", "KioskDelegationController"]


class DelegationController(Controller):
    """My authorisations, given and received: only the account holder, signed in as
    themselves, sees or changes them."""

    path = "/api/v1/delegations"
    tags = ["delegation"]
    guards = [requires_role("citizen")]
    opt = need("owner")
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="listDelegations", cache_control=None)
    async def listing(self, auth: NamedDependency[Auth]) -> Response[Delegations]:
        """Whom I authorised, and who authorised me, newest first (ended ones kept)."""
        given, received = await services.listing(auth.require_account())
        return Response(
            Delegations(given=given, received=received),
            headers={"Cache-Control": "private, no-cache"},
        )

    @post("/", operation_id="inviteDelegate", status_code=HTTP_201_CREATED)
    async def invite(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[Auth],
        data: JSONBody[DelegationCreate],
    ) -> InvitationOut:
        """Authorise someone: an invitation (valid 7 days) they accept on their own phone."""
        delegation_id, code = await services.invite(auth.actor(), auth.require_account(), data)
        made = await services.one(delegation_id)
        return InvitationOut(
            delegation=made,
            invitation=code,
            link=f"{str(request.base_url).rstrip('/')}/#/delegate?invitation={code}",
            expires_at=services.now() + services.INVITATION_TTL,
        )

    @post("/accept", operation_id="acceptDelegation", status_code=HTTP_200_OK)
    async def accept(
        self, auth: NamedDependency[Auth], data: JSONBody[InvitationAccept]
    ) -> DelegationOut:
        """Accept an invitation to act for its grantor."""
        delegation_id = await services.accept(auth.actor(), auth.require_account(), data.invitation)
        return await services.one(delegation_id)

    @delete("/{delegation_id:int}", operation_id="endDelegation", status_code=HTTP_200_OK)
    async def end(self, auth: NamedDependency[Auth], delegation_id: FromPath[int]) -> DelegationOut:
        """The grantor revokes it (or withdraws the invitation), or the delegate declines it.
        A delegate acting under it is refused from their next request."""
        await services.end(auth.actor(), auth.require_account(), delegation_id)
        return await services.one(delegation_id)


class ActingController(Controller):
    """Switching between my own account and acting for someone who authorised me."""

    path = "/api/v1/acting-for"
    tags = ["delegation"]

    @get(
        "/",
        operation_id="getActingFor",
        guards=[signed_in],
        opt=need("session"),
        dependencies={"auth": Provide(provide_auth)},
        cache_control=None,
    )
    async def current(self, auth: NamedDependency[Auth]) -> Response[Acting]:
        """Whom this session acts for now, and within what."""
        acting = Acting(acting=False)
        if auth.delegation_id is not None:
            acting = Acting(acting=True, delegation=await services.one(auth.delegation_id))
        return Response(acting, headers={"Cache-Control": "private, no-store"})

    @post(
        "/{delegation_id:int}",
        operation_id="actFor",
        guards=[signed_in],
        opt=need("session"),
        dependencies={"auth": Provide(provide_auth)},
        status_code=HTTP_200_OK,
    )
    async def act(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        delegation_id: FromPath[int],
    ) -> Response[Acting]:
        """Act for the grantor of `delegation_id` from the next request on (a cookie)."""
        grant = await services.grant_for(delegation_id, auth.session.account_id or 0)
        if grant is None:
            raise DelegationNotFoundError()
        if grant is False:
            raise DelegationEndedError()
        response = Response(
            Acting(acting=True, delegation=await services.one(delegation_id)),
            headers={"Cache-Control": "no-store"},
        )
        response.set_cookie(
            Cookie(
                key=ACTING_COOKIE,
                value=str(delegation_id),
                httponly=True,
                secure=settings.secure_cookies,
                samesite="lax",
                path="/",
            )
        )
        return response

    @delete("/", operation_id="stopActing", status_code=HTTP_200_OK)
    async def stop(self, request: Request[Any, Any, Any]) -> Response[Acting]:
        """Back to my own account (needs no session: it only drops the cookie)."""
        forget_cookie(request)
        return Response(Acting(acting=False), headers={"Cache-Control": "no-store"})


class KioskDelegationController(Controller):
    """At a district office: the operator records an authorisation with both people present
    (the grantor's ID card checked in the assisted session, the delegate's seen)."""

    path = "/api/v1/kiosk/assisted-sessions/current/delegations"
    tags = ["kiosk"]
    guards = [requires_role("operator")]
    opt = need("staff")
    dependencies = {"auth": Provide(provide_auth)}

    @post("/", operation_id="kioskCreateDelegation", status_code=HTTP_201_CREATED)
    async def create(
        self, auth: NamedDependency[Auth], data: JSONBody[KioskDelegationCreate]
    ) -> DelegationOut:
        """For a grantor without a phone: made, not invited, and told to both."""
        if auth.kiosk_id is None or auth.staff_role != "operator":
            raise KioskRequiredError()
        if auth.acting_for is None or auth.assisted_id is None:
            raise NoAssistedSessionError()  # no consented session for the grantor
        if not data.delegate_id_card_checked or not await services.id_card_checked(
            auth.assisted_id
        ):
            raise ValidationFailedError(
                fields={
                    "delegate_id_card_checked": {
                        "en": "Check both people's ID cards first.",
                        "th": "กรุณาตรวจบัตรประชาชนของทั้งสองคนก่อน",
                    }
                }
            )
        terms = DelegationCreate(
            powers=data.powers, valid_until=data.valid_until, services=data.services
        )
        delegation_id = await services.grant_in_person(
            auth.actor(),
            auth.acting_for,
            data.delegate_national_id,
            terms,
            where=await office(auth.kiosk_id),
        )
        return await services.one(delegation_id)
