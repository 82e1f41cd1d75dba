"""Demo citizens with applications in various states, so the dashboard, the officer queue and
`/track` have something real to show. They have no passkeys: the demo signs nobody in; a
kiosk operator (or `/track`) is how one meets them."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from backend.accounts.national_ids import held_by, index_of, values
from backend.accounts.tables import Account
from backend.applications import services
from backend.applications.tables import Application
from backend.catalog.services import get_service
from backend.lib import webauthn
from backend.lib.db import write_transaction
from backend.system.audit import Actor

__all__ = ["DEMO_CITIZENS", "load_demo_applications"]

SYSTEM = Actor(account_id=None, role="system")
AGENCY = Actor(account_id=None, role="agency_api")


def _in_days(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


DEMO_CITIZENS: list[dict[str, Any]] = [
    {
        "national_id": "1101700207030",
        "full_name": "สมชาย ใจดี",
        "phone": "0812345678",
        "address": "99 หมู่ 4 ต.บ้านไผ่ อ.บ้านไผ่ จ.ขอนแก่น 40110",
        "language": "th",
        "applications": [
            (
                "change-health-unit",
                {"new_unit": "โรงพยาบาลบ้านไผ่", "reason": "moved"},
                [
                    ("received", "รับเรื่องแล้ว", "Received"),
                    ("in_review", "", ""),
                    ("approved", "เปลี่ยนหน่วยบริการเรียบร้อย", "Your health unit is changed"),
                    ("completed", "", ""),
                ],
            ),
            (
                "elderly-allowance",
                {"birth_date": _in_days(-(62 * 365 + 20)), "payment": "bank"},
                [
                    ("received", "", ""),
                    ("in_review", "", ""),
                    (
                        "needs_info",
                        "กรุณาแนบสำเนาหน้าสมุดบัญชีเงินฝาก",
                        "Please attach a copy of your bank book's first page",
                    ),
                ],
            ),
        ],
    },
    {
        "national_id": "3100600445767",
        "full_name": "มาลี ศรีสุข",
        "phone": "0898765432",
        "address": "12/3 ถ.มิตรภาพ ต.ในเมือง อ.เมือง จ.นครราชสีมา 30000",
        "language": "en",
        "applications": [
            ("passport-appointment", {"office": "khon_kaen", "appointment_date": _in_days(14)}, []),
            (
                "section-40-enrolment",
                {"plan": "2", "occupation": "ค้าขาย"},
                [
                    ("received", "", ""),
                    (
                        "rejected",
                        "ท่านเป็นผู้ประกันตนมาตรา 33 อยู่แล้ว",
                        "You are already insured under section 33",
                    ),
                ],
            ),
        ],
    },
]


def _answers(person: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "full_name": person["full_name"],
        "national_id": person["national_id"],
        "phone": person["phone"],
        "address": person["address"],
        **extra,
    }


async def _citizen(person: dict[str, Any]) -> tuple[int, bool]:
    row = await Account.select(Account.id).where(held_by(person["national_id"])).first()
    if row is not None:
        return int(row["id"]), False
    account = Account(
        user_handle=webauthn.b64url(secrets.token_bytes(32)),
        role="citizen",
        full_name=person["full_name"],
        phone=person["phone"],
        address=person["address"],
        language=person["language"],
        assurance="verified_in_person",
        created_at=dt.datetime.now(dt.UTC),
    )
    await account.save()
    await Account.update(values(person["national_id"])).where(Account.id == account.id)
    return int(account.id), True


async def load_demo_applications() -> list[tuple[str, str, str]]:
    """Create the demo citizens and their applications once; returns (tracking code, last 4
    ID digits, status) for each demo application, for trying /track."""
    for person in DEMO_CITIZENS:
        async with write_transaction():
            account_id, created = await _citizen(person)
            if not created:
                continue
            for slug, extra, path in person["applications"]:
                # Only the form's own fields: some services ask less than others.
                fields = {f.name for f in (await get_service(slug)).form}
                answers = {k: v for k, v in _answers(person, extra).items() if k in fields}
                new_app = await services.create_application(
                    SYSTEM, account_id, slug, answers, submit=True
                )
                app_id = new_app.id
                agency = (
                    await Application.select(Application.agency)
                    .where(Application.id == app_id)
                    .first()
                )
                assert agency is not None
                for status, message_th, message_en in path:
                    async with write_transaction():
                        app = await services.locked_for_agency(int(agency["agency"]), app_id)
                        await services.change_status(
                            app,
                            status,
                            AGENCY,
                            message_th=message_th,
                            message_en=message_en,
                            needs_fields=["bank_book"] if status == "needs_info" else None,
                        )
    last4 = {index_of(p["national_id"]): p["national_id"][-4:] for p in DEMO_CITIZENS}
    rows = (
        await Application.select(
            Application.tracking_code,
            Application.status,
            Application.account.national_id_index.as_alias("national_id_index"),
        )
        .where(Application.account.national_id_index.is_in(list(last4)))
        .order_by(Application.id)
    )
    return [(r["tracking_code"], last4[r["national_id_index"]], r["status"]) for r in rows]
