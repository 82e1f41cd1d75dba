"""`make bench-writes`: the write path under load, on PostgreSQL and SQLite, against a live
`portal serve` (with `--no-worker`) and a `portal worker` beside it.

    .venv/bin/python scripts/bench_writes.py                          # PostgreSQL, then SQLite
    .venv/bin/python scripts/bench_writes.py --baseline main --engine postgres --duration 15
    .venv/bin/python scripts/bench_writes.py --engine postgres --workers 1 2   # scaling

Per engine (and per checkout: `--baseline REF` runs the same first against a `git worktree`
of REF, so one run gives before and after on the same machine), in a throw-away database
migrated and given the demo catalog by that checkout's `portal` commands: --citizens
citizens with a session (cookie and CSRF token known) and two push subscriptions each at a
push service in this process (tests/support/push_service.py, which checks VAPID and decrypts
1 push in 20), and --credentials agency credentials for NHSO (the agency API's rate limit is
per credential: requests take them in turn).

- `submit`: `POST /api/v1/applications` (change-health-unit, submitted at once) with a new
  Idempotency-Key, as a random citizen's phone sends it;
- `status`: `POST /agency-api/v1/applications/{id}/status`, HMAC-signed as an agency system
  signs it, with an Idempotency-Key, moving the submitted applications on (received →
  in_review → approved → completed, taken in turn so that no application has two changes in
  flight); each change notifies the citizen's two devices (the worker pushes them).

Each closed loop (--concurrency keep-alive connections) and then open loop (Poisson arrivals
at --open-share of the closed loop's rate, latency from each request's scheduled time), with
the load generator of scripts/bench_dashboard.py. Per run: req/s, p50/p99, CPU per request
of the server, the database backends (PostgreSQL) and the worker, and statements, round trips
and transactions per request of the server (scripts/bench_counting.py: the local PostgreSQL
has no pg_stat_statements, so the drivers are counted in the server process; with
`--workers 2` or more, uvicorn's worker processes are not counted, and two `portal worker`s
deliver the pushes).
Prints a table; writes JSON and the table to bench-results/ (gitignored).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench_dashboard import (  # noqa: E402 (sys.path first)
    HOST,
    RESULTS,
    CpuMeter,
    Load,
    Postgres,
    Result,
    Sqlite,
    Target,
    checkout,
    closed_loop,
    free_port,
    open_loop,
    prime,
    say,
    seeded_random,
    server,
    session_rows,
    token_of,
)
from bench_push import portal, portal_env, scratch_database  # noqa: E402

from backend import domains  # noqa: E402
from backend.accounts.tables import Account, Session  # noqa: E402
from backend.agency_api.credentials import create_credential  # noqa: E402
from backend.lib.db import bind_engine, close_pool, make_engine  # noqa: E402
from backend.lib.webpush import load_or_create_vapid  # noqa: E402
from backend.notifications.tables import PushSubscription  # noqa: E402
from backend.settings import Settings  # noqa: E402
from backend.system.audit import Actor  # noqa: E402
from tests.support.agency import Signer  # noqa: E402
from tests.support.applications import HEALTH_ANSWERS  # noqa: E402
from tests.support.push_service import PushService  # noqa: E402

SERVICE, AGENCY_CODE = "change-health-unit", "NHSO"
STEPS = ("received", "in_review", "approved", "completed")
DEVICES = 2
SUBMIT_BODY = json.dumps({"service": SERVICE, "answers": HEALTH_ANSWERS, "submit": True}).encode()
COUNTING = ROOT / "scripts" / "bench_counting.py"


# --- Seeding (in this process, through the portal's tables) ---------------------------------


async def seed(
    url: str, var_dir: Path, push: PushService, args: argparse.Namespace
) -> list[Signer]:
    """Citizens with sessions and two push subscriptions each; agency credentials."""
    settings = Settings(database_url=url, var_dir=str(var_dir))
    push.application_server_key = load_or_create_vapid(settings).public_key_b64url
    engine = make_engine(settings)
    bind_engine(engine)
    try:
        now = dt.datetime.now(dt.UTC)
        accounts = [
            Account(user_handle=uuid.uuid4().hex, full_name="ผู้ทดสอบ เขียน", created_at=now)
            for _ in range(args.citizens)
        ]
        for at in range(0, len(accounts), 500):
            await Account.insert(*accounts[at : at + 500])
        ids = [r["id"] for r in await Account.select(Account.id).where(Account.role == "citizen")]
        columns = ("token_hash", "account", "role", "csrf_token", "created_at", "last_seen_at",
                   "expires_at", "idle_timeout_s", "ip", "user_agent")  # fmt: skip
        sessions = [Session(**dict(zip(columns, row, strict=True))) for row in session_rows(ids)]
        subscriptions = []
        for account_id in ids:
            for n in range(DEVICES):
                sub = push.subscribe()
                subscriptions.append(
                    PushSubscription(
                        account=account_id, endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"],
                        auth=sub["keys"]["auth"], device_name=f"device {n}", created_at=now,
                        updated_at=now,
                    )
                )  # fmt: skip
        for rows, table in ((sessions, Session), (subscriptions, PushSubscription)):
            for at in range(0, len(rows), 500):
                await table.insert(*rows[at : at + 500])
        admin = Actor(account_id=None, role="admin")
        signers = []
        for n in range(args.credentials):
            new = await create_credential(admin, AGENCY_CODE, f"bench {n}", settings=settings)
            signers.append(Signer(new.key_id, new.secret))
        return signers
    finally:
        await close_pool(engine)


# --- Requests ------------------------------------------------------------------------------


def submission(account_id: int) -> bytes:
    head = (
        f"POST /api/v1/applications HTTP/1.1\r\nHost: localhost\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(SUBMIT_BODY)}\r\n"
        f"Cookie: portal_session={token_of(account_id)}\r\nX-CSRF-Token: csrf-{account_id}\r\n"
        f"Idempotency-Key: {uuid.uuid4().hex}\r\nUser-Agent: bench_writes\r\n\r\n"
    )
    return head.encode() + SUBMIT_BODY


class StatusChanges:
    """Signed status changes for applications in turn: each moves one step, and goes to the
    back of the line, so no application has two changes in flight."""

    def __init__(self, signers: list[Signer]) -> None:
        self.signers = signers
        self.line: collections.deque[tuple[int, int]] = collections.deque()
        self.known: set[int] = set()
        self.sent = 0

    def add(self, application_ids: list[int]) -> None:
        for app in application_ids:
            if app not in self.known:
                self.known.add(app)
                self.line.append((app, 0))

    @property
    def left(self) -> int:
        return sum(len(STEPS) - step for _, step in self.line)

    def __call__(self) -> bytes:
        app, step = self.line.popleft()
        if step + 1 < len(STEPS):
            self.line.append((app, step + 1))
        self.sent += 1
        path = f"/agency-api/v1/applications/{app}/status"
        body = json.dumps({"status": STEPS[step], "message": {"th": "ทดสอบ", "en": "bench"}})
        signer = self.signers[self.sent % len(self.signers)]
        signed = signer.headers("POST", path, "", body.encode())
        lines = [f"POST {path} HTTP/1.1", "Host: localhost", "Content-Type: application/json",
                 f"Content-Length: {len(body.encode())}", f"Idempotency-Key: {uuid.uuid4().hex}",
                 *(f"{k}: {v}" for k, v in signed.items())]  # fmt: skip
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


# --- Measuring -----------------------------------------------------------------------------


class Counted:
    """The server's statement counts (scripts/bench_counting.py): ask, wait for the file."""

    def __init__(self, pid: int, path: Path) -> None:
        self.pid, self.path = pid, path

    def read(self) -> dict[str, int]:
        self.path.unlink(missing_ok=True)
        os.kill(self.pid, signal.SIGRTMIN)
        deadline = time.monotonic() + 5
        while not self.path.exists():
            if time.monotonic() > deadline:
                raise SystemExit("the server did not write its statement counts")
            time.sleep(0.002)
        counts: dict[str, int] = json.loads(self.path.read_text())
        return counts


