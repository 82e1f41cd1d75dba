"""Who is signed in here, and signing out of this device or of every device."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_200_OK

from backend.accounts import services
from backend.accounts.auth import Auth, need, provide_auth, provide_optional_auth, signed_in
from backend.accounts.events import SignedOut
from backend.accounts.schemas import Secured, SessionEntry, SessionOut
from backend.accounts.sessions import clear_cookies, revoke_all, revoke_session
from backend.settings import Settings
from backend.system.audit import record
from backend.system.registry import publish

__all__ = ["MySessionsController", "SessionController", "SignoutController"]

SIGNED_OUT = {"Clear-Site-Data": '"cache"', "Cache-Control": "no-store"}
"""A signed-out browser keeps none of the account's answers in its HTTP cache (a shared
phone: the next person could read them with `fetch(url, {cache: 'only-if-cached'})`). The
page clears its own stores (IndexedDB, the service worker's copies) itself."""


class SignoutController(Controller):
    """Ending sessions (beside the ceremonies that start them)."""

    path = "/api/v1/auth"
    tags = ["accounts"]

    @post(
        "/signout",
        operation_id="signout",
        guards=[signed_in],
        opt=need("session"),
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
        response = Response(SessionOut(authenticated=False), headers=SIGNED_OUT)
        clear_cookies(response, settings)
        return response

    @post(
        "/signout-all",
        operation_id="signoutAll",
        guards=[signed_in],
        opt=need("owner"),
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
        response = Response(SessionOut(authenticated=False), headers=SIGNED_OUT)
        clear_cookies(response, settings)
        return response


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
                account=await services.account_out(info.account_id) if info.account_id else None,
                idle_timeout_s=info.idle_timeout_s,
                expires_at=info.expires_at,
            )
        return Response(body, headers={"Cache-Control": "no-store"})


class MySessionsController(Controller):
    """Where I am signed in, and ending it everywhere else (after a lost phone or a
    recovery). Only the account holder, never an operator acting for them."""

    path = "/api/v1/me/sessions"
    tags = ["accounts"]
    guards = [signed_in]
    opt = need("owner")
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="listMySessions", cache_control=None)
    async def list_sessions(self, auth: NamedDependency[Auth]) -> Response[list[SessionEntry]]:
        """My signed-in sessions, most recently used first; `current` is this browser."""
        found = await services.list_sessions(auth.require_account(), auth.session.id)
        return Response(found, headers={"Cache-Control": "no-store"})

    @post("/end-others", operation_id="endOtherSessions", status_code=HTTP_200_OK)
    async def end_others(self, auth: NamedDependency[Auth]) -> Secured:
        """End every other session and revoke every passkey but the one this session signed
        in with: one step to lock out a lost or stolen phone."""
        return await services.secure_account(auth.actor(), auth.require_account(), auth.session.id)
