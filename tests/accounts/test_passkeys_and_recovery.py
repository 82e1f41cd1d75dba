"""Managing passkeys, in-person recovery codes and staff invitations."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.tables import Account, OneTimeCode, Passkey
from backend.system.tables import AuditEntry
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import (
    ORIGIN,
    csrf,
    enrol_citizen,
    enrol_staff,
    recovery_code_for,
    sign_in,
    thai_id,
)

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def audited(action: str) -> list[dict[str, Any]]:
    rows = await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id)
    return [{**r, "detail": json.loads(r["detail"])} for r in rows]


async def add_passkey(client: Client, authenticator: SoftAuthenticator, name: str) -> Any:
    start = await client.post("/api/v1/me/passkeys/options", headers=csrf(client))
    assert start.status_code == 200, start.text
    credential = authenticator.register(start.json()["public_key"])
    return await client.post(
        "/api/v1/me/passkeys", json={"credential": credential, "name": name}, headers=csrf(client)
    )


async def test_list_add_rename_revoke(client: Client) -> None:
    phone = SoftAuthenticator(origin=ORIGIN)
    await enrol_citizen(client, phone)
    tablet = SoftAuthenticator(origin=ORIGIN, backup_eligible=True)
    added = await add_passkey(client, tablet, "แท็บเล็ต")
    assert added.status_code == 201, added.text
    assert added.json()["multi_device"] is True

    listed = (await client.get("/api/v1/me/passkeys")).json()
    assert [p["name"] for p in listed] == ["โทรศัพท์", "แท็บเล็ต"]
    assert listed[0]["multi_device"] is False

    rename = await client.patch(
        f"/api/v1/me/passkeys/{listed[1]['id']}", json={"name": "iPad"}, headers=csrf(client)
    )
    assert rename.status_code == 204
    gone = await client.delete(f"/api/v1/me/passkeys/{listed[1]['id']}", headers=csrf(client))
    assert gone.status_code == 204
    assert [p["name"] for p in (await client.get("/api/v1/me/passkeys")).json()] == ["โทรศัพท์"]
    await client.post("/api/v1/auth/signout", headers=csrf(client))
    refused = await sign_in(client, tablet)
    assert refused.json()["code"] == "passkey_revoked"
    actions = {r["action"] for r in await AuditEntry.select(AuditEntry.action)}
    assert {"passkey.added", "passkey.renamed", "passkey.revoked"} <= actions


async def test_adding_a_passkey_excludes_existing_ones(client: Client) -> None:
    phone = SoftAuthenticator(origin=ORIGIN)
    await enrol_citizen(client, phone)
    start = await client.post("/api/v1/me/passkeys/options", headers=csrf(client))
    excluded = [c["id"] for c in start.json()["public_key"]["excludeCredentials"]]
    stored = await Passkey.select(Passkey.credential_id)
    assert excluded == [r["credential_id"] for r in stored]


async def test_last_passkey_needs_confirmation(client: Client) -> None:
    await enrol_citizen(client)
    only = (await client.get("/api/v1/me/passkeys")).json()[0]["id"]
    refused = await client.delete(f"/api/v1/me/passkeys/{only}", headers=csrf(client))
    assert refused.status_code == 409
    assert refused.json()["code"] == "last_passkey"
    assert "ที่ว่าการอำเภอ" in refused.json()["message_th"]  # the recovery path is named
    confirmed = await client.delete(
        f"/api/v1/me/passkeys/{only}?confirm_last=true", headers=csrf(client)
    )
    assert confirmed.status_code == 204


async def test_cannot_touch_another_citizens_passkey(client: Client, make_client: Any) -> None:
    await enrol_citizen(client)
    async with make_client() as other:
        await enrol_citizen(other)
        theirs = (await other.get("/api/v1/me/passkeys")).json()[0]["id"]
    for response in (
        await client.patch(
            f"/api/v1/me/passkeys/{theirs}", json={"name": "x"}, headers=csrf(client)
        ),
        await client.delete(
            f"/api/v1/me/passkeys/{theirs}?confirm_last=true", headers=csrf(client)
        ),
    ):
        assert response.status_code == 404
    assert await Passkey.count().where(Passkey.revoked_at.is_null()) == 2


async def test_recovery_code_lets_a_citizen_add_a_passkey_on_a_new_phone(
    client: Client, make_client: Any
) -> None:
    national_id = thai_id(11)
    async with make_client() as old_phone:
        await enrol_citizen(old_phone, national_id=national_id)
    code = await recovery_code_for(national_id)
    assert len(code.replace("-", "")) == 8

    new_phone = SoftAuthenticator(origin=ORIGIN)
    async with make_client() as phone:
        start = await phone.post("/api/v1/auth/recover/options", json={"code": code.lower()})
        assert start.status_code == 200, start.text
        credential = new_phone.register(start.json()["public_key"])
        done = await phone.post(
            "/api/v1/auth/recover",
            json={"credential": credential, "name": "มือถือใหม่"},
            headers=csrf(phone),
        )
        assert done.status_code == 200, done.text
        assert done.json()["account"]["role"] == "citizen"
        assert len((await phone.get("/api/v1/me/passkeys")).json()) == 2

        reuse = await phone.post(
            "/api/v1/auth/recover/options", json={"code": code}, headers=csrf(phone)
        )
        assert reuse.status_code == 400
        assert reuse.json()["code"] == "code_invalid"
        assert [f["detail"] for f in await audited("recovery.failed")] == [{"reason": "code_used"}]
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action)]
    assert "recovery.issued" in actions and "recovery.used" in actions


async def test_expired_or_wrong_recovery_code_is_refused(client: Client, make_client: Any) -> None:
    national_id = thai_id(12)
    async with make_client() as citizen:
        await enrol_citizen(citizen, national_id=national_id)
    code = await recovery_code_for(national_id)
    await OneTimeCode.update(
        {OneTimeCode.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(OneTimeCode.purpose == "recovery")
    async with make_client() as phone:
        expired = await phone.post("/api/v1/auth/recover/options", json={"code": code})
        wrong = await phone.post(
            "/api/v1/auth/recover/options", json={"code": "AAAA-BBBB"}, headers=csrf(phone)
        )
    assert expired.json()["code"] == "code_invalid"
    assert wrong.json()["code"] == "code_invalid"
    failed = await audited("recovery.failed")
    assert [f["detail"] for f in failed] == [{"reason": "code_expired"}, {"reason": "code_unknown"}]
    citizen = await Account.select(Account.id).where(Account.role == "citizen").first()
    assert citizen is not None
    assert [f["subject_account_id"] for f in failed] == [citizen["id"], None]


async def test_admin_invites_an_officer_who_enrols_with_the_code(
    client: Client, make_client: Any
) -> None:
    await enrol_staff(client, "admin")
    invite = await client.post(
        "/api/v1/admin/invitations",
        json={"role": "officer", "full_name": "นายทะเบียน ตัวอย่าง", "agency": "DLT"},
        headers=csrf(client),
    )
    assert invite.status_code == 201, invite.text
    code = invite.json()["code"]
    async with make_client() as officer:
        start = await officer.post("/api/v1/auth/invitation/options", json={"code": code})
        credential = SoftAuthenticator(origin=ORIGIN).register(start.json()["public_key"])
        done = await officer.post(
            "/api/v1/auth/invitation", json={"credential": credential}, headers=csrf(officer)
        )
        assert done.status_code == 201, done.text
        assert done.json()["account"]["role"] == "officer"
        assert done.json()["account"]["agency"] == "DLT"
        again = await officer.post(
            "/api/v1/auth/invitation/options", json={"code": code}, headers=csrf(officer)
        )
        assert again.json()["code"] == "code_invalid"
    assert [f["detail"] for f in await audited("invitation.failed")] == [{"reason": "code_used"}]
    officer_row = await Account.select().where(Account.role == "officer").first()
    assert officer_row is not None and officer_row["national_id_index"] is None


async def test_officer_invitation_needs_a_known_agency(client: Client) -> None:
    await enrol_staff(client, "admin")
    response = await client.post(
        "/api/v1/admin/invitations",
        json={"role": "officer", "full_name": "ไม่มี สังกัด", "agency": "NOPE"},
        headers=csrf(client),
    )
    assert response.status_code == 422
    assert "agency" in response.json()["fields"]
