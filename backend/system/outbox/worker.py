"""The outbox worker: claim due messages in batches, run each kind's handler concurrently,
record the outcomes. Any number of workers may run against one database (`portal worker`).

Claiming. One statement marks messages `in_flight` for this worker until `locked_until` (the
lease) and counts the attempt; a worker claims no more than it can run at once, as slots free
up, and records each outcome as soon as it has it (a killed worker repeats only what was in
flight). On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets concurrent
workers take disjoint batches without waiting; SQLite has one writer at a time, so the claim
runs in a `BEGIN IMMEDIATE` transaction that takes the write lock before reading.

Leases. While a row is in flight its `next_attempt_at` equals `locked_until`, so a single
condition — status pending or in flight, and `next_attempt_at` passed — finds both due work
and the work of a worker that died, through one partial index. A result is recorded only
WHERE `locked_by` and `locked_until` still hold this claim's values: once another worker
has re-claimed the row, a late result changes nothing (delivery is at least once).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from backend.lib.db import current_engine
from backend.lib.errors import DB_UNREACHABLE
from backend.lib.logging import DATABASE_DOWN
from backend.system.outbox.handlers import open_handlers
from backend.system.outbox.outcomes import (
    BatchResult,
    Dead,
    Delivered,
    Drop,
    Handler,
    Message,
    Outcome,
    Retry,
    count_claims,
    log_attempt,
)

if TYPE_CHECKING:
    from collections.abc import Callable


__all__ = [
    "DEFAULT_IDLE_SLEEP_S",
    "DEFAULT_MAX_ATTEMPTS",
    "BatchResult",
    "Worker",
    "default_worker_id",
    "open_handlers",
    "utc_now",
]

log = logging.getLogger("portal.worker")

DEFAULT_MAX_ATTEMPTS = 8
"""With the default backoff (2 s doubling, full jitter) 8 attempts span up to ~4 minutes."""

DEFAULT_IDLE_SLEEP_S = 0.25
"""With nothing to do, poll again after this long: on SQLite (no NOTIFY) a status change
waits for it, so it bounds push latency; each poll is one short indexed claim query."""

LEASE_SAFETY = 0.9
"""Handlers are cut off at 90 % of the lease so the result is written before it expires."""

_MAX_EXPONENT = 60
"""Caps 2**n in the backoff so a huge max_attempts cannot overflow a float."""

# Status values are literals, not parameters, so the planner can use the partial index
# outbox_due (next_attempt_at, id) WHERE status IN ('pending', 'in_flight').
# A row still in flight when claimed had its lease run out (SET sees the old status): its
# last error says so (LEASE_EXPIRED), for the dead letters and the lease-expiry metric.
_CLAIM = (
    "UPDATE outbox SET status = 'in_flight', attempts = attempts + 1, "
    "locked_by = {}, locked_until = {}, next_attempt_at = {}, "
    "last_error = CASE WHEN status = 'in_flight' THEN 'lease expired' ELSE last_error END "
    "WHERE id IN (SELECT id FROM outbox "
    "WHERE status IN ('pending', 'in_flight') AND next_attempt_at <= {} AND kind IN ({}) "
    "ORDER BY next_attempt_at, id LIMIT {}{}) "
    "RETURNING id, kind, payload, attempts, last_error"
)
_DUE = (
    "SELECT 1 FROM outbox WHERE status IN ('pending', 'in_flight') AND next_attempt_at <= {} "
    "AND kind IN ({}) LIMIT 1"
)
_RELEASE = (
    "UPDATE outbox SET status = 'pending', attempts = attempts - 1, next_attempt_at = {}, "
    "locked_by = NULL, locked_until = NULL "
    "WHERE status = 'in_flight' AND locked_by = {} AND locked_until = {} AND id IN ({})"
)
_FINISH = (
    "UPDATE outbox SET {}, locked_until = NULL "
    "WHERE status = 'in_flight' AND locked_by = {} AND locked_until = {} AND id IN ({}) "
    "RETURNING id"
)


_COUNTED_AS = {Delivered: "delivered", Retry: "retried", Dead: "dead", Drop: "dropped"}
_RETRY = "status = 'pending', next_attempt_at = {}, last_error = {}, locked_by = NULL"
_DEAD = "status = 'dead', finished_at = {}, last_error = {}"
_FINISHED = "status = 'done', finished_at = {}, last_error = {}"


def _in_list(values: Sequence[Any]) -> QueryString:
    return QueryString(", ".join("{}" for _ in values), *values)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    kind: str
    payload: str
    attempts: int


@dataclass(frozen=True, slots=True)
class _Attempt:
    claimed: _Claimed
    outcome: Outcome
    retry_at: dt.datetime | None = None


class Worker:
    """Delivers outbox messages of the kinds in `handlers`; other kinds are left for a worker
    that knows them."""

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        *,
        worker_id: str,
        batch_size: int = 100,
        lease_s: float = 30.0,
        concurrency: int = 50,
        max_attempts: Mapping[str, int] | None = None,
        default_max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        base_backoff_s: float = 2.0,
        max_backoff_s: float = 3600.0,
        clock: Callable[[], dt.datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        if not handlers:
            raise ValueError("a worker needs at least one handler")
        if batch_size < 1 or concurrency < 1 or lease_s <= 0 or default_max_attempts < 1:
            raise ValueError("batch_size, concurrency, lease_s and max attempts must be > 0")
        self.handlers = dict(handlers)
        self.worker_id = worker_id
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.lease_s = lease_s
        # A handler may say how long its deliveries are worth retrying (`max_attempts`);
        # the `max_attempts` argument overrides.
        self.max_attempts = {
            kind: int(handler.max_attempts)  # type: ignore[attr-defined]
            for kind, handler in handlers.items()
            if isinstance(getattr(handler, "max_attempts", None), int)
        } | dict(max_attempts or {})
        self.default_max_attempts = default_max_attempts
        self.base_backoff_s = base_backoff_s
        self.max_backoff_s = max_backoff_s
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not a secret)
        self._slots = asyncio.Semaphore(concurrency)
        self._writing = asyncio.Lock()

    def _now(self) -> dt.datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the worker's clock must return timezone-aware datetimes")
        return now

    async def _claim(self, now: dt.datetime, lease_end: dt.datetime, limit: int) -> list[_Claimed]:
        engine = current_engine()
        sqlite = isinstance(engine, SQLiteEngine)
        kinds = sorted(self.handlers)
        query = QueryString(
            _CLAIM,
            self.worker_id,
            lease_end,
            lease_end,
            now,
            _in_list(kinds),
            limit,
            QueryString("" if sqlite else " FOR UPDATE SKIP LOCKED"),
        )
        if sqlite:
            # Take SQLite's one write lock only when there is work: an idle worker polls
            # often, and every request that writes would queue behind its empty claims.
            due = QueryString(_DUE, now, _in_list(kinds))
            if not await engine.run_querystring(due):
                return []
            async with engine.transaction(transaction_type=TransactionType.immediate):
                rows = await engine.run_querystring(query)
        else:
            rows = await engine.run_querystring(query)
        claimed = [_Claimed(r["id"], r["kind"], r["payload"], r["attempts"]) for r in rows]
        count_claims(rows)
        return sorted(claimed, key=lambda c: c.id)

    # -- running handlers --------------------------------------------------------------

    def _limit(self, kind: str) -> int:
        return self.max_attempts.get(kind, self.default_max_attempts)

    async def _run_handler(self, claimed: _Claimed, deadline: float) -> Outcome:
        if claimed.attempts > self._limit(claimed.kind):
            # Every earlier claim ended without a result: the message may be what kills
            # or hangs the worker, so it is not handed to the handler again.
            return Dead(f"no result from {claimed.attempts - 1} attempts (leases expired)")
        try:
            payload = msgspec.json.decode(claimed.payload)
        except msgspec.DecodeError as exc:
            return Dead(f"payload is not JSON: {exc}")
        if not isinstance(payload, dict):
            return Dead("payload is not a JSON object")
        message = Message(claimed.id, claimed.kind, payload, claimed.attempts)
        timeout = asyncio.timeout_at(deadline)
        try:
            async with timeout, self._slots:
                outcome = await self.handlers[claimed.kind](message)
        except Exception as exc:  # a handler's bug or an unexpected failure: retry later
            if timeout.expired():
                return Retry(None, "no result before the lease ended")
            log.warning(
                "handler raised",
                exc_info=True,
                extra={"message_id": claimed.id, "kind": claimed.kind},
            )
            return Retry(None, f"{type(exc).__name__}: {exc}")
        if not isinstance(outcome, Delivered | Retry | Dead | Drop):
            return Retry(None, f"handler returned {outcome!r}, not an outcome")
        return outcome

    def _backoff_s(self, attempts: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^(attempts-1))]."""
        exponent = min(attempts - 1, _MAX_EXPONENT)
        return self._rng.uniform(0, min(self.max_backoff_s, self.base_backoff_s * 2.0**exponent))

    async def _attempt(self, claimed: _Claimed, deadline: float) -> _Attempt:
        started = time.perf_counter()
        outcome = await self._run_handler(claimed, deadline)
        retry_at = None
        if isinstance(outcome, Retry):
            if claimed.attempts >= self._limit(claimed.kind):
                outcome = Dead(f"gave up after {claimed.attempts} attempts: {outcome.error}")
            else:
                delay = (
                    max(0.0, outcome.after_s)
                    if outcome.after_s is not None
                    else self._backoff_s(claimed.attempts)
                )
                retry_at = self._now() + dt.timedelta(seconds=delay)
        log_attempt(
            self.worker_id,
            (claimed.id, claimed.kind, claimed.attempts),
            outcome,
            retry_at,
            time.perf_counter() - started,
        )
        return _Attempt(claimed, outcome, retry_at)

    # -- recording ---------------------------------------------------------------------

    @staticmethod
    def _write_transaction() -> Any:
        engine = current_engine()
        if isinstance(engine, SQLiteEngine):
            return engine.transaction(transaction_type=TransactionType.immediate)
        return engine.transaction()

    async def _finish(
        self, assignments: str, args: Sequence[Any], ids: Sequence[int], lease_end: dt.datetime
    ) -> set[int]:
        """Apply `assignments` to the rows of `ids` this claim still holds; their ids."""
        query = QueryString(
            _FINISH, QueryString(assignments, *args), self.worker_id, lease_end, _in_list(ids)
        )
        return {row["id"] for row in await current_engine().run_querystring(query)}

    async def _record(self, attempt: _Attempt, lease_end: dt.datetime) -> BatchResult:
        """Write one outcome (one statement), if this claim still holds the row (else it is
        stale)."""
        now = self._now()
        args: list[Any]
        match attempt.outcome:
            case Delivered():
                assignments, args = "status = 'done', finished_at = {}, last_error = NULL", [now]
            case Retry(error=error):
                assignments = _RETRY
                args = [attempt.retry_at, error]
            case Dead(error=error):
                assignments, args = _DEAD, [now, error]
            case Drop(reason=reason):
                assignments, args = _FINISHED, [now, reason]
        applied = await self._finish(assignments, args, [attempt.claimed.id], lease_end)
        result = BatchResult(claimed=1)
        if not applied:
            result.stale = 1
            log.warning(
                "result discarded: the lease passed to another worker",
                extra={"worker_id": self.worker_id, "message_id": attempt.claimed.id},
            )
            return result
        setattr(result, _COUNTED_AS[type(attempt.outcome)], 1)
        return result

    # -- loops -------------------------------------------------------------------------

    async def _deliver(self, claimed: _Claimed, lease_end: dt.datetime) -> BatchResult:
        """One message: its handler, then its outcome written at once, in one statement (on
        SQLite one write at a time per worker, IMMEDIATE: no fight over the lock)."""
        deadline = asyncio.get_running_loop().time() + self.lease_s * LEASE_SAFETY
        attempt = await self._attempt(claimed, deadline)
        if not isinstance(current_engine(), SQLiteEngine):
            return await self._record(attempt, lease_end)
        async with self._writing, self._write_transaction():
            return await self._record(attempt, lease_end)

    async def run_once(self, stop: asyncio.Event | None = None) -> BatchResult:
        """Deliver up to a batch. Messages are claimed only as slots free up (never more than
        `concurrency` leased at a time: the rest stay claimable by any worker at once), and
        each outcome is recorded as it completes. A worker killed mid-batch thus leaves at
        most `concurrency` messages to be sent again, once their leases run out. Once `stop`
        is set nothing more is claimed; if the batch is cancelled (a shutdown out of
        patience), the messages still in flight are handed back at once, not at lease end."""
        result = BatchResult()
        running: dict[asyncio.Task[BatchResult], tuple[int, dt.datetime]] = {}
        left, more = self.batch_size, True
        try:
            while True:
                free = min(self.concurrency - len(running), left)
                if more and free > 0 and not (stop and stop.is_set()):
                    now = self._now()
                    lease_end = now + dt.timedelta(seconds=self.lease_s)
                    claimed = await self._claim(now, lease_end, free)
                    more = len(claimed) == free  # fewer: nothing more is due now
                    left -= len(claimed)
                    for one in claimed:
                        task = asyncio.create_task(self._deliver(one, lease_end))
                        running[task] = (one.id, lease_end)
                if not running:
                    return result
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    del running[task]
                    result.add(task.result())
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.shield(self._release(list(running.values())))

    async def _release(self, claims: list[tuple[int, dt.datetime]]) -> None:
        """Hand back claims whose handlers were cut short, uncounted and due now."""
        try:
            async with self._writing, self._write_transaction():
                for message_id, lease_end in claims:
                    await current_engine().run_querystring(
                        QueryString(
                            _RELEASE, self._now(), self.worker_id, lease_end, _in_list([message_id])
                        )
                    )
        except Exception:  # the lease still runs out: delivery is only later, not lost
            log.warning("could not hand back in-flight messages", exc_info=True)

    async def run_forever(
        self,
        stop: asyncio.Event,
        idle_sleep_s: float = DEFAULT_IDLE_SLEEP_S,
        wake: asyncio.Event | None = None,
    ) -> None:
        """Run batches until `stop` is set; the batch in progress is finished first. With
        nothing to do, wait `idle_sleep_s`, or less when `wake` is set (new work queued)."""
        info = {"worker_id": self.worker_id, "kinds": sorted(self.handlers)}
        log.info("worker started", extra=info)
        wake = wake or asyncio.Event()
        while not stop.is_set():
            wake.clear()  # before claiming: a wake-up during the batch is not lost
            try:
                result = await self.run_once(stop)
                DATABASE_DOWN.success()
            except DB_UNREACHABLE as exc:  # the database restarting: wait for it
                DATABASE_DOWN.failure(f"outbox worker: {type(exc).__name__}")
                result = BatchResult()
            except Exception:  # keep the worker alive
                log.exception("outbox batch failed", extra=info)
                result = BatchResult()
            if result.claimed == 0:
                await _first(stop, wake, timeout_s=idle_sleep_s)
        log.info("worker stopped", extra=info)


async def _first(*events: asyncio.Event, timeout_s: float) -> None:
    """Until one of `events` is set, or `timeout_s` passed."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
