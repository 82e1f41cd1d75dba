"""The agency API's application endpoints: the change feed, one application, a status change,
and a document's bytes."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK

from backend.agency_api import examples, services
from backend.agency_api.controllers.common import (
    AGENCY_API,
    CALLER,
    NO_STORE,
    SECURITY,
    IdempotencyKey,
    document_response,
    documented,
    idempotent_status_change,
)
from backend.agency_api.guard import AgencyCaller, signed_by_agency
from backend.agency_api.schemas import (
    ApplicationView,
    Feed,
    StatusChange,
    StatusChanged,
)
from backend.documents.sniff import KINDS
from backend.lib.middleware import UNCOMPRESSED
from backend.lib.openapi import answer, error_answers, example, file_answer_operation
from backend.settings import Settings
from backend.system.idempotency import key_from_header, request_hash


class AgencyApplicationsController(Controller):
    """The feed of work and status changes."""

    path = f"{AGENCY_API}/applications"
    tags = ["agency-api"]
    guards = [signed_by_agency]
    dependencies = CALLER
    security = SECURITY
    cache_control = NO_STORE

    @get(
        "/",
        operation_id="agencyFeed",
        responses=documented(
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
        responses=documented(
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
        responses=documented(
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
    dependencies = CALLER
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
