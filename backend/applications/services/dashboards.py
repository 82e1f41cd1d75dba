"""The dashboard's rows: every application of an account, newest activity first, as plain SQL
in one statement (building the joined select with Piccolo cost more CPU than everything else
in the request: scripts/bench_dashboard.py), with the dashboard's version read in the same
statement (one round trip, and `sync` and the rows come from one snapshot).

The rows name their service and agency by id: the names come from this process's memory of
the catalog (`_names`), kept while the catalog's version, read in the same statement, holds
(system.catalog_memory.catalog_as_of). Joining the two tables for every row was a third of the
database's work for the statement.

`signed_in_dashboard` reads the session behind a cookie in that statement too: the request
of a phone whose session and page this process does not remember (applications.fastpath)
is one round trip in all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from backend.accounts import sessions
from backend.applications.schemas import ApplicationSummary, Dashboard, ServiceRef
from backend.applications.services.reading import action_required, expected_of, identifying
from backend.lib.schema import I18n
from backend.lib.sqlite import utc_of_text
from backend.lib.statements import Statement, fetch
from backend.system.catalog_memory import catalog_as_of, catalog_held
from backend.system.hotcache import CATALOG_VERSION

__all__ = ["Version", "dashboard", "dashboard_version", "signed_in_dashboard"]

Version = tuple[int, int]
"""(latest change number, number of applications): changes whenever the dashboard would."""

# The answers only where the service has an identifying field (`identifying`): they can be
# long, and most services have none. Which services those are is a value the statement is
# given (`_Names.identifying`, ",3,7,"), from the names this process keeps: asking the service
# table in the statement cost PostgreSQL a seventh of its CPU for it.
# The rest of a card is in the dashboard's index (applications_2026_12_06 migration): the two
# long columns, shown by few rows, are read from the table for those rows only.
_ROW = """a.id, a.tracking_code, a.status, a.updated_at,
    CASE WHEN a.status = 'needs_info' THEN (SELECT action_required FROM application r
        WHERE r.id = a.id) ELSE '' END AS action_required, a.change_seq,
    a.deleted_at IS NOT NULL AS deleted, a.submitted_at, a.service, a.agency,
    CASE WHEN {} LIKE ('%,' || a.service || ',%') THEN (SELECT answers FROM application r
        WHERE r.id = a.id) ELSE '' END AS id_answers"""
_FROM = "application a"
_ROW_TIMES = ("updated_at", "submitted_at")
_ROW_NAMES = [line.split()[-1].split(".")[-1] for line in _ROW.replace("\n", " ").split(", ")]
# The statements' rows are read by position (`Statement.positional`): a page row's columns.
(ID, TRACKING_CODE, STATUS, UPDATED_AT, ACTION_REQUIRED, CHANGE_SEQ, DELETED, SUBMITTED_AT,
 SERVICE, AGENCY, ID_ANSWERS) = range(len(_ROW_NAMES))  # fmt: skip
assert _ROW_NAMES[AGENCY] == "agency" and _ROW_NAMES[ID_ANSWERS] == "id_answers"
# Then, in `_PAGES`' rows, the version and the catalog's; in `_SIGNED_IN`'s, the session's first.
_PAGE_VERSION_SEQ, _PAGE_VERSION_N, _PAGE_CATALOG = range(len(_ROW_NAMES), len(_ROW_NAMES) + 3)
_SESSION_AT = len(_ROW_NAMES)
_VERSION_SEQ, _VERSION_N, _CATALOG, _SESSION_ROW = (
    _SESSION_AT + len(sessions.COLUMNS) + i for i in range(4)
)


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
        f"SELECT {_ROW}, v.seq AS version_seq, v.n AS version_n, "  # noqa: S608 (constant)
        f"{CATALOG_VERSION} AS catalog_version "
        f"FROM ({_version_of('{}')}) v CROSS JOIN {_FROM} "
        f"WHERE a.account = {{}} AND {where} ORDER BY a.{order} LIMIT {{}}",
        inline=True,
        times=_ROW_TIMES,
        positional=True,
    )


_SESSION_NAMES = [f"session_{c}" for c in sessions.COLUMNS] + [
    "version_seq",
    "version_n",
    "catalog_version",
]


def _with_session(where: str, order: str) -> Statement:
    """The page, when the session by its token hash (`me`) is a citizen's, not revoked, and
    the version `v` of its account's dashboard is not the one the client has; then, last, a
    row of the session and the version (its page columns NULL, as the page rows' session
    columns: each value is sent and decoded once). No ORDER BY over the two: both engines
    give a UNION ALL's parts in turn, and sorting them cost SQLite a tenth of the statement
    (a temporary B-tree); `_in_order` checks that the session's row came last."""
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
        f"{', '.join(f'me.{c}' for c in sessions.COLUMNS)}, v.seq, v.n, {CATALOG_VERSION}, 1 "
        "FROM me CROSS JOIN v",
        inline=True,
        times=_ROW_TIMES + tuple(f"session_{c}" for c in sessions.TIMES),
        positional=True,
    )


