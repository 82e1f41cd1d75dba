"""Booking throughput under contention (issue 17, point 8): many citizens ask at once for
the same slot, as the booking API does it (`appointments.services.book`: the cut-off and
grant checks, the conditional UPDATE that holds the capacity, the booking, its reminder in
the outbox and the audit entry, in one write transaction), with the app's connection pool.

    .venv/bin/python scripts/bench_booking.py            # `make bench-booking`
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_booking.py

SQLite always; PostgreSQL too when DATABASE_URL is set (a throw-away database is created next
to the one it names). Two rounds per engine: --citizens racing for the last place (one
booking, the others 409 slot_full with the next free times), then --citizens booking a slot
with a place for each (every one a booking). Reported: wall time, answers/s and bookings/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench_push import portal, portal_env, scratch_database  # noqa: E402 (sys.path first)

from backend import domains  # noqa: E402
from backend.accounts.tables import Account  # noqa: E402
from backend.appointments import services  # noqa: E402
from backend.appointments.errors import SlotFullError  # noqa: E402
from backend.appointments.schemas import BookingCreate, OfficeIn, SlotIn, SlotsIn  # noqa: E402
from backend.catalog.tables import Agency  # noqa: E402
from backend.lib.db import bind_engine, close_pool, make_engine, open_pool  # noqa: E402
from backend.lib.i18n import BANGKOK  # noqa: E402
from backend.settings import Settings  # noqa: E402
from backend.system.audit import Actor  # noqa: E402

SERVICE = "id-card-replacement"
AGENCY = Actor(account_id=None, role="agency_api")


def _everything(_: str) -> bool:
    return True


async def _citizens(count: int) -> list[int]:
    now = dt.datetime.now(dt.UTC)
    rows = await Account.insert(
        *(
            Account(user_handle=secrets.token_urlsafe(16), full_name="ผู้ทดสอบ", created_at=now)
            for _ in range(count)
        )
    ).returning(Account.id)
    return [r["id"] for r in rows]


async def _slots(capacities: list[int]) -> list[int]:
    agency = await Agency.select(Agency.id).where(Agency.code == "DOPA").first()
    assert agency is not None
    week = {d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    office = await services.create_office(
        agency["id"],
        OfficeIn(name_th="สำนักงานทดสอบ", name_en="Bench office", opening_hours=week),  # type: ignore[arg-type]
        AGENCY,
    )
    day = dt.datetime.now(BANGKOK).date() + dt.timedelta(days=3)
    made = await services.publish_slots(
        agency["id"],
        office.id,
        SlotsIn(
            slots=[
                SlotIn(
                    service=SERVICE,
                    starts_at=dt.datetime.combine(day, dt.time(9 + n), BANGKOK),
                    capacity=capacity,
                )
                for n, capacity in enumerate(capacities)
            ]
        ),
        AGENCY,
    )
    return [s.id for s in made]


async def _race(citizens: list[int], slot_id: int) -> tuple[int, int, float]:
    async def one(account_id: int) -> bool:
        actor = Actor(account_id=account_id, role="citizen")
        try:
            await services.book(actor, account_id, BookingCreate(slot_id=slot_id), _everything)
        except SlotFullError:
            return False
        return True

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(one(a) for a in citizens))
    return sum(outcomes), len(outcomes) - sum(outcomes), time.perf_counter() - started


async def bench(kind: str, admin_url: str, citizens: int) -> None:
    async with scratch_database(kind, admin_url) as (url, var_dir):
        await portal(portal_env(url, var_dir), "demo")
        settings = Settings(database_url=url, var_dir=str(var_dir), log_level="WARNING")
        domains.install()
        engine = make_engine(settings)
        bind_engine(engine)
        await open_pool(engine, min_size=4, max_size=settings.db_pool_max)
        try:
            last, roomy = await _slots([1, citizens])
            for title, slot_id in (("last place", last), ("a place each", roomy)):
                booked, refused, elapsed = await _race(await _citizens(citizens), slot_id)
                print(
                    f"{kind:8} {citizens} at once, {title:12}: {elapsed * 1000:7.0f} ms,"
                    f" {citizens / elapsed:6.0f} answers/s, {booked / elapsed:6.0f} bookings/s"
                    f" ({booked} booked, {refused} × 409)"
                )
        finally:
            await close_pool(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=200)
    args = parser.parse_args()
    print(f"CPU cores: {os.cpu_count()}")
    asyncio.run(bench("sqlite", "", args.citizens))
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        asyncio.run(bench("postgres", os.environ["DATABASE_URL"], args.citizens))


if __name__ == "__main__":
    main()
