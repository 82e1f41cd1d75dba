"""A status change → a notification in the citizen's history and a push to each device,
queued in the change's own transaction and delivered by the worker to a real (local) push
service that verifies VAPID and decrypts, as a browser would."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from piccolo.querystring import QueryString

from backend.accounts.tables import Account
from backend.applications.tables import Application
from backend.lib.db import current_engine, write_transaction
from backend.lib.webpush import PAYLOAD_LIMIT_BYTES
from backend.notifications.push_handler import DEFAULT_TTL_S
from backend.notifications.tables import Notification, PushSubscription
from backend.settings import Settings
from backend.system.outbox.worker import BatchResult, Worker, open_handlers
from tests.support.database import Database
from tests.support.flows import csrf, enrol_citizen, thai_id
from tests.support.notifications import (
    PREFERENCES,
    agency_moves,
    eventually,
    start_worker,
    submitted_application,
    subscribe_device,
)
from tests.support.outbox import Clock, outbox_rows
from tests.support.push_service import PushService

pytestmark = pytest.mark.slow

Client = Any

NATIONAL_ID = thai_id(71)
FULL_NAME = "สมหญิง รักษ์ดี"
PHONE = "0899999999"


@pytest.fixture
async def worker(settings: Settings) -> AsyncIterator[Worker]:
    """One worker as `portal worker` builds it: subscriptions that are gone are forgotten."""
    async with open_handlers(settings) as handlers:
        yield Worker(handlers, worker_id="w1")


async def citizen_with_application(
    client: Client, push: PushService, *, language: str = "th", devices: int = 1
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    await enrol_citizen(
        client, national_id=NATIONAL_ID, full_name=FULL_NAME, phone=PHONE, language=language
    )
    subscriptions = [await subscribe_device(client, push) for _ in range(devices)]
    return await submitted_application(client), subscriptions


def raw_pushes(push: PushService, endpoint: str) -> list[bytes]:
    return [p.payload for p in push.received[endpoint] if p.payload is not None]


async def test_a_status_change_is_pushed_in_thai_without_personal_data(
    client: Client, push: PushService, worker: Worker
) -> None:
    application, [phone] = await citizen_with_application(client, push)
    app_id, code = application["id"], application["tracking_code"]
    await agency_moves(app_id, "received", message_th="ได้รับเอกสารครบ นายสมชาย", message_en="x")
    assert len(await outbox_rows()) == 1  # queued with the change, not sent yet
    assert push.requests_started == 0

    assert await worker.run_once() == BatchResult(claimed=1, delivered=1)
    [received] = push.received[phone["endpoint"]]
    assert received.json() == {
        "v": 1,
        "id": received.json()["id"],
        "kind": "status_update",
        "application": app_id,
        "code": code,
        "status": "received",
        "title": f"คำขอ {code}: หน่วยงานรับเรื่องแล้ว",
        "body": "หน่วยงานได้รับคำขอของคุณแล้ว และจะเริ่มพิจารณา",
        "tag": f"app-{app_id}",
        "url": f"/#/applications/{app_id}",
        "lang": "th",
    }
    assert received.ttl == DEFAULT_TTL_S == 4 * 24 * 3600
    assert (received.urgency, received.topic) == ("normal", f"app-{app_id}")
    assert len(received.topic or "") <= 32
    assert received.claims is not None and received.claims["aud"] == push.origin
    raw = received.payload or b""
    assert len(raw) <= PAYLOAD_LIMIT_BYTES
    text = raw.decode()
    for personal in (NATIONAL_ID, FULL_NAME, "สมหญิง", PHONE, "นายสมชาย", "ได้รับเอกสาร"):
        assert personal not in text
    assert push.rejected == []


async def test_english_citizens_get_english(
    client: Client, push: PushService, worker: Worker
) -> None:
    application, [phone] = await citizen_with_application(client, push, language="en")
    await agency_moves(application["id"], "rejected")
    await worker.run_once()
    [body] = push.payloads(phone["endpoint"])
    assert body["title"] == f"Application {application['tracking_code']}: Rejected"
    assert body["body"] == (
        "The agency did not approve this application; see why and what you can do."
    )
    assert (body["kind"], body["lang"]) == ("decision", "en")


async def test_needs_info_is_urgent_and_every_device_gets_it(
    client: Client, push: PushService, worker: Worker
) -> None:
    application, devices = await citizen_with_application(client, push, devices=3)
    await agency_moves(application["id"], "received")
    await agency_moves(application["id"], "needs_info", message_th="ขอสำเนาทะเบียนบ้าน")
    assert await worker.run_once() == BatchResult(claimed=6, delivered=6)
    for device in devices:
        pushes = {p.json()["status"]: p for p in push.received[device["endpoint"]]}
        assert pushes["received"].urgency == "normal"
        assert pushes["needs_info"].urgency == "high"
        assert pushes["needs_info"].json()["kind"] == "needs_info"
        assert "ทะเบียนบ้าน" not in (pushes["needs_info"].payload or b"").decode()


async def test_the_citizens_own_acts_are_not_pushed(
    client: Client, push: PushService, worker: Worker
) -> None:
    application, _ = await citizen_with_application(client, push)
    await agency_moves(application["id"], "in_review")
    await agency_moves(application["id"], "needs_info")
    answer = await client.post(
        f"/api/v1/applications/{application['id']}/answer",
        json={"answers": {"reason": "moved"}, "message": "ส่งแล้ว"},
        headers=csrf(client),
    )
    assert answer.status_code == 200, answer.text
    withdraw = await client.post(
        f"/api/v1/applications/{application['id']}/withdraw", json={}, headers=csrf(client)
    )
    assert withdraw.status_code == 200, withdraw.text
    # submitted (apply), in_review (the answer) and withdrawn: the citizen's own acts.
    kinds = [r["status"] for r in await Notification.select().order_by(Notification.id)]
    assert kinds == ["in_review", "needs_info"]
    assert len(await outbox_rows()) == 2


async def test_nothing_is_queued_when_the_change_rolls_back(
    client: Client, push: PushService
) -> None:
    application, _ = await citizen_with_application(client, push)

    async def change_then_fail() -> None:
        async with write_transaction():
            await agency_moves(application["id"], "received")
            raise RuntimeError("the agency's request failed after the change")

    with pytest.raises(RuntimeError):
        await change_then_fail()
    assert await Notification.count() == 0
    assert await outbox_rows() == []
    row = await Application.select(Application.status).first()
    assert row is not None and row["status"] == "submitted"


async def test_the_pushes_are_queued_by_the_changes_last_statement(
    client: Client, push: PushService, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the outbox rows ride with the change's numbered writes (one round trip
    fewer per status change); on SQLite they are an INSERT of their own."""
    application, _ = await citizen_with_application(client, push, devices=2)
    engine = current_engine()
    run = type(engine).run_querystring
    sent: list[str] = []

    async def counted(self: Any, query: QueryString, *args: Any, **kwargs: Any) -> Any:
        sent.append(" ".join(str(query).split()))
        return await run(self, query, *args, **kwargs)

    monkeypatch.setattr(type(engine), "run_querystring", counted)
    await agency_moves(application["id"], "received")
    monkeypatch.undo()
    queuing = [sql for sql in sent if "INSERT INTO outbox" in sql]
    assert len(queuing) == 1
    assert ("change_counter" in queuing[0]) == (db.kind == "postgres")
    assert len(await outbox_rows()) == 2


