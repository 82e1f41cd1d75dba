"""The public figures (`/performance` page, JSON, CSV) and the officer console's own view."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.params import QueryParameter

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.agency_api.errors import NoAgencyError
from backend.lib.openapi import error_answers
from backend.performance import officer, page, services
from backend.performance.errors import (
    FiguresNotReadyError,
    UnknownAgencyError,
    UnknownMonthError,
)
from backend.performance.schemas import OfficerPerformance, Snapshot
from backend.settings import Settings

__all__ = ["OfficerPerformanceController", "PerformanceController", "PerformancePageController"]

PUBLIC = CacheControlHeader(public=True, max_age=300)
"""The figures change once an hour: a proxy or browser may keep them five minutes."""

Lang = Annotated[str, QueryParameter(pattern="^(th|en)$")]
Month = Annotated[
    str | None,
    QueryParameter(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, Thai time."),
]
AgencyCode = Annotated[
    str | None, QueryParameter(pattern="^[A-Za-z0-9_-]{1,16}$", description="Agency code.")
]


async def _shown() -> Snapshot:
    snapshot = await services.latest()
    if snapshot is None:
        raise FiguresNotReadyError()
    return snapshot


class PerformancePageController(Controller):
    path = "/performance"
    include_in_schema = False
    cache_control = PUBLIC

    @get("/", operation_id="performancePage")
    async def page(
        self, settings: NamedDependency[Settings], lang: Lang = "th", month: Month = None
    ) -> Response[str]:
        """The figures of one month for every agency, as HTML that needs no JavaScript."""
        from backend.lib.static import page_stylesheet

        stylesheet = page_stylesheet(settings.pwa_dir)
        html = page.render(await services.latest(), lang, month, stylesheet)
        return Response(html, media_type=MediaType.HTML)


class PerformanceController(Controller):
    path = "/api/v1"
    tags = ["performance"]
    cache_control = PUBLIC

    @get(
        "/performance",
        operation_id="performance",
        responses=dict(
            error_answers(FiguresNotReadyError(), UnknownAgencyError(), UnknownMonthError())
        ),
    )
    async def figures(self, agency: AgencyCode = None, month: Month = None) -> Snapshot:
        """Every agency's and service's figures by month (the last 12) and their backlog now;
        a figure from fewer than 10 applications is null with its reason. Refreshed hourly."""
        return services.narrowed(await _shown(), agency, month)

    @get(
        "/performance.csv",
        operation_id="performanceCsv",
        media_type="text/csv; charset=utf-8",
        responses=dict(
            error_answers(FiguresNotReadyError(), UnknownAgencyError(), UnknownMonthError())
        ),
    )
    async def csv(
        self,
        agency: AgencyCode = None,
        month: Month = None,
        table: Annotated[
            str,
            QueryParameter(
                pattern="^(months|backlog)$",
                description="months: a line per month, agency and service; backlog: what "
                "is waiting now.",
            ),
        ] = "months",
    ) -> Response[str]:
        """The same figures as CSV; an empty cell is a figure not shown (see `not_shown`)."""
        snapshot = services.narrowed(await _shown(), agency, month)
        if table == "backlog":
            body, name = page.backlog_csv(snapshot, snapshot.agencies), "performance-backlog.csv"
        else:
            body = page.months_csv(snapshot, snapshot.months, snapshot.agencies)
            name = "performance.csv"
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


class OfficerPerformanceController(Controller):
    path = "/api/v1/officer/performance"
    tags = ["officer"]
    guards = [requires_role("officer")]
    opt = need("staff")
    dependencies = {"auth": Provide(provide_auth)}
    cache_control = CacheControlHeader(private=True, no_cache=True)

    @get(
        "/",
        operation_id="officerPerformance",
        responses=dict(error_answers(NoAgencyError())),
    )
    async def mine(self, auth: NamedDependency[Auth]) -> OfficerPerformance:
        """My agency's figures and its applications past the promised deadline (audited)."""
        return await officer.officer_performance(auth.require_account(), auth.actor())
