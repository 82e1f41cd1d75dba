"""The dashboard's rows: every application of an account, newest activity first, as plain SQL
in one statement (building the joined select with Piccolo cost more CPU than everything else
in the request: scripts/bench_dashboard.py), with the dashboard's version read in the same
statement (one round trip, and `sync` and the rows come from one snapshot).

`signed_in_dashboard` reads the session behind a cookie in that statement too: the request
of a phone whose session and page this process does not remember (applications.fastpath)
is one round trip in all.

The first page (the PWA's `?limit=20`) is also kept encoded in `dashboard_page` with what it
was read at: the dashboard's version, FORMAT and the catalog's last change. The statement
answers with that one row while all three are current, and reads the rows only when not
(a change the writer has not stored yet, a page never stored, new code, a renamed service).
Whoever changes an application stores the new page after answering (`after_change`); a
page read from rows is stored after its answer too. Nothing else has to keep it true.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

import msgspec

from backend.accounts import sessions
from backend.applications.schemas import Dashboard
from backend.applications.services.reading import summary_of
from backend.lib.db import after_commit
from backend.lib.middleware import after_this_response
from backend.lib.statements import Statement, fetch

__all__ = [
    "FIRST_PAGE",
    "KEPT_PAGE_DAYS",
    "SignedIn",
    "Version",
    "after_change",
    "dashboard",
    "dashboard_version",
    "encode_page",
    "signed_in_dashboard",
    "store_page",
]

Version = tuple[int, int]
"""(latest change number, number of applications): changes whenever the dashboard would."""

_ROW = """a.id, a.tracking_code, a.status, a.updated_at, a.action_required, a.change_seq,
    a.deleted_at, a.submitted_at, s.processing_days,
    s.slug AS service_slug, s.name_th AS service_th, s.name_en AS service_en, s.identifier,
    CASE WHEN s.identifier <> '' THEN a.answers ELSE '' END AS id_answers,
    g.code AS agency_code, g.name_th AS agency_th, g.name_en AS agency_en"""
_FROM = "application a JOIN service s ON s.id = a.service JOIN agency g ON g.id = a.agency"


def _version_of(account: str) -> str:
    return (
        "SELECT COALESCE(MAX(change_seq), 0) AS seq, COUNT(*) AS n FROM application "  # noqa: S608 (constant)
        f"WHERE account = {account}"
    )


FIRST_PAGE = 20
"""The page kept in `dashboard_page`: the newest `limit=20`, the one every phone asks for."""
KEPT_PAGE_DAYS = 30
"""A kept page stored longer ago goes (housekeeping): the table holds the citizens active
lately, not everyone who ever applied; the others' next opening reads the rows once."""
FORMAT = 1
"""Of the kept pages: raise it when a summary's fields or how they are worked out change (a
promised date's working days), so no page of older code is answered."""
encode_page = msgspec.json.Encoder().encode
"""A page's bytes: the same encoder for what is answered and what is kept."""
_CATALOG_AT = "(SELECT COALESCE(CAST(MAX(updated_at) AS TEXT), '') FROM service)"
"""Services' names and promised days are on every card: a kept page is of one catalog."""

# Each kind of page walks the (account, change_seq) index: (condition, order), `{}` its bound.
_NEWEST = ("a.deleted_at IS NULL", "change_seq DESC")
_BEFORE = ("a.deleted_at IS NULL AND a.change_seq < {}", "change_seq DESC")
_SINCE = ("a.change_seq > {}", "change_seq")  # discarded drafts too, as `deleted`


def _of_account(where: str, order: str) -> Statement:
    return Statement(
        f"SELECT {_ROW}, v.seq AS version_seq, v.n AS version_n, "  # noqa: S608 (constant)
        f"{_CATALOG_AT} AS catalog_at "
        f"FROM ({_version_of('{}')}) v CROSS JOIN {_FROM} "
        f"WHERE a.account = {{}} AND {where} ORDER BY a.{order} LIMIT {{}}"
    )


_ROW_NAMES = [line.split()[-1].split(".")[-1] for line in _ROW.replace("\n", " ").split(", ")]
_SESSION_NAMES = [f"session_{c}" for c in sessions.COLUMNS] + [
    "version_seq", "version_n", "kept", "catalog_at"
]  # fmt: skip


