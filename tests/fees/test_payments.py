"""Fees paid by Thai QR: due on submission or set by the agency, shown with a code any
banking app pays, confirmed by the agency through its signed API (idempotent, checked),
told to the citizen with an e-receipt, overdue ones reminded, all visible to the agency."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.agency_api.services import officer_queue
from backend.applications.tables import Application
from backend.catalog.tables import Service
from backend.fees import services as fees
from backend.fees.tables import Fee
from backend.lib import thai_qr
from backend.notifications.tables import Notification
from backend.settings import Settings
from backend.system.registry import Housekeeping
from tests.support.agency import Signer, apply_id_card
from tests.support.applications import OFFICER, agency_id, apply, held_agency_change
from tests.support.database import Database, until_a_lock_waits
from tests.support.flows import csrf, enrol_citizen, thai_id
from tests.support.notifications import subscribe_device
from tests.support.outbox import outbox_rows
from tests.support.push_service import PushService

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
DEMO_BILLER = "099999999999901"


async def pay(
    client: Client, signer: Signer, app_id: int, body: dict[str, Any], key: str = ""
) -> Any:
    return await signer.request(
        client,
        "POST",
        f"/agency-api/v1/applications/{app_id}/payment",
        json=body,
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


async def set_fee(client: Client, signer: Signer, app_id: int, body: dict[str, Any]) -> Any:
    return await signer.request(
        client,
        "PUT",
        f"/agency-api/v1/applications/{app_id}/fee",
        json=body,
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


async def the_fee(client: Client, app_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/applications/{app_id}/fee")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _notifications(app_id: int) -> list[str]:
    rows = await Notification.select(Notification.text_en).where(Notification.application == app_id)
    return [r["text_en"] for r in rows]


async def test_a_fixed_fee_is_due_on_submission_with_a_thai_qr_code(client: Client) -> None:
    await enrol_citizen(client, national_id=thai_id(501))
    app_id = await apply_id_card(client)
    fee = await the_fee(client, app_id)
    tracking = (await client.get(f"/api/v1/applications/{app_id}")).json()["tracking_code"]
    assert fee["state"] == "due"
    assert (fee["amount_satang"], fee["amount"]) == (100_00, "100.00")
    assert fee["agency"]["th"] == "กรมการปกครอง"
    code = thai_qr.read_bill_payment(fee["qr_payload"])
    assert code == thai_qr.BillPayment(
        biller_id=DEMO_BILLER,
        reference1=tracking.replace("-", ""),
        reference2=fee["reference2"],
        amount_satang=100_00,
        currency="764",
        country="TH",
        one_time=True,
    )
    assert fee["qr_svg"].startswith("<svg") and "Thai QR Payment" in fee["qr_svg"]
    due_in = dt.datetime.fromisoformat(fee["due_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=6) < due_in <= dt.timedelta(days=7)
    # Submitting is the citizen's own act: nothing pushed about a fee they see on screen.
    assert await _notifications(app_id) == []


async def test_a_free_service_or_one_without_a_biller_has_no_fee(client: Client) -> None:
    await enrol_citizen(client, national_id=thai_id(502))
    free = (await apply(client)).json()["id"]
    assert (await client.get(f"/api/v1/applications/{free}/fee")).status_code == 404
    await Service.update({Service.fee_biller_id: ""}).where(Service.slug == "id-card-replacement")
    at_the_office = await apply_id_card(client)
    response = await client.get(f"/api/v1/applications/{at_the_office}/fee")
    assert response.status_code == 404
    assert response.json()["code"] == "fee_not_found"


async def test_the_agency_confirms_a_payment_and_the_application_moves_on(
    client: Client, dopa: Signer, push: PushService
) -> None:
    await Service.update({Service.fee_on_paid: "received"}).where(
        Service.slug == "id-card-replacement"
    )
    await enrol_citizen(client, national_id=thai_id(503), language="en")
    await subscribe_device(client, push)
    app_id = await apply_id_card(client)
    fee = await the_fee(client, app_id)
    body = {
        "amount_satang": 100_00,
        "reference1": fee["reference1"],
        "reference2": fee["reference2"],
        "bank_transaction": "20260115A0042",
    }
    key = uuid.uuid4().hex
    response = await pay(client, dopa, app_id, body, key)
    assert response.status_code == 200, response.text
    paid = response.json()
    assert paid["fee"]["state"] == "paid"
    assert paid["fee"]["receipt_number"].startswith("R")
    # The application moved on, and the citizen heard of the payment and of the move.
    detail = (await client.get(f"/api/v1/applications/{app_id}")).json()
    assert detail["status"] == "received"
    assert detail["history"][-1]["message"]["en"] == "The fee has been paid."
    told = await _notifications(app_id)
    assert "Your payment of 100.00 baht was received. Tap for the receipt." in told
    pushes = [r for r in await outbox_rows() if r["kind"] == "webpush"]
    assert len(pushes) == 2  # the payment's and the status change's
    # The e-receipt, and the fee without a code to pay any more.
    now = await the_fee(client, app_id)
    assert now["state"] == "paid" and "qr_payload" not in now and "qr_svg" not in now
    receipt = await client.get(now["receipt_url"])
    assert receipt.status_code == 200
    assert receipt.headers["content-type"].startswith("text/html")
    assert paid["fee"]["receipt_number"] in receipt.text
    assert "100.00 บาท" in receipt.text and "กรมการปกครอง" in receipt.text
    # A retry with the same key replays; a repeat with another key is a no-op, same answer.
    again = await pay(client, dopa, app_id, body, key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == paid
    repeat = await pay(client, dopa, app_id, body)
    assert repeat.status_code == 200
    assert repeat.json()["fee"] == paid["fee"]
    assert len(await _notifications(app_id)) == len(told)
    assert len([r for r in await outbox_rows() if r["kind"] == "webpush"]) == 2
    # The same key with another body is refused.
    reused = await pay(client, dopa, app_id, {**body, "bank_transaction": "X1"}, key)
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount_satang": 10_00}, "payment_amount_mismatch"),
        ({"reference2": "NOTTHEFEE123"}, "payment_reference_mismatch"),
        ({"reference1": "DOPA0000000"}, "payment_reference_mismatch"),
    ],
)
async def test_a_payment_that_does_not_match_is_409(
    client: Client, dopa: Signer, change: dict[str, Any], code: str
) -> None:
    await enrol_citizen(client, national_id=thai_id(504))
    app_id = await apply_id_card(client)
    fee = await the_fee(client, app_id)
    body = {"amount_satang": 100_00, "reference2": fee["reference2"], **change}
    response = await pay(client, dopa, app_id, body)
    assert response.status_code == 409
    answer = response.json()
    assert answer["code"] == code and answer["message"]
    assert (await the_fee(client, app_id))["state"] == "due"
    # A paid fee still refuses a mismatch rather than answering as if it matched.
    ok = await pay(client, dopa, app_id, {"amount_satang": 100_00, "reference2": fee["reference2"]})
    assert ok.status_code == 200
    assert (await pay(client, dopa, app_id, body)).status_code == 409


async def test_a_payment_in_the_future_is_422(client: Client, dopa: Signer) -> None:
    await enrol_citizen(client, national_id=thai_id(520))
    app_id = await apply_id_card(client)
    fee = await the_fee(client, app_id)
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    body = {"amount_satang": 100_00, "reference2": fee["reference2"], "paid_at": tomorrow}
    response = await pay(client, dopa, app_id, body)
    assert response.status_code == 422
    assert "paid_at" in response.json()["fields"]
    assert (await the_fee(client, app_id))["state"] == "due"


async def test_a_payment_for_an_application_without_a_fee_is_409(
    client: Client, dopa: Signer
) -> None:
    await enrol_citizen(client, national_id=thai_id(505))
    await Service.update({Service.fee_biller_id: ""}).where(Service.slug == "id-card-replacement")
    app_id = await apply_id_card(client)
    response = await pay(client, dopa, app_id, {"amount_satang": 100, "reference2": "ABC"})
    assert response.status_code == 409
    assert response.json()["code"] == "no_fee_due"


async def test_another_agency_cannot_confirm_or_set_a_fee(
    client: Client, dopa: Signer, nhso: Signer
) -> None:
    await enrol_citizen(client, national_id=thai_id(506))
    app_id = await apply_id_card(client)
    fee = await the_fee(client, app_id)
    body = {"amount_satang": 100_00, "reference2": fee["reference2"]}
    response = await pay(client, nhso, app_id, body)
    assert response.status_code == 404
    assert response.json()["code"] == "application_not_found"
    assert (await set_fee(client, nhso, app_id, {"amount_satang": 1})).status_code == 404
    assert (await the_fee(client, app_id))["state"] == "due"


async def test_another_citizen_sees_neither_the_fee_nor_the_receipt(
    client: Client, dopa: Signer, make_client: Any
) -> None:
    await enrol_citizen(client, national_id=thai_id(507))
    app_id = await apply_id_card(client)
    fee = await the_fee(client, app_id)
    body = {"amount_satang": 100_00, "reference2": fee["reference2"]}
    assert (await pay(client, dopa, app_id, body)).status_code == 200
    assert (await client.get(f"/payment-receipt/{app_id}")).status_code == 200
    async with make_client() as other:
        await enrol_citizen(other, national_id=thai_id(508))
        assert (await other.get(f"/api/v1/applications/{app_id}/fee")).status_code == 404
        assert (await other.get(f"/payment-receipt/{app_id}")).status_code == 404


async def test_the_agency_sets_a_per_application_fee(
    client: Client, dopa: Signer, push: PushService
) -> None:
    await Service.update({Service.fee_kind: "per_application", Service.fee_due_days: 10}).where(
        Service.slug == "id-card-replacement"
    )
    await enrol_citizen(client, national_id=thai_id(509))
    await subscribe_device(client, push)
    app_id = await apply_id_card(client)
    assert (await client.get(f"/api/v1/applications/{app_id}/fee")).status_code == 404
    response = await set_fee(client, dopa, app_id, {"amount_satang": 250_00})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "due"
    fee = await the_fee(client, app_id)
    assert thai_qr.read_bill_payment(fee["qr_payload"]).amount_satang == 250_00
    assert [n for n in await _notifications(app_id) if "250.00" in n]
    # Changed while unpaid; refused once paid.
    assert (await set_fee(client, dopa, app_id, {"amount_satang": 300_00})).status_code == 200
    fee = await the_fee(client, app_id)
    assert fee["amount"] == "300.00"
    body = {"amount_satang": 300_00, "reference2": fee["reference2"]}
    assert (await pay(client, dopa, app_id, body)).status_code == 200
    refused = await set_fee(client, dopa, app_id, {"amount_satang": 1})
    assert refused.status_code == 409
    assert refused.json()["code"] == "fee_already_paid"


async def test_a_fixed_fee_is_not_set_per_application(client: Client, dopa: Signer) -> None:
    await enrol_citizen(client, national_id=thai_id(510))
    app_id = await apply_id_card(client)
    response = await set_fee(client, dopa, app_id, {"amount_satang": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "fee_fixed_by_service"


async def _past_due(client: Client, citizen: int, *, rule: str | None = None) -> int:
    """A new citizen's application whose fee fell due an hour ago (under the service's
    overdue `rule`, when given)."""
    if rule is not None:
        await Service.update({Service.fee_overdue: rule}).where(
            Service.slug == "id-card-replacement"
        )
    await enrol_citizen(client, national_id=thai_id(citizen))
    app_id = await apply_id_card(client)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    await Fee.update({Fee.due_at: past}).where(Fee.application == app_id)
    return app_id


async def test_an_overdue_fee_is_reminded_once_and_shown_to_the_agency(
    client: Client, dopa: Signer, settings: Settings
) -> None:
    app_id = await _past_due(client, 511)
    before = (await Application.select(Application.change_seq).where(Application.id == app_id))[0][
        "change_seq"
    ]
    run = Housekeeping(settings=settings, now=dt.datetime.now(dt.UTC), batch=100)
    assert await fees.sweep_overdue(run) == {"fee_overdue": 1, "fee_reminded": 1}
    assert await fees.sweep_overdue(run) == {"fee_overdue": 0, "fee_reminded": 0}
    reminders = [n for n in await _notifications(app_id) if "past its due date" in n]
    assert len(reminders) == 1
    assert (await the_fee(client, app_id))["state"] == "overdue"
    # The agency's feed shows it again, overdue; the agency decides.
    feed = await dopa.request(
        client, "GET", "/agency-api/v1/applications", params={"after": before}
    )
    [item] = [i for i in feed.json()["items"] if i["id"] == app_id]
    assert item["fee"]["state"] == "overdue"
    assert item["fee"]["amount_satang"] == 100_00


async def test_the_overdue_sweep_and_an_agency_s_change_of_the_application_both_commit(
    client: Client, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agency's change has locked the application and is about to take its change number
    when the sweep finds its fee overdue: the sweep locks the application before its number,
    so it waits for the agency's change (else each would wait for the other: a deadlock).
    Under the agency rule: no reminder, whose notification would wait for the row first."""
    app_id = await _past_due(client, 513, rule="agency")
    agency, go = await held_agency_change(monkeypatch, app_id, "received")
    run = Housekeeping(settings=settings, now=dt.datetime.now(dt.UTC), batch=100)
    sweep = asyncio.create_task(fees.sweep_overdue(run))
    await until_a_lock_waits(db)  # it queues behind the agency's change
    go.set()
    async with asyncio.timeout(10):
        _, swept = await asyncio.gather(agency, sweep)
    assert swept == {"fee_overdue": 1, "fee_reminded": 0}
    [row] = await Application.select(Application.status).where(Application.id == app_id)
    assert row["status"] == "received"
    assert (await the_fee(client, app_id))["state"] == "overdue"


