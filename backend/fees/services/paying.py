"""The agency confirms a payment its bank reported."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from piccolo.columns import Column

from backend.applications import services as applications
from backend.applications.status import AGENCY_TRANSITIONS, Status
from backend.catalog.tables import Service
from backend.fees.errors import (
    NoFeeDueError,
    PaymentMismatchError,
)
from backend.fees.events import FeePaid
from backend.fees.schemas import PaymentConfirm, PaymentConfirmed
from backend.fees.services.common import as_view, baht, move_on, utc_now
from backend.fees.tables import Fee
from backend.lib import thai_qr
from backend.lib.db import write_transaction
from backend.lib.errors import ValidationFailedError
from backend.system.audit import Actor, record
from backend.system.registry import publish

__all__ = ["confirm_payment"]


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


CLOCK_SKEW = dt.timedelta(minutes=5)
"""A bank's time of payment may run this far ahead of ours; further is a mistake."""


def _check_time(data: PaymentConfirm) -> None:
    if data.paid_at is not None and data.paid_at > utc_now() + CLOCK_SKEW:
        raise ValidationFailedError(
            fields={
                "paid_at": {
                    "en": "A payment cannot be made in the future.",
                    "th": "เวลาชำระเงินต้องไม่อยู่ในอนาคต",
                }
            }
        )


async def confirm_payment(
    agency_id: int, application_id: int, data: PaymentConfirm, actor: Actor
) -> PaymentConfirmed:
    """The agency confirms a payment its bank reported. Another agency's application is 404;
    no fee, other references or another amount are 409; a repeat of a confirmed payment is a
    no-op answering the same. Paid: the e-receipt, a push, and the application moves to the
    service's `fee_on_paid` status where that is allowed from its status now."""
    _check_time(data)
    async with write_transaction():
        app = await applications.locked_for_agency(agency_id, application_id)
        fee = await Fee.select().where(Fee.application == app["id"]).first()
        if fee is None:
            raise NoFeeDueError()
        _matches(fee, data)
        if fee["status"] == "cancelled":
            raise NoFeeDueError(
                "This fee was cancelled when the application was withdrawn or refused: "
                "refund the payer.",
                "ค่าธรรมเนียมนี้ถูกยกเลิกแล้วเพราะคำขอถูกถอนหรือไม่อนุมัติ กรุณาคืนเงินแก่ผู้ชำระ",
            )
        if fee["status"] == "paid":
            return PaymentConfirmed(
                application_id=app["id"], fee=as_view(fee), change_seq=app["change_seq"]
            )
        now = utc_now()
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
            seq = await move_on(app)
        fee = {
            **fee,
            "status": "paid",
            "paid_at": paid[Fee.paid_at],
            "receipt_number": paid[Fee.receipt_number],
        }
    return PaymentConfirmed(application_id=app["id"], fee=as_view(fee), change_seq=seq)