def _with_session(where: str, order: str, *, kept: bool = False) -> Statement:
    """The page, when the session by its token hash (`me`) is a citizen's, not revoked, and
    the version `v` of its account's dashboard is not the one the client has; then, last, a
    row of the session and the version (its page columns NULL, as the page rows' session
    columns: each value is sent and decoded once). `kept` (the first page): the kept page
    `p` when it is current, in that last row, and then no page rows."""
    nulls = ", ".join(f"NULL AS {name}" for name in _SESSION_NAMES)
    current = (
        f", c AS (SELECT {_CATALOG_AT} AS at), p AS (SELECT body FROM dashboard_page "  # noqa: S608
        "WHERE account = (SELECT account FROM me) AND seq = (SELECT seq FROM v) "
        f"AND n = (SELECT n FROM v) AND format = {FORMAT} AND catalog_at = (SELECT at FROM c)) "
    )
    return Statement(
        f"WITH me AS (SELECT {', '.join(sessions.COLUMNS)} FROM session "  # noqa: S608 (constant)
        "WHERE token_hash = {}), "
        f"v AS ({_version_of('(SELECT account FROM me)')}), "
        "w AS (SELECT seq <> {} OR n <> {} AS wanted FROM v)"
        f"{current if kept else ' '}"
        f"SELECT d.*, {nulls}, 0 AS session_row FROM (SELECT {_ROW} FROM {_FROM} "
        # Conditions on the one-row `me`, `w` and `p` as values, not filters: SQLite would
        # build an index on each to filter them; PostgreSQL reads no rows when one is false.
        "WHERE a.account = (SELECT CASE WHEN role = 'citizen' AND revoked_at IS NULL "
        "THEN account END FROM me) AND (SELECT wanted FROM w) "
        f"{'AND NOT EXISTS (SELECT 1 FROM p) ' if kept else ''}"
        f"AND {where} ORDER BY a.{order} LIMIT {{}}) d "
        f"UNION ALL SELECT {', '.join('NULL' for _ in _ROW_NAMES)}, "
        f"{', '.join(f'me.{c}' for c in sessions.COLUMNS)}, v.seq, v.n, "
        + (
            "CASE WHEN (SELECT wanted FROM w) THEN (SELECT body FROM p) END, (SELECT at FROM c), "
            if kept
            else "NULL, NULL, "
        )
        + f"1 FROM me CROSS JOIN v ORDER BY session_row, {order}"
    )


_VERSION = Statement(_version_of("{}"))
_PAGES = {kind: _of_account(*kind) for kind in (_NEWEST, _BEFORE, _SINCE)}
_SIGNED_IN = {kind: _with_session(*kind) for kind in (_NEWEST, _BEFORE, _SINCE)}
_SIGNED_IN_FIRST = _with_session(*_NEWEST, kept=True)
_KEEP = Statement(
    "INSERT INTO dashboard_page (account, seq, n, format, catalog_at, body, stored_at) "
    "VALUES ({}, {}, {}, {}, {}, {}, {}) ON CONFLICT (account) DO UPDATE SET "
    "seq = excluded.seq, n = excluded.n, format = excluded.format, "
    "catalog_at = excluded.catalog_at, body = excluded.body, stored_at = excluded.stored_at"
)


async def dashboard_version(account_id: int) -> Version:
    """One index-only lookup, so an unchanged dashboard is answered 304 without reading rows."""
    rows = await fetch(_VERSION, account_id)
    return int(rows[0]["seq"]), int(rows[0]["n"])


def _kind(cursor: int | None, since: int | None) -> tuple[tuple[str, str], tuple[int, ...]]:
    if since is not None:
        return _SINCE, (since,)
    if cursor is not None:
        return _BEFORE, (cursor,)
    return _NEWEST, ()


async def dashboard(
    account_id: int, *, limit: int, cursor: int | None, since: int | None
) -> tuple[Dashboard, Version]:
    """Newest activity first, paged by `cursor`; or, with `since`, only what changed after
    that sync number (oldest change first, discarded drafts included as `deleted`). With it,
    the `dashboard_version` these rows are of."""
    kind, bound = _kind(cursor, since)
    rows = await fetch(_PAGES[kind], account_id, account_id, *bound, limit + 1)
    # No rows (nothing on this page, or nothing changed): the version on its own.
    version = (
        (int(rows[0]["version_seq"]), int(rows[0]["version_n"]))
        if rows
        else await dashboard_version(account_id)
    )
    return page_of(rows, version, limit=limit, since=since), version


