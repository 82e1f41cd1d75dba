"""Offices and visit slots on the live server, for the browser tests of appointments: the
agency's calls made as the server would make them (a script run with its settings)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from playwright.sync_api import Page

from backend.lib.i18n import BANGKOK
from tests.support.live_server import LiveServer

__all__ = ["book_in_page", "come_now", "local", "publish"]

PUBLISH = """
import datetime as dt, json
from backend import domains
from backend.appointments import services
from backend.appointments.schemas import OfficeIn, SlotIn, SlotsIn
from backend.catalog.tables import Agency
from backend.lib.cli import run_job
from backend.lib.i18n import BANGKOK
from backend.system.audit import Actor

ASK = json.loads(ASKED)

async def job():
    agency = await Agency.select(Agency.id).where(Agency.code == ASK["agency"]).first()
    actor = Actor(account_id=None, role="agency_api")
    hours = {d: ["07:00", "20:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    office = await services.create_office(
        agency["id"], OfficeIn(name_th=ASK["office"], name_en=ASK["office"], opening_hours=hours),
        actor)
    slots = [SlotIn(service=ASK["service"], starts_at=dt.datetime.fromisoformat(s), capacity=c)
             for s, c in ASK["slots"]]
    made = await services.publish_slots(agency["id"], office.id, SlotsIn(slots=slots), actor)
    print(json.dumps({"office": office.id, "slots": [s.id for s in made]}))

domains.install()
run_job(job)
"""

COME_NOW = """
import datetime as dt
from backend import domains
from backend.appointments.tables import Slot
from backend.lib.cli import run_job

async def job():
    now = dt.datetime.now(dt.UTC)
    await Slot.update({Slot.starts_at: now, Slot.ends_at: now + dt.timedelta(minutes=30)}).where(
        Slot.id == SLOT)

domains.install()
run_job(job)
"""


def local(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = dt.datetime.now(BANGKOK).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), BANGKOK)


def publish(
    server: LiveServer, agency: str, service: str, office: str, *slots: tuple[dt.datetime, int]
) -> dict[str, Any]:
    """An office of `agency` with `slots` (start, capacity) of `service`: their ids."""
    asked = {
        "agency": agency,
        "service": service,
        "office": office,
        "slots": [(s.isoformat(), c) for s, c in slots],
    }
    made: dict[str, Any] = json.loads(
        server.python(PUBLISH.replace("ASKED", repr(json.dumps(asked))))
    )
    return made


def book_in_page(page: Page, slot: int, application: int) -> None:
    """The signed-in citizen of `page` books `slot` for `application` (as the app does)."""
    status = page.evaluate(
        """async (body) => {
            const csrf = document.cookie.match(/portal_csrf=([^;]+)/)[1];
            const response = await fetch('/api/v1/appointments', { method: 'POST',
                body: JSON.stringify(body),
                headers: { 'content-type': 'application/json', 'x-csrf-token': csrf } });
            return response.status;
        }""",
        {"slot_id": slot, "application_id": application},
    )
    assert status == 201, status


def come_now(server: LiveServer, slot: int) -> None:
    """Time passes: the slot starts now (a booking of it can be checked in today)."""
    server.python(COME_NOW.replace("SLOT", str(slot)))
