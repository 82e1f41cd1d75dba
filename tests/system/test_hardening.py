"""What the same review found around the edges (issue 14, point 7): a body nested too deeply
is the client's 400, an unreachable database is a 503 to retry, and no log line repeats a
value the client sent."""

from __future__ import annotations

import logging
import sqlite3
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from backend.asgi import create_app
from backend.lib.logging import DATABASE_DOWN
from backend.settings import Settings
from tests.support.flows import csrf, enrol_citizen

Client = AsyncTestClient[Any]

DEEP = b"[" * 100_000 + b"]" * 100_000


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def portal_log() -> Iterator[list[logging.LogRecord]]:
    """What the portal's error and database loggers say at info and above (the `portal`
    logger does not propagate to the root, and each app built resets its handlers and level)."""
    loggers = [logging.getLogger(name) for name in ("portal.errors", "portal.db")]
    levels, kept = [logger.level for logger in loggers], Kept()
    DATABASE_DOWN.reset()  # an outage another test left open would only be counted
    for logger in loggers:
        logger.addHandler(kept)
        logger.setLevel(logging.INFO)
    try:
        yield kept.records
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(kept)
            logger.setLevel(level)


@pytest.fixture
def nowhere() -> PostgresEngine:
    """PostgreSQL at a port nobody listens on (made outside the event loop: the engine asks
    the server's version when made, and warns that it cannot)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return PostgresEngine(config={"dsn": "postgresql://postgres@127.0.0.1:1/test"})


@pytest.mark.usefixtures("db")
async def test_a_body_nested_too_deeply_is_a_400(
    client: Client, make_client: Any, portal_log: list[logging.LogRecord]
) -> None:
    json = {"content-type": "application/json"}
    for path in ("/api/v1/auth/enrol/options", "/api/v1/auth/signin/options"):
        response = await client.post(path, content=DEEP, headers=json)
        assert response.status_code == 400, path
        assert response.json()["code"] == "invalid_request"
        assert response.json()["message_th"]
    async with make_client() as citizen:
        await enrol_citizen(citizen)
        response = await citizen.post(
            "/api/v1/applications", content=DEEP, headers={**json, **csrf(citizen)}
        )
    assert response.status_code == 400
    said = [r for r in portal_log if "nested too deeply" in r.getMessage()]
    assert len(said) == 3
    assert {r.levelno for r in said} == {logging.INFO}
    assert all(r.exc_info is None for r in portal_log)  # no traceback anywhere


async def test_an_unreachable_database_is_a_503_to_retry(
    tmp_path: Any, nowhere: PostgresEngine, portal_log: list[logging.LogRecord]
) -> None:
    app = create_app(Settings(var_dir=str(tmp_path), log_level="INFO"), engine=nowhere, pool=False)
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/api/v1/services")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "database_unavailable"
    assert "ลองใหม่" in response.json()["message_th"]
    [said] = [r for r in portal_log if "database unavailable" in r.getMessage()]
    assert said.levelno == logging.WARNING and said.exc_info is None


@pytest.mark.usefixtures("db")
async def test_a_value_the_database_refuses_is_not_logged(
    make_client: Any, portal_log: list[logging.LogRecord]
) -> None:
    huge = "9" * 30
    async with make_client() as citizen:
        await enrol_citizen(citizen)
        response = await citizen.get(f"/api/v1/applications/{huge}")
    assert response.status_code in (400, 404)
    [said] = [r for r in portal_log if "refused by the database" in r.getMessage()]
    assert huge not in said.getMessage()


async def test_a_write_that_reached_a_standby_is_a_503_to_retry(
    db: Any, settings: Settings, portal_log: list[logging.LogRecord]
) -> None:
    """During a switchover a proxy may still send a connection to the old primary, back as a
    read-only standby: the write is retried after the failover, not answered 500."""
    if db.kind != "postgres":
        pytest.skip("PostgreSQL's standbys")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        standby = PostgresEngine(
            config={"dsn": db.url, "server_settings": {"default_transaction_read_only": "on"}}
        )
    app = create_app(settings, engine=standby, pool=False)
    async with AsyncTestClient(app=app) as client:
        response = await client.post("/api/v1/auth/signin/options", json={})
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "database_unavailable"
    [said] = [r for r in portal_log if "database unavailable" in r.getMessage()]
    assert said.exc_info is None


@pytest.mark.usefixtures("db")
async def test_the_openapi_document_says_what_the_server_answers(client: Client) -> None:
    document = client.app.openapi_schema.to_schema()
    answers = {
        path: set(document["paths"][path]["post"]["responses"])
        for path in document["paths"]
        if path.startswith("/api/v1/auth/") and "post" in document["paths"][path]
    }
    for step in ("enrol/options", "signin/options", "signin", "recover/options", "recover"):
        assert (
            "200" in answers[f"/api/v1/auth/{step}"]
            and "201" not in answers[f"/api/v1/auth/{step}"]
        ), step
    assert "201" in answers["/api/v1/auth/enrol"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["csrf"] == {
        "type": "apiKey",
        "name": "X-CSRF-Token",
        "in": "header",
        "description": schemes["csrf"]["description"],
    }
    assert "portal_csrf" in schemes["csrf"]["description"]
    assert schemes["session"]["in"] == "cookie"
    # And the server does answer 200 where the document says so.
    started = await client.post("/api/v1/auth/signin/options", json={})
    assert started.status_code == 200


async def test_sqlite_locked_past_its_wait_is_a_503(
    db: Any, settings: Settings, portal_log: list[logging.LogRecord]
) -> None:
    """One server on SQLite: a writer that waited out the busy timeout (another process holds
    the write lock) is told to retry, not given a 500."""
    if db.kind != "sqlite":
        pytest.skip("SQLite's own lock")
    path = db.url.removeprefix("sqlite:///")
    app = create_app(settings, engine=SQLiteEngine(path=path, timeout=0.2), pool=False)
    holder = sqlite3.connect(path, timeout=5, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # e.g. a backup or a stuck script
    try:
        async with AsyncTestClient(app=app) as client:
            response = await client.post("/api/v1/auth/signin/options", json={})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "database_unavailable"
    [said] = [r for r in portal_log if "database unavailable" in r.getMessage()]
    assert said.exc_info is None
