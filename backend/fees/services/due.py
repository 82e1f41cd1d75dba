"""A fee falls due: on submission (fixed) or when the agency sets it (per application);
housekeeping finds those unpaid past their due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.querystring import QueryString

from backend.applications import services as applications
from backend.applications.events import StatusChanged
from backend.applications.tables import Application
from backend.catalog.tables import Service
from backend.fees.errors import (
    ApplicationClosedError,
    FeeAlreadyPaidError,
    FeeNotSetByAgencyError,
)
from backend.fees.events import FeeDue, FeeOverdue
from backend.fees.schemas import FeeSet, FeeView
from backend.fees.services.common import (
    as_view,
    move_on,
    open_fee,
    utc_now,
)
from backend.fees.tables import Fee
from backend.lib.db import current_engine, locking, write_transaction
from backend.system.audit import Actor, record
from backend.system.catalog_memory import catalog_memo
from backend.system.registry import Housekeeping, publish

__all__ = ["CLOSED", "on_status_changed", "set_fee", "sweep_overdue"]

CLOSED = frozenset({"withdrawn", "rejected"})
"""An application that ends here owes nothing more: its unpaid fee is cancelled."""


async def on_status_changed(event: StatusChanged) -> None:
    """In the submission's transaction: a fixed fee payable by QR falls due. Not announced:
    the citizen sees it on the screen they submitted from."""
    if event.new_status in CLOSED:
        await Fee.update({Fee.status: "cancelled"}).where(
            (Fee.application == event.application_id) & (Fee.status == "due")
        )
        return
    if event.new_status != "submitted":
        return
    service = await catalog_memo(("fee", event.service_id), lambda: _fee_of(event.service_id))
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
    await open_fee(app, service["fee_satang"], service["fee_biller_id"], service["fee_due_days"])


_FEE = "SELECT fee_satang, fee_kind, fee_biller_id, fee_due_days FROM service WHERE id = {}"


async def _fee_of(service_id: int) -> dict[str, Any] | None:
    """The service's fee terms, remembered by each process until the catalog changes."""
    rows = await current_engine().run_querystring(QueryString(_FEE, service_id))
    return dict(rows[0]) if rows else None


async def set_fee(agency_id: int, application_id: int, data: FeeSet, actor: Actor) -> FeeView:
    """The agency sets (or, while unpaid, changes) the fee of a per-application service."""
    async with write_transaction():
        app = await applications.locked_for_agency(agency_id, application_id)
        if app["status"] in CLOSED:
            raise ApplicationClosedError()
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
            await open_fee(app, data.amount_satang, service["fee_biller_id"], days)
        else:
            await Fee.update(
                {
                    Fee.amount_satang: data.amount_satang,
                    Fee.due_at: utc_now() + dt.timedelta(days=days),
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
        await move_on(app)
    assert fee is not None
    return as_view(fee)


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
            # The application first, then its fee, as an agency's fee or payment locks them,
            # and before the change number (move_on): never the other way round.
            await locking(
                Application.select(Application.id).where(Application.id == fee["application"])
            )
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
            await move_on({"id": fee["application"], "account": fee["account"]})
    return {"fee_overdue": len(found), "fee_reminded": reminded}
