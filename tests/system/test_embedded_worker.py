"""The embedded default delivers: `make run`'s command line (`portal migrate`, `portal demo`,
`portal serve` on SQLite, nothing else started) sends the push of an agency's status change
to the citizen's device, checked and decrypted by a local push service."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.settings import Settings
from backend.system.outbox.runner import SHUTDOWN_GRACE_S
from tests.support.agency import Signer
from tests.support.live_server import LiveServer
from tests.support.push_service import PushService

pytestmark = pytest.mark.slow


def _credential(server: LiveServer) -> Signer:
    printed = dict(
        line.split(": ", 1)
        for line in server.portal("agency-credential", "create", "DCA").splitlines()
    )
    return Signer(printed["key id"], printed["secret"])


def _subscribe(server: LiveServer, subscription: dict[str, Any]) -> int:
    """A device of the citizen of a submitted DCA application; that application's id."""
    [(application, account)] = server.sql(
        "SELECT a.id, a.account FROM application a JOIN agency g ON g.id = a.agency "
        "WHERE g.code = 'DCA' AND a.status = 'submitted' LIMIT 1"
    )
    now = dt.datetime.now(dt.UTC).isoformat()
    server.sql(
        "INSERT INTO push_subscription (account, endpoint, p256dh, auth, device_name, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, 'phone', ?, ?)",
        account,
        subscription["endpoint"],
        subscription["keys"]["p256dh"],
        subscription["keys"]["auth"],
        now,
        now,
    )
    return int(application)


async def _receive(server: LiveServer, application: int) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await _credential(server).request(
            client,
            "POST",
            f"/agency-api/v1/applications/{application}/status",
            json={"status": "received"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert answer.status_code == 200, answer.text


async def test_portal_serve_on_sqlite_delivers_pushes_by_itself(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    public_key = server.portal("vapid").strip()
    server.start()  # migrate, demo, serve: make run
    try:
        async with PushService(application_server_key=public_key) as push:
            subscription = push.subscribe()
            application = _subscribe(server, subscription)
            await _receive(server, application)

            async with asyncio.timeout(10):
                while not push.payloads(subscription["endpoint"]):  # noqa: ASYNC110 (another process)
                    await asyncio.sleep(0.05)
            [payload] = push.payloads(subscription["endpoint"])
            assert payload["application"] == application
            assert payload["status"] == "received"
            assert push.rejected == []
    finally:
        server.stop()
    [(status,)] = server.sql("SELECT status FROM outbox WHERE kind = 'webpush'")
    assert status == "done"


async def test_a_stop_does_not_wait_on_a_push_service_that_hangs(tmp_path: Path) -> None:
    """A push service that takes the request and never answers: `portal serve` stopped
    (SIGTERM) exits within its grace, and the push is handed back, due at once and its
    attempt uncounted, for the next start to send."""
    server = LiveServer(tmp_path)
    public_key = server.portal("vapid").strip()
    server.start()
    asked = asyncio.Event()
    held: list[asyncio.StreamWriter] = []

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.readline()
        asked.set()

    hanging = await asyncio.start_server(hang, "127.0.0.1", 0)
    try:
        async with PushService(application_server_key=public_key) as push:
            subscription = push.subscribe()
        port = hanging.sockets[0].getsockname()[1]
        subscription["endpoint"] = f"http://127.0.0.1:{port}/push/hangs"
        await _receive(server, _subscribe(server, subscription))
        async with asyncio.timeout(10):
            await asked.wait()

        started = time.monotonic()
        assert server.process is not None
        server.process.terminate()
        await asyncio.to_thread(server.process.wait, 9)
        assert time.monotonic() - started < SHUTDOWN_GRACE_S + 3
    finally:
        for writer in held:
            writer.close()
        hanging.close()
        server.stop()
    [(status, attempts, locked_by, due)] = server.sql(
        "SELECT status, attempts, locked_by, next_attempt_at FROM outbox WHERE kind = 'webpush'"
    )
    assert (status, attempts, locked_by) == ("pending", 0, None)
    assert dt.datetime.fromisoformat(due) <= dt.datetime.now(dt.UTC)


def test_the_embedded_worker_runs_on_sqlite_only_unless_told() -> None:
    assert Settings().runs_embedded_worker  # SQLite: one server delivers by itself
    postgres = Settings(database_url="postgresql://portal@db/portal")
    assert not postgres.runs_embedded_worker  # `portal worker` processes do it
    assert Settings(database_url=postgres.database_url, embedded_worker=True).runs_embedded_worker
    assert not Settings(embedded_worker=False).runs_embedded_worker
    assert not Settings.from_env({"EMBEDDED_WORKER": "false"}).runs_embedded_worker


def test_serve_refuses_an_embedded_worker_in_several_processes(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "serve", "--worker", "--workers", "2"],
        env=server.env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "portal worker" in result.stderr