_VERSION = Statement(_version_of("{}"), inline=True)
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
    asked = _identifying_held()
    while True:
        rows = await fetch(_PAGES[kind], asked, account_id, account_id, *bound, limit + 1)
        if not rows:  # nothing on this page, or nothing changed: the version on its own
            version = await dashboard_version(account_id)
            return page_of(rows, version, _NO_NAMES, limit=limit, since=since), version
        version = int(rows[0][_PAGE_VERSION_SEQ]), int(rows[0][_PAGE_VERSION_N])
        names = await _names(rows[0][_PAGE_CATALOG], rows)
        if not _answers_left_out(rows, asked, names):
            return page_of(rows, version, names, limit=limit, since=since), version
        asked = names.identifying


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
    asked = _identifying_held()
    while True:
        read = (token_hash, asked, seq, n, *bound, limit + 1)
        rows = _in_order(await fetch(_SIGNED_IN[kind], *read), kind)
        if not rows:
            return None
        last = rows[-1]
        session = dict(zip(sessions.COLUMNS, last[_SESSION_AT:_VERSION_SEQ], strict=True))
        for name in sessions.TIMES:
            if isinstance(session[name], str):  # SQLite: a NULL column's type is the 1st row's
                session[name] = utc_of_text(session[name])
        version = int(last[_VERSION_SEQ]), int(last[_VERSION_N])
        if version == known:
            return session, version, None
        rows = rows[:-1]
        names = await _names(last[_CATALOG], rows) if rows else _NO_NAMES
        if not _answers_left_out(rows, asked, names):
            return session, version, page_of(rows, version, names, limit=limit, since=since)
        asked = names.identifying


def _in_order(rows: Sequence[Sequence[Any]], kind: tuple[str, str]) -> Sequence[Sequence[Any]]:
    """`_SIGNED_IN`'s rows with the session's last (as they come), else sorted so: the page
    by its order, then the session's row."""
    if not rows or rows[-1][_SESSION_ROW] == 1:
        return rows
    newest_first = kind[1].endswith("DESC")
    page = sorted(
        (r for r in rows if r[_SESSION_ROW] == 0),
        key=lambda r: r[CHANGE_SEQ],
        reverse=newest_first,
    )
    return page + [r for r in rows if r[_SESSION_ROW] == 1]


