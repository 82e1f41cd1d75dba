"""`make bench`: the authenticated dashboard under load, on a realistically large database
(DESIGN.md budgets: p99 ≤ 20 ms with 1 M applications on PostgreSQL; throughput at least half
that of a bare Litestar JSON endpoint on the same machine).

    .venv/bin/python scripts/bench_dashboard.py                      # PostgreSQL, then SQLite
    .venv/bin/python scripts/bench_dashboard.py --engine postgres --workers 1 2 --duration 20
    BENCH_POSTGRES_DSN=postgresql://postgres@db:5432/postgres .venv/bin/python scripts/...
    BENCH_DATABASE=portal_bench_mine …   # another scratch database (a shared server)

Seeding (once; re-runs reuse the seeded database unless --reseed): a scratch PostgreSQL
database `portal_bench` next to BENCH_POSTGRES_DSN (default: the test server's), and a SQLite
file in bench-results/, each migrated and loaded with the demo catalog by the real `portal`
commands, then filled by COPY (PostgreSQL) or one executemany transaction (SQLite): 100 000
citizens with 0-30 applications each (skewed: many have a few, some have many; 1 000 000 in
all), 5 status events per application along legal paths of the status model, change numbers
in the order of the last change and the `applications` change counter set to the largest one,
and sessions (known cookie tokens, SHA-256 stored as the app does) for 10 % of the citizens.
SQLite gets a tenth of that.

Load (per engine and `--workers` count), against `portal serve` as a subprocess (uvicorn,
uvloop, httptools, the default INFO access log to a file):

- `bare`: a bare Litestar app (one handler returning a JSON of the same shape and size as
  a 20-item dashboard), served the same way: the ceiling;
- `bare + 1 query`: the same handler after one indexed lookup on a connection pool (the
  session by its token hash): the floor of any endpoint that reads the database;
- `dashboard`: `GET /api/v1/dashboard?limit=20` with the session cookie of a random seeded
  citizen per request, as fast as `--concurrency` keep-alive connections allow (closed loop),
  after each seeded citizen has asked once (not measured: a population of phones that poll);
- `dashboard br`: the same with `Accept-Encoding: br, gzip`, as a phone sends it;
- `dashboard @50%`: open loop, Poisson arrivals at half the closed-loop rate, latency counted
  from each request's scheduled time (so a stall is not hidden by the client waiting);
- `304`: the same dashboard revalidated with the ETag each citizen got before;
- `dashboard, no log`: `dashboard` with LOG_LEVEL=WARNING, so without the access log: the
  difference is what one structured line per request costs;
- `dashboard, db` and `304, db`: the same two with HOT_CACHE=false, so every request reads
  the database (as the first request of a citizen after a change does). In the runs above,
  the warm-up has each process remember most sessions and pages (system.hotcache).

Sessions are made live again before each run with `last_seen_at` spread over the last two
minutes, so a share of the requests also write the throttled `last_seen_at` touch (fewer in
the runs answered from memory, which keeps its own copy of each session).

The load generator is a minimal HTTP/1.1 keep-alive client on uvloop in this process (0.05 to
0.2 ms of CPU per request): on 2 cores it shares the machine with the server and the database,
so the table shows the CPU each used during the run, the machine's total, and the server's and
database's CPU per request (which does not depend on what else runs).
Prints a table; writes JSON and the table to bench-results/ (gitignored).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from array import array
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import uvloop

from backend.accounts import national_ids
from backend.lib import idcrypt
from backend.lib.keyfile import read_keys

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
PORTAL = {"root": ROOT}
"""The checkout whose `portal` is measured (`--checkout`: another commit's worktree)."""
ADMIN_DSN = os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
HOST = "127.0.0.1"
PATH = "/api/v1/dashboard?limit=20"
SEED = 20261126
SESSION_SHARE = 0.1
TOKEN_PREFIX = "bench-session-"  # noqa: S105 (cookie tokens of a scratch database)
USER_AGENT = "bench_dashboard"
DAY = 86_400.0

UTC = dt.UTC
sqlite3.register_adapter(dt.datetime, lambda v: str(v.astimezone(UTC)))  # as Piccolo stores it


# --- The data ------------------------------------------------------------------------------

FIRST_NAMES = ("สมชาย", "สมหญิง", "ประยุทธ", "มาลี", "วิชัย", "สุดา", "อนันต์", "กาญจนา", "ชาติชาย")
LAST_NAMES = ("ใจดี", "รักไทย", "ศรีสุข", "บุญมา", "แก้วมณี", "ทองคำ", "พึ่งบุญ", "มั่นคง", "สายสุวรรณ")
PROVINCES = ("ขอนแก่น", "เชียงใหม่", "นครราชสีมา", "อุบลราชธานี", "สงขลา", "ลำปาง", "น่าน")

POPULAR = {"vehicle-tax": 14, "id-card-replacement": 10, "elderly-allowance": 10,
           "change-health-unit": 8, "driving-licence-renewal": 8, "passport-renewal": 6,
           "section-40-enrolment": 5}  # fmt: skip
"""Relative weight of each demo service (others: 3)."""

PATHS: tuple[tuple[tuple[str, ...], int, int], ...] = (
    (("submitted", "received", "in_review", "approved", "completed"), 60, 5),
    (("submitted", "received", "in_review", "needs_info", "rejected"), 10, 3),
    (("submitted", "received", "needs_info", "in_review", "approved"), 12, 12),
    (("submitted", "received", "in_review", "needs_info", "in_review"), 4, 40),
    (("submitted", "received", "needs_info", "in_review", "needs_info"), 4, 25),
    (("submitted", "received", "in_review", "needs_info", "withdrawn"), 10, 15),
)
"""Five legal steps each (see applications.status), with weights for applications older and
younger than RECENT_DAYS: old ones are mostly decided, recent ones mostly still open."""
RECENT_DAYS = 45
STEP_AT = (0.0, 0.08, 0.25, 0.6, 1.0)
"""When each of the five events happens, as a share of the application's lifetime."""

MESSAGES = {
    "needs_info": ("กรุณาส่งสำเนาทะเบียนบ้านอีกครั้ง", "Please send your house registration again."),
    "rejected": ("เอกสารไม่ครบตามที่กำหนด", "The required documents were not provided."),
    "withdrawn": ("ยื่นผิดบริการ", "Applied for the wrong service."),
    "approved": ("อนุมัติแล้ว รับได้ที่สำนักงานเขต", "Approved: collect it at the district office."),
}  # fmt: skip
NEEDS_FIELDS = json.dumps(
    {"th": MESSAGES["needs_info"][0], "en": MESSAGES["needs_info"][1], "fields": ["address"]},
    ensure_ascii=False,
)
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

ACCOUNT_COLUMNS = ("id", "user_handle", "role", "national_id_sealed", "national_id_index",
                   "full_name", "phone", "address", "language", "assurance",
                   "created_at")  # fmt: skip
APPLICATION_COLUMNS = ("id", "tracking_code", "account", "service", "agency", "status",
                       "answers", "status_message_th", "status_message_en", "action_required",
                       "created_at", "submitted_at", "updated_at", "change_seq")  # fmt: skip
EVENT_COLUMNS = ("application", "status", "message_th", "message_en", "actor_role",
                 "actor_account_id", "at")  # fmt: skip
SESSION_COLUMNS = ("token_hash", "account", "role", "csrf_token", "created_at", "last_seen_at",
                   "expires_at", "idle_timeout_s", "ip", "user_agent")  # fmt: skip


def seeded_random(seed: int | None) -> random.Random:
    return random.Random(seed)  # noqa: S311 (made-up data and timings, no secrets)


def token_of(account_id: int) -> str:
    return f"{TOKEN_PREFIX}{account_id}"


def thai_id(n: int) -> str:
    """A unique, checksum-valid 13-digit ID for citizen number n (n < 10^11)."""
    body = f"{1 + n % 8}{n * 7_919_993 % 10**11:011d}"
    total = sum(int(d) * (13 - i) for i, d in enumerate(body))
    return body + str((11 - total % 11) % 10)


def tracking_code(agency_code: str, n: int) -> str:
    """Unique for n < 31^6: n times a unit modulo 31^6, written in the tracking alphabet."""
    x = n * 387_420_489 % 31**6
    chars = ""
    for _ in range(6):
        x, digit = divmod(x, 31)
        chars += TRACKING_ALPHABET[digit]
    return f"{agency_code}-{chars[:4]}-{chars[4:]}"


@dataclasses.dataclass
class Plan:
    """Per application, in id (= creation) order: who, which service, which path, when."""

    now: float
    account: array[int]
    service: list[int]
    path: bytes
    created: array[float]
    updated: array[float]
    seq: array[int]


def applications_per_citizen(rng: random.Random, citizens: int, total: int) -> list[int]:
    """0-30 each, skewed (floor(31·u²): a fifth have none, a few have 30), summing to total."""
    counts = [min(30, int(31 * rng.random() ** 2)) for _ in range(citizens)]
    missing = total - sum(counts)
    while missing:
        i = rng.randrange(citizens)
        if missing > 0 and counts[i] < 30:
            counts[i] += 1
            missing -= 1
        elif missing < 0 and counts[i] > 0:
            counts[i] -= 1
            missing += 1
    return counts


def make_plan(
    rng: random.Random, first_account: int, citizens: int, total: int, weights: list[int]
) -> Plan:
    now = time.time()
    owners = array("i")
    for i, n in enumerate(applications_per_citizen(rng, citizens, total)):
        owners.extend([first_account + i] * n)
    rng.shuffle(owners)
    chosen = rng.choices(range(len(weights)), weights=weights, k=total)
    start, span = now - 3 * 365 * DAY, 3 * 365 * DAY - DAY
    created, updated, paths = array("d"), array("d"), bytearray()
    old_w, new_w = [p[1] for p in PATHS], [p[2] for p in PATHS]
    for i in range(total):
        at = start + (i + rng.random()) * span / total
        recent = now - at < RECENT_DAYS * DAY
        paths.append(rng.choices(range(len(PATHS)), weights=new_w if recent else old_w)[0])
        lifetime = rng.uniform(0.5, 20) * DAY if recent else rng.uniform(2, 60) * DAY
        created.append(at)
        updated.append(min(at + lifetime, now - 60 * rng.random() - 1))
    order = sorted(range(total), key=updated.__getitem__)
    seq = array("q", bytes(8 * total))
    for rank, i in enumerate(order, 1):
        seq[i] = rank * len(STEP_AT)  # each application took five change numbers
    return Plan(now, owners, chosen, bytes(paths), created, updated, seq)


def ts(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


def id_keys(var_dir: Path) -> tuple[idcrypt.Sealer, idcrypt.BlindIndex]:
    """The server's national-ID keys (its VAR_DIR's key files): IDs are sealed at rest."""
    sealing = read_keys("", "NATIONAL_ID_KEYS", var_dir / idcrypt.KEY_FILE)
    (index_key,) = read_keys("", "NATIONAL_ID_INDEX_KEY", var_dir / idcrypt.INDEX_KEY_FILE)
    return idcrypt.Sealer(sealing), idcrypt.BlindIndex(index_key)


def account_rows(
    rng: random.Random, first: int, citizens: int, var_dir: Path
) -> Iterator[tuple[Any, ...]]:
    now = time.time()
    sealer, index = id_keys(var_dir)
    for n in range(citizens):
        national_id = thai_id(first + n)
        sealed = sealer.seal(national_id, place=national_ids.NATIONAL_ID)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        handle = base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16)).rstrip(b"=")
        yield (
            first + n, handle.decode(), "citizen", sealed, index(national_id), name,
            f"08{rng.randrange(10**8):08d}", f"{rng.randrange(1, 400)} หมู่ {rng.randrange(1, 15)} "
            f"จ.{rng.choice(PROVINCES)}", "en" if rng.random() < 0.1 else "th",
            "verified_in_person" if rng.random() < 0.2 else "self_asserted",
            ts(now - rng.uniform(4 * 365, 30) * DAY),
        )  # fmt: skip


