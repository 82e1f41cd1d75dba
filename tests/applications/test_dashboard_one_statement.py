"""A citizen's dashboard that this process does not remember is read with its session in one
statement, before the handler's dependencies and guards (applications.fastpath,
`dashboard.signed_in`): the same answers as the controller's, and the same refusals.

The test app keeps nothing in memory (no feed poller), so every request here reads the
database; "the app" is the same request with the one-statement path turned off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from piccolo.querystring import QueryString

from backend.accounts.tables import Session
from backend.applications import fastpath
from backend.applications.services import dashboards
from backend.catalog.tables import Service
from backend.lib.db import current_engine
from backend.system import hotcache
from tests.support.applications import OFFICER, agency_id, apply, set_status
from tests.support.flows import enrol_staff

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
SAME = ("etag", "cache-control", "vary", "content-type", "content-encoding", "content-length")


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every statement the engine runs from now on: through Piccolo, or straight
    on a pooled connection (`lib.statements.fetch`); one that goes through both counts once."""
    kind = type(current_engine())
    seen: list[str] = []
    inside: ContextVar[bool] = ContextVar("inside", default=False)

    def counting(name: str, sql_of: Callable[[Any], str]) -> None:
        original = getattr(kind, name)

        async def counted(engine: Any, first: Any, *args: Any, **kwargs: Any) -> Any:
            if inside.get():
                return await original(engine, first, *args, **kwargs)
            token = inside.set(True)
            try:
                seen.append(sql_of(first))
                return await original(engine, first, *args, **kwargs)
            finally:
                inside.reset(token)

        monkeypatch.setattr(kind, name, counted)

    counting("run_querystring", lambda querystring: str(querystring.template))
    for pooled in ("_run_in_pool", "_run_pooled"):
        if hasattr(kind, pooled):
            counting(pooled, str)
    if hasattr(kind, "read_inline"):  # SQLite's short reads, on the loop's own connection
        inline = kind.read_inline

        def read_inline(engine: Any, sql: str, *args: Any) -> Any:
            rows = inline(engine, sql, *args)
            if rows is not None:  # else it goes on to `_run_pooled`, which counts it
                seen.append(sql)
            return rows

        monkeypatch.setattr(kind, "read_inline", read_inline)
    return seen


@contextmanager
def only_the_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    async def never(*_: Any) -> None:
        return None

    with monkeypatch.context() as patched:
        patched.setattr(fastpath, "signed_in", never)
        yield


async def _get(client: Client, params: dict[str, Any], **headers: str) -> Any:
    return await client.get("/api/v1/dashboard", params=params, headers=headers)


@pytest.mark.usefixtures("citizen")
async def test_one_statement_answers_like_the_app(
    client: Client, monkeypatch: pytest.MonkeyPatch, statements: list[str]
) -> None:
    ids = [(await apply(client)).json()["id"] for _ in range(5)]
    await set_status(ids[1], "received", OFFICER, agency_id=await agency_id("NHSO"))
    sync = (await client.get("/api/v1/dashboard")).json()["sync"]
    await set_status(ids[2], "in_review", OFFICER, agency_id=await agency_id("NHSO"))
    cursor = (await _get(client, {"limit": 2})).json()["next_cursor"]
    for params in (
        {},
        {"limit": "3"},
        {"limit": "2", "cursor": str(cursor)},
        {"since": "0"},
        {"limit": "1", "since": str(sync - 1)},
        {"since": str(sync + 100)},
    ):
        for encoding in ("br, gzip", "identity"):
            statements.clear()
            fast = await _get(client, params, **{"accept-encoding": encoding})
            assert len(statements) == 1, statements  # session, version and page at once
            with only_the_app(monkeypatch):
                slow = await _get(client, params, **{"accept-encoding": encoding})
            assert fast.status_code == slow.status_code == 200
            assert fast.content == slow.content, params
            for header in SAME:
                if header == "content-length" and encoding != "identity":
                    # Compressed in one go: a byte or two shorter than the middleware's stream
                    # (hotcache.brotli_of, as the memory path does), the same JSON.
                    assert int(fast.headers[header]) <= int(slow.headers[header])
                    continue
                assert fast.headers.get(header) == slow.headers.get(header), (params, header)
            # Revalidated: 304 in one statement, headers as the app's.
            statements.clear()
            etag = {"if-none-match": fast.headers["etag"], "accept-encoding": encoding}
            same = await _get(client, params, **etag)
            assert len(statements) == 1
            with only_the_app(monkeypatch):
                also = await _get(client, params, **etag)
            assert same.status_code == also.status_code == 304
            assert same.content == also.content == b""
            assert {h: same.headers.get(h) for h in SAME} == {h: also.headers.get(h) for h in SAME}


