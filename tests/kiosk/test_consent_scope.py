"""An operator acting for a citizen passes only the routes whose declared need the citizen
consented to (issue 14, point 5). Every signed-in route declares its need; the walk below
tries each one as an operator outside the consent and expects 403."""

from __future__ import annotations

import json
import re
from typing import Any, get_args

import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.testing import AsyncTestClient

from backend.accounts.auth import CONSENTABLE, Need
from backend.accounts.national_ids import held_by
from backend.accounts.tables import Account
from backend.kiosk.tables import AssistedSession
from tests.support.flows import csrf, thai_id
from tests.support.kiosk import KioskSetup, consent_in_person, start

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]

SIGNED_IN_GUARDS = re.compile(r"^(signed_in|requires_.*)$")
"""Guards of routes a session reaches (the agency API's signature guard is another door)."""


def signed_in_routes(client: Client) -> list[tuple[str, str, HTTPRouteHandler]]:
    """(method, path, handler) of every documented route behind a session guard."""
    found = []
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler) or not handler.include_in_schema:
                continue
            guards = [getattr(g, "__name__", "") for g in handler.resolve_guards()]
            if any(SIGNED_IN_GUARDS.match(g) for g in guards):
                for method in handler.http_methods:
                    found.append((method, route.path, handler))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+):int\}", "1", re.sub(r"\{(\w+):str\}", "x", path))


async def acting_operator(kiosk: KioskSetup, seed: int) -> int:
    """The kiosk's operator, acting for a citizen who consented in person."""
    national_id = thai_id(seed)
    started = await start(kiosk.client, national_id, id_card_checked=True, full_name="ทดสอบ ขอบเขต")
    assert started.status_code == 201, started.text
    assert (await consent_in_person(kiosk.client)).status_code == 200
    row = await Account.select(Account.id).where(held_by(national_id)).first()
    assert row is not None
    return int(row["id"])


async def call(client: Client, method: str, path: str) -> Any:
    body = None if method in ("GET", "HEAD", "DELETE") else {}
    return await client.request(method, concrete(path), json=body, headers=csrf(client))


async def test_every_signed_in_route_declares_what_it_needs(client: Client) -> None:
    documented = client.app.openapi_schema.to_schema()["paths"]
    undeclared = [
        f"{method} {path}"
        for method, path, handler in signed_in_routes(client)
        if handler.opt.get("need") not in get_args(Need)
    ]
    assert undeclared == []
    api = {path for _, path, _ in signed_in_routes(client) if path.startswith("/api/")}
    assert {re.sub(r":\w+\}", "}", p) for p in api} <= set(documented)  # the walk sees them


async def test_outside_the_consent_every_citizen_route_is_refused(kiosk: KioskSetup) -> None:
    """The citizen consented to nothing (scope emptied): every route that acts on their
    account answers 403, before any work is done."""
    await acting_operator(kiosk, 41)
    await AssistedSession.update({AssistedSession.consent_scope: "[]"}).where(
        AssistedSession.ended_at.is_null()
    )
    answered = {}
    for method, path, handler in signed_in_routes(kiosk.client):
        if handler.opt["need"] in ("staff", "session"):
            continue  # the operator's own routes (the kiosk's, sign-out): not the citizen's
        response = await call(kiosk.client, method, path)
        code = response.json().get("code") if method != "HEAD" else "outside_consent"
        answered[f"{method} {path}"] = (response.status_code, code)
    refused = {route: answer for route, answer in answered.items() if answer[0] != 403}
    assert refused == {}
    assert len(answered) > 30
    codes = {code for _, code in answered.values()}
    assert codes <= {"outside_consent", "forbidden"}  # forbidden: another staff role's route


async def test_within_the_usual_consent_only_the_owner_routes_are_refused(
    kiosk: KioskSetup,
) -> None:
    citizen = await acting_operator(kiosk, 42)
    scope = json.loads(
        (await AssistedSession.select(AssistedSession.consent_scope).first() or {})["consent_scope"]
    )
    assert set(scope) <= set(CONSENTABLE) and "profile" not in scope
    for method, path, handler in signed_in_routes(kiosk.client):
        what = handler.opt["need"]
        if what not in ("owner", "profile") or method == "HEAD":
            continue
        response = await call(kiosk.client, method, path)
        assert (response.status_code, response.json()["code"]) == (403, "outside_consent"), (
            method,
            path,
        )
    # The review's replays: the citizen's contact details, activity log, notification
    # settings, devices and notifications.
    before = await Account.select(Account.phone, Account.address).where(Account.id == citizen)
    changed = await kiosk.client.patch(
        "/api/v1/me/profile", json={"phone": "0899999999"}, headers=csrf(kiosk.client)
    )
    assert changed.status_code == 403
    assert "ประชาชนไม่ได้ยินยอม" in changed.json()["message_th"]
    assert await Account.select(Account.phone, Account.address).where(Account.id == citizen) == (
        before
    )
    for read in [
        "/api/v1/me/activity",
        "/api/v1/me/notification-preferences",
        "/api/v1/me/push-subscriptions",
        "/api/v1/me/notifications",
        "/api/v1/me/passkeys",
        "/api/v1/me/export",
    ]:
        assert (await kiosk.client.get(read)).status_code == 403, read
    # What the citizen did allow still works.
    assert (await kiosk.client.get("/api/v1/dashboard")).status_code == 200
    assert (await kiosk.client.get("/api/v1/me/profile")).status_code == 200
