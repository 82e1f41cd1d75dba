"""A delegate's requests (accounts.REQUEST_CONTEXTS): with the acting cookie, a citizen's
session acts for the grantor, within the grant, which is read afresh on every request so a
revocation holds at once (such requests are never answered from the hot cache)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar.connection import ASGIConnection

from backend.accounts.auth import Auth
from backend.delegation.errors import DelegationEndedError
from backend.delegation.grants import grant_for
from backend.lib.middleware import no_store, on_response_start

__all__ = ["ACTING_COOKIE", "DelegateRequests", "forget_cookie"]

ACTING_COOKIE = "portal_acting_for"
"""The delegation a citizen's session acts under; httponly, set by `POST …/act`."""

_FORGET = f"{ACTING_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax".encode()


def forget_cookie(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Whatever this request answers, the browser drops the acting cookie."""

    def drop(code: int, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        del code
        return [*headers, (b"set-cookie", _FORGET)]

    on_response_start(connection.scope, drop)


class DelegateRequests:
    cookie = ACTING_COOKIE

    async def resolve(self, auth: Auth, connection: ASGIConnection[Any, Any, Any, Any]) -> Auth:
        if auth.acting_for is not None or auth.session.role != "citizen":
            return auth  # an operator at a kiosk, or staff: not a delegate's cookie to use
        value = connection.cookies.get(ACTING_COOKIE, "")
        grant = (
            await grant_for(int(value), auth.session.account_id or 0) if value.isdigit() else None
        )
        if grant is None:  # not this person's (a shared phone): they act as themselves
            forget_cookie(connection)
            return auth
        if grant is False:  # theirs, but over: never fall back to acting as themselves
            forget_cookie(connection)
            raise DelegationEndedError()
        assert not isinstance(grant, bool)
        on_response_start(connection.scope, no_store)  # the delegate's phone keeps none of it
        return replace(
            auth,
            acting_for=grant.grantor,
            delegation_id=grant.id,
            consent=frozenset(grant.needs),
            services=grant.services,
        )