class _Names:
    """The catalog's names that cards show, by id, and each (service, agency) pair's
    `ServiceRef`, made once (an application keeps the agency it was made to)."""

    __slots__ = ("agencies", "identifying", "refs", "services")

    def __init__(
        self, services: Sequence[Mapping[str, Any]], agencies: Sequence[Mapping[str, Any]]
    ) -> None:
        self.services = {r["id"]: r for r in services}
        self.agencies = {r["id"]: r for r in agencies}
        self.refs: dict[tuple[int, int], ServiceRef] = {}
        marked = sorted(r["id"] for r in services if r["identifier"])
        self.identifying = "".join(f",{i}" for i in marked) + ","
        """The services with an identifying field, as the statements match them (",3,7,")."""

    def knows(self, rows: Sequence[Sequence[Any]]) -> bool:
        return all(r[SERVICE] in self.services and r[AGENCY] in self.agencies for r in rows)

    def ref(self, service_id: int, agency_id: int) -> ServiceRef:
        ref = self.refs.get((service_id, agency_id))
        if ref is None:
            service, agency = self.services[service_id], self.agencies[agency_id]
            ref = self.refs[service_id, agency_id] = ServiceRef(
                slug=service["slug"],
                name=I18n(th=service["name_th"], en=service["name_en"]),
                agency=agency["code"],
                agency_name=I18n(th=agency["name_th"], en=agency["name_en"]),
            )
        return ref


_NO_NAMES = _Names((), ())
_NAMES_KEY = "dashboard-names"
_SERVICES = Statement(
    "SELECT id, slug, name_th, name_en, processing_days, identifier FROM service", inline=True
)
_AGENCIES = Statement("SELECT id, code, name_th, name_en FROM agency", inline=True)


async def _read_names() -> _Names:
    return _Names(await fetch(_SERVICES), await fetch(_AGENCIES))


def _identifying_held() -> str:
    """The services whose answers a statement asks for: those with an identifying field in
    the names this process last read, whatever the catalog's version (none before the first
    read). Read again with the right ones in the rare case the rows' version says otherwise
    (`_answers_left_out`)."""
    held: _Names | None = catalog_held(_NAMES_KEY)
    return held.identifying if held is not None else ","


def _answers_left_out(rows: Sequence[Sequence[Any]], asked: str, names: _Names) -> bool:
    """Whether a row's service identifies by an answer (`names`, as of the rows) that was not
    asked for (answers sent for a service that no longer identifies are not shown)."""
    if names.identifying == asked:  # as nearly always: nothing to look at
        return False
    return any(
        f",{r[SERVICE]}," in names.identifying and f",{r[SERVICE]}," not in asked for r in rows
    )


async def _names(catalog_version: int | None, rows: Sequence[Sequence[Any]]) -> _Names:
    """The names of the rows' services and agencies, as of `catalog_version`: remembered
    while it holds, read again when it moves or a row names one added since."""
    names = await catalog_as_of(catalog_version, _NAMES_KEY, _read_names)
    if not names.knows(rows):
        names = await catalog_as_of(catalog_version, _NAMES_KEY, _read_names, again=True)
    return names


def _card(row: Sequence[Any], names: _Names) -> ApplicationSummary:
    service = names.services[row[SERVICE]]
    status = row[STATUS]
    return ApplicationSummary(
        id=row[ID],
        tracking_code=row[TRACKING_CODE],
        status=status,
        updated_at=row[UPDATED_AT],
        service=names.ref(row[SERVICE], row[AGENCY]),
        action=action_required(row[ACTION_REQUIRED]) if status == "needs_info" else None,
        deleted=bool(row[DELETED]),  # SQLite: 0 or 1
        expected_by=expected_of(status, row[SUBMITTED_AT], service["processing_days"]),
        detail=identifying(service["identifier"], row[ID_ANSWERS]),
    )


def page_of(
    rows: Sequence[Sequence[Any]],
    version: Version,
    names: _Names,
    *,
    limit: int,
    since: int | None,
) -> Dashboard:
    """The page from up to `limit` + 1 rows (one more: there is a next page)."""
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_card(r, names) for r in rows]
    if since is not None:
        # More changes than one page: the client continues from the last one it got.
        sync = rows[-1][CHANGE_SEQ] if more else max(version[0], since)
        return Dashboard(items=items, sync=sync)
    next_cursor = rows[-1][CHANGE_SEQ] if more else None
    return Dashboard(items=items, sync=version[0], next_cursor=next_cursor)
