"""Who is asking: the session behind the cookie, CSRF on writes, and role guards.

Every endpoint declares who may call it with a guard from here; the guard loads the session
once per request (kept on `request.state`) and handlers receive it as the `auth` dependency.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from backend.accounts.errors import CsrfError, SessionExpiredError
from backend.accounts.sessions import COOKIE, SessionInfo, load_session
from backend.lib.errors import AuthorizationError, NotAuthenticatedError
from backend.privacy.audit import Actor

__all__ = [
    "CSRF_HEADER",
    "STAFF_ROLES",
    "Auth",
    "provide_auth",
    "provide_optional_auth",
    "requires_role",
    "resolve_auth",
    "signed_in",
]

CSRF_HEADER = "x-csrf-token"
STAFF_ROLES = ("operator", "officer", "admin")
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_STATE_KEY = "portal_auth"


@dataclass(frozen=True, slots=True)
class Auth:
    """The caller: a live session, maybe signed in."""

    session: SessionInfo
    ip: str

    @property
    def account_id(self) -> int | None:
        return self.session.account_id

    @property
    def role(self) -> str:
        return self.session.role

    def actor(self) -> Actor:
        return Actor(account_id=self.session.account_id, role=self.session.role, ip=self.ip)

    def require_account(self) -> int:
        if self.session.account_id is None:
            raise NotAuthenticatedError()
        return self.session.account_id


async def resolve_auth(connection: ASGIConnection[Any, Any, Any, Any]) -> Auth | None:
    """Load the session once per request; enforce CSRF on cookie-authenticated writes."""
    state = connection.scope.setdefault("state", {})
    if _STATE_KEY in state:
        cached: Auth | None = state[_STATE_KEY]
        return cached
    token = connection.cookies.get(COOKIE)
    session = await load_session(token)
    auth = None
    if session is not None:
        method = connection.scope.get("method", "GET")
        if method not in _SAFE_METHODS:
            sent = connection.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
                raise CsrfError()
        auth = Auth(session=session, ip=connection.client.host if connection.client else "")
    elif token:
        state["portal_session_expired"] = True
    state[_STATE_KEY] = auth
    return auth


async def _signed_in_auth(connection: ASGIConnection[Any, Any, Any, Any]) -> Auth:
    auth = await resolve_auth(connection)
    if auth is None or auth.account_id is None:
        if connection.scope.get("state", {}).get("portal_session_expired"):
            raise SessionExpiredError()
        raise NotAuthenticatedError()
    return auth


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: any signed-in account."""
    await _signed_in_auth(connection)


def requires_role(*roles: str) -> Guard:
    """Guard: signed in with one of `roles` (401 when not signed in, 403 for another role)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        auth = await _signed_in_auth(connection)
        if auth.role not in roles:
            raise AuthorizationError()

    guard.__name__ = f"requires_{'_or_'.join(roles)}"
    return guard


async def provide_auth(request: ASGIConnection[Any, Any, Any, Any]) -> Auth:
    """Dependency `auth` for guarded handlers."""
    return await _signed_in_auth(request)


async def provide_optional_auth(request: ASGIConnection[Any, Any, Any, Any]) -> Auth | None:
    """Dependency `maybe_auth` for public handlers that behave differently when signed in."""
    return await resolve_auth(request)