async def test_a_gone_subscription_is_deleted(
    client: Client, push: PushService, worker: Worker
) -> None:
    application, [phone, tablet] = await citizen_with_application(client, push, devices=2)
    push.script(tablet["endpoint"], 410)
    await agency_moves(application["id"], "received")
    assert await worker.run_once() == BatchResult(claimed=2, delivered=1, dropped=1)
    [left] = await PushSubscription.select(PushSubscription.endpoint)
    assert left["endpoint"] == phone["endpoint"]
    dropped = [r for r in await outbox_rows() if r["last_error"]]
    assert [r["status"] for r in dropped] == ["done"]
    assert "410" in dropped[0]["last_error"]

    await agency_moves(application["id"], "in_review")
    assert await worker.run_once() == BatchResult(claimed=1, delivered=1)
    assert len(push.received[phone["endpoint"]]) == 2


async def test_429_waits_for_retry_after_and_500_backs_off(
    client: Client, push: PushService, settings: Settings
) -> None:
    application, [busy, broken] = await citizen_with_application(client, push, devices=2)
    push.script(busy["endpoint"], 429, retry_after="30")
    push.script(broken["endpoint"], 500, times=2)
    await agency_moves(application["id"], "received")
    clock = Clock()  # from here on the test moves time by hand
    async with open_handlers(settings) as handlers:
        worker = Worker(handlers, worker_id="w1", clock=clock, rng=random.Random(3))

        assert await worker.run_once() == BatchResult(claimed=2, retried=2)
        waits = {
            json.loads(r["payload"])["endpoint"]: (r["next_attempt_at"] - clock.now).total_seconds()
            for r in await outbox_rows()
        }
        assert waits[busy["endpoint"]] == 30  # exactly what the push service asked
        first_backoff = waits[broken["endpoint"]]
        assert 0 <= first_backoff <= worker.base_backoff_s  # full jitter, first attempt

        clock.advance(max(first_backoff, 0.001))
        assert await worker.run_once() == BatchResult(claimed=1, retried=1)  # the 500 again
        [row] = [r for r in await outbox_rows() if r["attempts"] == 2]
        second_backoff = (row["next_attempt_at"] - clock.now).total_seconds()
        assert 0 <= second_backoff <= 2 * worker.base_backoff_s

        clock.advance(30)
        assert await worker.run_once() == BatchResult(claimed=2, delivered=2)
    for device in (busy, broken):
        assert [p["status"] for p in push.payloads(device["endpoint"])] == ["received"]
    assert {r["status"] for r in await outbox_rows()} == {"done"}


