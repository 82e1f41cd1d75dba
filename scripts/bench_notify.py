"""End to end: an agency's status change → the push decrypted at a local push service
(DESIGN.md budgets: p95 ≤ 1 s; one worker ≥ 1,000 pushes/s to a loopback endpoint).

    .venv/bin/python scripts/bench_notify.py            # `make bench-push`
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_notify.py

SQLite always; PostgreSQL too when DATABASE_URL is set (a throw-away database is created next
to the one it names). A citizen has --devices push subscriptions at a push service in this
process, which verifies VAPID and decrypts like a browser. For 1 and then 2 `portal worker`
processes:

- latency: status changes are posted one at a time through
  `applications.services.change_status` (the path of the agency API and the officer console)
  at random gaps; each is timed from the call until every device's push has been accepted,
  checked and decrypted. Each change writes the notification and its outbox rows in the
  change's transaction; the worker wakes on PostgreSQL's NOTIFY or finds it at its next poll.
- throughput: with the workers stopped, --backlog status changes are posted, then the
  workers start and the pushes are timed from the first accepted to the last (1 in
  --verify-every fully checked and decrypted, the rest counted).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import random
import secrets
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench_push import cpu_s, portal, portal_env, scratch_database  # noqa: E402 (sys.path first)

from backend.accounts.tables import Account  # noqa: E402
from backend.applications.services import change_status, create_application  # noqa: E402
from backend.catalog.tables import Agency  # noqa: E402
from backend.lib.db import bind_engine, close_pool, make_engine, open_pool, write_transaction  # noqa: E402
from backend.notifications.tables import PushSubscription  # noqa: E402
from backend.privacy.audit import Actor  # noqa: E402
from backend.settings import Settings  # noqa: E402
from tests.applications.conftest import HEALTH_ANSWERS  # noqa: E402
from tests.support.push_service import PushService  # noqa: E402

AGENCY = Actor(account_id=None, role="agency_api")
STEPS = ("received", "in_review", "needs_info", "rejected")
"""Every one of these is pushed; four changes take an application to a final status."""


@dataclass
class Row:
    engine: str
    workers: int
    phase: str
    n: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    per_s: float | None = None
    cpu_ms: float | None = None

    def __str__(self) -> str:
        def cell(value: float | None, digits: int = 0) -> str:
            return "—" if value is None else f"{value:.{digits}f}"

        return (
            f"{self.engine:9}{self.workers:>3}  {self.phase:11}{self.n:>7}"
            f"{cell(self.p50_ms):>8}{cell(self.p95_ms):>8}{cell(self.max_ms):>8}"
            f"{cell(self.per_s):>10}{cell(self.cpu_ms, 2):>9}"
        )


HEADER = (
    f"{'engine':9}{'wrk':>3}  {'phase':11}{'n':>7}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}"
    f"{'pushes/s':>10}{'cpu ms':>9}"
)


async def citizen(push: PushService, devices: int, applications: int) -> Iterator[tuple[int, str]]:
    """A citizen with `devices` subscriptions and `applications` submitted applications; the
    (application, status) changes to post, in an order the status model allows."""
    now = dt.datetime.now(dt.UTC)
    account = Account(
        user_handle=secrets.token_urlsafe(16),
        national_id=None,
        full_name="ผู้ทดสอบ ประสิทธิภาพ",
        created_at=now,
    )
    await account.save()
    for n in range(devices):
        subscription = push.subscribe()
        await PushSubscription.insert(
            PushSubscription(
                account=account.id,
                endpoint=subscription["endpoint"],
                p256dh=subscription["keys"]["p256dh"],
                auth=subscription["keys"]["auth"],
                device_name=f"device {n}",
                created_at=now,
                updated_at=now,
            )
        )
    ids = []
    for _ in range(applications):
        async with write_transaction():
            actor = Actor(account_id=account.id, role="citizen")
            ids.append(
                await create_application(
                    actor, account.id, "change-health-unit", HEALTH_ANSWERS, submit=True
                )
            )
    # Breadth first: consecutive changes touch different applications.
    return iter([(app, step) for step in STEPS for app in ids])


async def until(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if condition():
                return
            await asyncio.sleep(0.001)  # the push service runs on this loop meanwhile


async def start_workers(url: str, var_dir: Path, count: int) -> list[asyncio.subprocess.Process]:
    return [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "backend.cli",
            "worker",
            "--worker-id",
            f"bench-{n}",
            env=portal_env(url, var_dir),
            cwd=ROOT,
        )
        for n in range(count)
    ]


async def stop(processes: list[asyncio.subprocess.Process]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        await process.wait()


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


async def nhso() -> int:
    agency = await Agency.select(Agency.id).where(Agency.code == "NHSO").first()
    assert agency is not None
    return int(agency["id"])


async def latency(
    kind: str,
    workers: int,
    push: PushService,
    devices: int,
    changes: Iterator[tuple[int, str]],
    n: int,
) -> Row:
    agency = await nhso()
    rng = random.Random(7)  # noqa: S311 (gaps, not secrets)
    samples = []
    for application, status in itertools.islice(changes, n):
        before = push.accepted
        started = time.monotonic()
        await change_status(application, status, AGENCY, agency_id=agency)
        await until(lambda before=before: push.accepted >= before + devices)
        arrived = max(p.at for pushes in push.received.values() for p in pushes[-1:])
        samples.append(1000 * (arrived - started))
        # Random gaps, so changes land at every point of the workers' poll cycle.
        await asyncio.sleep(rng.uniform(0, 0.1))
    return Row(
        kind,
        workers,
        "latency",
        len(samples),
        p50_ms=statistics.median(samples),
        p95_ms=percentile(samples, 0.95),
        max_ms=max(samples),
    )


async def throughput(
    kind: str,
    url: str,
    var_dir: Path,
    workers: int,
    push: PushService,
    devices: int,
    changes: Iterator[tuple[int, str]],
    n: int,
) -> Row:
    agency = await nhso()
    for application, status in itertools.islice(changes, n):
        await change_status(application, status, AGENCY, agency_id=agency)
    expected = push.accepted + n * devices
    first_at = push.accepted
    processes = await start_workers(url, var_dir, workers)
    try:
        await until(lambda: push.accepted > first_at, 60)
        start_cpu, start_count, start_at = cpu_s(processes), push.accepted, time.monotonic()
        await until(lambda: push.accepted >= expected, 300)
        elapsed = time.monotonic() - start_at
        cpu_ms = 1000 * (cpu_s(processes) - start_cpu) / (push.accepted - start_count)
    finally:
        await stop(processes)
    return Row(
        kind,
        workers,
        "throughput",
        n * devices,
        per_s=(push.accepted - start_count) / elapsed,
        cpu_ms=cpu_ms,
    )


async def bench(kind: str, admin_url: str, args: argparse.Namespace) -> None:
    async with scratch_database(kind, admin_url) as (url, var_dir):
        await portal(portal_env(url, var_dir), "demo")
        engine = make_engine(Settings(database_url=url, var_dir=str(var_dir)))
        bind_engine(engine)
        await open_pool(engine, 1, 4)
        try:
            async with PushService(verify_every=args.verify_every) as push:
                per_run = args.changes + args.backlog
                changes = await citizen(push, args.devices, -(-2 * per_run // len(STEPS)))
                plan = (args.devices, changes)
                for workers in (1, 2):
                    processes = await start_workers(url, var_dir, workers)
                    try:
                        await asyncio.sleep(2)  # past the workers' start-up
                        print(await latency(kind, workers, push, *plan, args.changes), flush=True)
                    finally:
                        await stop(processes)
                    print(
                        await throughput(kind, url, var_dir, workers, push, *plan, args.backlog),
                        flush=True,
                    )
                if push.rejected:
                    raise SystemExit(f"push service rejected: {push.rejected[0]}")
        finally:
            await close_pool(engine)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200, help="timed status changes")
    parser.add_argument("--backlog", type=int, default=1500, help="changes for throughput")
    parser.add_argument("--devices", type=int, default=2, help="subscriptions (pushes a change)")
    parser.add_argument("--verify-every", type=int, default=20, help="decrypt 1 push in N")
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    print(
        f"{os.cpu_count()} CPUs shared by this process (producer + push service) and the "
        f"workers; {args.devices} devices, so each status change is {args.devices} pushes"
    )
    print(HEADER)
    for kind in ["sqlite"] + (["postgres"] if admin_url else []):
        await bench(kind, admin_url, args)


if __name__ == "__main__":
    asyncio.run(main())
