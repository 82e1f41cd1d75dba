"""The agency API, `/agency-api/v1`: every request signed (guard.py), every answer scoped to
the calling agency."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType, RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType
from litestar.params import Body, FromPath, HeaderParameter, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.agency_api import examples, services
from backend.agency_api.guard import AgencyCaller, provide_caller, signed_by_agency
from backend.agency_api.schemas import (
    ApplicationView,
    Feed,
    ServiceCreate,
    ServiceOut,
    ServiceUpdate,
    StatusChange,
    StatusChanged,
)
from backend.documents.services import DocumentRow
from backend.documents.sniff import KINDS
from backend.lib.errors import PortalError
from backend.lib.middleware import UNCOMPRESSED
from backend.lib.openapi import answer, error_answers, example, file_answer_operation
from backend.settings import Settings
from backend.system.audit import Actor
from backend.system.idempotency import key_from_header, request_hash, run_idempotent

__all__ = [
    "AGENCY_API",
    "SECURITY",
    "AgencyApplicationsController",
    "AgencyDocumentsController",
    "AgencyServicesController",
    "IdempotencyKey",
    "OptionalIdempotencyKey",
    "document_response",
    "idempotent_status_change",
]

AGENCY_API = "/agency-api/v1"
SECURITY: list[dict[str, list[str]]] = [{"portalSignature": []}]
"""OpenAPI security requirement; the scheme is described in asgi's OpenAPI config."""

NO_STORE = CacheControlHeader(no_store=True)
"""Citizens' data: never kept by a proxy or the agency's HTTP cache."""

_KEY_EXAMPLE = example("A UUID", "0b8f7c4e-3b1a-4d8e-9d43-6f0c2a7e5b19")


def _idempotency_key(*, required: bool) -> HeaderParameter:
    return HeaderParameter(
        name="Idempotency-Key",
        description="A random id per intended change (8 to 100 characters); a retry reuses "
        "it. Same key and body: the first answer is replayed. Same key, other body: 409.",
        max_length=100,
        # Optional in the signature even where required, so that a missing key is our own
        # 400 `idempotency_key_required`, not a generic one; a header is never null.
        required=required,
        schema_extra={"one_of": None, "type": OpenAPIType.STRING},
        examples=[_KEY_EXAMPLE],
    )


IdempotencyKey = Annotated[str | None, _idempotency_key(required=True)]
OptionalIdempotencyKey = Annotated[str | None, _idempotency_key(required=False)]
"""For the officer console, whose PWA sends a key from its offline outbox only."""

_CALLER = {"caller": Provide(provide_caller)}


def _documented(
    status: int, ok: ResponseSpec, *errors: PortalError | HTTPException
) -> dict[int, ResponseSpec]:
    """The success answer and every error the operation may give, the signature guard's
    included, each with examples."""
    return {status: ok, **error_answers(*examples.SIGNED, *errors)}


_SERVICE_OUT = answer(
    ServiceOut, "The service as the catalog has it.", example("A service", examples.SERVICE_OUT)
)
_ONE_SERVICE = _documented(
    HTTP_200_OK, _SERVICE_OUT, examples.OUT_OF_RANGE, examples.SERVICE_NOT_FOUND
)


async def idempotent_status_change(
    scope: str,
    key: str,
    fingerprint: str,
    agency_id: int,
    application_id: int,
    change: StatusChange,
    actor: Actor,
) -> Response[bytes]:
    """One status change per (scope, key): retries get the first answer, with
    `Idempotent-Replayed: true`."""

    async def work() -> tuple[int, bytes]:
        done = await services.change_status(agency_id, application_id, change, actor)
        return HTTP_200_OK, msgspec.json.encode(done)

    outcome = await run_idempotent(scope, key, fingerprint, work)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return Response(
        outcome.body, status_code=outcome.status_code, media_type=MediaType.JSON, headers=headers
    )


def document_response(document: DocumentRow, chunks: Any) -> Stream:
    extension = KINDS[document.content_type].extension
    return Stream(
        chunks,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="document-{document.id}.{extension}"',
            "Content-Length": str(document.size_bytes),
            "Cache-Control": "no-store",
        },
    )


