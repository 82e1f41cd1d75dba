"""The feed of work: what it carries, whose it is, and that its cursor never skips."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.events import IdentityDisputed
from backend.agency_api.services import changed_after
from backend.applications.disputes import on_identity_disputed
from backend.applications.services import changes
from backend.applications.tables import Application
from backend.lib.db import write_transaction
from backend.system.audit import Actor
from backend.system.counters import Numbered
from backend.system.tables import AuditEntry
from tests.support.agency import Signer, apply_id_card, status
from tests.support.applications import PDF, held_agency_change, set_status
from tests.support.database import Database, until_a_lock_waits

pytestmark = pytest.mark.usefixtures("db", "citizen")

Client = AsyncTestClient[Any]
FEED = "/agency-api/v1/applications"
AGENCY = Actor(account_id=None, role="agency_api")


async def feed(client: Client, signer: Signer, after: int = 0, limit: int = 50) -> Any:
    response = await signer.request(client, "GET", FEED, params={"after": after, "limit": limit})
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_feed_carries_answers_status_history_and_documents(
    client: Client, dopa: Signer
) -> None:
    app_id = await apply_id_card(client, document=True)
    body = await feed(client, dopa)
    [item] = body["items"]
    assert item["id"] == app_id
    assert item["status"] == "submitted"
    assert item["service"] == "id-card-replacement"
    assert item["answers"]["reason"] == "lost"
    assert item["applicant"]["full_name"] == "สมชาย ใจดี"
    assert [h["status"] for h in item["history"]] == ["submitted"]
    [document] = item["documents"]
    assert document["field"] == "police_report"
    assert document["url"] == f"/agency-api/v1/documents/{document['id']}"
    assert body["next"] == item["change_seq"]

    download = await dopa.request(client, "GET", document["url"])
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    reads = await AuditEntry.select(AuditEntry.action).where(
        AuditEntry.action.is_in(["agency.application_read", "document.read"])
    )
    assert sorted(r["action"] for r in reads) == ["agency.application_read", "document.read"]


async def test_drafts_and_other_agencies_are_not_in_the_feed(
    client: Client, dopa: Signer, nhso: Signer
) -> None:
    await apply_id_card(client, submit=False)
    assert (await feed(client, dopa))["items"] == []
    app_id = await apply_id_card(client, document=True)
    assert [i["id"] for i in (await feed(client, dopa))["items"]] == [app_id]
    assert (await feed(client, nhso))["items"] == []
    # Nor can the other agency open it or its document.
    other = await nhso.request(client, "GET", f"{FEED}/{app_id}")
    assert other.status_code == 404
    document = (await feed(client, dopa))["items"][0]["documents"][0]["url"]
    assert (await nhso.request(client, "GET", document)).status_code == 404
    status_change = await status(client, nhso, app_id, {"status": "received"})
    assert status_change.status_code == 404


async def test_a_document_not_attached_to_an_application_is_not_found(
    client: Client, dopa: Signer
) -> None:
    from tests.support.agency import upload

    loose = await upload(client, "police_report")
    await apply_id_card(client)
    assert (
        await dopa.request(client, "GET", f"/agency-api/v1/documents/{loose}")
    ).status_code == 404
    assert (await dopa.request(client, "GET", "/agency-api/v1/documents/999999")).status_code == 404


async def test_the_cursor_pages_through_changes_in_order(client: Client, dopa: Signer) -> None:
    ids = [await apply_id_card(client) for _ in range(3)]
    first = await feed(client, dopa, limit=2)
    assert [i["id"] for i in first["items"]] == ids[:2]
    assert first["more"] is True
    second = await feed(client, dopa, after=first["next"], limit=2)
    assert [i["id"] for i in second["items"]] == ids[2:]
    assert "more" not in second
    # A change moves the application to the end of the feed.
    assert (await status(client, dopa, ids[0], {"status": "received"})).status_code == 200
    third = await feed(client, dopa, after=second["next"])
    assert [(i["id"], i["status"]) for i in third["items"]] == [(ids[0], "received")]
    assert (await feed(client, dopa, after=third["next"]))["items"] == []
    assert (await feed(client, dopa, after=third["next"]))["next"] == third["next"]


async def test_a_reader_never_skips_a_change_committed_late(
    client: Client, dopa: Signer, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer takes change number N and holds its transaction open; meanwhile a second
    writer wants N+1 and the agency reads the feed. The reader must not see N+1 before N:
    it would then page past N and never see it."""
    first, second = await apply_id_card(client), await apply_id_card(client)
    start = await feed(client, dopa)
    cursor = start["next"]

    took_number = asyncio.Event()
    release = asyncio.Event()
    real_next_value = changes.next_value_with

    async def next_value_then_hold(name: str, *writes: Numbered) -> int:
        value = await real_next_value(name, *writes)
        if asyncio.current_task() is holder:
            took_number.set()
            await release.wait()  # the commit waits too
        return value

    monkeypatch.setattr(changes, "next_value_with", next_value_then_hold)
    holder = asyncio.create_task(set_status(first, "received", AGENCY, agency_id=await dopa_id()))
    await took_number.wait()
    follower = asyncio.create_task(
        set_status(second, "received", AGENCY, agency_id=await dopa_id())
    )
    await asyncio.sleep(0.3)
    assert not follower.done()  # it queues behind the counter row, never overtakes
    agency = await dopa_id()
    assert await changed_after(agency, cursor, 10) == []
    if db.kind == "postgres":  # SQLite's one writer would make the API's own writes wait
        during = await feed(client, dopa, after=cursor)
        assert during["items"] == [] and during["next"] == cursor

    release.set()
    n = await holder
    assert await follower == n + 1
    after = await feed(client, dopa, after=cursor)
    assert [(i["id"], i["change_seq"]) for i in after["items"]] == [(first, n), (second, n + 1)]


