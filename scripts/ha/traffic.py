"""Steady traffic against the portal while the database fails over, and the tally of what the
clients were told, checked row by row against the database afterwards.

Citizens (each enrolled with a software passkey, one push subscription at the local push
service) submit applications, each with its own Idempotency-Key, and read their dashboard; an
agency's system posts signed status changes, each with its own Idempotency-Key. On a 503 the
client waits the smaller of Retry-After and RETRY_CAP_S (so that the gap measured is the
database's, not the client's patience) and sends the same request again; on a connection
error likewise. Every request is alternately sent to one of the two app processes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from tests.support.agency import Signer
from tests.support.applications import HEALTH_ANSWERS
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import ORIGIN, csrf, enrol_citizen
from tests.support.notifications import subscribe_device
from tests.support.push_service import PushService

__all__ = ["ORIGIN", "ROW_HEADER", "Citizen", "Phase", "Tally", "enrol", "run_traffic", "verify"]

STEPS = ("received", "in_review", "needs_info", "rejected")
"""Each acknowledged application goes through these, each change pushed to the citizen."""
RETRY_CAP_S = 1.0
CITIZEN_PAUSE_S, AGENCY_PAUSE_S = 0.4, 0.1
"""Pauses between a client's requests: about 10 writes a second in all on 2 shared cores."""


@dataclass
class Citizen:
    client: httpx.AsyncClient
    endpoint: str


@dataclass
class Phase:
    name: str
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    submissions: dict[str, int] = field(default_factory=dict)
    """Idempotency-Key → the application id the client was given (acknowledged)."""
    changes: dict[tuple[int, str], str] = field(default_factory=dict)
    """(application, status) acknowledged → its Idempotency-Key."""
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    without_retry_after: int = 0
    transport_errors: int = 0
    retried: int = 0
    """Writes that needed more than one try (each must still end exactly once)."""
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    """Any 5xx but 503, and anything else unexpected, with its body."""
    acked_at: list[float] = field(default_factory=list)
    event_at: float = 0.0
    event: str = ""

    def longest_write_gap(self) -> float:
        times = sorted(self.acked_at)
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


async def until_answered(
    phase: Phase, send: Callable[[int], Awaitable[httpx.Response]], write: bool
) -> httpx.Response:
    """Send (try n = 0, 1, …) until the answer is neither a 503 nor a lost connection."""
    for attempt in itertools.count():
        try:
            response = await send(attempt)
        except httpx.TransportError:
            phase.transport_errors += 1
            await asyncio.sleep(RETRY_CAP_S)
            continue
        phase.statuses[response.status_code] += 1
        busy = response.status_code == 409 and "idempotency_in_progress" in response.text
        if response.status_code == 503 or busy:
            if response.status_code == 503 and "Retry-After" not in response.headers:
                phase.without_retry_after += 1
            wait = float(response.headers.get("Retry-After", RETRY_CAP_S))
            await asyncio.sleep(min(wait, RETRY_CAP_S))
            continue
        if response.status_code >= 500:
            phase.errors.append(f"{response.status_code} {response.request.url}: {response.text}")
        if write and attempt:
            phase.retried += 1
        return response
    raise AssertionError("unreachable")


async def enrol(apps: list[str], push: PushService, n: int) -> list[Citizen]:
    citizens = []
    for i in range(n):
        client = httpx.AsyncClient(base_url=apps[i % len(apps)], timeout=30)
        await enrol_citizen(client, SoftAuthenticator(origin=ORIGIN), full_name=f"ผู้ทดสอบ {i}")
        subscription = await subscribe_device(client, push)
        citizens.append(Citizen(client, subscription["endpoint"]))
    return citizens


async def _citizen(
    phase: Phase, citizen: Citizen, apps: list[str], work: asyncio.Queue[tuple[int, int]],
    stop: asyncio.Event,
) -> None:  # fmt: skip
    nodes = itertools.cycle(apps)
    client = citizen.client
    while not stop.is_set():
        key = uuid.uuid4().hex
        body = {
            "service": "change-health-unit",
            "answers": {**HEALTH_ANSWERS, "new_unit": f"HA {phase.tag} {key}"},
            "submit": True,
        }

        def submit(_: int, body: dict[str, Any] = body, key: str = key) -> Any:
            headers = {**csrf(client), "Idempotency-Key": key}
            return client.post(f"{next(nodes)}/api/v1/applications", json=body, headers=headers)

        response = await until_answered(phase, submit, write=True)
        if response.status_code != 201:
            phase.errors.append(f"submission {response.status_code}: {response.text}")
            continue
        phase.submissions[key] = int(response.json()["id"])
        phase.acked_at.append(time.monotonic())
        work.put_nowait((phase.submissions[key], 0))
        read = await until_answered(
            phase, lambda _: client.get(f"{next(nodes)}/api/v1/dashboard"), write=False
        )
        if read.status_code == 200:
            phase.reads += 1
        else:
            phase.errors.append(f"dashboard {read.status_code}: {read.text}")
        await asyncio.sleep(CITIZEN_PAUSE_S)


async def _agency(
    phase: Phase, clients: list[httpx.AsyncClient], signer: Signer,
    work: asyncio.Queue[tuple[int, int]], stop: asyncio.Event,
) -> None:  # fmt: skip
    nodes = itertools.cycle(clients)
    while not (stop.is_set() and work.empty()):
        try:
            application, step = await asyncio.wait_for(work.get(), 0.5)
        except TimeoutError:
            continue
        status, key = STEPS[step], uuid.uuid4().hex

        def post(
            _: int, application: int = application, status: str = status, key: str = key
        ) -> Any:
            return signer.request(
                next(nodes),
                "POST",
                f"/agency-api/v1/applications/{application}/status",
                json={"status": status, "message": {"th": "ทดสอบ", "en": "HA test"}},
                headers={"Idempotency-Key": key},
            )

        response = await until_answered(phase, post, write=True)
        if response.status_code != 200:
            phase.errors.append(f"status change {response.status_code}: {response.text}")
            continue
        phase.changes[(application, status)] = key
        phase.acked_at.append(time.monotonic())
        if step + 1 < len(STEPS) and not stop.is_set():
            work.put_nowait((application, step + 1))
        await asyncio.sleep(AGENCY_PAUSE_S)


