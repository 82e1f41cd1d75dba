"""Accounts HTTP API: ceremonies, the session, passkeys, recovery codes and invitations."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts import services
from backend.accounts.auth import (
    Auth,
    own_account_only,
    provide_auth,
    provide_optional_auth,
    requires_role,
    signed_in,
)
from backend.accounts.events import SignedOut
from backend.accounts.schemas import (
    AccountOut,
    CeremonyOptions,
    CodeOut,
    CodeStart,
    CredentialIn,
    EnrolStart,
    InvitationCreate,
    PasskeyOut,
    PasskeyRename,
    Profile,
    ProfileUpdate,
    RecoveryIssue,
    SessionOut,
    SigninStart,
)
from backend.accounts.sessions import (
    SessionInfo,
    clear_cookies,
    create_session,
    revoke_all,
    revoke_session,
    set_cookies,
)
from backend.accounts.tables import Account
from backend.lib.qr import qr_svg
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.registry import publish

__all__ = [
    "AuthController",
    "PasskeyController",
    "ProfileController",
    "SessionController",
    "StaffAccountsController",
]

AnyRequest = Request[Any, Any, Any]


async def _ceremony(
    request: AnyRequest, maybe_auth: Auth | None
) -> tuple[services.Ceremony, tuple[str, SessionInfo] | None]:
    """The session a ceremony is bound to; a new one (cookie to set) if the caller has none."""
    ip = request.client.host if request.client else ""
    if maybe_auth is not None:
        return services.Ceremony(maybe_auth.session.id, maybe_auth.actor()), None
    token, info = await create_session(request, account_id=None, role="")
    return services.Ceremony(info.id, Actor(account_id=None, role="", ip=ip)), (token, info)


def _options_response(
    options: dict[str, Any], new_session: tuple[str, SessionInfo] | None, settings: Settings
) -> Response[CeremonyOptions]:
    response = Response(CeremonyOptions(public_key=options), status_code=HTTP_200_OK)
    if new_session:
        set_cookies(response, new_session[0], new_session[1], settings)
    return response


async def _account_out(account_id: int) -> AccountOut:
    row = (
        await Account.select(
            Account.id,
            Account.full_name,
            Account.role,
            Account.language,
            Account.assurance,
            Account.agency.code.as_alias("agency_code"),
        )
        .where(Account.id == account_id)
        .first()
    )
    assert row is not None
    return AccountOut(
        id=row["id"],
        full_name=row["full_name"],
        role=row["role"],
        language=row["language"],
        assurance=row["assurance"],
        agency=row["agency_code"],
    )


async def _signed_in_response(
    request: AnyRequest,
    ceremony: services.Ceremony,
    account_id: int,
    role: str,
    settings: NamedDependency[Settings],
    status_code: int = HTTP_200_OK,
) -> Response[SessionOut]:
    """End the ceremony session and start a fresh one: the session id changes at sign-in."""
    await revoke_session(ceremony.session_id)
    token, info = await create_session(request, account_id=account_id, role=role)
    body = SessionOut(
        authenticated=True,
        csrf_token=info.csrf_token,
        account=await _account_out(account_id),
        idle_timeout_s=info.idle_timeout_s,
        expires_at=info.expires_at,
    )
    response = Response(body, status_code=status_code)
    set_cookies(response, token, info, settings)
    return response


class AuthController(Controller):
    """Passkey ceremonies. Each is two calls: `…/options`, then the browser's answer."""

    path = "/api/v1/auth"
    tags = ["accounts"]
    dependencies = {"maybe_auth": Provide(provide_optional_auth)}

    @post("/enrol/options", operation_id="enrolOptions")
    async def enrol_options(
        self,
        request: AnyRequest,
        data: JSONBody[EnrolStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[CeremonyOptions]:
        """Start enrolment: check the ID number and return passkey creation options."""
        ceremony, new = await _ceremony(request, maybe_auth)
        options = await services.begin_enrol(
            ceremony,
            settings,
            national_id=data.national_id,
            full_name=data.full_name,
            phone=data.phone,
            language=data.language,
            address=data.address,
        )
        return _options_response(options, new, settings)

    @post("/enrol", operation_id="enrol", status_code=HTTP_201_CREATED)
    async def enrol(
        self,
        request: AnyRequest,
        data: JSONBody[CredentialIn],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        """Finish enrolment: create the account with its first passkey, and sign in."""
        ceremony = await _require_ceremony(request, maybe_auth, "enrol")
        account_id = await services.finish_enrol(ceremony, settings, data.credential, data.name)
        return await _signed_in_response(
            request, ceremony, account_id, "citizen", settings, HTTP_201_CREATED
        )

    @post("/signin/options", operation_id="signinOptions")
    async def signin_options(
        self,
        request: AnyRequest,
        data: JSONBody[SigninStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[CeremonyOptions]:
        """Start sign-in: username-less, or with the ID number as a fallback."""
        ceremony, new = await _ceremony(request, maybe_auth)
        options = await services.begin_signin(ceremony, settings, national_id=data.national_id)
        return _options_response(options, new, settings)

    @post("/signin", operation_id="signin")
    async def signin(
        self,
        request: AnyRequest,
        data: JSONBody[CredentialIn],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        """Finish sign-in with the browser's assertion."""
        ceremony = await _require_ceremony(request, maybe_auth, "signin")
        account_id, role = await services.finish_signin(ceremony, settings, data.credential)
        return await _signed_in_response(request, ceremony, account_id, role, settings)

    @post("/recover/options", operation_id="recoverOptions")
    async def recover_options(
        self,
        request: AnyRequest,
        data: JSONBody[CodeStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[CeremonyOptions]:
        """Start adding a passkey with a recovery code from a district office."""
        ceremony, new = await _ceremony(request, maybe_auth)
        options = await services.begin_recovery(ceremony, settings, data.code)
        return _options_response(options, new, settings)

    @post("/recover", operation_id="recover")
    async def recover(
        self,
        request: AnyRequest,
        data: JSONBody[CredentialIn],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        """Finish recovery: the new passkey is added and the citizen is signed in."""
        ceremony = await _require_ceremony(request, maybe_auth, "recover")
        account_id, role = await services.finish_recovery(
            ceremony, settings, data.credential, data.name
        )
        return await _signed_in_response(request, ceremony, account_id, role, settings)

    @post("/invitation/options", operation_id="invitationOptions")
    async def invitation_options(
        self,
        request: AnyRequest,
        data: JSONBody[CodeStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[CeremonyOptions]:
        """Start a staff member's enrolment with an invitation code from an admin."""
        ceremony, new = await _ceremony(request, maybe_auth)
        options = await services.begin_invitation(ceremony, settings, data.code)
        return _options_response(options, new, settings)

    @post("/invitation", operation_id="acceptInvitation", status_code=HTTP_201_CREATED)
    async def invitation(
        self,
        request: AnyRequest,
        data: JSONBody[CredentialIn],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        """Finish a staff enrolment: the staff account and its passkey, signed in."""
        ceremony = await _require_ceremony(request, maybe_auth, "staff")
        account_id, role = await services.finish_invitation(
            ceremony, settings, data.credential, data.name
        )
        return await _signed_in_response(
            request, ceremony, account_id, role, settings, HTTP_201_CREATED
        )

    @post(
        "/signout",
        operation_id="signout",
        guards=[signed_in],
        dependencies={"auth": Provide(provide_auth)},
        status_code=HTTP_200_OK,
    )
    async def signout(
        self, auth: NamedDependency[Auth], settings: NamedDependency[Settings]
    ) -> Response[SessionOut]:
        """End this session; the device stops receiving this account's notifications."""
        await revoke_session(auth.session.id)
        await publish(
            SignedOut(
                actor=auth.actor(), account_id=auth.session.account_id, session_id=auth.session.id
            )
        )
        await record("session.signed_out", auth.actor(), subject_account_id=auth.session.account_id)
        response = Response(SessionOut(authenticated=False))
        clear_cookies(response, settings)
        return response

    @post(
        "/signout-all",
        operation_id="signoutAll",
        guards=[signed_in],
        dependencies={"auth": Provide(provide_auth)},
        status_code=HTTP_200_OK,
    )
    async def signout_all(
        self, auth: NamedDependency[Auth], settings: NamedDependency[Settings]
    ) -> Response[SessionOut]:
        """End every session of this account, on every device, and stop every device's
        notifications (e.g. after losing a phone)."""
        own = auth.session.account_id  # an operator's own sessions, never the citizen's
        assert own is not None
        ended = await revoke_all(own)
        await publish(SignedOut(actor=auth.actor(), account_id=own, session_id=None))
        await record(
            "session.signed_out_all",
            auth.actor(),
            subject_account_id=own,
            detail={"sessions": ended},
        )
        response = Response(SessionOut(authenticated=False))
        clear_cookies(response, settings)
        return response


async def _require_ceremony(
    request: AnyRequest, maybe_auth: Auth | None, purpose: str
) -> services.Ceremony:
    if maybe_auth is None:
        ip = request.client.host if request.client else ""
        raise await services.refuse_without_session(Actor(account_id=None, role="", ip=ip), purpose)
    return services.Ceremony(maybe_auth.session.id, maybe_auth.actor())


class SessionController(Controller):
    path = "/api/v1/session"
    tags = ["accounts"]

    @get(
        "/",
        operation_id="getSession",
        dependencies={"maybe_auth": Provide(provide_optional_auth)},
        cache_control=None,
    )
    async def get_session(self, maybe_auth: NamedDependency[Auth | None]) -> Response[SessionOut]:
        """Who is signed in here (never cached), with the CSRF token for writes."""
        if maybe_auth is None:
            body = SessionOut(authenticated=False)
        else:
            info = maybe_auth.session
            body = SessionOut(
                authenticated=info.account_id is not None,
                csrf_token=info.csrf_token,
                account=await _account_out(info.account_id) if info.account_id else None,
                idle_timeout_s=info.idle_timeout_s,
                expires_at=info.expires_at,
            )
        return Response(body, headers={"Cache-Control": "no-store"})


class PasskeyController(Controller):
    """A signed-in person's own passkeys."""

    path = "/api/v1/me/passkeys"
    tags = ["accounts"]
    guards = [signed_in, own_account_only]
    dependencies = {"auth": Provide(provide_auth)}
    cache_control = CacheControlHeader(private=True, no_cache=True)  # personal, like the profile

    @get("/", operation_id="listPasskeys")
    async def list_passkeys(self, auth: NamedDependency[Auth]) -> list[PasskeyOut]:
        """My passkeys (revoked ones are not listed)."""
        rows = await services.list_passkeys(auth.require_account())
        return [
            PasskeyOut(
                id=r["id"],
                name=r["name"],
                created_at=r["created_at"],
                multi_device=r["multi_device"],
                last_used_at=r["last_used_at"],
            )
            for r in rows
        ]

    @post("/options", operation_id="addPasskeyOptions", status_code=HTTP_200_OK)
    async def add_options(
        self, auth: NamedDependency[Auth], settings: NamedDependency[Settings]
    ) -> CeremonyOptions:
        """Creation options for another passkey (existing ones are excluded)."""
        ceremony = services.Ceremony(auth.session.id, auth.actor())
        return CeremonyOptions(
            public_key=await services.begin_add_passkey(ceremony, settings, auth.require_account())
        )

    @post("/", operation_id="addPasskey", status_code=HTTP_201_CREATED)
    async def add(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[CredentialIn],
    ) -> PasskeyOut:
        """Register another passkey for this account."""
        ceremony = services.Ceremony(auth.session.id, auth.actor())
        account_id = auth.require_account()
        passkey_id = await services.finish_add_passkey(
            ceremony, settings, account_id, data.credential, data.name
        )
        row = next(r for r in await services.list_passkeys(account_id) if r["id"] == passkey_id)
        return PasskeyOut(
            id=row["id"],
            name=row["name"],
            created_at=row["created_at"],
            multi_device=row["multi_device"],
        )

    @patch("/{passkey_id:int}", operation_id="renamePasskey")
    async def rename(
        self, auth: NamedDependency[Auth], passkey_id: FromPath[int], data: JSONBody[PasskeyRename]
    ) -> Response[None]:
        """Rename a passkey."""
        await services.rename_passkey(auth.actor(), auth.require_account(), passkey_id, data.name)
        return Response(None, status_code=204)

    @delete("/{passkey_id:int}", operation_id="revokePasskey")
    async def revoke(
        self,
        auth: NamedDependency[Auth],
        passkey_id: FromPath[int],
        confirm_last: FromQuery[bool] = False,
    ) -> None:
        """Revoke a passkey. The last one needs `confirm_last=true` (409 explains why)."""
        await services.revoke_passkey(
            auth.actor(), auth.require_account(), passkey_id, confirm_last=confirm_last
        )


class StaffAccountsController(Controller):
    """Staff-only account actions: recovery codes (operators) and invitations (admins)."""

    path = "/api/v1"
    tags = ["staff"]
    dependencies = {"auth": Provide(provide_auth)}

    @post(
        "/staff/recovery-codes",
        operation_id="issueRecoveryCode",
        guards=[requires_role("operator", "admin")],
        status_code=HTTP_201_CREATED,
    )
    async def issue_recovery_code(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[RecoveryIssue],
    ) -> CodeOut:
        """After checking the citizen's ID card in person, issue a 15-minute, single-use code
        with which they add a passkey on their own phone."""
        code, expires, _ = await services.issue_recovery_code(auth.actor(), data.national_id)
        url = f"{settings.public_origin}/#/recover?code={code}"
        return CodeOut(
            code=code, url=url, expires_at=expires, qr_svg=qr_svg(url, title="Recovery code")
        )

    @post(
        "/admin/invitations",
        operation_id="inviteStaff",
        guards=[requires_role("admin")],
        status_code=HTTP_201_CREATED,
    )
    async def invite(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[InvitationCreate],
    ) -> CodeOut:
        """Invite a staff member: the code lets them register their passkey once (72 h)."""
        code, expires = await services.issue_invitation(
            auth.actor(), role=data.role, full_name=data.full_name, agency_code=data.agency
        )
        url = f"{settings.public_origin}/#/invitation?code={code}"
        return CodeOut(
            code=code, url=url, expires_at=expires, qr_svg=qr_svg(url, title="Staff invitation")
        )


class ProfileController(Controller):
    """My details, which forms prefill (name, ID number, phone, address)."""

    path = "/api/v1/me/profile"
    tags = ["accounts"]
    guards = [signed_in]
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="getProfile", cache_control=None)
    async def get_profile(self, auth: NamedDependency[Auth]) -> Response[Profile]:
        """What the portal knows about me."""
        return Response(
            await services.profile(auth.require_account()),
            headers={"Cache-Control": "private, no-cache"},
        )

    @patch("/", operation_id="updateProfile")
    async def update_profile(
        self, auth: NamedDependency[Auth], data: JSONBody[ProfileUpdate]
    ) -> Profile:
        """Change my phone, address or language (name and ID number change only in person)."""
        await services.update_profile(
            auth.actor(),
            auth.require_account(),
            phone=data.phone,
            address=data.address,
            language=data.language,
        )
        return await services.profile(auth.require_account())