async def test_a_freeze_and_an_agency_s_change_of_one_application_both_commit(
    client: Client, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agency's change has locked its application and is about to take its change number
    when the citizen's account is frozen (an identity dispute flags every application, a
    change number each). The freeze locks the applications before its first number, so it
    waits for the agency's change instead of holding the counter while waiting for the row
    the agency holds (then the agency's change would wait for the counter: a deadlock, one
    of the two failing)."""
    app_id = await apply_id_card(client)
    row = await Application.select(Application.account).where(Application.id == app_id).first()
    assert row is not None
    agency, go = await held_agency_change(monkeypatch, app_id, "received")

    async def freeze() -> None:
        disputed = IdentityDisputed(
            actor=Actor(account_id=None, role="system"),
            frozen_account_id=row["account"],
            claimed_by=None,
        )
        async with write_transaction():
            await on_identity_disputed(disputed)

    frozen = asyncio.create_task(freeze())
    await until_a_lock_waits(db)  # it queues behind the agency's change
    go.set()
    async with asyncio.timeout(10):
        await asyncio.gather(agency, frozen)
    after = await Application.select(Application.status, Application.identity_disputed).where(
        Application.id == app_id
    )
    assert after == [{"status": "received", "identity_disputed": True}]


async def dopa_id() -> int:
    from tests.support.applications import agency_id

    return await agency_id("DOPA")


async def test_concurrent_writers_never_leave_a_hole_behind_the_cursor(
    client: Client, dopa: Signer
) -> None:
    """Many concurrent status changes while the agency polls: every change is seen once, in
    change-number order, whatever the interleaving. (The polls call the feed's query in this
    event loop: the test client would block the loop, and with it the writers.)"""
    ids = [await apply_id_card(client) for _ in range(6)]
    cursor = (await feed(client, dopa))["next"]
    start = cursor
    seen: list[int] = []
    agency = await dopa_id()

    async def write(app_id: int) -> None:
        await set_status(app_id, "received", AGENCY, agency_id=agency)

    async def poll() -> None:
        nonlocal cursor
        for _ in range(30):
            rows = await changed_after(agency, cursor, 2)
            seen.extend(r["change_seq"] for r in rows)
            cursor = rows[-1]["change_seq"] if rows else cursor
            await asyncio.sleep(0.005)

    await asyncio.gather(poll(), *(write(i) for i in ids))
    seen.extend(r["change_seq"] for r in await changed_after(agency, cursor, 100))
    changed = await Application.select(Application.change_seq).where(Application.id.is_in(ids))
    assert seen == sorted(r["change_seq"] for r in changed)
    # And the API pages through the same numbers.
    page = await feed(client, dopa, after=start)
    assert [i["change_seq"] for i in page["items"]] == seen