async def test_muted_kinds_are_recorded_but_not_pushed(
    client: Client, push: PushService, worker: Worker
) -> None:
    application, [phone] = await citizen_with_application(client, push)
    muted = await client.put(PREFERENCES, json={"muted": ["status_update"]}, headers=csrf(client))
    assert muted.status_code == 200, muted.text
    await agency_moves(application["id"], "received")
    await agency_moves(application["id"], "in_review")
    assert await outbox_rows() == []
    await agency_moves(application["id"], "needs_info")
    await worker.run_once()
    assert [p["status"] for p in push.payloads(phone["endpoint"])] == ["needs_info"]
    history = await client.get("/api/v1/me/notifications")
    assert [n["status"] for n in history.json()["items"]] == ["needs_info", "in_review", "received"]


async def test_two_workers_never_send_a_message_twice(
    client: Client, push: PushService, settings: Settings
) -> None:
    devices = 3
    applications = []
    _, _ = await citizen_with_application(client, push, devices=devices)
    for _ in range(5):
        applications.append(await submitted_application(client))
    for application in applications:
        for status in ("received", "in_review", "approved"):
            await agency_moves(application["id"], status)
    expected = len(applications) * 3 * devices
    async with (
        open_handlers(settings) as first,
        open_handlers(settings) as second,
    ):
        workers = [
            Worker(handlers, worker_id=f"w{n}", batch_size=7)
            for n, handlers in enumerate([first, second])
        ]
        delivered = 0
        while delivered < expected:
            results = await asyncio.gather(*(w.run_once() for w in workers))
            assert sum(r.claimed for r in results) > 0
            assert all(r.stale == 0 for r in results)
            delivered += sum(r.delivered for r in results)
    assert delivered == expected
    seen = [(p["id"], endpoint) for endpoint in push.received for p in push.payloads(endpoint)]
    assert len(seen) == len(set(seen)) == expected
    assert {r["locked_by"] for r in await outbox_rows()} == {"w0", "w1"}


async def test_a_worker_killed_mid_batch_loses_no_status_push(
    db: Database, client: Client, push: PushService, tmp_path: Path
) -> None:
    push.delay_s = 0.5  # slow, so the kill lands while pushes are in flight
    application, devices = await citizen_with_application(client, push, devices=4)
    for status in ("received", "in_review", "approved"):
        await agency_moves(application["id"], status)
    first = await start_worker(
        db, tmp_path / "first.log",
        "--worker-id", "first", "--batch-size", "20", "--concurrency", "2", "--lease-s", "2",
    )  # fmt: skip

    async def in_flight() -> bool:
        return push.requests_started >= 1

    await eventually(in_flight, 30)  # the worker starts (imports) on a loaded machine
    first.kill()
    await first.wait()
    second = await start_worker(db, tmp_path / "second.log", "--worker-id", "second")

    async def all_done() -> bool:
        return {r["status"] for r in await outbox_rows()} == {"done"}

    try:
        await eventually(all_done, 20)
    finally:
        second.terminate()
        await second.wait()
    for device in devices:
        statuses = {p["status"] for p in push.payloads(device["endpoint"])}
        assert statuses == {"received", "in_review", "approved"}
    assert push.rejected == []


async def test_language_follows_the_account(
    client: Client, push: PushService, worker: Worker
) -> None:
    application, [phone] = await citizen_with_application(client, push)
    await Account.update({Account.language: "en"}).where(Account.role == "citizen")
    await agency_moves(application["id"], "received")
    await worker.run_once()
    [body] = push.payloads(phone["endpoint"])
    assert body["body"] == "The agency has your application and will start reviewing it."
    prefs = await client.get(PREFERENCES)
    assert prefs.json()["language"] == "en"


async def test_history_is_written_for_citizens_without_any_device(client: Client) -> None:
    await enrol_citizen(client, national_id=NATIONAL_ID)
    application = await submitted_application(client)
    await agency_moves(application["id"], "received")
    assert await outbox_rows() == []
    [row] = await Notification.select()
    assert (row["kind"], row["status"], row["tracking_code"]) == (
        "status_update",
        "received",
        application["tracking_code"],
    )
    assert row["created_at"] <= dt.datetime.now(dt.UTC) and row["read_at"] is None
