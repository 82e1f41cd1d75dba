"""The worker against real databases: claims, outcomes, backoff, dead letters, leases and
concurrent workers."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random

import pytest

from backend.system.outbox.outcomes import (
    Dead,
    Delivered,
    Drop,
    Handler,
    Message,
    Outcome,
    Retry,
)
from backend.system.outbox.queue import NewMessage, enqueue, enqueue_many
from backend.system.outbox.worker import BatchResult, Worker
from tests.support.database import Database
from tests.support.outbox import Clock, outbox_rows


def seconds(delta: dt.timedelta) -> float:
    return delta.total_seconds()


def answering(*outcomes: Outcome) -> tuple[list[Message], Handler]:
    """A handler answering `outcomes` in turn (the last one forever), and its inbox."""
    seen: list[Message] = []
    queue = list(outcomes)

    async def handler(message: Message) -> Outcome:
        seen.append(message)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return seen, handler


def killable(worker: Worker) -> Worker:
    """`worker`, whose cancellation stands for the process being killed: nothing handed
    back (a graceful stop hands its claims back; see the stop test)."""

    async def nothing(_: object) -> None:
        return None

    worker._release = nothing  # type: ignore[method-assign]
    return worker


async def test_claims_delivers_and_records_done(db: Database, clock: Clock) -> None:
    ids = await enqueue_many([NewMessage("test", {"n": n, "text": "คำขอ"}) for n in range(5)])
    seen, handler = answering(Delivered())
    worker = Worker({"test": handler}, worker_id="w1", clock=clock)

    assert await worker.run_once() == BatchResult(claimed=5, delivered=5)
    assert sorted(m.id for m in seen) == ids
    assert {m.attempts for m in seen} == {1}
    assert seen[0].payload == {"n": 0, "text": "คำขอ"}
    for row in await outbox_rows():
        assert (row["status"], row["attempts"], row["locked_by"]) == ("done", 1, "w1")
        assert row["finished_at"] is not None and row["locked_until"] is None
    assert await worker.run_once() == BatchResult()


async def test_batch_size_bounds_a_claim(db: Database, clock: Clock) -> None:
    await enqueue_many([NewMessage("test", {"n": n}) for n in range(7)])
    _, handler = answering(Delivered())
    worker = Worker({"test": handler}, worker_id="w", batch_size=3, clock=clock)
    assert [(await worker.run_once()).delivered for _ in range(4)] == [3, 3, 1, 0]


async def test_other_kinds_and_future_messages_are_left_alone(db: Database, clock: Clock) -> None:
    await enqueue("webhook", {"n": 1})
    await enqueue("test", {"n": 2}, delay_s=60)
    _, handler = answering(Delivered())
    worker = Worker({"test": handler}, worker_id="w", clock=clock)
    assert (await worker.run_once()).claimed == 0
    clock.advance(60)
    assert (await worker.run_once()).delivered == 1
    assert [r["status"] for r in await outbox_rows()] == ["pending", "done"]


async def test_retry_backs_off_exponentially_with_jitter(db: Database, clock: Clock) -> None:
    await enqueue("test", {"n": 1})
    _, handler = answering(Retry(None, "push service busy"))
    worker = Worker(
        {"test": handler},
        worker_id="w",
        clock=clock,
        base_backoff_s=2,
        rng=random.Random(7),
    )
    for attempt, cap in [(1, 2), (2, 4), (3, 8)]:
        assert (await worker.run_once()).retried == 1
        [row] = await outbox_rows()
        assert (row["status"], row["attempts"]) == ("pending", attempt)
        assert row["last_error"] == "push service busy"
        assert row["locked_by"] is None and row["locked_until"] is None
        wait = seconds(row["next_attempt_at"] - clock.now)
        assert 0 < wait <= cap
        assert (await worker.run_once()).claimed == 0  # not due yet
        clock.advance(cap)


async def test_backoff_is_capped(db: Database, clock: Clock) -> None:
    await enqueue("test", {"n": 1})
    _, handler = answering(Retry(None, "down"))
    worker = Worker(
        {"test": handler},
        worker_id="w",
        clock=clock,
        default_max_attempts=50,
        max_backoff_s=10,
    )
    for _ in range(8):
        await worker.run_once()
        [row] = await outbox_rows()
        assert seconds(row["next_attempt_at"] - clock.now) <= 10
        clock.advance(10)


async def test_retry_after_is_honoured_exactly(db: Database, clock: Clock) -> None:
    await enqueue("test", {"n": 1})
    _, handler = answering(Retry(120, "429 Too Many Requests"), Delivered())
    worker = Worker({"test": handler}, worker_id="w", clock=clock)
    await worker.run_once()
    [row] = await outbox_rows()
    assert row["next_attempt_at"] == clock.now + dt.timedelta(seconds=120)
    clock.advance(119)
    assert (await worker.run_once()).claimed == 0
    clock.advance(1)
    assert (await worker.run_once()).delivered == 1


async def test_dead_after_max_attempts(db: Database, clock: Clock) -> None:
    await enqueue("test", {"n": 1})
    await enqueue("other", {"n": 2})
    _, handler = answering(Retry(0, "timeout"))
    worker = Worker(
        {"test": handler, "other": handler},
        worker_id="w",
        clock=clock,
        max_attempts={"test": 3},
        default_max_attempts=5,
    )
    results = [await worker.run_once() for _ in range(5)]
    assert [r.dead for r in results] == [0, 0, 1, 0, 1]
    test, other = await outbox_rows()
    assert (test["status"], test["attempts"]) == ("dead", 3)
    assert test["last_error"] == "gave up after 3 attempts: timeout"
    assert test["finished_at"] is not None
    assert (other["status"], other["attempts"]) == ("dead", 5)


async def test_a_handler_says_how_long_its_deliveries_are_worth_retrying(
    db: Database, clock: Clock
) -> None:
    await enqueue("test", {"n": 1})
    _, answer = answering(Retry(0, "agency server down"))

    class Patient:
        max_attempts = 4

        async def __call__(self, message: Message) -> Outcome:
            return await answer(message)

    worker = Worker({"test": Patient()}, worker_id="w", clock=clock, default_max_attempts=2)
    assert [(await worker.run_once()).dead for _ in range(4)] == [0, 0, 0, 1]
    [row] = await outbox_rows()
    assert (row["status"], row["attempts"]) == ("dead", 4)


def test_webhooks_are_retried_for_about_a_day_and_pushes_for_hours() -> None:
    from backend.agency_api.webhooks import WebhookHandler
    from backend.notifications.push_handler import WebPushHandler

    def mean_span_h(attempts: int) -> float:  # full jitter: half of each capped delay
        return sum(min(3600.0, 2.0 * 2**n) / 2 for n in range(attempts - 1)) / 3600

    assert 20 < mean_span_h(WebhookHandler.max_attempts) < 36
    assert 1 < mean_span_h(WebPushHandler.max_attempts) < 6


async def test_a_handler_exception_is_a_retry_not_a_crash(
    db: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    await enqueue_many([NewMessage("test", {"n": n}) for n in range(2)])

    async def handler(message: Message) -> Outcome:
        if message.payload["n"] == 0:
            raise RuntimeError("agency system returned garbage")
        return Delivered()

    worker = Worker({"test": handler}, worker_id="w", clock=clock)
    with caplog.at_level(logging.INFO, logger="portal.worker"):
        result = await worker.run_once()
    assert (result.retried, result.delivered) == (1, 1)
    failed, delivered = await outbox_rows()
    assert (failed["status"], failed["attempts"]) == ("pending", 1)
    assert failed["last_error"] == "RuntimeError: agency system returned garbage"
    assert delivered["status"] == "done"
    attempts = [r for r in caplog.records if r.getMessage().startswith("outbox attempt")]
    assert sorted(r.__dict__["outcome"] for r in attempts) == ["delivered", "retry"]
    assert any(r.exc_info for r in caplog.records)  # the traceback is logged


async def test_drop_and_dead_outcomes(db: Database, clock: Clock) -> None:
    await enqueue_many([NewMessage("test", {"n": n}) for n in range(2)])
    _, handler = answering(Drop("subscription gone (410)"), Dead("payload rejected"))
    worker = Worker({"test": handler}, worker_id="w", concurrency=1, clock=clock)
    assert await worker.run_once() == BatchResult(claimed=2, dropped=1, dead=1)
    dropped, dead = await outbox_rows()
    assert (dropped["status"], dropped["last_error"]) == ("done", "subscription gone (410)")
    assert (dead["status"], dead["last_error"]) == ("dead", "payload rejected")


async def test_a_handler_slower_than_the_lease_is_cut_off(db: Database, clock: Clock) -> None:
    await enqueue("test", {"n": 1})

    async def handler(message: Message) -> Outcome:
        await asyncio.sleep(5)
        return Delivered()

    worker = Worker({"test": handler}, worker_id="w", lease_s=0.2, clock=clock)
    assert (await worker.run_once()).retried == 1
    [row] = await outbox_rows()
    assert row["last_error"] == "no result before the lease ended"


def hanging() -> tuple[asyncio.Event, asyncio.Event, Handler]:
    """A handler that never finishes until released, and events for "started" (the claim
    has committed) and "release" (it answers Dead, as a late, wrong result)."""
    started, release = asyncio.Event(), asyncio.Event()

    async def handler(message: Message) -> Outcome:
        started.set()
        await release.wait()
        return Dead("late and wrong")

    return started, release, handler


async def test_an_expired_lease_is_taken_over(db: Database, clock: Clock) -> None:
    await enqueue("test", {"n": 1})
    started, _, hangs = hanging()
    dying = killable(Worker({"test": hangs}, worker_id="dies", lease_s=30, clock=clock))
    claim = asyncio.create_task(dying.run_once())
    await asyncio.wait_for(started.wait(), 5)
    claim.cancel()  # the worker dies holding the claim
    [row] = await outbox_rows()
    assert (row["status"], row["attempts"], row["locked_by"]) == ("in_flight", 1, "dies")

    seen, handler = answering(Delivered())
    before = Worker({"test": handler}, worker_id="b", clock=clock.later(29))
    assert (await before.run_once()).claimed == 0
    after = Worker({"test": handler}, worker_id="b", clock=clock.later(30))
    assert (await after.run_once()).delivered == 1
    assert [m.attempts for m in seen] == [2]
    [row] = await outbox_rows()
    assert (row["status"], row["attempts"], row["locked_by"]) == ("done", 2, "b")


async def test_a_stale_worker_cannot_overwrite_the_new_owners_result(
    db: Database, clock: Clock
) -> None:
    await enqueue("test", {"n": 1})
    started, release, slow = hanging()
    stale = Worker({"test": slow}, worker_id="stale", lease_s=30, clock=clock)
    late = asyncio.create_task(stale.run_once())
    await asyncio.wait_for(started.wait(), 5)

    _, handler = answering(Delivered())
    owner = Worker({"test": handler}, worker_id="owner", clock=clock.later(31))
    assert (await owner.run_once()).delivered == 1
    release.set()
    assert await late == BatchResult(claimed=1, stale=1)
    [row] = await outbox_rows()
    assert (row["status"], row["locked_by"], row["last_error"]) == ("done", "owner", None)


async def test_a_message_that_kills_every_worker_ends_dead(db: Database, clock: Clock) -> None:
    await enqueue("test", {"n": 1})
    for n in range(2):
        started, _, hangs = hanging()
        worker = killable(
            Worker({"test": hangs}, worker_id=f"w{n}", clock=clock, max_attempts={"test": 2})
        )
        task = asyncio.create_task(worker.run_once())
        await asyncio.wait_for(started.wait(), 5)
        task.cancel()
        clock.advance(31)
    seen, handler = answering(Delivered())
    last = Worker({"test": handler}, worker_id="w2", clock=clock, max_attempts={"test": 2})
    assert (await last.run_once()).dead == 1
    assert seen == []  # not handed to a handler a third time
    [row] = await outbox_rows()
    assert row["status"] == "dead"
    assert row["last_error"] == "no result from 2 attempts (leases expired)"


async def test_two_workers_never_process_a_message_twice(db: Database, clock: Clock) -> None:
    ids = await enqueue_many([NewMessage("test", {"n": n}) for n in range(300)])
    seen: dict[str, list[int]] = {"a": [], "b": []}

    def handler_for(name: str) -> Handler:
        async def handler(message: Message) -> Outcome:
            seen[name].append(message.id)
            await asyncio.sleep(0.001)
            return Delivered()

        return handler

    async def drain(name: str) -> int:
        worker = Worker(
            {"test": handler_for(name)},
            worker_id=name,
            batch_size=10,
            concurrency=5,
            clock=clock,
        )
        delivered = 0
        while (result := await worker.run_once()).claimed:
            assert result.stale == 0
            delivered += result.delivered
        return delivered

    async with asyncio.timeout(30):
        counts = await asyncio.gather(drain("a"), drain("b"))
    assert sum(counts) == 300
    assert all(counts), counts  # both took part
    assert sorted(seen["a"] + seen["b"]) == ids  # each exactly once
    rows = await outbox_rows()
    assert {r["status"] for r in rows} == {"done"}
    assert {r["attempts"] for r in rows} == {1}


async def test_a_stop_claims_nothing_more_and_a_cut_short_batch_is_handed_back(
    db: Database, clock: Clock
) -> None:
    """Told to stop, the worker finishes what it holds and claims nothing more; cancelled
    (out of patience), what it still holds is due again at once, the attempt uncounted."""
    await enqueue_many([NewMessage("test", {"n": n}) for n in range(4)])
    stop, entered, never = asyncio.Event(), asyncio.Event(), asyncio.Event()
    seen: list[int] = []

    async def first_stops_then_hangs(message: Message) -> Outcome:
        seen.append(message.payload["n"])
        if message.payload["n"] == 0:
            stop.set()
            return Delivered()
        entered.set()
        await never.wait()
        return Delivered()

    worker = Worker({"test": first_stops_then_hangs}, worker_id="w", concurrency=2, clock=clock)
    batch = asyncio.create_task(worker.run_once(stop))
    await asyncio.wait_for(entered.wait(), 5)
    await asyncio.sleep(0.05)  # the first outcome recorded; no further claim follows
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch

    assert seen == [0, 1]
    rows = await outbox_rows()
    assert [(r["status"], r["attempts"], r["locked_by"]) for r in rows] == [
        ("done", 1, "w"),
        ("pending", 0, None),  # was in flight: handed back
        ("pending", 0, None),  # never claimed after the stop
        ("pending", 0, None),
    ]
    assert all(r["next_attempt_at"] <= clock() for r in rows[1:])