class SignedIn(NamedTuple):
    """What `signed_in_dashboard` read."""

    session: dict[str, Any]
    """The session's row (`sessions.COLUMNS`), for `sessions.live_session` to check."""
    version: Version
    page: Dashboard | bytes | None
    """Read from the rows, or the kept page's bytes; None: the client has this version."""
    keep: bool
    """`page` was read from the rows and is the first page: `store_page` it."""
    catalog_at: str


async def signed_in_dashboard(
    token_hash: str,
    *,
    limit: int,
    cursor: int | None,
    since: int | None,
    known: Version | None,
) -> SignedIn | None:
    """In one statement: the session row (`sessions.COLUMNS`) whose token has this hash, the
    version of its account's dashboard, and the page (kept, or from the rows), unless the
    version is `known` (the client has it) or the session is not a live citizen's (the
    caller checks the row with `sessions.live_session` and must not answer then). None: no
    such session."""
    kind, bound = _kind(cursor, since)
    first = kind == _NEWEST and limit == FIRST_PAGE
    seq, n = known or (-1, -1)
    statement = _SIGNED_IN_FIRST if first else _SIGNED_IN[kind]
    rows = await fetch(statement, token_hash, seq, n, *bound, limit + 1)
    if not rows:
        return None
    last = rows[-1]
    session = {c: last["session_" + c] for c in sessions.COLUMNS}
    for name in ("expires_at", "last_seen_at", "revoked_at"):
        if isinstance(session[name], str):  # SQLite: a NULL column's type is the first row's
            session[name] = dt.datetime.fromisoformat(session[name]).replace(tzinfo=dt.UTC)
    version = int(last["version_seq"]), int(last["version_n"])
    catalog_at = last["catalog_at"] or ""
    if version == known:
        return SignedIn(session, version, None, False, catalog_at)
    if last["kept"] is not None:
        return SignedIn(session, version, bytes(last["kept"]), False, catalog_at)
    page = page_of(rows[:-1], version, limit=limit, since=since)
    return SignedIn(session, version, page, first and len(rows) > 1, catalog_at)


async def store_page(account_id: int, version: Version, catalog_at: str, body: bytes) -> None:
    """Keep `body`, the first page at `version` of the catalog at `catalog_at` (one
    statement's snapshot). The last write wins: one of an older version is never answered."""
    now = dt.datetime.now(dt.UTC)
    await fetch(_KEEP, account_id, version[0], version[1], FORMAT, catalog_at, body, now)


def after_change(account_id: int) -> None:
    """In the transaction that changes an account's applications: once it commits and the
    request is answered, read the account's first page and keep it, so the citizen's next
    opening (the push brings them) reads one row. Outside a request (the worker) nothing is
    done: the next read keeps it."""
    work = partial(_store_first, account_id)
    after_commit(lambda: after_this_response(work, once_per=("dashboard_page", account_id)))


async def _store_first(account_id: int) -> None:
    rows = await fetch(_PAGES[_NEWEST], account_id, account_id, FIRST_PAGE + 1)
    if rows:  # none: an empty dashboard costs no more to read than the kept row
        version = int(rows[0]["version_seq"]), int(rows[0]["version_n"])
        page = page_of(rows, version, limit=FIRST_PAGE, since=None)
        await store_page(account_id, version, rows[0]["catalog_at"] or "", encode_page(page))


def page_of(
    rows: Sequence[Mapping[str, Any]], version: Version, *, limit: int, since: int | None
) -> Dashboard:
    """The page from up to `limit` + 1 rows (one more: there is a next page)."""
    more = len(rows) > limit
    rows = rows[:limit]
    items = [summary_of(r) for r in rows]
    if since is not None:
        # More changes than one page: the client continues from the last one it got.
        sync = rows[-1]["change_seq"] if more else max(version[0], since)
        return Dashboard(items=items, sync=sync)
    next_cursor = rows[-1]["change_seq"] if more else None
    return Dashboard(items=items, sync=version[0], next_cursor=next_cursor)
