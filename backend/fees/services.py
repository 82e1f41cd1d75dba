"""Fees: one falls due on submission (a fixed fee) or when the agency sets it; the citizen
pays with a Thai QR code from any banking app; the agency, told by its bank, confirms the
amount and references; the application moves on; the citizen gets a push and an e-receipt.
Unpaid past its due date, the service's rule applies: one reminder push, then the agency
decides (every fee found overdue also moves on the agency's feed, so it hears of it).

The portal never sees card or bank-account data: only amounts and the two references."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, cast

from piccolo.columns import Column

from backend.applications import services as applications
from backend.applications.events import StatusChanged
from backend.applications.services.changes import next_change
from backend.applications.status import AGENCY_TRANSITIONS, Status
from backend.applications.tables import Application
from backend.catalog.tables import Service
from backend.fees.errors import (
    FeeAlreadyPaidError,
    FeeNotFoundError,
    FeeNotSetByAgencyError,
    NoFeeDueError,
    PaymentMismatchError,
)
from backend.fees.events import FeeDue, FeeOverdue, FeePaid
from backend.fees.schemas import FeeOut, FeeSet, FeeState, FeeView, PaymentConfirm, PaymentConfirmed
from backend.fees.tables import Fee
from backend.lib import thai_qr
from backend.lib.db import write_transaction
from backend.lib.qr import qr_svg
from backend.lib.schema import I18n
from backend.system.audit import Actor, record
from backend.system.registry import Housekeeping, publish

__all__ = [
    "baht",
    "citizen_fee",
    "confirm_payment",
    "due_for_receipt",
    "fee_views",
    "on_status_changed",
    "receipt_data",
    "set_fee",
    "sweep_overdue",
]

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Payment references: upper case and digits (what banking apps accept), no 0/O or 1/I."""
REFERENCE_LENGTH = 12


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def baht(satang: int) -> str:
    return f"{satang // 100:,}.{satang % 100:02d}"


def state_of(fee: dict[str, Any], now: dt.datetime | None = None) -> FeeState:
    if fee["status"] == "paid":
        return "paid"
    return "overdue" if fee["due_at"] < (now or _now()) else "due"


def _view(fee: dict[str, Any]) -> FeeView:
    return FeeView(
        state=state_of(fee),
        amount_satang=fee["amount_satang"],
        reference1=fee["reference1"],
        reference2=fee["reference2"],
        due_at=fee["due_at"],
        paid_at=fee["paid_at"],
        receipt_number=fee["receipt_number"],
    )


async def _open(app: dict[str, Any], amount: int, biller_id: str, due_days: int) -> None:
    now = _now()
    await Fee.insert(
        Fee(
            application=app["id"],
            account=app["account"],
            agency=app["agency"],
            amount_satang=amount,
            biller_id=biller_id,
            reference1=thai_qr.reference(app["tracking_code"]),
            reference2="".join(secrets.choice(_ALPHABET) for _ in range(REFERENCE_LENGTH)),
            status="due",
            due_at=now + dt.timedelta(days=due_days),
            created_at=now,
        )
    )


async def on_status_changed(event: StatusChanged) -> None:
    """In the submission's transaction: a fixed fee payable by QR falls due. Not announced:
    the citizen sees it on the screen they submitted from."""
    if event.new_status != "submitted":
        return
    service = (
        await Service.select(
            Service.fee_satang, Service.fee_kind, Service.fee_biller_id, Service.fee_due_days
        )
        .where(Service.id == event.service_id)
        .first()
    )
    if (
        service is None
        or service["fee_kind"] != "fixed"
        or service["fee_satang"] <= 0
        or not service["fee_biller_id"]
    ):
        return
    if await Fee.exists().where(Fee.application == event.application_id):
        return
    app = {
        "id": event.application_id,
        "account": event.account_id,
        "agency": event.agency_id,
        "tracking_code": event.tracking_code,
    }
    await _open(app, service["fee_satang"], service["fee_biller_id"], service["fee_due_days"])


async def _move_on(app: dict[str, Any]) -> int:
    """The application's next change number: the dashboard and the feed show the fee's new
    state. Last in the transaction (it announces)."""
    seq = await next_change(app["account"])
    await Application.update({Application.change_seq: seq}).where(Application.id == app["id"])
    return seq


