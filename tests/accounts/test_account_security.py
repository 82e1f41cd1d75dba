"""A session remembers the passkey that signed it in: revoking that passkey ends it; after a
recovery the citizen sees where they are signed in and ends everything else in one step
(issue 14, point 3)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.tables import Passkey, Session
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import ORIGIN, csrf, enrol_citizen, recovery_code_for, sign_in, thai_id

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def recover(client: Client, code: str, key: SoftAuthenticator) -> Any:
    start = await client.post("/api/v1/auth/recover/options", json={"code": code})
    assert start.status_code == 200, start.text
    credential = key.register(start.json()["public_key"])
    return await client.post(
        "/api/v1/auth/recover",
        json={"credential": credential, "name": "มือถือใหม่"},
        headers=csrf(client),
    )


async def test_each_session_records_its_passkey(client: Client) -> None:
    await enrol_citizen(client)
    [passkey] = await Passkey.select(Passkey.id)
    signed_in = await Session.select(Session.passkey).where(Session.account.is_not_null())
    assert signed_in == [{"passkey": passkey["id"]}]


async def test_revoking_a_passkey_ends_the_sessions_it_signed_in(make_client: Any) -> None:
    phone_key, laptop_key = SoftAuthenticator(origin=ORIGIN), SoftAuthenticator(origin=ORIGIN)
    national_id = thai_id(51)
    async with make_client() as phone, make_client() as laptop:
        await enrol_citizen(phone, phone_key, national_id=national_id)
        added = await phone.post("/api/v1/me/passkeys/options", headers=csrf(phone))
        credential = laptop_key.register(added.json()["public_key"])
        laptop_passkey = (
            await phone.post(
                "/api/v1/me/passkeys",
                json={"credential": credential, "name": "แล็ปท็อป"},
                headers=csrf(phone),
            )
        ).json()["id"]
        assert (await sign_in(laptop, laptop_key)).status_code == 200
        assert (await laptop.get("/api/v1/me/profile")).status_code == 200

        gone = await phone.delete(f"/api/v1/me/passkeys/{laptop_passkey}", headers=csrf(phone))
        assert gone.status_code == 204
        assert (await laptop.get("/api/v1/me/profile")).status_code == 401  # at once
        assert (await phone.get("/api/v1/me/profile")).status_code == 200  # another passkey's


async def test_after_a_recovery_everything_else_ends_in_one_step(make_client: Any) -> None:
    national_id = thai_id(52)
    lost_key, new_key = SoftAuthenticator(origin=ORIGIN), SoftAuthenticator(origin=ORIGIN)
    async with make_client() as lost_phone, make_client() as new_phone:
        await enrol_citizen(lost_phone, lost_key, national_id=national_id)
        done = await recover(new_phone, await recovery_code_for(national_id), new_key)
        assert done.status_code == 200, done.text

        listed = (await new_phone.get("/api/v1/me/sessions")).json()
        assert [(s["current"], s["passkey"]) for s in listed] == [
            (True, "มือถือใหม่"),
            (False, "โทรศัพท์"),
        ]
        assert len((await new_phone.get("/api/v1/me/passkeys")).json()) == 2

        secured = await new_phone.post("/api/v1/me/sessions/end-others", headers=csrf(new_phone))
        assert secured.json() == {"sessions_ended": 1, "passkeys_revoked": 1}
        assert (await lost_phone.get("/api/v1/me/profile")).status_code == 401
        assert (await sign_in(lost_phone, lost_key)).json()["code"] == "passkey_revoked"
        assert [p["name"] for p in (await new_phone.get("/api/v1/me/passkeys")).json()] == [
            "มือถือใหม่"
        ]
        assert [s["current"] for s in (await new_phone.get("/api/v1/me/sessions")).json()] == [True]