def application_rows(
    plan: Plan, services: list[int], agencies: list[tuple[int, str]], first: int, base_seq: int
) -> Iterator[tuple[Any, ...]]:
    for i in range(len(plan.seq)):
        app_id = first + i
        steps = PATHS[plan.path[i]][0]
        status = steps[-1]
        s = plan.service[i]
        agency_id, agency_code = agencies[s]
        message = MESSAGES.get(status, ("", ""))
        created = ts(plan.created[i])
        answers = json.dumps(
            {"reason": "ชำรุด", "delivery": "pickup", "phone": f"08{app_id % 10**8:08d}",
             "note": "ขอรับที่สำนักงานเขตใกล้บ้าน", "copies": 1 + app_id % 3},
            ensure_ascii=False,
        )  # fmt: skip
        yield (
            app_id, tracking_code(agency_code, app_id), plan.account[i], services[s], agency_id,
            status, answers, message[0], message[1],
            NEEDS_FIELDS if status == "needs_info" else "", created, created,
            ts(plan.updated[i]), base_seq + plan.seq[i],
        )  # fmt: skip


def event_rows(plan: Plan, first: int) -> Iterator[tuple[Any, ...]]:
    for i in range(len(plan.seq)):
        created, lifetime = plan.created[i], plan.updated[i] - plan.created[i]
        previous = ""
        for status, share in zip(PATHS[plan.path[i]][0], STEP_AT, strict=True):
            by_citizen = status in {"submitted", "withdrawn"} or (
                previous == "needs_info" and (status == "in_review")
            )
            message = MESSAGES.get(status, ("", ""))
            yield (
                first + i, status, message[0], message[1],
                "citizen" if by_citizen else "agency_api",
                plan.account[i] if by_citizen else None, ts(created + share * lifetime),
            )  # fmt: skip
            previous = status


