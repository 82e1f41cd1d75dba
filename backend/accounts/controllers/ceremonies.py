"""The passkey ceremonies: enrol, sign in, recover with a code, accept an invitation. Each is
two calls of one shape: `…/options` (`_start`: the challenge, bound to the caller's session,
made if there is none) and then the browser's answer (`_finish`: verified against that
session's challenge, then a fresh signed-in session)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts import services
from backend.accounts.auth import Auth, provide_optional_auth
from backend.accounts.schemas import (
    CeremonyOptions,
    CodeStart,
    CredentialIn,
    EnrolStart,
    SessionOut,
    SigninStart,
)
from backend.accounts.sessions import create_session, revoke_session, set_cookies
from backend.settings import Settings
from backend.system.audit import Actor

__all__ = ["AnyRequest", "AuthController", "in_session"]

T = TypeVar("T")

AnyRequest = Request[Any, Any, Any]
Begin = Callable[[services.Ceremony], Awaitable[dict[str, Any]]]
Finish = Callable[[services.Ceremony], Awaitable[services.SignedIn]]


async def in_session(
    request: AnyRequest,
    maybe_auth: Auth | None,
    settings: Settings,
    answer: Callable[[services.Ceremony], Awaitable[T]],
) -> Response[T]:
    """`answer`, computed in the caller's session; a new one (cookie set) if the caller has
    none: the first step of a ceremony."""
    if maybe_auth is not None:
        ceremony = services.Ceremony(maybe_auth.session.id, maybe_auth.actor())
        return Response(await answer(ceremony), status_code=HTTP_200_OK)
    token, info = await create_session(request, account_id=None, role="")
    ceremony = services.Ceremony(info.id, Actor(account_id=None, role="", ip=_ip(request)))
    response = Response(await answer(ceremony), status_code=HTTP_200_OK)
    set_cookies(response, token, info, settings)
    return response


async def _start(
    request: AnyRequest, maybe_auth: Auth | None, settings: Settings, begin: Begin
) -> Response[CeremonyOptions]:
    """The options of a ceremony, bound to the caller's session (see `in_session`)."""

    async def options(ceremony: services.Ceremony) -> CeremonyOptions:
        return CeremonyOptions(public_key=await begin(ceremony))

    return await in_session(request, maybe_auth, settings, options)


async def _finish(
    request: AnyRequest,
    maybe_auth: Auth | None,
    settings: Settings,
    purpose: str,
    finish: Finish,
    status_code: int = HTTP_200_OK,
) -> Response[SessionOut]:
    """Verify the browser's answer against the session's challenge, then end that session
    and start a fresh, signed-in one: the session id changes at sign-in."""
    if maybe_auth is None:
        actor = Actor(account_id=None, role="", ip=_ip(request))
        raise await services.refuse_without_session(actor, purpose)
    ceremony = services.Ceremony(maybe_auth.session.id, maybe_auth.actor())
    account_id, role, passkey_id = await finish(ceremony)
    await revoke_session(ceremony.session_id)
    token, info = await create_session(
        request, account_id=account_id, role=role, passkey_id=passkey_id
    )
    body = SessionOut(
        authenticated=True,
        csrf_token=info.csrf_token,
        account=await services.account_out(account_id),
        idle_timeout_s=info.idle_timeout_s,
        expires_at=info.expires_at,
    )
    response = Response(body, status_code=status_code)
    set_cookies(response, token, info, settings)
    return response


def _ip(request: AnyRequest) -> str:
    return request.client.host if request.client else ""


class AuthController(Controller):
    """Passkey ceremonies. Each is two calls: `…/options`, then the browser's answer."""

    path = "/api/v1/auth"
    tags = ["accounts"]
    dependencies = {"maybe_auth": Provide(provide_optional_auth)}

    @post("/enrol/options", operation_id="enrolOptions", status_code=HTTP_200_OK)
    async def enrol_options(
        self,
        request: AnyRequest,
        data: JSONBody[EnrolStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[CeremonyOptions]:
        """Start enrolment: check the ID number and return passkey creation options."""
        return await _start(
            request,
            maybe_auth,
            settings,
            lambda ceremony: services.begin_enrol(
                ceremony,
                settings,
                national_id=data.national_id,
                full_name=data.full_name,
                phone=data.phone,
                language=data.language,
                address=data.address,
            ),
        )

    @post("/enrol", operation_id="enrol", status_code=HTTP_201_CREATED)
    async def enrol(
        self,
        request: AnyRequest,
        data: JSONBody[CredentialIn],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        """Finish enrolment: create the account with its first passkey, and sign in."""
        return await _finish(
            request,
            maybe_auth,
            settings,
            "enrol",
            lambda ceremony: services.finish_enrol(ceremony, settings, data.credential, data.name),
            HTTP_201_CREATED,
        )

    @post("/signin/options", operation_id="signinOptions", status_code=HTTP_200_OK)
    async def signin_options(
        self,
        request: AnyRequest,
        data: JSONBody[SigninStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[CeremonyOptions]:
        """Start sign-in: username-less, or with the ID number as a fallback."""
        return await _start(
            request,
            maybe_auth,
            settings,
            lambda ceremony: services.begin_signin(
                ceremony, settings, national_id=data.national_id
            ),
        )

    @post("/signin", operation_id="signin", status_code=HTTP_200_OK)
    async def signin(
        self,
        request: AnyRequest,
        data: JSONBody[CredentialIn],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        """Finish sign-in with the browser's assertion."""
        return await _finish(
            request,
            maybe_auth,
            settings,
            "signin",
            lambda ceremony: services.finish_signin(ceremony, settings, data.credential),
        )

    @post("/recover/options", operation_id="recoverOptions", status_code=HTTP_200_OK)
    async def recover_options(
        self,
        request: AnyRequest,
        data: JSONBody[CodeStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[CeremonyOptions]:
        """Start adding a passkey with a recovery code from a district office."""
        return await _start(
            request,
            maybe_auth,
            settings,
            lambda ceremony: services.begin_recovery(ceremony, settings, data.code),
        )

    @post("/recover", operation_id="recover", status_code=HTTP_200_OK)
    async def recover(
        self,
        request: AnyRequest,
        data: JSONBody[CredentialIn],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        """Finish recovery: the new passkey is added and the citizen is signed in."""
        return await _finish(
            request,
            maybe_auth,
            settings,
            "recover",
            lambda ceremony: services.finish_recovery(
                ceremony, settings, data.credential, data.name
            ),
        )

    @post("/invitation/options", operation_id="invitationOptions", status_code=HTTP_200_OK)
    async def invitation_options(
        self,
        request: AnyRequest,
        data: JSONBody[CodeStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[CeremonyOptions]:
        """Start a staff member's enrolment with an invitation code from an admin."""
        return await _start(
            request,
            maybe_auth,
            settings,
            lambda ceremony: services.begin_invitation(ceremony, settings, data.code),
        )

    @post("/invitation", operation_id="acceptInvitation", status_code=HTTP_201_CREATED)
    async def invitation(
        self,
        request: AnyRequest,
        data: JSONBody[CredentialIn],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        """Finish a staff enrolment: the staff account and its passkey, signed in."""
        return await _finish(
            request,
            maybe_auth,
            settings,
            "staff",
            lambda ceremony: services.finish_invitation(
                ceremony, settings, data.credential, data.name
            ),
            HTTP_201_CREATED,
        )
