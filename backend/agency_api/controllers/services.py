"""The agency API's service endpoints: the calling agency's own services in the catalog."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.agency_api import examples, services
from backend.agency_api.controllers.common import (
    AGENCY_API,
    CALLER,
    NO_STORE,
    SECURITY,
    documented,
)
from backend.agency_api.guard import AgencyCaller, signed_by_agency
from backend.agency_api.schemas import (
    ServiceCreate,
    ServiceOut,
    ServiceUpdate,
)
from backend.lib.openapi import answer, example

_SERVICE_OUT = answer(
    ServiceOut, "The service as the catalog has it.", example("A service", examples.SERVICE_OUT)
)


_ONE_SERVICE = documented(
    HTTP_200_OK, _SERVICE_OUT, examples.OUT_OF_RANGE, examples.SERVICE_NOT_FOUND
)


class AgencyServicesController(Controller):
    """The agency's own catalog entries and their forms."""

    path = f"{AGENCY_API}/services"
    tags = ["agency-api"]
    guards = [signed_by_agency]
    dependencies = CALLER
    security = SECURITY
    cache_control = NO_STORE

    @get(
        "/",
        operation_id="agencyListServices",
        responses=documented(
            HTTP_200_OK,
            answer(
                list[ServiceOut], "The services.", example("One service", [examples.SERVICE_OUT])
            ),
        ),
    )
    async def list_services(self, caller: NamedDependency[AgencyCaller]) -> list[ServiceOut]:
        """Every service of the agency, published or not."""
        return await services.list_services(caller.agency_id)

    @post(
        "/",
        operation_id="agencyCreateService",
        status_code=HTTP_201_CREATED,
        responses=documented(
            HTTP_201_CREATED,
            _SERVICE_OUT,
            examples.BAD_SLUG,
            examples.OUT_OF_RANGE,
            examples.SERVICE_SLUG_TAKEN,
            examples.BAD_FORM,
        ),
    )
    async def create(
        self,
        caller: NamedDependency[AgencyCaller],
        data: Annotated[
            ServiceCreate,
            Body(media_type=RequestEncodingType.JSON, examples=examples.SERVICE_CREATE),
        ],
    ) -> ServiceOut:
        """Create a service (unpublished). A bad form schema is 422 naming the field."""
        return await services.create_service(
            caller.agency_id, caller.agency_code, data, caller.actor()
        )

    @get("/{slug:str}", operation_id="agencyGetService", responses=_ONE_SERVICE)
    async def get_service(
        self, caller: NamedDependency[AgencyCaller], slug: FromPath[str]
    ) -> ServiceOut:
        """One of the agency's services."""
        return await services.get_service(caller.agency_id, slug)

    @put(
        "/{slug:str}",
        operation_id="agencyUpdateService",
        responses=documented(
            HTTP_200_OK,
            _SERVICE_OUT,
            examples.BAD_DAYS,
            examples.OUT_OF_RANGE,
            examples.SERVICE_NOT_FOUND,
            examples.BAD_FORM,
        ),
    )
    async def update(
        self,
        caller: NamedDependency[AgencyCaller],
        slug: FromPath[str],
        data: Annotated[
            ServiceUpdate,
            Body(media_type=RequestEncodingType.JSON, examples=examples.SERVICE_UPDATE),
        ],
    ) -> ServiceOut:
        """Replace a service's entry and form (its published state is kept)."""
        return await services.update_service(
            caller.agency_id, caller.agency_code, slug, data, caller.actor()
        )

    @post(
        "/{slug:str}/publish",
        operation_id="agencyPublishService",
        status_code=HTTP_200_OK,
        responses=_ONE_SERVICE,
    )
    async def publish(
        self, caller: NamedDependency[AgencyCaller], slug: FromPath[str]
    ) -> ServiceOut:
        """Show the service in the catalog: citizens can apply."""
        return await services.set_published(caller.agency_id, slug, True, caller.actor())

    @post(
        "/{slug:str}/unpublish",
        operation_id="agencyUnpublishService",
        status_code=HTTP_200_OK,
        responses=_ONE_SERVICE,
    )
    async def unpublish(
        self, caller: NamedDependency[AgencyCaller], slug: FromPath[str]
    ) -> ServiceOut:
        """Hide the service; applications already made go on."""
        return await services.set_published(caller.agency_id, slug, False, caller.actor())
