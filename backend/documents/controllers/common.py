"""What both ways of giving a document share: the type and label parameters, the raw request
body as chunks, and the document's answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request
from litestar.exceptions import InternalServerException
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import QueryParameter

from backend.documents.errors import UploadInterruptedError
from backend.documents.schemas import MAX_LABEL, DocumentOut, DocumentUse
from backend.documents.services import DocumentRow

DocumentTypeQuery = Annotated[
    str,
    QueryParameter(
        description="Catalog document type code, e.g. id_card.", min_length=1, max_length=40
    ),
]


LabelQuery = Annotated[
    str, QueryParameter(description="The citizen's name for it.", max_length=MAX_LABEL)
]
"""The query of both ways of giving a document (whole, or resumable in pieces)."""


AnyRequest = Request[Any, Any, Any]


def document_out(row: DocumentRow, uses: list[DocumentUse] | None = None) -> DocumentOut:
    return DocumentOut(
        id=row.id,
        document_type=row.document_type,
        label=row.label,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        created_at=row.created_at,
        width=row.width,
        height=row.height,
        refused_by=row.refused_by,
        uses=uses,
    )


async def request_chunks(request: AnyRequest) -> AsyncIterator[bytes]:
    """The request body as it arrives, never whole in memory."""
    try:
        async for chunk in request.stream():
            yield chunk
    except InternalServerException as exc:
        # Litestar's way of saying the client went away mid-body (the only error
        # `stream()` raises here): a client problem, not a server one.
        raise UploadInterruptedError() from exc


def raw_body_operation(
    media_types: Iterable[str], description: str, *, required: bool
) -> type[Operation]:
    """An operation whose request body is raw bytes, which Litestar cannot infer (there is no
    `data` parameter, so that nothing parses or buffers the body): described by hand."""
    types = tuple(media_types)

    @dataclass
    class RawBodyOperation(Operation):
        def __post_init__(self) -> None:
            file = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            self.request_body = RequestBody(
                content=dict.fromkeys(types, OpenAPIMediaType(schema=file)),
                description=description,
                required=required,
            )

    return RawBodyOperation