def session_rows(accounts: Iterable[int]) -> Iterator[tuple[Any, ...]]:
    now = dt.datetime.now(UTC)
    for account_id in accounts:
        token_hash = hashlib.sha256(token_of(account_id).encode()).hexdigest()
        yield (
            token_hash, account_id, "citizen", f"csrf-{account_id}", now, now,
            now + dt.timedelta(days=1), 3600, HOST, USER_AGENT,
        )  # fmt: skip


# --- The databases ------------------------------------------------------------------------


class Target:
    """One scratch database: how to reach it, load rows into it and ask it things."""

    kind: str
    url: str

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    async def load(
        self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        raise NotImplementedError

    async def finish_load(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def db_pids(self) -> list[int]:
        """Server processes doing this database's work (none for SQLite: it is in the app)."""
        return []


class Postgres(Target):
    kind = "postgres"

    def __init__(self, url: str, conn: asyncpg.Connection) -> None:
        self.url, self.conn = url, conn

    @classmethod
    async def open(cls, url: str) -> Postgres:
        return cls(url, await asyncpg.connect(url))

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.conn.fetch(sql, *args)]

    async def load(
        self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        # Foreign keys are right by construction; checking 6 M of them would double the time.
        await self.conn.execute("SET session_replication_role = replica")
        await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))
        await self.conn.execute("SET session_replication_role = DEFAULT")

    async def finish_load(self) -> None:
        for table in ("account", "application", "status_event", "session"):
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        # Statistics for the planner, and the visibility map that index-only scans rely on.
        await self.conn.execute("VACUUM (ANALYZE) account, application, status_event, session")

    async def close(self) -> None:
        await self.conn.close()

    async def db_pids(self) -> list[int]:
        name = self.url.rsplit("/", 1)[1]
        rows = await self.conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        return [r["pid"] for r in rows]


class Sqlite(Target):
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.url = f"sqlite:///{path}"
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.row_factory = sqlite3.Row

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(re.sub(r"\$\d+", "?", sql), args)]

    async def load(
        self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        marks = ", ".join("?" for _ in columns)
        self.conn.execute("BEGIN")
        self.conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            rows,
        )
        self.conn.execute("COMMIT")

    async def finish_load(self) -> None:
        self.conn.execute("ANALYZE")

    async def close(self) -> None:
        self.conn.close()


