"""Who is asking: the session behind the cookie, CSRF on writes, and role guards.

Every endpoint declares who may call it with a guard from here; the guard loads the session
once per request (kept on `request.state`) and handlers receive it as the `auth` dependency.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, get_args

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from backend.accounts.errors import CsrfError, SessionExpiredError
from backend.accounts.schemas import StaffRole
from backend.accounts.sessions import COOKIE, SessionInfo, load_session, touch_session
from backend.lib.errors import AuthorizationError, NotAuthenticatedError
from backend.lib.middleware import after_response
from backend.system.audit import Actor
from backend.system.registry import ExtensionPoint, current

__all__ = [
    "CSRF_HEADER",
    "REQUEST_CONTEXTS",
    "STAFF_ROLES",
    "Auth",
    "RequestContext",
    "own_account_only",
    "provide_auth",
    "provide_optional_auth",
    "requires_role",
    "resolve_auth",
    "signed_in",
    "with_context_cookie",
]

CSRF_HEADER = "x-csrf-token"
STAFF_ROLES: tuple[StaffRole, ...] = get_args(StaffRole)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_STATE_KEY = "portal_auth"


@dataclass(frozen=True, slots=True)
class Auth:
    """The caller: a live session, maybe signed in. An operator in an assisted session at a
    kiosk acts *as* the citizen (`account_id`, `role`) while every audit entry names the
    operator and the kiosk (`actor()`)."""

    session: SessionInfo
    ip: str
    kiosk_id: int | None = None
    acting_for: int | None = None
    assisted_id: int | None = None

    @property
    def account_id(self) -> int | None:
        return self.acting_for if self.acting_for is not None else self.session.account_id

    @property
    def role(self) -> str:
        return "citizen" if self.acting_for is not None else self.session.role

    @property
    def staff_role(self) -> str:
        """The role of whoever holds the session (an operator stays an operator)."""
        return self.session.role

    def actor(self) -> Actor:
        return Actor(
            account_id=self.session.account_id,
            role=self.session.role,
            ip=self.ip,
            kiosk_id=self.kiosk_id,
        )

    def require_account(self) -> int:
        """The account this request acts on: the citizen an operator is serving, if any."""
        account_id = self.account_id
        if account_id is None:
            raise NotAuthenticatedError()
        return account_id


class RequestContext(Protocol):
    """Where a request comes from and for whom it acts, beyond its session: e.g. a kiosk's
    browser, where an operator acts for the citizen in front of them. Offered by a domain
    above accounts through `REQUEST_CONTEXTS`."""

    cookie: str
    """Only requests carrying this cookie have the context (a phone never pays for it)."""

    async def resolve(self, auth: Auth, connection: ASGIConnection[Any, Any, Any, Any]) -> Auth:
        """The caller in this context (or `auth` unchanged)."""
        ...


REQUEST_CONTEXTS: ExtensionPoint[RequestContext] = ExtensionPoint("accounts.request_contexts")


def with_context_cookie(cookie_names: Iterable[str]) -> bool:
    """Whether a request carrying these cookies may act for someone else: such requests are
    never answered from a process's memory of the session holder's own pages."""
    contexts = current().extensions(REQUEST_CONTEXTS)
    return any(context.cookie in cookie_names for context in contexts)


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
        if session.touch_due:
            after_response(connection.scope, lambda: touch_session(session))
        method = connection.scope.get("method", "GET")
        if method not in _SAFE_METHODS:
            sent = connection.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
                raise CsrfError()
        auth = Auth(session=session, ip=connection.client.host if connection.client else "")
        for context in current().extensions(REQUEST_CONTEXTS):
            if context.cookie in connection.cookies:
                auth = await context.resolve(auth, connection)
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
    """Guard: signed in with one of `roles` (401 when not signed in, 403 for another role).
    An operator acting for a citizen passes both citizen and operator guards."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        auth = await _signed_in_auth(connection)
        if auth.role not in roles and auth.staff_role not in roles:
            raise AuthorizationError()

    guard.__name__ = f"requires_{'_or_'.join(roles)}"
    return guard


async def own_account_only(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: the holder of the session acting for themselves — passkeys and sign-in settings
    are never managed by an operator on a citizen's behalf (that would be a takeover path)."""
    auth = await _signed_in_auth(connection)
    if auth.acting_for is not None:
        raise AuthorizationError(
            "Passkeys can only be managed by their owner, not in an assisted session.",
            "การจัดการพาสคีย์ทำได้โดยเจ้าของบัญชีเท่านั้น ไม่ใช่ผ่านเจ้าหน้าที่",
            code="not_in_assisted_session",
        )


async def provide_auth(request: ASGIConnection[Any, Any, Any, Any]) -> Auth:
    """Dependency `auth` for guarded handlers."""
    return await _signed_in_auth(request)


async def provide_optional_auth(request: ASGIConnection[Any, Any, Any, Any]) -> Auth | None:
    """Dependency `maybe_auth` for public handlers that behave differently when signed in."""
    return await resolve_auth(request)
