"""End to end: a status change posted by an agency → the push decrypted at a local push
service (DESIGN.md budgets: p95 ≤ 1 s; one worker ≥ 1,000 pushes/s to a loopback endpoint).

    .venv/bin/python scripts/bench_notify.py            # `make bench-push`
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_notify.py

SQLite always; PostgreSQL too when DATABASE_URL is set (a throw-away database is created next
to the one it names). A citizen has --devices push subscriptions at a push service in this
process, made for the portal's VAPID key as a browser makes them; the push service verifies
VAPID and decrypts like a browser. A live `portal serve` process answers the agency API, with
a credential made by `portal agency-credential create NHSO`. For 1 and then 2 workers, each a
separate `portal worker` process:

- latency: status changes are POSTed one at a time to
  `/agency-api/v1/applications/{id}/status`, signed as an agency system signs them, at random
  gaps; each is timed from sending the request until every device's push has been accepted,
  its VAPID checked and its body decrypted (every push: --verify-every does not apply here).
  Each change writes the notification and its outbox rows in the change's transaction; the
  worker wakes on PostgreSQL's NOTIFY or finds it at its next poll.
- throughput: with the workers stopped, --backlog status changes are made in this process
  through `applications.services.change_status` (the path under the API, without HTTP: the
  workers are measured, not the producer), then the `portal worker` processes start and the
  pushes are timed from the first accepted to the last (1 in --verify-every fully checked and
  decrypted, the others counted after their `k` was checked).
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
import socket
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench_push import cpu_s, portal, portal_env, scratch_database  # noqa: E402 (sys.path first)

from backend import domains  # noqa: E402
from backend.accounts.tables import Account  # noqa: E402
from backend.applications.services import create_application  # noqa: E402
from backend.catalog.tables import Agency  # noqa: E402
from backend.lib.db import bind_engine, close_pool, make_engine, open_pool, write_transaction  # noqa: E402
from backend.lib.webpush import load_or_create_vapid  # noqa: E402
from backend.notifications.tables import PushSubscription  # noqa: E402
from backend.settings import Settings  # noqa: E402
from backend.system.audit import Actor  # noqa: E402
from tests.support.agency import Signer  # noqa: E402
from tests.support.applications import HEALTH_ANSWERS, set_status  # noqa: E402
from tests.support.push_service import PushService  # noqa: E402

AGENCY = Actor(account_id=None, role="agency_api")
AGENCY_CODE = "NHSO"
"""The agency of change-health-unit, the service the citizen applies for."""
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
            created = await create_application(
                actor, account.id, "change-health-unit", HEALTH_ANSWERS, submit=True
            )
            ids.append(created.id)
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
    agency = await Agency.select(Agency.id).where(Agency.code == AGENCY_CODE).first()
    assert agency is not None
    return int(agency["id"])


async def agency_signer(env: dict[str, str]) -> Signer:
    """A credential for the agency, made as an administrator makes one on the server."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", "agency-credential", "create", AGENCY_CODE,
        "--name", "bench", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit("portal agency-credential create failed")
    lines = dict(line.split(": ", 1) for line in out.decode().strip().splitlines())
    return Signer(lines["key id"], lines["secret"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serving(env: dict[str, str]) -> AsyncIterator[str]:
    """`portal serve` on a free loopback port, ready; its base URL."""
    port = free_port()
    log = Path(env["VAR_DIR"]) / "serve.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1",
            "--port", str(port), env=env, cwd=ROOT, stdout=output, stderr=output,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            async with httpx.AsyncClient() as client, asyncio.timeout(30):
                while True:
                    if await ready(client, url):
                        break
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise SystemExit(f"portal serve did not start:\n{log.read_text()}") from None
        yield url
    finally:
        await stop([process])


async def ready(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(f"{url}/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def latency(
    kind: str,
    workers: int,
    api: tuple[httpx.AsyncClient, Signer],
    push: PushService,
    devices: int,
    changes: Iterator[tuple[int, str]],
    n: int,
) -> Row:
    client, signer = api
    rng = random.Random(7)  # noqa: S311 (gaps, not secrets)
    samples = []
    for application, status in itertools.islice(changes, n):
        before = push.accepted
        started = time.monotonic()
        response = await signer.request(
            client,
            "POST",
            f"/agency-api/v1/applications/{application}/status",
            json={"status": status, "message": {"th": "ทดสอบ", "en": "Benchmark"}},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        if response.status_code != 200:
            raise SystemExit(f"status change refused: {response.status_code} {response.text}")
        await until(lambda before=before: push.accepted >= before + devices)
        last = [pushes[-1] for pushes in push.received.values()]
        # Every device's newest push is this change, decrypted as its browser would.
        if any(p.payload is None or p.json()["status"] != status for p in last):
            raise SystemExit(f"a push was not decrypted or is not {status!r}")
        samples.append(1000 * (max(p.at for p in last) - started))
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
        await set_status(application, status, AGENCY, agency_id=agency)
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
        env = portal_env(url, var_dir)
        await portal(env, "demo")
        settings = Settings(database_url=url, var_dir=str(var_dir))
        # Made now, before any process reads it: browsers subscribe with its public half.
        server_key = load_or_create_vapid(settings).public_key_b64url
        signer = await agency_signer(env)
        engine = make_engine(settings)
        bind_engine(engine)
        await open_pool(engine, 1, 4)
        try:
            async with (
                PushService(application_server_key=server_key) as push,
                serving(env) as base_url,
                httpx.AsyncClient(base_url=base_url, timeout=30) as client,
            ):
                per_run = args.changes + args.backlog
                changes = await citizen(push, args.devices, -(-2 * per_run // len(STEPS)))
                plan = (args.devices, changes)
                for workers in (1, 2):
                    processes = await start_workers(url, var_dir, workers)
                    try:
                        await asyncio.sleep(2)  # past the workers' start-up
                        push.verify_every = 1  # every push checked and decrypted
                        row = await latency(
                            kind, workers, (client, signer), push, *plan, args.changes
                        )
                        print(row, flush=True)
                    finally:
                        await stop(processes)
                    push.verify_every = args.verify_every
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
    parser.add_argument(
        "--verify-every", type=int, default=20, help="throughput: decrypt 1 push in N"
    )
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
    domains.install()
    asyncio.run(main())