async def test_under_the_agency_rule_no_reminder_is_pushed(
    client: Client, settings: Settings
) -> None:
    app_id = await _past_due(client, 512, rule="agency")
    run = Housekeeping(settings=settings, now=dt.datetime.now(dt.UTC), batch=100)
    assert await fees.sweep_overdue(run) == {"fee_overdue": 1, "fee_reminded": 0}
    assert await _notifications(app_id) == []


async def test_the_officer_console_shows_due_paid_and_overdue(client: Client, dopa: Signer) -> None:
    await enrol_citizen(client, national_id=thai_id(513))
    due, paid, overdue = [await apply_id_card(client) for _ in range(3)]
    fee = await the_fee(client, paid)
    body = {"amount_satang": 100_00, "reference2": fee["reference2"]}
    assert (await pay(client, dopa, paid, body)).status_code == 200
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await Fee.update({Fee.due_at: past}).where(Fee.application == overdue)
    queue = await officer_queue(
        await agency_id("DOPA"),
        status=None,
        service=None,
        min_age_days=None,
        max_age_days=None,
        limit=10,
        offset=0,
        actor=OFFICER,
    )
    shown = {item.id: (item.fee, item.fee_satang) for item in queue.items}
    assert shown == {
        due: ("due", 100_00),
        paid: ("paid", 100_00),
        overdue: ("overdue", 100_00),
    }
    view = await dopa.request(client, "GET", f"/agency-api/v1/applications/{paid}")
    assert view.json()["fee"]["state"] == "paid"
    assert view.json()["fee"]["receipt_number"]