async def portal_command(target: Target, var_dir: Path, *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", *args, cwd=PORTAL["root"],
        env={**os.environ, "DATABASE_URL": target.url, "VAR_DIR": str(var_dir)},
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    if await process.wait() != 0:
        raise SystemExit(f"portal {' '.join(args)} failed")


async def seeded(target: Target, citizens: int, applications: int) -> bool:
    try:
        rows = await target.fetch("SELECT citizens, applications FROM bench_seed")
    except (asyncpg.PostgresError, sqlite3.Error):
        return False
    return bool(rows) and (rows[0]["citizens"], rows[0]["applications"]) == (
        citizens,
        applications,
    )


async def seed(target: Target, var_dir: Path, citizens: int, applications: int) -> float:
    """Fill a migrated database with the demo catalog; returns the seconds it took."""
    started = time.perf_counter()
    rows = await target.fetch(
        "SELECT s.id, s.slug, s.agency, a.code FROM service s JOIN agency a ON a.id = s.agency "
        "ORDER BY s.id"
    )
    services = [r["id"] for r in rows]
    weights = [POPULAR.get(r["slug"], 3) for r in rows]
    agencies = [(r["agency"], r["code"]) for r in rows]
    first = (await target.fetch("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM account"))[0]["n"]
    rng = seeded_random(SEED)
    await target.load("account", ACCOUNT_COLUMNS, account_rows(rng, first, citizens, var_dir))
    say(f"  {citizens:,} citizens: {time.perf_counter() - started:.1f} s")
    plan = make_plan(rng, first, citizens, applications, weights)
    say(f"  planned {applications:,} applications: {time.perf_counter() - started:.1f} s")
    # After the demo's own applications (`portal demo` loads a few).
    first_app = (await target.fetch("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM application"))[0]
    base_seq = (
        await target.fetch(
            "SELECT COALESCE(MAX(value), 0) AS n FROM change_counter WHERE name = 'applications'"
        )
    )[0]["n"]
    await target.load(
        "application",
        APPLICATION_COLUMNS,
        application_rows(plan, services, agencies, first_app["n"], base_seq),
    )
    say(f"  {applications:,} applications: {time.perf_counter() - started:.1f} s")
    await target.load("status_event", EVENT_COLUMNS, event_rows(plan, first_app["n"]))
    say(f"  {5 * applications:,} status events: {time.perf_counter() - started:.1f} s")
    top = base_seq + max(plan.seq)
    await target.fetch(
        "INSERT INTO change_counter (name, value) VALUES ('applications', $1) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        top,
    )
    sample = sorted(rng.sample(range(first, first + citizens), int(citizens * SESSION_SHARE)))
    await target.load("session", SESSION_COLUMNS, session_rows(sample))
    await target.finish_load()
    seconds = time.perf_counter() - started
    await target.fetch("CREATE TABLE bench_seed (citizens INTEGER, applications INTEGER, s REAL)")
    await target.fetch(
        "INSERT INTO bench_seed VALUES ($1, $2, $3)", citizens, applications, seconds
    )
    return seconds


@asynccontextmanager
async def database(
    kind: str, citizens: int, applications: int, reseed: bool
) -> AsyncIterator[tuple[Target, float | None]]:
    """The seeded scratch database of `kind`; the seconds seeding took (None: reused)."""
    var_dir = RESULTS / f"var-{kind}"
    var_dir.mkdir(parents=True, exist_ok=True)
    target: Target
    if kind == "postgres":
        name = os.environ.get("BENCH_DATABASE", "portal_bench")
        url = ADMIN_DSN.rsplit("/", 1)[0] + "/" + name
        try:
            admin = await asyncpg.connect(ADMIN_DSN, timeout=5)
        except (OSError, asyncpg.PostgresError) as exc:
            raise SystemExit(
                f"PostgreSQL not reachable at {ADMIN_DSN} ({exc}): set BENCH_POSTGRES_DSN, "
                "or run with --engine sqlite"
            ) from exc
        try:
            fresh = reseed or not await admin.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", name
            )
            if not fresh:
                target = await Postgres.open(url)
                if not await seeded(target, citizens, applications):
                    await target.close()
                    fresh = True
            if fresh:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.execute(f'CREATE DATABASE "{name}"')
                target = await Postgres.open(url)
        finally:
            await admin.close()
    else:
        path = var_dir / "portal.sqlite3"
        target = Sqlite(path)
        if reseed or not await seeded(target, citizens, applications):
            await target.close()
            for stale in var_dir.glob("portal.sqlite3*"):
                stale.unlink()
            target = Sqlite(path)
    try:
        await portal_command(target, var_dir, "migrate")
        seconds = None
        if not await seeded(target, citizens, applications):
            await portal_command(target, var_dir, "demo")
            say(f"seeding {kind}: {citizens:,} citizens, {applications:,} applications")
            seconds = await seed(target, var_dir, citizens, applications)
            say(f"  seeded in {seconds:.0f} s")
        yield target, seconds
    finally:
        await target.close()


async def bench_sessions(target: Target) -> list[int]:
    """Make every bench session live again, last seen 0-120 s ago (so about half are touched
    on their first request of a run and the throttled write is part of what is measured)."""
    rows = await target.fetch(
        "SELECT account FROM session WHERE user_agent = $1 ORDER BY account", USER_AGENT
    )
    accounts = [r["account"] for r in rows]
    now = dt.datetime.now(UTC)
    rng = seeded_random(None)
    touched = [
        (now - dt.timedelta(seconds=120 * rng.random()), now + dt.timedelta(days=1), a)
        for a in accounts
    ]
    if isinstance(target, Postgres):
        await target.conn.executemany(
            "UPDATE session SET last_seen_at = $1, expires_at = $2, revoked_at = NULL "
            "WHERE account = $3 AND user_agent = 'bench_dashboard'",
            touched,
        )
        # Every session row was just rewritten, as never happens in service: without this,
        # each lookup walks dead versions and autovacuum runs during the measurement.
        await target.conn.execute("VACUUM session")
    else:
        assert isinstance(target, Sqlite)
        target.conn.execute("BEGIN")
        target.conn.executemany(
            "UPDATE session SET last_seen_at = ?, expires_at = ?, revoked_at = NULL "
            "WHERE account = ? AND user_agent = 'bench_dashboard'",
            touched,
        )
        target.conn.execute("COMMIT")
    return accounts


