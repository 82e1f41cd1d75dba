"""The personal dashboard: every application of mine, newest activity first."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.applications import dashboard as answers
from backend.applications import services
from backend.applications.schemas import (
    Dashboard,
)
from backend.lib.db import current_engine
from backend.system.hotcache import cache_of

__all__ = ["DashboardController"]


class DashboardController(Controller):
    path = answers.PATH
    tags = ["applications"]
    guards = [requires_role("citizen")]
    opt = need("status")
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="getDashboard", cache_control=None)
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[Auth],
        limit: Annotated[int, QueryParameter(ge=1, le=services.MAX_DASHBOARD_PAGE)] = 20,
        cursor: Annotated[int | None, QueryParameter(ge=1)] = None,
        since: Annotated[int | None, QueryParameter(ge=0)] = None,
    ) -> Response[Dashboard] | Response[None]:
        """All my applications, newest activity first. Send `If-None-Match` to get 304 when
        nothing changed, or `since=<sync>` to get only what changed."""
        # A citizen's own pages are remembered by the process (an operator's are not: each of
        # their reads is audited); system.hotcache forgets them when the account changes.
        cache = cache_of(current_engine()) if auth.acting_for is None else None
        found = await answers.answer(
            auth.require_account(),
            answers.page_key(request.scope["query_string"]),
            request.headers.get("if-none-match", ""),
            cache,
            limit=limit,
            cursor=cursor,
            since=since,
            only=auth.services,
        )
        if found.body is None:
            return Response(None, status_code=HTTP_304_NOT_MODIFIED, headers=found.headers())
        encoded: Response[Any] = Response(  # a Dashboard, encoded once and perhaps remembered
            found.body, media_type=MediaType.JSON, headers=found.headers()
        )
        return encoded
