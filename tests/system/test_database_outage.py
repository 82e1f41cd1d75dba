"""PostgreSQL stopped and started under load (a server of the test's own): while it is away
every request is a 503 with Retry-After, never a 500, `/readyz` says 503, the log has a line
for the outage rather than one per request (and no stack), and the portal answers again by
itself once the database is back."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.agency import Signer
from tests.support.live_server import LiveServer
from tests.support.own_postgres import OwnPostgres

pytestmark = pytest.mark.slow

FEED = "/agency-api/v1/applications"


@pytest.fixture
def postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    server.start()
    yield server
    server.remove()


def _credential(server: LiveServer) -> Signer:
    printed = dict(
        line.split(": ", 1)
        for line in server.portal("agency-credential", "create", "DCA").splitlines()
    )
    return Signer(printed["key id"], printed["secret"])


class Load:
    """Clients asking the agency feed (a signed call: reads and writes) without pause."""

    def __init__(self, server: LiveServer, signer: Signer) -> None:
        self.server, self.signer = server, signer
        self.statuses: collections.Counter[int] = collections.Counter()
        self.bad: list[str] = []  # 503s without Retry-After or the JSON body, and 500s
        self.last_ok = 0.0
        self.stopped = False

    async def client(self) -> None:
        loop = asyncio.get_running_loop()
        async with httpx.AsyncClient(base_url=self.server.url, timeout=10) as http:
            while not self.stopped:
                try:
                    answer = await self.signer.request(http, "GET", FEED)
                except httpx.TransportError as exc:
                    self.bad.append(f"no answer: {exc!r}")
                    continue
                self.statuses[answer.status_code] += 1
                if answer.status_code == 200:
                    self.last_ok = loop.time()
                elif answer.status_code != 503:
                    self.bad.append(f"{answer.status_code}: {answer.text[:200]}")
                elif (
                    answer.headers.get("Retry-After") != "5"
                    or answer.json()["code"] != "database_unavailable"
                ):
                    self.bad.append(f"503 {answer.headers} {answer.text[:200]}")
                else:
                    await asyncio.sleep(0.02)  # a polite client waits; not a test of that


async def _readyz(server: LiveServer) -> int:
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        return (await http.get("/readyz")).status_code


async def test_postgresql_stopped_and_started_under_load(
    postgres: OwnPostgres, tmp_path: Path
) -> None:
    server = LiveServer(tmp_path)
    server.env |= {"DATABASE_URL": postgres.url, "LOG_LEVEL": "WARNING", "LOG_JSON": "false"}
    server.start()  # migrate, demo, serve
    try:
        load = Load(server, _credential(server))
        clients = [asyncio.create_task(load.client()) for _ in range(4)]
        loop = asyncio.get_running_loop()
        await asyncio.sleep(1)
        assert load.statuses[200] > 0, load.statuses

        await asyncio.to_thread(postgres.stop)
        await asyncio.to_thread(postgres.wait_until_gone)
        down_at = loop.time()
        await asyncio.sleep(2)
        assert await _readyz(server) == 503
        during = load.statuses[503]
        assert during > 0, load.statuses

        await asyncio.to_thread(postgres.start)
        back_at = loop.time()
        async with asyncio.timeout(15):
            while load.last_ok < back_at:  # noqa: ASYNC110 (the clients set it)
                await asyncio.sleep(0.05)
        assert await _readyz(server) == 200
        await asyncio.sleep(1)  # and it stays up
        load.stopped = True
        await asyncio.gather(*clients)
    finally:
        server.stop()

    assert load.bad == []
    assert load.statuses[500] == 0
    assert down_at < back_at
    log = (server.var_dir / "server.log").read_text()
    outage_lines = [line for line in log.splitlines() if "database unavailable" in line]
    assert 1 <= len(outage_lines) <= 3, log[-3000:]  # not one per failed request
    assert "over after" in outage_lines[-1]
    assert "Traceback" not in log, log[-3000:]
