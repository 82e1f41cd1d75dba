"""The officer console's API: an agency without its own system works its applications in the
PWA. Officers see only their own agency (another agency's application is 404); every
application and document they open, and every queue listing, is audited."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.accounts.tables import Account
from backend.agency_api import services
from backend.agency_api.controllers.common import (
    OptionalIdempotencyKey,
    document_response,
    idempotent_status_change,
)
from backend.agency_api.errors import NoAgencyError
from backend.agency_api.schemas import ApplicationView, OfficerQueue, StatusChange
from backend.applications.status import Status
from backend.lib.middleware import UNCOMPRESSED
from backend.settings import Settings
from backend.system.idempotency import key_from_header, request_hash

__all__ = ["OfficerController", "agency_of"]

BASE = "/api/v1/officer"
MAX_QUEUE_PAGE = 100


async def agency_of(auth: Auth) -> int:
    row = await Account.select(Account.agency).where(Account.id == auth.require_account()).first()
    if row is None or row["agency"] is None:
        raise NoAgencyError()
    return int(row["agency"])


class OfficerController(Controller):
    path = BASE
    tags = ["officer"]
    guards = [requires_role("officer")]
    opt = need("staff")
    dependencies = {"auth": Provide(provide_auth)}
    cache_control = CacheControlHeader(private=True, no_cache=True)

    @get("/applications", operation_id="officerQueue")
    async def queue(
        self,
        auth: NamedDependency[Auth],
        status: Annotated[
            Status | None, QueryParameter(description="Default: every active status.")
        ] = None,
        service: Annotated[str | None, QueryParameter(description="Service slug.")] = None,
        q: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=40,
                description="A tracking code, or the applicant's 13-digit ID number (found "
                "through the blind index; decided applications included).",
            ),
        ] = None,
        min_age_days: Annotated[
            int | None, QueryParameter(ge=0, le=3650, description="Submitted at least … ago.")
        ] = None,
        max_age_days: Annotated[
            int | None, QueryParameter(ge=0, le=3650, description="Submitted at most … ago.")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_QUEUE_PAGE)] = 20,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> OfficerQueue:
        """My agency's applications, longest waiting first, or those a search finds (the
        listing is audited; an ID number searched for is not written to the log)."""
        return await services.officer_queue(
            await agency_of(auth),
            status=status,
            service=service,
            q=q,
            min_age_days=min_age_days,
            max_age_days=max_age_days,
            limit=limit,
            offset=offset,
            actor=auth.actor(),
        )

    @get("/applications/{application_id:int}", operation_id="officerGetApplication")
    async def detail(
        self, auth: NamedDependency[Auth], application_id: FromPath[int]
    ) -> ApplicationView:
        """Answers, documents and history of one application (audited)."""
        return await services.application_view(
            await agency_of(auth),
            application_id,
            actor=auth.actor(),
            action="officer.application_read",
            via="officer_console",
            document_url=f"{BASE}/documents",
        )

    @post(
        "/applications/{application_id:int}/status",
        operation_id="officerChangeStatus",
        status_code=HTTP_200_OK,
    )
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[Auth],
        application_id: FromPath[int],
        data: JSONBody[StatusChange],
        idempotency_key: OptionalIdempotencyKey = None,
    ) -> Response[bytes]:
        """Move an application on, with a message; needs_info names the fields to fill.
        Idempotency-Key optional here (the PWA's offline outbox sends one)."""
        agency_id = await agency_of(auth)
        key = key_from_header(idempotency_key, required=False)
        if key is None:
            done = await services.change_status(agency_id, application_id, data, auth.actor())
            return Response(msgspec.json.encode(done), media_type="application/json")
        fingerprint = request_hash("POST", request.url.path, msgspec.json.encode(data))
        return await idempotent_status_change(
            f"officer:{auth.require_account()}",
            key,
            fingerprint,
            agency_id,
            application_id,
            data,
            auth.actor(),
        )

    @get(
        "/documents/{document_id:int}",
        operation_id="officerGetDocument",
        opt={UNCOMPRESSED: True},
    )
    async def download(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        document_id: FromPath[int],
    ) -> Stream:
        """A document attached to one of my agency's applications (audited)."""
        document, chunks = await services.download_document(
            await agency_of(auth),
            document_id,
            actor=auth.actor(),
            via="officer_console",
            settings=settings,
        )
        return document_response(document, chunks)