async def set_fee(agency_id: int, application_id: int, data: FeeSet, actor: Actor) -> FeeView:
    """The agency sets (or, while unpaid, changes) the fee of a per-application service."""
    async with write_transaction():
        app = await applications.locked_for_agency(agency_id, application_id)
        service = (
            await Service.select(Service.fee_kind, Service.fee_biller_id, Service.fee_due_days)
            .where(Service.id == app["service"])
            .first()
        )
        if service is None or service["fee_kind"] != "per_application":
            raise FeeNotSetByAgencyError()
        if not service["fee_biller_id"]:
            raise FeeNotSetByAgencyError(
                "This service has no biller ID: its fees are paid at the office.",
                "บริการนี้ไม่มีรหัสผู้รับชำระ (Biller ID) จึงชำระด้วย QR ไม่ได้",
                code="fee_biller_missing",
            )
        days = data.due_days or service["fee_due_days"]
        existing = await Fee.select().where(Fee.application == app["id"]).first()
        if existing is not None and existing["status"] == "paid":
            raise FeeAlreadyPaidError()
        if existing is None:
            await _open(app, data.amount_satang, service["fee_biller_id"], days)
        else:
            await Fee.update(
                {
                    Fee.amount_satang: data.amount_satang,
                    Fee.due_at: _now() + dt.timedelta(days=days),
                    Fee.overdue_at: None,
                }
            ).where(Fee.id == existing["id"])
        await record(
            "fee.set",
            actor,
            subject_account_id=app["account"],
            object_type="application",
            object_id=app["id"],
            detail={"amount_satang": data.amount_satang, "due_days": days},
        )
        await publish(
            FeeDue(
                application_id=app["id"],
                account_id=app["account"],
                tracking_code=app["tracking_code"],
                amount_satang=data.amount_satang,
            )
        )
        fee = await Fee.select().where(Fee.application == app["id"]).first()
        await _move_on(app)
    assert fee is not None
    return _view(fee)


def _matches(fee: dict[str, Any], data: PaymentConfirm) -> None:
    """Both references and the amount, or 409 naming what differs."""
    try:
        ref2 = thai_qr.reference(data.reference2)
        ref1 = thai_qr.reference(data.reference1) if data.reference1 else fee["reference1"]
    except thai_qr.MalformedPayloadError:
        ref1 = ref2 = ""
    if ref2 != fee["reference2"] or ref1 != fee["reference1"]:
        raise PaymentMismatchError(
            "The payment's references are not those of this application's fee.",
            "เลขอ้างอิงของการชำระเงินไม่ตรงกับค่าธรรมเนียมของคำขอนี้",
            code="payment_reference_mismatch",
        )
    if data.amount_satang != fee["amount_satang"]:
        raise PaymentMismatchError(
            f"The payment of {baht(data.amount_satang)} baht is not the fee due, "
            f"{baht(fee['amount_satang'])} baht.",
            f"ยอดชำระ {baht(data.amount_satang)} บาท ไม่ตรงกับค่าธรรมเนียม "
            f"{baht(fee['amount_satang'])} บาท",
            code="payment_amount_mismatch",
        )


async def confirm_payment(
    agency_id: int, application_id: int, data: PaymentConfirm, actor: Actor
) -> PaymentConfirmed:
    """The agency confirms a payment its bank reported. Another agency's application is 404;
    no fee, other references or another amount are 409; a repeat of a confirmed payment is a
    no-op answering the same. Paid: the e-receipt, a push, and the application moves to the
    service's `fee_on_paid` status where that is allowed from its status now."""
    async with write_transaction():
        app = await applications.locked_for_agency(agency_id, application_id)
        fee = await Fee.select().where(Fee.application == app["id"]).first()
        if fee is None:
            raise NoFeeDueError()
        _matches(fee, data)
        if fee["status"] == "paid":
            return PaymentConfirmed(
                application_id=app["id"], fee=_view(fee), change_seq=app["change_seq"]
            )
        now = _now()
        paid: dict[Column | str, Any] = {
            Fee.status: "paid",
            Fee.paid_at: data.paid_at or now,
            Fee.confirmed_at: now,
            Fee.bank_transaction: data.bank_transaction,
            Fee.receipt_number: f"R{fee['id']:09d}",
        }
        await Fee.update(paid).where(Fee.id == fee["id"])
        await record(
            "fee.paid",
            actor,
            subject_account_id=app["account"],
            object_type="application",
            object_id=app["id"],
            detail={"amount_satang": fee["amount_satang"], "reference2": fee["reference2"]},
        )
        await publish(
            FeePaid(
                application_id=app["id"],
                account_id=app["account"],
                tracking_code=app["tracking_code"],
                amount_satang=fee["amount_satang"],
            )
        )
        service = await Service.select(Service.fee_on_paid).where(Service.id == app["service"])
        then = service[0]["fee_on_paid"] if service else ""
        if then and then in AGENCY_TRANSITIONS.get(app["status"], frozenset()):
            seq = await applications.change_status(
                app,
                cast(Status, then),
                actor,
                message_th="ได้รับชำระค่าธรรมเนียมแล้ว",
                message_en="The fee has been paid.",
            )
        else:
            seq = await _move_on(app)
        fee = {
            **fee,
            "status": "paid",
            "paid_at": paid[Fee.paid_at],
            "receipt_number": paid[Fee.receipt_number],
        }
    return PaymentConfirmed(application_id=app["id"], fee=_view(fee), change_seq=seq)


