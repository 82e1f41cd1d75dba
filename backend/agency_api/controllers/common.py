"""What the agency API's controllers and the officer console share: the base path, the
signature requirement, the Idempotency-Key header, documented answers, an idempotent status
change and a document download."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import Response
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.enums import MediaType
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType
from litestar.params import HeaderParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK

from backend.agency_api import examples, services
from backend.agency_api.guard import provide_caller
from backend.agency_api.schemas import (
    StatusChange,
)
from backend.documents.services import DocumentRow
from backend.documents.sniff import KINDS
from backend.lib.errors import PortalError
from backend.lib.openapi import error_answers, example
from backend.system.audit import Actor
from backend.system.idempotency import run_idempotent

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


CALLER = {"caller": Provide(provide_caller)}


def documented(
    status: int, ok: ResponseSpec, *errors: PortalError | HTTPException
) -> dict[int, ResponseSpec]:
    """The success answer and every error the operation may give, the signature guard's
    included, each with examples."""
    return {status: ok, **error_answers(*examples.SIGNED, *errors)}


async def idempotent(
    scope: str, key: str, fingerprint: str, work: Callable[[], Awaitable[msgspec.Struct]]
) -> Response[bytes]:
    """`work` once per (scope, key), answered 200: retries get the first answer, with
    `Idempotent-Replayed: true`; the same key with another request is 409."""

    async def run() -> tuple[int, bytes]:
        return HTTP_200_OK, msgspec.json.encode(await work())

    outcome = await run_idempotent(scope, key, fingerprint, run)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return Response(
        outcome.body, status_code=outcome.status_code, media_type=MediaType.JSON, headers=headers
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
    """One status change per (scope, key)."""
    return await idempotent(
        scope,
        key,
        fingerprint,
        lambda: services.change_status(agency_id, application_id, change, actor),
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