class AgencyServicesController(Controller):
    """The agency's own catalog entries and their forms."""

    path = f"{AGENCY_API}/services"
    tags = ["agency-api"]
    guards = [signed_by_agency]
    dependencies = _CALLER
    security = SECURITY
    cache_control = NO_STORE

    @get(
        "/",
        operation_id="agencyListServices",
        responses=_documented(
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
        responses=_documented(
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
        responses=_documented(
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


class AgencyApplicationsController(Controller):
    """The feed of work and status changes."""

    path = f"{AGENCY_API}/applications"
    tags = ["agency-api"]
    guards = [signed_by_agency]
    dependencies = _CALLER
    security = SECURITY
    cache_control = NO_STORE

    @get(
        "/",
        operation_id="agencyFeed",
        responses=_documented(
            HTTP_200_OK,
            answer(Feed, "A page of the feed.", example("One changed application", examples.FEED)),
            examples.BAD_LIMIT,
            examples.OUT_OF_RANGE,
        ),
    )
    async def feed(
        self,
        caller: NamedDependency[AgencyCaller],
        after: Annotated[
            int,
            QueryParameter(
                description="The `next` of the previous page (0 to start from the beginning).",
                ge=0,
            ),
        ] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=services.MAX_FEED_PAGE)] = 50,
    ) -> Feed:
        """New and changed applications after the cursor, oldest change first: answers,
        status, history and document links. Gap-free: keep `next` and ask again."""
        return await services.feed(
            caller.agency_id,
            after=after,
            limit=limit,
            actor=caller.actor(),
            via=caller.key_id,
            document_url=f"{AGENCY_API}/documents",
        )

    @get(
        "/{application_id:int}",
        operation_id="agencyGetApplication",
        responses=_documented(
            HTTP_200_OK,
            answer(
                ApplicationView,
                "The application.",
                example("Waiting for a document", examples.APPLICATION_VIEW),
            ),
            examples.OUT_OF_RANGE,
            examples.APPLICATION_NOT_FOUND,
        ),
    )
    async def detail(
        self, caller: NamedDependency[AgencyCaller], application_id: FromPath[int]
    ) -> ApplicationView:
        """One application of the agency, as in the feed."""
        return await services.application_view(
            caller.agency_id,
            application_id,
            actor=caller.actor(),
            action="agency.application_read",
            via=caller.key_id,
            document_url=f"{AGENCY_API}/documents",
        )

    @post(
        "/{application_id:int}/status",
        operation_id="agencyChangeStatus",
        status_code=HTTP_200_OK,
        # The body is pre-encoded (it may be a replay): described here, not inferred.
        responses=_documented(
            HTTP_200_OK,
            answer(
                StatusChanged,
                "The change was accepted (or, with `Idempotent-Replayed: true`, replayed).",
                example("Information requested", examples.STATUS_CHANGED),
            ),
            examples.BAD_STATUS,
            examples.STATUS_KEY_MISSING,
            examples.OUT_OF_RANGE,
            examples.APPLICATION_NOT_FOUND,
            *examples.STATUS_CONFLICTS,
            examples.MESSAGE_NEEDED,
        ),
    )
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[AgencyCaller],
        application_id: FromPath[int],
        data: Annotated[
            StatusChange,
            Body(media_type=RequestEncodingType.JSON, examples=examples.NEEDS_INFO),
        ],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Move an application on (Idempotency-Key required). Illegal transition: 409;
        needs_info and rejected need a message; `needs` names form fields."""
        key = key_from_header(idempotency_key)
        assert key is not None
        fingerprint = request_hash("POST", request.url.path, await request.body())
        return await idempotent_status_change(
            f"agency:{caller.agency_id}",
            key,
            fingerprint,
            caller.agency_id,
            application_id,
            data,
            caller.actor(),
        )


_FileOperation = file_answer_operation(
    KINDS, "The file as the citizen gave it; its type is in Content-Type."
)


class AgencyDocumentsController(Controller):
    path = f"{AGENCY_API}/documents"
    tags = ["agency-api"]
    guards = [signed_by_agency]
    dependencies = _CALLER
    security = SECURITY

    @get(
        "/{document_id:int}",
        operation_id="agencyGetDocument",
        operation_class=_FileOperation,
        opt={UNCOMPRESSED: True},
        responses=error_answers(
            *examples.SIGNED, examples.OUT_OF_RANGE, examples.DOCUMENT_NOT_FOUND
        ),
    )
    async def download(
        self,
        caller: NamedDependency[AgencyCaller],
        settings: NamedDependency[Settings],
        document_id: FromPath[int],
    ) -> Stream:
        """A document attached to one of the agency's applications (the file itself)."""
        document, chunks = await services.download_document(
            caller.agency_id,
            document_id,
            actor=caller.actor(),
            via=caller.key_id,
            settings=settings,
        )
        return document_response(document, chunks)