async def fee_views(application_ids: list[int]) -> dict[int, FeeView]:
    """The fees of these applications, for the agency's feed and console."""
    if not application_ids:
        return {}
    rows = await Fee.select().where(Fee.application.is_in(application_ids))
    return {r["application"]: _view(r) for r in rows}


async def _citizen_row(account_id: int, application_id: int) -> dict[str, Any]:
    row = (
        await Fee.select(
            *Fee.all_columns(),
            Fee.application.tracking_code.as_alias("tracking_code"),
            Fee.application._.service._.name_th.as_alias("service_th"),
            Fee.application._.service._.name_en.as_alias("service_en"),
            Fee.application._.agency._.name_th.as_alias("agency_th"),
            Fee.application._.agency._.name_en.as_alias("agency_en"),
        )
        .where((Fee.application == application_id) & (Fee.account == account_id))
        .first()
    )
    if row is None:
        raise FeeNotFoundError()
    return dict(row)


def payload_of(fee: dict[str, Any]) -> str:
    return thai_qr.bill_payment(
        biller_id=fee["biller_id"],
        reference1=fee["reference1"],
        reference2=fee["reference2"],
        amount_satang=fee["amount_satang"],
    )


async def citizen_fee(account_id: int, application_id: int) -> FeeOut:
    """The fee of one of the citizen's applications; while unpaid, with its Thai QR code.
    Another citizen's application, or one without a fee: 404."""
    fee = await _citizen_row(account_id, application_id)
    view = _view(fee)
    unpaid = view.state != "paid"
    payload = payload_of(fee) if unpaid else ""
    return FeeOut(
        **{f: getattr(view, f) for f in view.__struct_fields__},
        amount=baht(fee["amount_satang"]),
        agency=I18n(th=fee["agency_th"], en=fee["agency_en"]),
        service=I18n(th=fee["service_th"], en=fee["service_en"]),
        qr_payload=payload,
        qr_svg=qr_svg(payload, scale=4, title="Thai QR Payment") if unpaid else "",
        receipt_url="" if unpaid else f"/payment-receipt/{application_id}",
    )


async def receipt_data(account_id: int, application_id: int) -> dict[str, Any]:
    """A paid fee with its application's names, for the e-receipt; 404 if not the citizen's
    or not paid."""
    fee = await _citizen_row(account_id, application_id)
    if fee["status"] != "paid":
        raise FeeNotFoundError("This fee is not paid yet.", "ยังไม่ได้ชำระค่าธรรมเนียมนี้")
    return fee


async def due_for_receipt(account_id: int, application_id: int) -> FeeOut | None:
    """The unpaid fee of the application, for a printed receipt; None if nothing is due."""
    try:
        fee = await citizen_fee(account_id, application_id)
    except FeeNotFoundError:
        return None
    return fee if fee.state != "paid" else None


async def sweep_overdue(run: Housekeeping) -> dict[str, int]:
    """Fees found unpaid past their due date, each once: the feed moves on (the agency
    decides), and under a `remind` rule the citizen gets one reminder push."""
    found = await (
        Fee.select(
            *Fee.all_columns(),
            Fee.application._.service._.fee_overdue.as_alias("rule"),
            Fee.application.tracking_code.as_alias("tracking_code"),
        )
        .where((Fee.status == "due") & (Fee.due_at < run.now) & Fee.overdue_at.is_null())
        .limit(run.batch)
    )
    reminded = 0
    for fee in found:
        async with write_transaction():
            claimed = (
                await Fee.update({Fee.overdue_at: run.now})
                .where((Fee.id == fee["id"]) & Fee.overdue_at.is_null() & (Fee.status == "due"))
                .returning(Fee.id)
            )
            if not claimed:
                continue  # another worker's housekeeping took it, or it was paid meanwhile
            if fee["rule"] == "remind":
                await publish(
                    FeeOverdue(
                        application_id=fee["application"],
                        account_id=fee["account"],
                        tracking_code=fee["tracking_code"],
                        amount_satang=fee["amount_satang"],
                    )
                )
                reminded += 1
            await _move_on({"id": fee["application"], "account": fee["account"]})
    return {"fee_overdue": len(found), "fee_reminded": reminded}