async def run_traffic(
    phase: Phase,
    citizens: list[Citizen],
    agency: tuple[list[httpx.AsyncClient], Signer],
    apps: list[str],
    plan: tuple[float, float, Callable[[], Awaitable[str]]],
) -> None:
    """Traffic for `duration_s`; `event()` (the failover) runs at `event_s`."""
    duration_s, event_s, event = plan
    stop, work = asyncio.Event(), asyncio.Queue[tuple[int, int]]()
    tasks = [asyncio.create_task(_citizen(phase, c, apps, work, stop)) for c in citizens]
    tasks += [asyncio.create_task(_agency(phase, *agency, work, stop)) for _ in range(2)]
    await asyncio.sleep(event_s)
    phase.event_at = time.monotonic()
    phase.event = await event()
    await asyncio.sleep(duration_s - event_s)
    stop.set()
    await asyncio.gather(*tasks)


@dataclass
class Tally:
    """What one phase came to, after the database and the push service were checked."""

    phase: Phase
    lost: list[str]
    unacked: list[str]
    pushes: int
    pushes_lost: int
    push_duplicates: int

    @property
    def server_errors(self) -> int:
        return sum(n for code, n in self.phase.statuses.items() if code >= 500 and code != 503)

    @property
    def ok(self) -> bool:
        return not (
            self.lost or self.unacked or self.pushes_lost or self.server_errors
            or self.phase.errors or self.phase.without_retry_after
        )  # fmt: skip

    def lines(self) -> list[str]:
        p = self.phase
        once = "yes" if not self.lost and not self.unacked else "NO"
        return [
            p.event,
            f"acknowledged writes {len(p.submissions) + len(p.changes)} ({len(p.submissions)} "
            f"submissions, {len(p.changes)} status changes): lost {len(self.lost)}, written "
            f"but never acknowledged {len(self.unacked)}",
            f"503 with Retry-After {p.statuses[503] - p.without_retry_after}, without "
            f"{p.without_retry_after}; connection errors {p.transport_errors}; writes retried "
            f"with the same key {p.retried}, each ended exactly once: {once}",
            f"longest time without a successful write {p.longest_write_gap():.1f} s; "
            f"dashboard reads {p.reads}",
            f"pushes expected {self.pushes}, lost {self.pushes_lost}, duplicates "
            f"{self.push_duplicates}",
            f"responses 500 (or any 5xx but 503) {self.server_errors}; other unexpected "
            f"answers {len(p.errors) - self.server_errors}",
            *(f"! {e[:300]}" for e in p.errors[:5]),
            *(f"! lost {k}" for k in self.lost[:5]),
            *(f"! never acknowledged {k}" for k in self.unacked[:5]),
        ]

    def row(self, way: str) -> str:
        p = self.phase
        cells = [way, p.name, len(p.submissions) + len(p.changes), len(self.lost),
                 p.statuses[503], p.retried, f"{p.longest_write_gap():.1f}", self.pushes,
                 self.pushes_lost, self.push_duplicates, self.server_errors]  # fmt: skip
        return "| " + " | ".join(str(c) for c in cells) + " |"


ROW_HEADER = (
    "| way in | event | writes acked | lost | 503 | retried | s without writes | pushes | "
    "lost | dup | 500 |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
)


async def verify(phase: Phase, url: str, push: PushService, endpoints: set[str]) -> Tally:
    """Row by row: every acknowledged write is in the database exactly once, nothing the
    clients were not told of was written, and every acknowledged change was pushed."""
    expected = set(phase.changes)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(60):  # the workers drain the outbox
            while True:
                if not expected - _pushed(push, endpoints):
                    break
                await asyncio.sleep(0.2)
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT id, answers FROM application WHERE answers LIKE $1", f"%HA {phase.tag} %"
        )
        events = await connection.fetch(
            "SELECT application, status, count(*) AS n FROM status_event "
            "WHERE application = ANY($1::bigint[]) AND actor_role = 'agency_api' GROUP BY 1, 2",
            [r["id"] for r in rows],
        )
    finally:
        await connection.close()
    by_key = collections.defaultdict(list)
    for row in rows:
        by_key[json.loads(row["answers"])["new_unit"].split()[-1]].append(row["id"])
    lost = [k for k, i in phase.submissions.items() if by_key.get(k) != [i]]
    unacked = [k for k in by_key if k not in phase.submissions]
    stored = {(r["application"], r["status"]): r["n"] for r in events}
    lost += [f"{c}" for c in expected if stored.get(c) != 1]
    unacked += [f"{c}" for c in stored if c not in expected]
    counts = collections.Counter(
        (p["application"], p["status"])
        for e in endpoints for p in push.payloads(e) if (p["application"], p["status"]) in expected
    )  # fmt: skip
    return Tally(
        phase,
        lost,
        unacked,
        pushes=len(expected),
        pushes_lost=len(expected - set(counts)),
        push_duplicates=sum(n - 1 for n in counts.values()),
    )


def _pushed(push: PushService, endpoints: set[str]) -> set[tuple[int, str]]:
    return {(p["application"], p["status"]) for e in endpoints for p in push.payloads(e)}
