"""Staff and citizens set up over HTTP against the live server, for the browser tests of the
staff screens: an administrator from `portal create-admin`, then whatever it creates through
the admin API (kiosks, invitations), and citizens with applications, each with a software
authenticator (real WebAuthn crypto)."""

from __future__ import annotations

import re
import sqlite3
import time
from contextlib import closing
from typing import Any

import httpx

from tests.e2e.conftest import LiveServer
from tests.support.applications import HEALTH_ANSWERS
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import thai_id

__all__ = ["Api", "admin", "citizen", "forget_rate_limits"]


class Api:
    """A signed-in person talking to the live server (cookies, CSRF header on writes)."""

    def __init__(self, server: LiveServer) -> None:
        self.http = httpx.Client(base_url=server.url, timeout=30)
        self.authenticator = SoftAuthenticator(origin=server.url)

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        token = self.http.cookies.get("portal_csrf")
        sent = {"x-csrf-token": token, **headers} if token else headers
        response = self.http.request(method, path, json=body, headers=sent)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def ceremony(self, kind: str, body: dict[str, Any]) -> Any:
        """Enrolment or an invitation: options, the authenticator's credential, the account."""
        options = self.call("POST", f"/api/v1/auth/{kind}/options", body)
        credential = self.authenticator.register(options["public_key"])
        return self.call("POST", f"/api/v1/auth/{kind}", {"credential": credential, "name": "key"})


def forget_rate_limits(server: LiveServer) -> None:
    """Browser tests all come from 127.0.0.1: start each with fresh sign-up/sign-in limits."""
    with closing(sqlite3.connect(server.var_dir / "portal.sqlite3", timeout=10)) as db, db:
        db.execute("DELETE FROM rate_limit")


def admin(server: LiveServer) -> Api:
    """A new administrator, the way an installation gets its first one."""
    printed = server.portal("create-admin", "--name", "ผู้ดูแล ระบบ")
    found = re.search(r"code: (\S+)", printed)
    assert found, printed
    api = Api(server)
    api.ceremony("invitation", {"code": found.group(1)})
    return api  # the caller closes it (`with`)


def citizen(server: LiveServer, national_id: str, full_name: str = "สมศรี ทดสอบ") -> Api:
    """A citizen who enrolled on their own phone."""
    api = Api(server)
    body = {"national_id": national_id, "full_name": full_name, "phone": "0812345678"}
    api.ceremony("enrol", {**body, "language": "th"})
    return api


def signed_in_cookies(server: LiveServer) -> list[dict[str, str]]:
    """A new citizen with an application, signed in over the API: the session's cookies, for
    a browser that holds them (a phone whose browser data was cleared but for its cookies)."""
    server.forget_rate_limits()
    with citizen(server, thai_id()) as api:
        return applied(api, server)


def applied(api: Api, server: LiveServer) -> list[dict[str, str]]:
    """This citizen submits an application over the API: their session's cookies, after."""
    api.call(
        "POST",
        "/api/v1/applications",
        {"service": "change-health-unit", "answers": HEALTH_ANSWERS, "submit": True},
        **{"Idempotency-Key": f"signed-in-{time.time()}"},
    )
    return [
        {"name": name, "value": value, "url": server.url}
        for name, value in api.http.cookies.items()
    ]
