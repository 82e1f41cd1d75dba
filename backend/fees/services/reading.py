"""Reading fees: the agency's views, the citizen's fee with its Thai QR code, the
e-receipt's data."""

from __future__ import annotations

from typing import Any

from backend.fees.errors import (
    FeeNotFoundError,
)
from backend.fees.schemas import FeeOut, FeeView
from backend.fees.services.common import as_view, baht
from backend.fees.tables import Fee
from backend.lib import thai_qr
from backend.lib.qr import qr_svg
from backend.lib.schema import I18n

__all__ = ["citizen_fee", "due_for_receipt", "fee_views", "payload_of", "receipt_data"]


async def fee_views(application_ids: list[int]) -> dict[int, FeeView]:
    """The fees of these applications, for the agency's feed and console."""
    if not application_ids:
        return {}
    rows = await Fee.select().where(Fee.application.is_in(application_ids))
    return {r["application"]: as_view(r) for r in rows}


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
    view = as_view(fee)
    unpaid = view.state in ("due", "overdue")
    payload = payload_of(fee) if unpaid else ""
    return FeeOut(
        **{f: getattr(view, f) for f in view.__struct_fields__},
        amount=baht(fee["amount_satang"]),
        agency=I18n(th=fee["agency_th"], en=fee["agency_en"]),
        service=I18n(th=fee["service_th"], en=fee["service_en"]),
        qr_payload=payload,
        qr_svg=qr_svg(payload, scale=4, title="Thai QR Payment") if unpaid else "",
        receipt_url=f"/payment-receipt/{application_id}" if view.state == "paid" else "",
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
    return fee if fee.state in ("due", "overdue") else None
