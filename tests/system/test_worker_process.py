"""`portal worker` and `portal vapid` as real processes: a worker killed mid-batch loses
nothing, SIGTERM stops one cleanly, and the VAPID key can be shown and rotated."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend.lib.webpush import load_or_create_vapid
from backend.notifications.push_handler import WEBPUSH_KIND, webpush_payload
from backend.settings import Settings
from backend.system.outbox.queue import NewMessage, enqueue_many
from tests.support.database import Database
from tests.support.notifications import eventually, start_worker
from tests.support.outbox import outbox_rows
from tests.support.push_service import PushService

pytestmark = pytest.mark.slow

THAI = "แจ้งเตือน: คำขอของคุณเปลี่ยนสถานะ"


async def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_little(
    db: Database, push: PushService, tmp_path: Path
) -> None:
    """SIGKILL mid-batch: what was delivered is already recorded, only what was in flight
    (at most the worker's concurrency) is sent again, and a new worker delivers the rest
    within 5 s of starting instead of waiting out a lease."""
    push.delay_s = 0.5  # a slow push service, so the kill lands mid-batch
    subscriptions = [push.subscribe() for _ in range(20)]
    await enqueue_many(
        NewMessage(WEBPUSH_KIND, webpush_payload(s, {"n": n, "text": THAI}))
        for n, s in enumerate(subscriptions)
    )
    first = await start_worker(
        db, tmp_path / "first.log",
        "--worker-id", "first", "--batch-size", "20", "--concurrency", "4", "--lease-s", "3",
    )  # fmt: skip

    async def some_delivered() -> bool:
        return any(r["status"] == "done" for r in await outbox_rows())

    await eventually(some_delivered, 15)
    first.kill()
    await first.wait()
    rows = await outbox_rows()
    in_flight = {r["id"] for r in rows if r["status"] == "in_flight"}
    assert len(in_flight) <= 4  # the worker's concurrency
    assert {r["locked_by"] for r in rows if r["status"] == "in_flight"} <= {"first"}
    assert any(r["status"] == "pending" for r in rows)  # never claimed: free for anyone

    second = await start_worker(
        db, tmp_path / "second.log",
        "--worker-id", "second", "--batch-size", "20", "--concurrency", "20", "--lease-s", "5",
    )  # fmt: skip

    async def second_started() -> bool:
        return '"worker started"' in (tmp_path / "second.log").read_text()

    # From the worker's start, not the process's: Python's imports take seconds more on a
    # loaded machine, and are not what the bound is about (no waiting out a lease).
    await eventually(second_started, 30)
    started = time.monotonic()

    async def the_rest_done() -> bool:
        return all(r["status"] == "done" for r in await outbox_rows() if r["id"] not in in_flight)

    async def all_done() -> bool:
        return {r["status"] for r in await outbox_rows()} == {"done"}

    try:
        await eventually(the_rest_done, 10)
        assert time.monotonic() - started < 5
        await eventually(all_done, 15)  # the in-flight ones once the first's lease ran out
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 10) == 0, (tmp_path / "second.log").read_text()
    sent = [p["n"] for s in subscriptions for p in push.payloads(s["endpoint"])]
    assert set(sent) == set(range(20))
    assert len(sent) - 20 <= len(in_flight) <= 4  # the duplicates: what was in flight
    assert push.rejected == []
    log = (tmp_path / "second.log").read_text()
    assert '"outcome": "delivered"' in log and '"worker stopped"' in log


async def test_worker_once_delivers_one_batch_and_exits(
    db: Database, push: PushService, tmp_path: Path
) -> None:
    subscription = push.subscribe()
    await enqueue_many(
        NewMessage(WEBPUSH_KIND, webpush_payload(subscription, {"n": n})) for n in range(3)
    )
    worker = await start_worker(db, tmp_path / "once.log", "--once")
    stdout, _ = await asyncio.wait_for(worker.communicate(), 20)
    assert worker.returncode == 0, (tmp_path / "once.log").read_text()
    assert stdout.decode().strip() == (
        "claimed 3: delivered 3, retried 0, dropped 0, dead 0, stale 0"
    )
    assert sorted(p["n"] for p in push.payloads(subscription["endpoint"])) == [0, 1, 2]


def portal(*args: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        env={**os.environ, "VAR_DIR": str(var_dir), "DATABASE_URL": ""},
        cwd=var_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_vapid_shows_and_rotates_the_public_key(tmp_path: Path) -> None:
    shown = portal("vapid", var_dir=tmp_path)
    assert shown.returncode == 0, shown.stderr
    key = shown.stdout.strip()
    assert key == load_or_create_vapid(Settings(var_dir=str(tmp_path))).public_key_b64url

    rotated = portal("vapid", "--rotate", var_dir=tmp_path)
    assert rotated.returncode == 0
    assert "re-subscribe" in rotated.stderr
    assert rotated.stdout.strip() not in {"", key}
    settings = Settings(var_dir=str(tmp_path))
    assert load_or_create_vapid(settings).public_key_b64url == rotated.stdout.strip()
