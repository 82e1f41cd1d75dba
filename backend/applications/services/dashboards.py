"""The dashboard's rows: every application of an account, newest activity first, as plain SQL
in one statement (building the joined select with Piccolo cost more CPU than everything else
in the request: scripts/bench_dashboard.py), with the dashboard's version read in the same
statement (one round trip, and `sync` and the rows come from one snapshot).

`signed_in_dashboard` reads the session behind a cookie in that statement too: the request
of a phone whose session and page this process does not remember (applications.fastpath)
is one round trip in all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from backend.accounts import sessions
from backend.applications.schemas import Dashboard
from backend.applications.services.reading import summary_of
from backend.lib.statements import Statement, fetch

__all__ = ["Version", "dashboard", "dashboard_version", "signed_in_dashboard"]

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


# Each kind of page walks the (account, change_seq) index: (condition, order), `{}` its bound.
_NEWEST = ("a.deleted_at IS NULL", "change_seq DESC")
_BEFORE = ("a.deleted_at IS NULL AND a.change_seq < {}", "change_seq DESC")
_SINCE = ("a.change_seq > {}", "change_seq")  # discarded drafts too, as `deleted`


def _of_account(where: str, order: str) -> Statement:
    return Statement(
        f"SELECT {_ROW}, v.seq AS version_seq, v.n AS version_n "  # noqa: S608 (constant)
        f"FROM ({_version_of('{}')}) v CROSS JOIN {_FROM} "
        f"WHERE a.account = {{}} AND {where} ORDER BY a.{order} LIMIT {{}}"
    )


_ROW_NAMES = [line.split()[-1].split(".")[-1] for line in _ROW.replace("\n", " ").split(", ")]
_SESSION_NAMES = [f"session_{c}" for c in sessions.COLUMNS] + ["version_seq", "version_n"]


def _with_session(where: str, order: str) -> Statement:
    """The page, when the session by its token hash (`me`) is a citizen's, not revoked, and
    the version `v` of its account's dashboard is not the one the client has; then, last, a
    row of the session and the version (its page columns NULL, as the page rows' session
    columns: each value is sent and decoded once)."""
    nulls = ", ".join(f"NULL AS {name}" for name in _SESSION_NAMES)
    return Statement(
        f"WITH me AS (SELECT {', '.join(sessions.COLUMNS)} FROM session "  # noqa: S608 (constant)
        "WHERE token_hash = {}), "
        f"v AS ({_version_of('(SELECT account FROM me)')}) "
        f"SELECT d.*, {nulls}, 0 AS session_row FROM (SELECT {_ROW} FROM {_FROM} "
        # Conditions on the one-row `me` and `v` as values, not filters: SQLite would build an
        # index on each to filter them; PostgreSQL reads no rows when the second is false.
        "WHERE a.account = (SELECT CASE WHEN role = 'citizen' AND revoked_at IS NULL "
        "THEN account END FROM me) AND (SELECT seq <> {} OR n <> {} FROM v) "
        f"AND {where} ORDER BY a.{order} LIMIT {{}}) d "
        f"UNION ALL SELECT {', '.join('NULL' for _ in _ROW_NAMES)}, "
        f"{', '.join(f'me.{c}' for c in sessions.COLUMNS)}, v.seq, v.n, 1 FROM me CROSS JOIN v "
        f"ORDER BY session_row, {order}"
    )


_VERSION = Statement(_version_of("{}"))
_PAGES = {kind: _of_account(*kind) for kind in (_NEWEST, _BEFORE, _SINCE)}
_SIGNED_IN = {kind: _with_session(*kind) for kind in (_NEWEST, _BEFORE, _SINCE)}


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


async def signed_in_dashboard(
    token_hash: str,
    *,
    limit: int,
    cursor: int | None,
    since: int | None,
    known: Version | None,
) -> tuple[dict[str, Any], Version, Dashboard | None] | None:
    """In one statement: the session row (`sessions.COLUMNS`) whose token has this hash, the
    version of its account's dashboard, and the page, unless the version is `known` (the
    client has it: None) or the session is not a live citizen's (the caller checks the row
    with `sessions.live_session` and must not answer then). None: no such session."""
    kind, bound = _kind(cursor, since)
    seq, n = known or (-1, -1)
    rows = await fetch(_SIGNED_IN[kind], token_hash, seq, n, *bound, limit + 1)
    if not rows:
        return None
    last = rows[-1]
    session = {c: last["session_" + c] for c in sessions.COLUMNS}
    for name in ("expires_at", "last_seen_at", "revoked_at"):
        if isinstance(session[name], str):  # SQLite: a NULL column's type is the first row's
            session[name] = dt.datetime.fromisoformat(session[name]).replace(tzinfo=dt.UTC)
    version = int(last["version_seq"]), int(last["version_n"])
    if version == known:
        return session, version, None
    return session, version, page_of(rows[:-1], version, limit=limit, since=since)


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