class WriteMeter(CpuMeter):
    """CpuMeter plus the workers' CPU and the server's statements over the window (not
    counted with several server processes: `counted` None)."""

    def __init__(
        self, server_pid: int, db_pids: list[int], worker_pids: list[int], counted: Counted | None
    ):
        self.workers, self.counted = worker_pids, counted
        self.counts0 = counted.read() if counted else {}
        super().__init__(server_pid, [*db_pids, *worker_pids])
        self.db = db_pids
        self.counts: dict[str, int] = {}

    def stop(self) -> dict[str, float]:
        shares = super().stop()
        _, pids0, *_ = self.start
        hz, wall = os.sysconf("SC_CLK_TCK"), time.perf_counter() - self.start[0]
        from bench_dashboard import _ticks

        shares["worker"] = sum(100 * (_ticks(pid) - pids0[pid]) / hz / wall for pid in self.workers)
        if self.counted:
            counts1 = self.counted.read()
            self.counts = {k: counts1[k] - self.counts0[k] for k in counts1}
        return shares


# --- A run ---------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def workers(root: Path, env: dict[str, str], log: Path, n: int) -> AsyncIterator[list[int]]:
    """`n` `portal worker` processes (the outbox: pushes)."""
    processes = []
    try:
        with log.open("ab") as out:
            for i in range(n):
                processes.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable, "-m", "backend.cli", "worker", "--worker-id", f"bench-{i}",
                        cwd=root, env=env, stdout=out, stderr=out,
                    )
                )  # fmt: skip
        yield [p.pid for p in processes]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            await process.wait()