@pytest.mark.usefixtures("citizen")
async def test_a_stale_etag_gets_the_new_page(client: Client) -> None:
    app_id = (await apply(client)).json()["id"]
    first = await client.get("/api/v1/dashboard")
    await set_status(app_id, "received", OFFICER, agency_id=await agency_id("NHSO"))
    for stale in (first.headers["etag"], 'W/"d1.1.20.0.-"', "*", "garbage"):
        changed = await client.get("/api/v1/dashboard", headers={"if-none-match": stale})
        assert changed.status_code == 200
        assert changed.json()["items"][0]["status"] == "received"


@pytest.mark.usefixtures("citizen")
@pytest.mark.parametrize(
    "change",
    [
        {Session.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)},
        {Session.last_seen_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)},
        {Session.revoked_at: dt.datetime.now(dt.UTC)},
    ],
    ids=["expired", "idle", "revoked"],
)
async def test_an_ended_session_is_refused(client: Client, change: dict[Any, Any]) -> None:
    await apply(client)
    etag = (await client.get("/api/v1/dashboard")).headers["etag"]
    await Session.update(change).where(Session.account.is_not_null())
    for headers in ({}, {"if-none-match": etag}):
        refused = await client.get("/api/v1/dashboard", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["code"] == "session_expired"


async def test_staff_and_strangers_are_refused(client: Client) -> None:
    assert (await client.get("/api/v1/dashboard")).status_code == 401
    client.cookies.set("portal_session", "no-such-token")
    unknown = await client.get("/api/v1/dashboard")
    assert unknown.status_code == 401 and unknown.json()["code"] == "session_expired"
    client.cookies.clear()
    await enrol_staff(client, "operator")
    staff = await client.get("/api/v1/dashboard")
    assert staff.status_code == 403 and staff.json()["code"] == "forbidden"


@pytest.mark.usefixtures("citizen")
async def test_other_query_strings_are_the_apps_to_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):
        await apply(client)
    odd = ["limit=020", "limit=20&foo=1", "limit=%32%30", "limit=1&limit=2", "cursor=1&since=0"]
    wrong = ["limit=0", "limit=51", "limit=abc", "cursor=0", "since=-1", "since=" + "9" * 30]
    for query in odd + wrong:
        fast = await client.get(f"/api/v1/dashboard?{query}")
        with only_the_app(monkeypatch):
            slow = await client.get(f"/api/v1/dashboard?{query}")
        assert fast.status_code == slow.status_code, query
        if query in wrong:
            assert fast.status_code == 400, query
            assert fast.json()["code"] == slow.json()["code"]
            assert {"code", "message"} <= set(fast.json()), query
        else:
            assert fast.content == slow.content, query


@pytest.mark.usefixtures("citizen")
async def test_the_activity_is_recorded(client: Client, statements: list[str]) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=50)
    await Session.update({Session.last_seen_at: old}).where(Session.account.is_not_null())
    statements.clear()
    assert (await client.get("/api/v1/dashboard")).status_code == 200
    assert len(statements) == 2  # the read, then (after the response) the touch
    row = await Session.select(Session.last_seen_at).where(Session.account.is_not_null()).first()
    assert row is not None
    assert dt.datetime.now(dt.UTC) - row["last_seen_at"] < dt.timedelta(minutes=1)