async def test_a_withdrawn_application_owes_nothing(
    client: Client, dopa: Signer, settings: Settings
) -> None:
    await enrol_citizen(client, national_id=thai_id(514))
    app_id = await apply_id_card(client)
    fee = await the_fee(client, app_id)
    withdrawn = await client.post(
        f"/api/v1/applications/{app_id}/withdraw", json={}, headers=csrf(client)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    now = await the_fee(client, app_id)
    assert now["state"] == "cancelled" and "qr_payload" not in now
    body = {"amount_satang": 100_00, "reference2": fee["reference2"]}
    late = await pay(client, dopa, app_id, body)
    assert late.status_code == 409
    assert late.json()["code"] == "no_fee_due"
    assert "refund" in late.json()["message"]
    refused = await set_fee(client, dopa, app_id, {"amount_satang": 1})
    assert refused.status_code == 409
    assert refused.json()["code"] == "application_closed"
    # Never reminded: nothing is due.
    await Fee.update({Fee.due_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=1)}).where(
        Fee.application == app_id
    )
    run = Housekeeping(settings=settings, now=dt.datetime.now(dt.UTC), batch=9)
    assert (await fees.sweep_overdue(run))["fee_overdue"] == 0


async def test_a_delegate_sees_the_fee_only_of_the_services_granted(
    client: Client, make_client: Any
) -> None:
    await enrol_citizen(client, national_id=thai_id(515))
    app_id = await apply_id_card(client)
    await the_fee(client, app_id)
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    for services, seen in ((["change-health-unit"], 404), (["id-card-replacement"], 200)):
        invited = await client.post(
            "/api/v1/delegations",
            json={"powers": ["follow"], "services": services, "valid_until": until},
            headers=csrf(client),
        )
        assert invited.status_code == 201, invited.text
        async with make_client() as phone:
            await enrol_citizen(phone, national_id=thai_id(516 + seen))
            accepted = await phone.post(
                "/api/v1/delegations/accept",
                json={"invitation": invited.json()["invitation"]},
                headers=csrf(phone),
            )
            assert accepted.status_code == 200, accepted.text
            delegation = invited.json()["delegation"]["id"]
            acting = await phone.post(f"/api/v1/acting-for/{delegation}", headers=csrf(phone))
            assert acting.status_code == 200, acting.text
            fee = await phone.get(f"/api/v1/applications/{app_id}/fee")
            assert fee.status_code == seen, fee.text
