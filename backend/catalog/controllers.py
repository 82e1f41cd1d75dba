"""Public catalog API: anyone may browse services, signed in or not."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, QueryParameter

from backend.catalog import services
from backend.catalog.schemas import (
    AgencySummary,
    Catalog,
    DocumentTypeOut,
    LifeEvent,
    ServiceDetail,
    ServicePage,
)

__all__ = ["CatalogController"]

CATALOG_CACHE = CacheControlHeader(public=True, max_age=300, stale_while_revalidate=86_400)
"""The catalog changes rarely: phones reuse it for 5 minutes, then revalidate in the background."""

Query = Annotated[
    str | None,
    QueryParameter(description="Words to find (Thai or English).", max_length=services.MAX_QUERY),
]
AgencyCode = Annotated[
    str | None, QueryParameter(description="Agency code, e.g. DOPA.", max_length=16)
]
LifeEventCode = Annotated[str | None, QueryParameter(description="Life-event code.", max_length=40)]
Limit = Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE)]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000)]


class CatalogController(Controller):
    path = "/api/v1"
    tags = ["catalog"]
    cache_control = CATALOG_CACHE

    @get("/services", operation_id="listServices")
    async def list_services(
        self,
        q: Query = None,
        agency: AgencyCode = None,
        life_event: LifeEventCode = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> ServicePage:
        """Search published services."""
        return await services.search_services(
            q=q, agency=agency, life_event=life_event, limit=limit, offset=offset
        )

    @get("/catalog", operation_id="getCatalog")
    async def get_catalog(
        self,
        q: Query = None,
        agency: AgencyCode = None,
        life_event: LifeEventCode = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> Catalog:
        """A page of services (as listServices) with every agency and life event to filter
        by: the catalog screen's first view in one request."""
        return await services.catalog_view(
            q=q, agency=agency, life_event=life_event, limit=limit, offset=offset
        )

    @get("/services/{slug:str}", operation_id="getService")
    async def get_service(self, slug: FromPath[str]) -> ServiceDetail:
        """One published service with its form and required documents."""
        return await services.get_service(slug)

    @get("/agencies", operation_id="listAgencies")
    async def list_agencies(self) -> list[AgencySummary]:
        """Every agency with its contact details."""
        return await services.list_agencies()

    @get("/life-events", operation_id="listLifeEvents")
    async def list_life_events(self) -> list[LifeEvent]:
        """The life events services are grouped by."""
        return services.life_events()

    @get("/document-types", operation_id="listDocumentTypes")
    async def list_document_types(self) -> list[DocumentTypeOut]:
        """Kinds of document a citizen can keep in the wallet."""
        return await services.list_document_types()