async def _name_on_card(client: Client) -> str:
    card = (await client.get("/api/v1/dashboard")).json()["items"][0]
    return f"{card['service']['slug']}: {card['service']['name']['en']}"


async def _by_hand(sql: str, *args: Any) -> None:
    """A change written straight to the database: this process is not told (another
    process's, or an operator's in SQL)."""
    await current_engine().run_querystring(QueryString(sql, *args))


@pytest.mark.usefixtures("citizen")
async def test_a_catalog_change_elsewhere_names_the_next_dashboard(client: Client) -> None:
    """Names come from the process's memory of the catalog while the catalog's version, read
    with the rows, holds: another process's rename moves it (`announce(EVERYONE)`), and the
    very next dashboard here says the new name, with nothing in this process told."""
    await apply(client)
    before = await _name_on_card(client)
    assert before.startswith("change-health-unit: ") and not before.endswith("Renamed")
    await _by_hand("UPDATE service SET name_en = 'Renamed' WHERE slug = 'change-health-unit'")
    assert await _name_on_card(client) == before  # remembered: the version did not move
    await _by_hand(
        "INSERT INTO change_counter (name, value) VALUES ('catalog', 1000000) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
    )
    assert await _name_on_card(client) == "change-health-unit: Renamed"


@pytest.mark.usefixtures("citizen")
async def test_a_rename_by_hand_shows_once_the_memory_is_old(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    await apply(client)
    before = await _name_on_card(client)
    await _by_hand("UPDATE service SET name_en = 'By hand' WHERE slug = 'change-health-unit'")
    assert await _name_on_card(client) == before
    monkeypatch.setattr(hotcache, "CATALOG_MAX_AGE_S", 0.0)
    assert await _name_on_card(client) == "change-health-unit: By hand"


@pytest.mark.usefixtures("citizen")
async def test_a_service_added_since_the_names_were_read_is_named(client: Client) -> None:
    app_id = (await apply(client)).json()["id"]
    await _name_on_card(client)  # the names, remembered
    columns = [c._meta.db_column_name for c in Service._meta.columns if c._meta.name != "id"]
    copied = ", ".join(columns)
    chosen = copied.replace("slug", "'added-since'").replace("name_en", "'Added since'")
    await _by_hand(
        f"INSERT INTO service ({copied}) SELECT {chosen} FROM service "
        "WHERE slug = 'change-health-unit'"
    )
    await _by_hand(
        "UPDATE application SET service = (SELECT id FROM service WHERE slug = 'added-since') "
        "WHERE id = {}",
        app_id,
    )
    assert await _name_on_card(client) == "added-since: Added since"


async def test_a_catalog_write_moves_the_catalog_version() -> None:
    """What other processes' dashboards see move: the version is the feed row's number."""
    from backend.catalog.demo_data import SERVICES
    from backend.catalog.services import upsert_service
    from backend.lib.db import write_transaction

    version = f"SELECT {hotcache.CATALOG_VERSION} AS v"
    assert (await current_engine().run_querystring(QueryString(version)))[0]["v"] is None
    demo = next(s for s in SERVICES if s["slug"] == "change-health-unit")
    async with write_transaction():
        data = {k: v for k, v in demo.items() if k != "agency"}
        await upsert_service(demo["agency"], {**data, "name_en": "Renamed"})
    moved = (await current_engine().run_querystring(QueryString(version)))[0]["v"]
    feed = await current_engine().run_querystring(
        QueryString("SELECT MAX(seq) AS seq FROM cache_event WHERE account = 0")
    )
    assert moved == feed[0]["seq"] is not None


@pytest.mark.usefixtures("citizen")
async def test_a_service_marking_an_identifying_field_since_shows_it_on_the_next_dashboard(
    client: Client,
) -> None:
    """Which services' answers the statement sends comes from the names this process keeps;
    a service that marks an identifying field elsewhere moves the catalog's version, and the
    very next dashboard reads again with it and shows the answer."""
    await apply(client)
    card = (await client.get("/api/v1/dashboard")).json()["items"][0]
    assert card.get("detail") is None
    await _by_hand("UPDATE service SET identifier = 'phone' WHERE slug = 'change-health-unit'")
    await _by_hand(
        "INSERT INTO change_counter (name, value) VALUES ('catalog', 1000000) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
    )
    card = (await client.get("/api/v1/dashboard")).json()["items"][0]
    assert card["detail"] == "0812345678"


@pytest.mark.usefixtures("citizen")
async def test_a_failure_in_the_one_statement_path_is_the_apps_to_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path runs in front of the router, outside the app's exception handlers: what fails
    there before a byte went out goes on to the app, which answers as for any request (here
    the page; with the database gone, its JSON 503), never as an error leaving the app."""
    await apply(client)
    expected = await _get(client, {})

    async def broken(*_: Any) -> None:
        raise RuntimeError("a bug in the fast path")

    with monkeypatch.context() as patched:
        patched.setattr(fastpath, "signed_in", broken)
        answered = await _get(client, {})
    assert answered.status_code == 200
    assert answered.json() == expected.json()
    assert answered.headers["x-request-id"]

    async def unreachable(*_: Any, **__: Any) -> None:
        raise ConnectionRefusedError  # as a database that went away

    with monkeypatch.context() as patched:
        patched.setattr(fastpath, "signed_in", unreachable)
        patched.setattr(fastpath, "remembered_session", lambda *_: None)
        patched.setattr("backend.applications.dashboard.answer", unreachable)
        down = await _get(client, {})
    assert down.status_code == 503, down.text
    assert down.json()["code"] == "database_unavailable"


@pytest.mark.usefixtures("citizen")
async def test_the_page_is_read_from_the_dashboards_index(client: Client) -> None:
    """The page's rows come from the dashboard's index alone, without a sort (a table read or
    a sort for every request was a third of the statement on SQLite). PostgreSQL is told not
    to scan this small table, as it would not a large one."""
    for _ in range(3):
        await apply(client)
    statement = dashboards._SIGNED_IN[dashboards._NEWEST]
    args = ("no-such-token", ",", -1, -1, 21)
    engine = current_engine()
    if engine.engine_type == "sqlite":
        plan = " | ".join(
            r["detail"]
            for r in await engine.run_querystring(
                QueryString("EXPLAIN QUERY PLAN " + statement.template, *args)
            )
        )
        assert "SEARCH a USING COVERING INDEX application_dashboard (account=?)" in plan
    else:
        async with engine.transaction():
            await engine.run_querystring(QueryString("SET LOCAL enable_seqscan = off"))
            rows = await engine.run_querystring(QueryString("EXPLAIN " + statement.template, *args))
        plan = " | ".join(r["QUERY PLAN"] for r in rows)
        assert "Index Only Scan Backward using application_dashboard on application a" in plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_the_sessions_row_is_put_last_if_an_engine_gave_it_earlier() -> None:
    """Without an ORDER BY over the page and the session's row, an engine could give them in
    another order: the rows are then sorted as the page reads them."""
    width = dashboards._SESSION_ROW + 1

    def row(change_seq: int | None, session: int) -> list[Any]:
        made: list[Any] = [None] * width
        made[dashboards.CHANGE_SEQ], made[dashboards._SESSION_ROW] = change_seq, session
        return made

    given = [row(None, 1), row(4, 0), row(9, 0), row(7, 0)]
    newest = dashboards._in_order(given, dashboards._NEWEST)
    assert [(r[dashboards.CHANGE_SEQ], r[dashboards._SESSION_ROW]) for r in newest] == [
        (9, 0), (7, 0), (4, 0), (None, 1),
    ]  # fmt: skip
    since = dashboards._in_order(given, dashboards._SINCE)
    assert [r[dashboards.CHANGE_SEQ] for r in since] == [4, 7, 9, None]
    in_turn = [row(9, 0), row(4, 0), row(None, 1)]
    assert dashboards._in_order(in_turn, dashboards._NEWEST) is in_turn
