"""A citizen books a visit for an application, sees it, moves or cancels it until the
cut-off, downloads it as a calendar file and is reminded the day before; nobody else can
touch it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.appointments import personal_data, reminders
from backend.appointments.tables import Booking, Slot
from backend.lib.i18n import BANGKOK
from backend.notifications.tables import Notification
from backend.settings import Settings
from backend.system.audit import Actor
from backend.system.outbox.outcomes import Delivered, Drop, Message
from backend.system.outbox.worker import Worker, open_handlers
from backend.system.registry import Erasure
from backend.system.tables import OutboxMessage
from tests.support.agency import Signer, apply_id_card
from tests.support.appointments import SERVICE, book, local, make_office, move_slot_to, publish
from tests.support.flows import csrf, enrol_citizen, thai_id
from tests.support.notifications import subscribe_device
from tests.support.push_service import PushService

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def _slots(client: Client, dopa: Signer, *starts: dt.datetime) -> list[dict[str, Any]]:
    office = await make_office(client, dopa)
    return await publish(
        client,
        dopa,
        office["id"],
        *({"service": SERVICE, "starts_at": s.isoformat(), "capacity": 2} for s in starts),
    )


async def _booked(slot_id: int) -> int:
    row = await Slot.select(Slot.booked).where(Slot.id == slot_id).first()
    assert row is not None
    return int(row["booked"])


async def _reminders() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await OutboxMessage.select(
        OutboxMessage.dedupe_key, OutboxMessage.next_attempt_at
    ).where(OutboxMessage.kind == reminders.REMINDER_KIND)
    return rows


async def test_a_citizen_books_moves_and_cancels_a_visit(client: Client, dopa: Signer) -> None:
    await enrol_citizen(client)
    app_id = await apply_id_card(client)
    first, second = await _slots(client, dopa, local(3, 9), local(5, 13, 30))
    free = await client.get("/api/v1/appointment-slots", params={"service": SERVICE})
    assert [s["id"] for s in free.json()] == [first["id"], second["id"]]

    made = await book(client, first["id"], app_id)
    assert made.status_code == 201, made.text
    booking = made.json()
    assert (booking["status"], booking["application_id"]) == ("booked", app_id)
    assert booking["tracking_code"]
    assert booking["office"]["name"]["th"] == "ที่ว่าการอำเภอบ้านไผ่"
    start = local(3, 9)
    assert booking["when"]["th"].endswith(f"{start.year + 543} 09:00")  # Buddhist era
    assert dt.datetime.fromisoformat(booking["starts_at"]) == start
    assert await _booked(first["id"]) == 1

    listed = await client.get("/api/v1/appointments", params={"application": app_id})
    assert [b["id"] for b in listed.json()["items"]] == [booking["id"]]
    again = await book(client, second["id"], app_id)
    assert again.status_code == 409 and again.json()["code"] == "already_booked"

    # The reminder: 09:00 Bangkok time the day before.
    [reminder] = await _reminders()
    due = dt.datetime.fromisoformat(str(reminder["next_attempt_at"]))
    expected = dt.datetime.combine(start.date() - dt.timedelta(days=1), dt.time(9), BANGKOK)
    assert abs(due - expected) < dt.timedelta(seconds=1)  # enqueue adds its delay to its now

    moved = await client.put(
        f"/api/v1/appointments/{booking['id']}",
        json={"slot_id": second["id"]},
        headers=csrf(client),
    )
    assert moved.status_code == 200, moved.text
    assert dt.datetime.fromisoformat(moved.json()["starts_at"]) == local(5, 13, 30)
    assert (await _booked(first["id"]), await _booked(second["id"])) == (0, 1)
    [reminder] = await _reminders()
    assert reminder["dedupe_key"] == f"appointment:{booking['id']}:{second['id']}"

    cancelled = await client.delete(f"/api/v1/appointments/{booking['id']}", headers=csrf(client))
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert await _booked(second["id"]) == 0
    assert await _reminders() == []  # withdrawn with the booking
    again = await client.delete(f"/api/v1/appointments/{booking['id']}", headers=csrf(client))
    assert again.status_code == 409 and again.json()["code"] == "booking_closed"


async def test_nobody_else_sees_or_changes_my_booking(
    client: Client, make_client: Any, dopa: Signer
) -> None:
    await enrol_citizen(client)
    first, second = await _slots(client, dopa, local(3, 9), local(3, 10))
    booking = (await book(client, first["id"])).json()
    async with make_client() as other:
        await enrol_citizen(other)
        app_id = await apply_id_card(other)
        path = f"/api/v1/appointments/{booking['id']}"
        for response in (
            await other.get(path),
            await other.get(f"{path}/calendar.ics"),
            await other.delete(path, headers=csrf(other)),
            await other.put(path, json={"slot_id": second["id"]}, headers=csrf(other)),
        ):
            assert response.status_code == 404, response.text
            assert response.json()["code"] == "booking_not_found"
        assert (await other.get("/api/v1/appointments")).json()["items"] == []
        # Nor book for someone else's application.
        mine = await book(client, second["id"], app_id)
        assert mine.status_code == 404, mine.text
    assert await _booked(first["id"]) == 1
    assert (await client.get("/api/v1/appointments")).json()["items"][0]["status"] == "booked"
    assert (await client.get("/api/v1/appointments")).status_code == 200
    async with make_client() as signed_out:
        assert (await signed_out.get("/api/v1/appointments")).status_code == 401


async def test_the_cut_off_closes_booking_moving_and_cancelling(
    client: Client, dopa: Signer
) -> None:
    await enrol_citizen(client)
    first, second = await _slots(client, dopa, local(3, 9), local(3, 10))
    booking = (await book(client, first["id"])).json()
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    await move_slot_to(first["id"], soon)
    path = f"/api/v1/appointments/{booking['id']}"
    for response in (
        await client.delete(path, headers=csrf(client)),
        await client.put(path, json={"slot_id": second["id"]}, headers=csrf(client)),
    ):
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "too_late"
    await move_slot_to(second["id"], soon + dt.timedelta(minutes=30))
    late = await book(client, second["id"], None)
    assert late.status_code == 409 and late.json()["code"] == "too_late"
    assert (await client.get(path)).json()["change_until"]


async def test_the_calendar_file_is_one_event_in_utc(client: Client, dopa: Signer) -> None:
    await enrol_citizen(client)
    [slot] = await _slots(client, dopa, local(3, 9))
    booking = (await book(client, slot["id"])).json()
    response = await client.get(f"/api/v1/appointments/{booking['id']}/calendar.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded in octets
    text = raw.decode().replace("\r\n ", "")  # unfold
    start = local(3, 9).astimezone(dt.UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in text
    assert f"DTEND:{start + dt.timedelta(minutes=30):%Y%m%dT%H%M%SZ}" in text
    assert f"UID:booking-{booking['reference']}@portal.localhost" in text
    assert "DTSTAMP:" in text and text.count("BEGIN:VEVENT") == 1
    assert "ที่ว่าการอำเภอบ้านไผ่" in text and "STATUS:CONFIRMED" in text


async def test_the_reminder_is_told_the_day_before_unless_cancelled(
    client: Client, dopa: Signer, push: PushService
) -> None:
    session = await enrol_citizen(client)
    await subscribe_device(client, push)
    first, second = await _slots(client, dopa, local(3, 9), local(3, 10))
    booking = (await book(client, first["id"])).json()
    message = Message(
        id=1,
        kind=reminders.REMINDER_KIND,
        payload={"booking": booking["id"], "slot": first["id"]},
        attempts=1,
    )
    assert await reminders.deliver(message) == Delivered()
    [told] = await Notification.select(Notification.text_th, Notification.text_en).where(
        Notification.account == session["account"]["id"]
    )
    assert f"{local(3, 9).year + 543} 09:00" in told["text_th"]  # Buddhist era
    assert booking["reference"] in told["text_en"] and "tomorrow" in told["text_en"]
    pushes = await OutboxMessage.count().where(OutboxMessage.kind == "webpush")
    assert pushes == 1
    # Moved or cancelled meanwhile: nothing to tell.
    await client.put(
        f"/api/v1/appointments/{booking['id']}",
        json={"slot_id": second["id"]},
        headers=csrf(client),
    )
    assert isinstance(await reminders.deliver(message), Drop)


async def test_the_reminder_reaches_the_phone_through_the_worker_the_day_before(
    client: Client, dopa: Signer, push: PushService, settings: Settings
) -> None:
    await enrol_citizen(client, language="en")
    phone = await subscribe_device(client, push)
    [slot] = await _slots(client, dopa, local(3, 9))
    booking = (await book(client, slot["id"])).json()
    eve = reminders.remind_at(local(3, 9))
    async with open_handlers(settings) as handlers:
        early = Worker(handlers, worker_id="w1", clock=lambda: eve - dt.timedelta(minutes=1))
        assert (await early.run_once()).claimed == 0  # not before 09:00 the day before
        worker = Worker(handlers, worker_id="w1", clock=lambda: eve + dt.timedelta(seconds=1))
        assert (await worker.run_once()).delivered == 1  # the reminder: a notice, its push
        assert (await worker.run_once()).delivered == 1  # the push, to the phone
    [received] = push.received[phone["endpoint"]]
    body = received.json()
    assert booking["reference"] in body["body"] and "tomorrow" in body["body"]
    assert local(3, 9).strftime("%d %b %Y 09:00").lstrip("0") in body["body"]


async def test_export_lists_bookings_and_erasure_cancels_them(client: Client, dopa: Signer) -> None:
    session = await enrol_citizen(client)
    account_id = session["account"]["id"]
    [slot] = await _slots(client, dopa, local(3, 9))
    booking = (await book(client, slot["id"])).json()
    exported = await personal_data.PART.export(account_id)  # type: ignore[misc]
    assert [b["reference"] for b in exported["appointments"]] == [booking["reference"]]
    erasure = Erasure(
        actor=Actor(account_id=account_id, role="citizen"),
        account_id=account_id,
        confirm="",
        settings=None,  # type: ignore[arg-type]
    )
    await personal_data.PART.erase(erasure)  # type: ignore[misc]
    assert erasure.counts == {"appointments_cancelled": 1}
    assert await _booked(slot["id"]) == 0
    row = await Booking.select(Booking.status).where(Booking.id == booking["id"]).first()
    assert row == {"status": "cancelled"}
    assert await _reminders() == []


async def test_the_tracking_page_shows_the_visit_without_javascript(
    client: Client, make_client: Any, dopa: Signer
) -> None:
    national_id = thai_id(1717)
    await enrol_citizen(client, national_id=national_id)
    app_id = await apply_id_card(client)
    [slot] = await _slots(client, dopa, local(3, 9))
    booking = (await book(client, slot["id"], app_id)).json()
    async with make_client() as anyone:  # no account, no cookies
        page = await anyone.post(
            "/track", data={"code": booking["tracking_code"], "last4": national_id[-4:]}
        )
        english = await anyone.post(
            "/track?lang=en", data={"code": booking["tracking_code"], "last4": national_id[-4:]}
        )
    assert page.status_code == 200, page.text
    assert "<script" not in page.text
    assert booking["reference"] in page.text
    assert f"{local(3, 9).year + 543} 09:00 น." in page.text  # Buddhist era
    assert "ที่ว่าการอำเภอบ้านไผ่" in page.text
    assert "Ban Phai District Office" in english.text and "Booking" in english.text
    await client.delete(f"/api/v1/appointments/{booking['id']}", headers=csrf(client))
    async with make_client() as anyone:
        page = await anyone.post(
            "/track", data={"code": booking["tracking_code"], "last4": national_id[-4:]}
        )
    assert booking["reference"] not in page.text  # a cancelled visit is not shown


async def test_a_withdrawn_application_frees_its_visit(client: Client, dopa: Signer) -> None:
    await enrol_citizen(client)
    app_id = await apply_id_card(client)
    [slot] = await _slots(client, dopa, local(3, 9))
    booking = (await book(client, slot["id"], app_id)).json()
    withdrawn = await client.post(
        f"/api/v1/applications/{app_id}/withdraw", json={}, headers=csrf(client)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (await client.get(f"/api/v1/appointments/{booking['id']}")).json()["status"] == (
        "cancelled"
    )
    assert await _booked(slot["id"]) == 0
    assert await _reminders() == []
