"""Idle workers wake when work is queued: PostgreSQL NOTIFY at commit (never for a rollback),
and `run_forever` ends its idle wait on a wake-up instead of at its next poll."""

from __future__ import annotations

import asyncio
import time

import pytest

from backend.lib.db import write_transaction
from backend.system.outbox.outcomes import Delivered, Message, Outcome
from backend.system.outbox.queue import enqueue
from backend.system.outbox.wakeup import listen
from backend.system.outbox.worker import Worker
from tests.support.database import Database


async def wait_briefly(event: asyncio.Event) -> bool:
    try:
        await asyncio.wait_for(event.wait(), 2)
    except TimeoutError:
        return False
    return True


async def test_a_commit_wakes_listeners_and_a_rollback_does_not(db: Database) -> None:
    wake = asyncio.Event()
    async with listen(db.url, wake):
        if db.kind == "sqlite":
            assert not await wait_briefly(wake)  # no channel: workers poll
            return
        assert await wait_briefly(wake)  # set once listening: catch up on what was queued
        wake.clear()

        with pytest.raises(RuntimeError):
            await queue_then_fail()
        assert not await wait_briefly(wake)

        async with write_transaction():
            await enqueue("test", {"n": 1})
            await asyncio.sleep(0.2)
            assert not wake.is_set()  # not before commit
        assert await wait_briefly(wake)


async def queue_then_fail() -> None:
    async with write_transaction():
        await enqueue("test", {"n": 0})
        raise RuntimeError("rolled back")


async def test_a_wake_up_ends_the_idle_wait(db: Database) -> None:
    delivered = asyncio.Event()

    async def handler(message: Message) -> Outcome:
        delivered.set()
        return Delivered()

    worker = Worker({"test": handler}, worker_id="w")
    stop, wake = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(worker.run_forever(stop, idle_sleep_s=30, wake=wake))
    try:
        await asyncio.sleep(0.3)  # idle now, for 30 s unless woken
        await enqueue("test", {"n": 1})
        started = time.monotonic()
        wake.set()
        await asyncio.wait_for(delivered.wait(), 5)
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        await asyncio.wait_for(running, 5)