# --- The load generator ---------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection: just enough of a client for these responses."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection(HOST, port))

    async def send(self, request: bytes) -> tuple[int, int, bytes]:
        """(status, body bytes, raw head)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            size = int(lower[at + 17 : lower.index(b"\r\n", at + 2)])
            await self.reader.readexactly(size)
            return status, size, head
        if b"\r\ntransfer-encoding: chunked" in lower:
            size = 0
            while chunk := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(chunk + 2)
                size += chunk
            await self.reader.readuntil(b"\r\n")
            return status, size, head
        return status, 0, head

    def close(self) -> None:
        self.writer.close()


def request_bytes(token: str, *, encoding: str = "", etag: str = "") -> bytes:
    lines = [f"GET {PATH} HTTP/1.1", "Host: localhost", "Accept: application/json",
             f"Cookie: portal_session={token}", "User-Agent: bench_dashboard"]  # fmt: skip
    if encoding:
        lines.append(f"Accept-Encoding: {encoding}")
    if etag:
        lines.append(f"If-None-Match: {etag}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def header(head: bytes, name: bytes) -> str:
    for line in head.split(b"\r\n"):
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().decode()
    return ""


@dataclasses.dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[int]
    bytes: int
    cpu: dict[str, float]
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.pct(50), 2),
            "p95_ms": round(self.pct(95), 2),
            "p99_ms": round(self.pct(99), 2),
            "max_ms": round(max(self.latencies_ms, default=0), 2),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "mean_body_bytes": round(self.bytes / max(1, self.requests)),
            "cpu_percent": {k: round(v, 1) for k, v in self.cpu.items()},
            # CPU per request does not depend on what else runs on the machine; req/s does.
            "cpu_ms_per_request": {
                k: round(10 * self.cpu[k] / max(self.rps, 1e-9), 3) for k in ("server", "db")
            },
            **self.extra,
        }


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def descendants(pid: int) -> list[int]:
    found = [pid]
    for tid in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (tid / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += descendants(int(child))
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class CpuMeter:
    """CPU shares over the measured window: server (all its processes), database backends,
    this load generator, and the whole machine (2 cores = 200 %)."""

    def __init__(self, server_pid: int, db_pids: list[int]) -> None:
        self.server = descendants(server_pid)
        self.db = db_pids
        self.start = self._sample()

    def _sample(self) -> tuple[float, dict[int, int], int, int, int]:
        pids = {p: _ticks(p) for p in self.server + self.db}
        busy, total = machine_ticks()
        return time.perf_counter(), pids, int(time.process_time() * 100), busy, total

    def stop(self) -> dict[str, float]:
        wall0, pids0, me0, busy0, total0 = self.start
        wall1, pids1, me1, busy1, total1 = self._sample()
        hz, wall = os.sysconf("SC_CLK_TCK"), wall1 - wall0
        cores = os.cpu_count() or 1

        def share(pids: list[int]) -> float:
            return 100 * sum(pids1[p] - pids0.get(p, pids1[p]) for p in pids) / hz / wall

        return {
            "server": share(self.server),
            "db": share(self.db),
            "loader": (me1 - me0) / wall,
            "machine": 100 * cores * (busy1 - busy0) / max(1, total1 - total0),
        }


@dataclasses.dataclass(frozen=True)
class Load:
    port: int
    concurrency: int
    warmup: float
    duration: float
    meter: Callable[[], Awaitable[CpuMeter]]

    async def connect(self) -> list[Connection]:
        return [await Connection.open(self.port) for _ in range(self.concurrency)]


async def closed_loop(load: Load, requests: Callable[[], bytes]) -> Result:
    """`concurrency` connections, each sending its next request as soon as it has an answer."""
    connections = await load.connect()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    sizes = 0
    begin = time.perf_counter()
    measure_from, stop_at = begin + load.warmup, begin + load.warmup + load.duration

    async def run(connection: Connection) -> None:
        nonlocal sizes
        while (started := time.perf_counter()) < stop_at:
            status, size, _ = await connection.send(requests())
            if started >= measure_from:
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[status] += 1
                sizes += size

    await asyncio.sleep(0)
    tasks = [asyncio.create_task(run(c)) for c in connections]
    await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
    cpu = await load.meter()
    await asyncio.gather(*tasks)
    usage = cpu.stop()
    elapsed = time.perf_counter() - measure_from
    for c in connections:
        c.close()
    return Result("", len(latencies), elapsed, latencies, statuses, sizes, usage)


async def prime(port: int, requests: list[bytes], concurrency: int) -> None:
    """Every citizen's phone has opened the app once (not measured): the steady state of a
    population that polls, rather than the start of a server nobody has asked yet."""
    pending = list(requests)

    async def run(connection: Connection) -> None:
        while pending:
            await connection.send(pending.pop())
        connection.close()

    connections = [await Connection.open(port) for _ in range(concurrency)]
    await asyncio.gather(*(run(c) for c in connections))


async def open_loop(load: Load, requests: Callable[[], bytes], rate: float) -> Result:
    """Poisson arrivals at `rate` per second onto up to `concurrency` connections; latency from
    the scheduled time, so time a request waited for a free connection counts."""
    connections = await load.connect()
    rng = seeded_random(SEED)
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    sizes = 0
    begin = time.perf_counter()
    measure_from, stop_at = begin + load.warmup, begin + load.warmup + load.duration

    async def schedule() -> None:
        due = begin
        while due < stop_at:
            due += rng.expovariate(rate)
            wait = due - time.perf_counter()
            if wait > 0.0005:
                await asyncio.sleep(wait)
            queue.put_nowait(due)
        for _ in connections:
            queue.put_nowait(None)

    async def run(connection: Connection) -> None:
        nonlocal sizes
        while (due := await queue.get()) is not None:
            status, size, _ = await connection.send(requests())
            if due >= measure_from:
                latencies.append((time.perf_counter() - due) * 1000)
                statuses[status] += 1
                sizes += size

    tasks = [asyncio.create_task(run(c)) for c in connections]
    scheduler = asyncio.create_task(schedule())
    await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
    cpu = await load.meter()
    await scheduler
    await asyncio.gather(*tasks)
    usage = cpu.stop()
    elapsed = stop_at - measure_from
    for c in connections:
        c.close()
    return Result("", len(latencies), elapsed, latencies, statuses, sizes, usage)


# --- The servers ----------------------------------------------------------------------------


def bare_body() -> dict[str, Any]:
    """A JSON of the shape and size of a 20-item dashboard."""
    now = dt.datetime.now(UTC).isoformat()
    item = {
        "tracking_code": "DLT-7K3M-Q9", "status": "in_review", "updated_at": now,
        "service": {"slug": "driving-licence-renewal",
                    "name": {"th": "ต่ออายุใบอนุญาตขับรถ", "en": "Driving licence renewal"},
                    "agency": "DLT", "agency_name": {"th": "กรมการขนส่งทางบก",
                                                     "en": "Department of Land Transport"}},
    }  # fmt: skip
    return {"items": [{"id": 1_000_000 - i, **item} for i in range(20)], "sync": 4_999_995}


def bare_app() -> Any:
    """The ceiling: Litestar with one handler returning `bare_body()`
    (`uvicorn bench_dashboard:bare_app --factory`)."""
    from litestar import Litestar, get

    body = bare_body()

    @get(PATH.split("?")[0], sync_to_thread=False)
    def dashboard() -> dict[str, Any]:
        return body

    return Litestar(route_handlers=[dashboard], logging_config=None)


def bare_db_app() -> Any:
    """A floor for any endpoint that reads the database: `bare_app`'s handler plus one
    indexed lookup (the session by its token hash) on a connection pool, nothing else
    (`uvicorn bench_dashboard:bare_db_app --factory`, DATABASE_URL set)."""
    from litestar import Litestar, Request, get

    url = os.environ["DATABASE_URL"]
    body = bare_body()
    lookup = "SELECT id, account, expires_at FROM session WHERE token_hash = $1"
    pool: Any = None

    async def open_pool() -> None:
        nonlocal pool
        if url.startswith("sqlite"):
            import aiosqlite

            pool = await aiosqlite.connect(url.removeprefix("sqlite:///"))
        else:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=10)

    async def close_pool() -> None:
        await pool.close()

    @get(PATH.split("?")[0])
    async def dashboard(request: Request[Any, Any, Any]) -> dict[str, Any]:
        token_hash = hashlib.sha256(request.cookies.get("portal_session", "").encode())
        if isinstance(pool, asyncpg.Pool):
            row = await pool.fetchrow(lookup, token_hash.hexdigest())
        else:
            row = await pool.execute_fetchall(lookup.replace("$1", "?"), (token_hash.hexdigest(),))
        assert row
        return body

    return Litestar(
        route_handlers=[dashboard],
        on_startup=[open_pool],
        on_shutdown=[close_pool],
        logging_config=None,
    )


@asynccontextmanager
async def server(
    argv: list[str], port: int, env: dict[str, str], log: Path, cwd: Path = ROOT
) -> AsyncIterator[int]:
    """Run a server subprocess (in `cwd`) until it answers on `port`; yields its pid."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        deadline = time.perf_counter() + 60
        while True:
            if process.returncode is not None:
                raise SystemExit(f"server exited with {process.returncode}; see {log}")
            try:
                connection = await Connection.open(port)
                await connection.send(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                connection.close()
                break
            except OSError:
                if time.perf_counter() > deadline:
                    raise SystemExit(f"server did not start; see {log}") from None
                await asyncio.sleep(0.2)
        yield process.pid
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


def free_port() -> int:
    """A port nothing listens on (others on this machine run servers too)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def uvicorn_argv(port: int, workers: int, app: str = "bare_app") -> list[str]:
    return [sys.executable, "-m", "uvicorn", f"bench_dashboard:{app}", "--factory",
            "--app-dir", str(ROOT / "scripts"), "--host", HOST, "--port", str(port),
            "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--no-server-header", "--log-level", "warning"]  # fmt: skip


def portal_argv(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "backend.cli", "serve", "--host", HOST, "--port", str(port),
            "--workers", str(workers)]  # fmt: skip


# --- The runs -------------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, flush=True)


async def touches_since(target: Target, since: dt.datetime) -> int:
    rows = await target.fetch(
        "SELECT COUNT(*) AS n FROM session WHERE user_agent = $1 AND last_seen_at > $2",
        USER_AGENT,
        since,
    )
    return int(rows[0]["n"])


RUNS = ("bare", "bare + 1 query", "dashboard", "dashboard br", "dashboard @50%", "304",
        "dashboard, no log", "dashboard, db", "304, db")  # fmt: skip
"""Every run, in order (`--only` picks some; `bare` and `bare + 1 query` always run, as the
others are given as shares of them)."""


async def bench_engine(
    target: Target,
    workers: int,
    args: argparse.Namespace,
    logs: Path,
    checkouts: list[tuple[str, Path]],
) -> list[Result]:
    results: list[Result] = []
    rng = seeded_random(SEED)
    wanted = set(args.only or RUNS)

    def record(result: Result, name: str, ref: str = "") -> Result:
        result.name = name
        result.extra["ref"] = ref
        results.append(result)
        s = result.summary()
        say(f"  {ref + ' ' if ref else ''}{name:<16} {s['rps']:8.0f} req/s  p50 {s['p50_ms']:6.2f}"
            f"  p95 {s['p95_ms']:6.2f}  p99 {s['p99_ms']:6.2f} ms  {s['statuses']}"
            f"  cpu {s['cpu_percent']}")  # fmt: skip
        return result

    def load(port: int, meter: Callable[[], Awaitable[CpuMeter]]) -> Load:
        return Load(port, args.concurrency, args.warmup, args.duration, meter)

    def random_of(options: list[bytes]) -> Callable[[], bytes]:
        return lambda: options[rng.randrange(len(options))]

    port, env = free_port(), {**os.environ, "PYTHONPATH": str(ROOT)}
    async with server(uvicorn_argv(port, workers), port, env, logs / f"bare-{workers}w.log") as pid:
        bare_request = request_bytes(token_of(1))

        async def bare_meter() -> CpuMeter:
            return CpuMeter(pid, [])

        bare = record(await closed_loop(load(port, bare_meter), lambda: bare_request), "bare")

    env = {**env, "DATABASE_URL": target.url}
    argv = uvicorn_argv(port, workers, "bare_db_app")
    async with server(argv, port, env, logs / f"bare-db-{target.kind}-{workers}w.log") as pid:

        async def bare_db_meter() -> CpuMeter:
            return CpuMeter(pid, await target.db_pids())

        sessions = [request_bytes(token_of(a)) for a in await bench_sessions(target)]
        bare_db = await closed_loop(load(port, bare_db_meter), random_of(sessions))
        record(bare_db, "bare + 1 query")

    env = {**os.environ, "DATABASE_URL": target.url, "VAR_DIR": str(RESULTS / f"var-{target.kind}")}
    for ref, root in checkouts:
        log = logs / f"portal-{target.kind}-{workers}w-{ref or 'this'}.log"

        @asynccontextmanager
        async def portal(extra_env: dict[str, str]) -> AsyncIterator[Load]:
            port = free_port()
            argv = portal_argv(port, workers)
            async with server(argv, port, {**env, **extra_env}, log, root) as pid:  # noqa: B023

                async def meter() -> CpuMeter:
                    return CpuMeter(pid, await target.db_pids())

                yield load(port, meter)

        accounts = await bench_sessions(target)
        plain = [request_bytes(token_of(a)) for a in accounts]
        if wanted & {"dashboard", "dashboard br", "dashboard @50%", "304"}:
            async with portal({}) as hot:
                await prime(hot.port, plain, args.concurrency)
                since = dt.datetime.now(UTC)
                result = await closed_loop(hot, random_of(plain))
                result.extra["touched_sessions"] = await touches_since(target, since)
                record(result, "dashboard", ref)
                if "dashboard br" in wanted:
                    await bench_sessions(target)
                    brotli = [request_bytes(token_of(a), encoding="br, gzip") for a in accounts]
                    record(await closed_loop(hot, random_of(brotli)), "dashboard br", ref)
                if "dashboard @50%" in wanted:
                    await bench_sessions(target)
                    rate = result.rps * args.open_share
                    result = await open_loop(hot, random_of(plain), rate)
                    result.extra["offered_rps"] = round(rate, 1)
                    record(result, f"dashboard @{args.open_share:.0%}", ref)
                if "304" in wanted:
                    # Each citizen revalidates the dashboard it fetched a moment ago.
                    await bench_sessions(target)
                    revalidate = await etags(hot.port, accounts[: args.etag_sessions])
                    record(await closed_loop(hot, random_of(revalidate)), "304", ref)

        if "dashboard, no log" in wanted:
            # Without the access log (LOG_LEVEL=WARNING): what one line per request costs is
            # the difference to `dashboard` (ACCESS_LOG_SAMPLE).
            async with portal({"LOG_LEVEL": "WARNING"}) as quiet:
                await bench_sessions(target)
                await prime(quiet.port, plain, args.concurrency)
                record(await closed_loop(quiet, random_of(plain)), "dashboard, no log", ref)

        if wanted & {"dashboard, db", "304, db"}:
            # Without the processes' memory (HOT_CACHE=false): every request reads the
            # database, as the first request of each citizen after a change does.
            async with portal({"HOT_CACHE": "false"}) as cold:
                if "dashboard, db" in wanted:
                    await bench_sessions(target)
                    record(await closed_loop(cold, random_of(plain)), "dashboard, db", ref)
                if "304, db" in wanted:
                    await bench_sessions(target)
                    revalidate = await etags(cold.port, accounts[: args.etag_sessions])
                    record(await closed_loop(cold, random_of(revalidate)), "304, db", ref)

    for result in results:
        result.extra["engine"], result.extra["workers"] = target.kind, workers
        if result.name != "bare":
            result.extra["share_of_bare"] = round(result.rps / bare.rps, 2)
            result.extra["share_of_bare_db"] = round(result.rps / bare_db.rps, 2)
    return results


async def etags(port: int, accounts: list[int]) -> list[bytes]:
    """Requests revalidating the dashboard each citizen is given now."""
    connection = await Connection.open(port)
    revalidate = []
    for account_id in accounts:
        _, _, head = await connection.send(request_bytes(token_of(account_id)))
        revalidate.append(request_bytes(token_of(account_id), etag=header(head, b"etag")))
    connection.close()
    return revalidate


# ruff: noqa: S603, S607 (git, with a ref given on the command line)


@contextlib.contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """A worktree of `ref` (detached), removed afterwards."""
    sha = subprocess.check_output(["git", "rev-parse", "--short", ref], cwd=ROOT, text=True)
    path = RESULTS / f"baseline-{sha.strip()}"
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), ref], cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT,
                       check=False, capture_output=True)  # fmt: skip


def table(results: list[Result]) -> str:
    lines = [
        f"{'checkout':<11}{'engine':<9}{'w':>2} {'run':<16}{'req/s':>8}{'p50':>8}{'p95':>8}"
        f"{'p99':>8}{'max':>8}"
        f"{'non-2xx/304':>12}{'bytes':>7}{'/bare':>6}{'/+1q':>6}  cpu ms/req server+db"
        "  cpu% server/db/loader/machine",
    ]
    for r in results:
        s = r.summary()
        bad = sum(n for code, n in r.statuses.items() if code not in {200, 304})
        cpu, per = s["cpu_percent"], s["cpu_ms_per_request"]
        lines.append(
            f"{r.extra['ref'] or '-':<11}{s['engine']:<9}{s['workers']:>2} {r.name:<16}"
            f"{s['rps']:>8.0f}{s['p50_ms']:>8.2f}{s['p95_ms']:>8.2f}{s['p99_ms']:>8.2f}{s['max_ms']:>8.1f}{bad:>12}"
            f"{s['mean_body_bytes']:>7}{s.get('share_of_bare', 1):>6.2f}"
            f"{s.get('share_of_bare_db', 1):>6.2f}  "
            f"{per['server']:>8.2f} + {per['db']:<8.2f}  "
            f"{cpu['server']:.0f}/{cpu['db']:.0f}/{cpu['loader']:.0f}/{cpu['machine']:.0f}"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", nargs="+", choices=["postgres", "sqlite"],
                        default=["postgres", "sqlite"])  # fmt: skip
    parser.add_argument("--citizens", type=int, default=100_000, help="PostgreSQL; SQLite /10")
    parser.add_argument("--applications", type=int, default=1_000_000, help="likewise")
    parser.add_argument("--reseed", action="store_true", help="drop and seed again")
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed), no load")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="e.g. 1 2")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=5, help="seconds before measuring")
    parser.add_argument("--open-share", type=float, default=0.5,
                        help="open-loop rate as a share of the closed-loop rate")  # fmt: skip
    parser.add_argument("--etag-sessions", type=int, default=2000, help="citizens in the 304 run")
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="measure the portal of this worktree (e.g. of main), migrating "
                             "the bench databases with it: run an older one first")  # fmt: skip
    parser.add_argument("--baseline", metavar="REF",
                        help="also measure the portal of this commit (a worktree of it), "
                             "first, in the same run: a before/after table")  # fmt: skip
    parser.add_argument("--only", nargs="+", choices=RUNS, metavar="RUN",
                        help="only these runs (and the bare ones): "
                        + ", ".join(f"'{r}'" for r in RUNS).replace("%", "%%"))  # fmt: skip
    args = parser.parse_args()
    PORTAL["root"] = args.checkout.resolve()
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    logs = RESULTS / f"logs-{stamp}"
    if not args.seed_only:
        logs.mkdir()
    say(f"{os.cpu_count()} CPUs shared by server, database and this load generator; "
        f"concurrency {args.concurrency}, {args.warmup:.0f} s warm-up + {args.duration:.0f} s "
        "per run")  # fmt: skip
    results: list[Result] = []
    seeding: dict[str, float | None] = {}
    with contextlib.ExitStack() as stack:
        checkouts = [("", PORTAL["root"])]
        if args.baseline:
            base = stack.enter_context(checkout(args.baseline))
            checkouts = [(args.baseline[:10], base), ("this", PORTAL["root"])]
        for kind in args.engine:
            scale = 1 if kind == "postgres" else 10
            citizens, applications = args.citizens // scale, args.applications // scale
            async with database(kind, citizens, applications, args.reseed) as (target, seconds):
                seeding[kind] = seconds
                for workers in [] if args.seed_only else args.workers:
                    say(f"{kind}, {applications:,} applications, {workers} worker(s):")
                    results += await bench_engine(target, workers, args, logs, checkouts)
    text = table(results)
    say("\n" + text)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "cpus": os.cpu_count(),
        "args": vars(args),
        "seeding_seconds": seeding,
        "results": [r.summary() for r in results],
    }
    (RESULTS / f"dashboard-{stamp}.json").write_text(json.dumps(report, indent=2, default=str))
    (RESULTS / f"dashboard-{stamp}.txt").write_text(text + "\n")
    say(f"\nwritten: bench-results/dashboard-{stamp}.json (server logs in {logs.name}/)")
    failed = [r.name for r in results if set(r.statuses) - {200, 304}]
    if failed:
        raise SystemExit(f"non-200/304 answers in: {', '.join(failed)}")


if __name__ == "__main__":
    uvloop.run(main())