async def run_checkout(
    kind: str, label: str, root: Path, args: argparse.Namespace, logs: Path, processes: int = 1
) -> list[Result]:
    """Every run of one engine against the checkout at `root`, served by `processes` app
    processes (uvicorn workers) with one `portal worker`, or two from 2 processes on. With
    one process its statements are counted (scripts/bench_counting.py); with more, not."""
    results: list[Result] = []
    rng = seeded_random(20261204)
    async with (
        scratch_database(kind, args.postgres, root) as (url, var_dir),
        PushService(verify_every=20) as push,
    ):
        env = {**portal_env(url, var_dir), "LOG_LEVEL": "INFO", "PYTHONPATH": str(root)}
        await portal(env, "demo", root=root)
        signers = await seed(url, var_dir, push, args)
        target: Target = (
            await Postgres.open(url)
            if kind == "postgres"
            else Sqlite(Path(url.removeprefix("sqlite:///")))
        )
        accounts = [r["account"] for r in await target.fetch("SELECT account FROM session")]
        count_file = var_dir / "counts.json"
        port = free_port()
        launcher = [str(COUNTING)] if processes == 1 else ["-m", "backend.cli"]
        argv = [sys.executable, *launcher, "serve", "--host", HOST, "--port", str(port),
                "--no-worker", "--workers", str(processes)]  # fmt: skip
        serve_env = {**env, "BENCH_COUNT_FILE": str(count_file)}
        log = logs / f"{label}-{kind}-{processes}p"
        async with (
            server(argv, port, serve_env, log.with_suffix(".serve.log"), cwd=root) as pid,
            workers(root, env, log.with_suffix(".worker.log"), min(processes, 2)) as worker_pids,
        ):
            meters: list[WriteMeter] = []

            async def meter() -> WriteMeter:
                db = await target.db_pids()
                counted = Counted(pid, count_file) if processes == 1 else None
                meters.append(WriteMeter(pid, db, worker_pids, counted))
                return meters[-1]

            load = Load(port, args.concurrency, args.warmup, args.duration, meter)

            def record(result: Result, name: str, mode: str) -> None:
                result.name = name
                result.extra.update(
                    ref=label, engine=kind, mode=mode, processes=processes, **meters[-1].counts
                )
                results.append(result)
                s = result.summary()
                say(f"  {label:<10} x{processes} {name:<7} {mode:<7} {s['rps']:7.0f} req/s  p50 "
                    f"{s['p50_ms']:6.1f}  p99 {s['p99_ms']:6.1f} ms  {s['statuses']}")  # fmt: skip

            def submit() -> bytes:
                return submission(accounts[rng.randrange(len(accounts))])

            closed = await closed_loop(load, submit)
            record(closed, "submit", "closed")
            record(await open_loop(load, submit, closed.rps * args.open_share), "submit", "open")

            changes = StatusChanges(signers)

            async def enough(n: int) -> None:
                """At least `n` changes waiting: more submissions if needed (not measured)."""
                missing = -(-(n - changes.left) // len(STEPS))
                if missing > 0:
                    await prime(port, [submit() for _ in range(missing)], args.concurrency)
                rows = await target.fetch(
                    "SELECT a.id FROM application a JOIN service s ON s.id = a.service "
                    "WHERE a.status = 'submitted' AND s.slug = $1 ORDER BY a.id",
                    SERVICE,
                )
                changes.add([r["id"] for r in rows])

            seconds = args.warmup + args.duration
            await enough(int(seconds * args.expect_status_rps))
            closed = await closed_loop(load, changes)
            record(closed, "status", "closed")
            await enough(int(1.5 * seconds * closed.rps * args.open_share) + 1000)
            record(await open_loop(load, changes, closed.rps * args.open_share), "status", "open")
            for result in results:
                result.extra["pushes_accepted"] = push.accepted
        await target.close()
        if push.rejected:
            raise SystemExit(f"the push service refused a push: {push.rejected[0]}")
    return results


def per_request(r: Result) -> dict[str, float]:
    n = max(1, r.requests)
    hz_share = {k: 10 * v / max(r.rps, 1e-9) for k, v in r.cpu.items()}
    return {
        "server_ms": hz_share["server"],
        "db_ms": hz_share["db"],
        "worker_ms": hz_share["worker"],
        "statements": r.extra.get("statements", 0) / n,
        "round_trips": r.extra.get("round_trips", 0) / n,
        "transactions": r.extra.get("transactions", 0) / n,
    }


def table(results: list[Result]) -> str:
    lines = [
        f"{'checkout':<10} {'engine':<9}{'p':>2} {'kind':<7}{'loop':<7}{'req/s':>7}{'p50':>7}"
        f"{'p99':>7}{'non-2xx':>8}  {'cpu ms/req server+db (+worker)':<31}"
        f"{'cpu % server/db/worker/machine':<31}{'stmts':>6}{'trips':>6}{'tx':>5}"
    ]
    for r in results:
        s, p = r.summary(), per_request(r)
        bad = sum(n for code, n in r.statuses.items() if not 200 <= code < 300)
        cpu = f"{p['server_ms']:.2f} + {p['db_ms']:.2f} (+{p['worker_ms']:.2f})"
        shares = "/".join(f"{r.cpu[k]:.0f}" for k in ("server", "db", "worker", "machine"))
        lines.append(
            f"{r.extra['ref']:<10} {r.extra['engine']:<9}{r.extra['processes']:>2} {r.name:<7}"
            f"{r.extra['mode']:<7}{s['rps']:>7.0f}{s['p50_ms']:>7.1f}{s['p99_ms']:>7.1f}{bad:>8}  "
            f"{cpu:<31}{shares:<31}{p['statements']:>6.1f}{p['round_trips']:>6.1f}"
            f"{p['transactions']:>5.1f}"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", nargs="+", choices=["postgres", "sqlite"],
                        default=["postgres", "sqlite"])  # fmt: skip
    parser.add_argument("--baseline", metavar="REF", help="also measure this commit, first")
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"))  # fmt: skip
    parser.add_argument("--workers", type=int, nargs="+", default=[1], metavar="N",
                        help="app processes (uvicorn workers), e.g. 1 2; two portal workers "
                        "from 2 on")  # fmt: skip
    parser.add_argument("--citizens", type=int, default=1000)
    parser.add_argument("--credentials", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before measuring")
    parser.add_argument("--open-share", type=float, default=0.5)
    parser.add_argument("--expect-status-rps", type=float, default=400,
                        help="status changes prepared for the closed loop, per second")  # fmt: skip
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    logs = RESULTS / f"logs-writes-{stamp}"
    logs.mkdir()
    say(f"{os.cpu_count()} CPUs shared by server, worker, database and this load generator; "
        f"concurrency {args.concurrency}, {args.warmup:.0f} s warm-up + {args.duration:.0f} s "
        "per run")  # fmt: skip
    results: list[Result] = []
    with contextlib.ExitStack() as stack:
        checkouts = [("this", ROOT)]
        if args.baseline:
            checkouts.insert(0, (args.baseline[:10], stack.enter_context(checkout(args.baseline))))
        for kind in args.engine:
            for processes in args.workers:
                for label, root in checkouts:
                    say(f"{kind}, {label}, {processes} app process(es):")
                    results += await run_checkout(kind, label, root, args, logs, processes)
    text = table(results)
    say("\n" + text)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "args": vars(args),
        "results": [{**r.summary(), **per_request(r)} for r in results],
    }
    (RESULTS / f"writes-{stamp}.json").write_text(json.dumps(report, indent=2, default=str))
    (RESULTS / f"writes-{stamp}.txt").write_text(text + "\n")
    say(f"\nwritten: bench-results/writes-{stamp}.json (server logs in {logs.name}/)")


if __name__ == "__main__":
    domains.install()
    uvloop.run(main())
