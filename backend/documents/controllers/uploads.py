"""Resumable document uploads over HTTP, for weak links (rules in `services.uploads`).

Create with `Upload-Length`, send the bytes with PATCH from `Upload-Offset`, ask where it
stands with HEAD after a dropped connection, go on from there. The PATCH that delivers the
last byte answers 201 with the wallet document.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, head, patch, post
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, HeaderParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.documents.controllers.common import (
    DocumentTypeQuery,
    LabelQuery,
    document_out,
    raw_body_operation,
    request_chunks,
)
from backend.documents.errors import UploadHeaderError
from backend.documents.schemas import UploadOut
from backend.documents.services import MAX_IDEMPOTENCY_KEY, pieces, uploads
from backend.documents.services.uploads import UploadState
from backend.settings import Settings

__all__ = ["UploadController"]

AnyRequest = Request[Any, Any, Any]

NO_STORE = CacheControlHeader(no_store=True)
"""An upload's offset changes with every PATCH: a cached copy would send the client back."""

_MAX_DIGITS = 20

PROGRESS_HEADERS = [
    ResponseHeader(
        name="Upload-Offset",
        documentation_only=True,
        description="Bytes received so far: where the next PATCH starts.",
    ),
    ResponseHeader(
        name="Upload-Length", documentation_only=True, description="The file's size in bytes."
    ),
]


def _header_int(value: str | None, header: str) -> int:
    """A byte count from a header: ASCII digits only (no sign, no spaces), else a 400."""
    if value is None or not (0 < len(value) <= _MAX_DIGITS and value.isascii() and value.isdigit()):
        raise UploadHeaderError(header)
    return int(value)


def _out(state: UploadState) -> UploadOut:
    return UploadOut(
        id=state.id,
        offset=state.offset,
        length=state.length,
        expires_at=state.expires_at,
        document=document_out(state.document) if state.document else None,
    )


def _progress(state: UploadState) -> dict[str, str]:
    return {"Upload-Offset": str(state.offset), "Upload-Length": str(state.length)}


_RawChunkOperation = raw_body_operation(
    ("application/offset+octet-stream", "application/octet-stream"),
    "The next bytes of the file from Upload-Offset, raw (any Content-Type, not multipart). "
    "Empty at offset == length completes an upload whose bytes all arrived.",
    required=False,
)


class UploadController(Controller):
    """Resumable uploads into the signed-in citizen's wallet."""

    path = "/api/v1/documents/uploads"
    tags = ["documents"]
    guards = [requires_role("citizen")]
    opt = need("documents")
    dependencies = {"auth": Provide(provide_auth)}
    cache_control = NO_STORE

    @post(
        "/",
        operation_id="createUpload",
        status_code=HTTP_201_CREATED,
        response_headers=PROGRESS_HEADERS,
        description="No body. 201 with the upload's id, and `Location`; 200 when this "
        "Idempotency-Key already names an upload of this type and length (its current state: "
        "a client that lost the answer resumes), or the document it made (`document` set, "
        "offset == length). The key with another type or length: 409 idempotency_key_reused. "
        "Upload-Length over DOCUMENT_MAX_BYTES: 413 document_too_large.",
    )
    async def create(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        document_type: DocumentTypeQuery,
        label: LabelQuery = "",
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                description="Required. A random id per file: creating again with it answers "
                "the same upload (200), so a client that lost the answer resumes.",
                max_length=MAX_IDEMPOTENCY_KEY,
            ),
        ] = None,
        upload_length: Annotated[
            str | None,
            HeaderParameter(
                name="Upload-Length",
                description="Required. The file's size in bytes, 1 to DOCUMENT_MAX_BYTES.",
            ),
        ] = None,
    ) -> Response[UploadOut]:
        """Start a resumable upload."""
        state, created = await uploads.create_upload(
            auth.require_account(),
            document_type,
            label,
            _header_int(upload_length, "Upload-Length"),
            idempotency_key,
            settings=settings,
        )
        return Response(
            _out(state),
            status_code=HTTP_201_CREATED if created else HTTP_200_OK,
            headers={"Location": f"{self.path}/{state.id}", **_progress(state)},
        )

    @head(
        "/{upload_id:str}",
        operation_id="headUpload",
        status_code=HTTP_204_NO_CONTENT,
        response_headers=PROGRESS_HEADERS,
        description="After a dropped connection: `Upload-Offset` says where to go on. With "
        "`Retry-After`, a PATCH (perhaps the client's own, cut off on its side) is still "
        "writing to it: wait that long and ask again, as a PATCH now would be refused (409 "
        "upload_busy). 404 upload_not_found when unknown, another citizen's, or expired.",
    )
    async def head_upload(
        self, auth: NamedDependency[Auth], upload_id: FromPath[str]
    ) -> Response[None]:
        """Where an upload stands, in headers."""
        state, busy_s = await uploads.upload_progress(auth.require_account(), upload_id)
        headers = _progress(state)
        if busy_s is not None:
            headers["Retry-After"] = str(busy_s)
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers=headers)

    @get(
        "/{upload_id:str}",
        operation_id="getUpload",
        response_headers=PROGRESS_HEADERS,
        description="As HEAD, as JSON, with `document` once the upload is complete.",
    )
    async def get_upload(
        self, auth: NamedDependency[Auth], upload_id: FromPath[str]
    ) -> Response[UploadOut]:
        """Where an upload stands."""
        state = await uploads.get_upload(auth.require_account(), upload_id)
        return Response(_out(state), headers=_progress(state))

    @patch(
        "/{upload_id:str}",
        operation_id="appendUpload",
        operation_class=_RawChunkOperation,
        # Our own limit (the upload's length) applies while streaming, with our error code.
        request_max_body_size=None,
        response_headers=PROGRESS_HEADERS,
        description="The next bytes, from `Upload-Offset` (the server's offset, else 409 "
        "upload_offset_mismatch with `offset`). 200 with the new offset; 201 with `document` "
        "when they complete the file, checked as the single upload is (unsupported type: 415, "
        "and the upload is deleted; the type is checked from the first 8 bytes on). If the "
        "connection drops, what arrived is kept: HEAD, then go on. 409 upload_busy (with "
        "Retry-After) while another PATCH writes to it; 413 upload_length_exceeded for bytes "
        "past Upload-Length (none is kept). A PATCH that stops sending for 30 s ends, keeping "
        "what arrived.",
    )
    async def append(
        self,
        request: AnyRequest,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        upload_id: FromPath[str],
        upload_offset: Annotated[
            str | None,
            HeaderParameter(
                name="Upload-Offset",
                description="Required. Where these bytes go: the server's offset (409 "
                "upload_offset_mismatch with `offset` otherwise).",
            ),
        ] = None,
    ) -> Response[UploadOut]:
        """Send the next bytes of the file."""
        offset = _header_int(upload_offset, "Upload-Offset")
        state, completed = await pieces.append(
            auth.require_account(),
            upload_id,
            offset,
            request_chunks(request),
            actor=auth.actor(),
            settings=settings,
            declared_size=request.content_length,
        )
        headers = _progress(state)
        if completed and state.document:
            headers["Location"] = f"/api/v1/documents/{state.document.id}"
        return Response(
            _out(state),
            status_code=HTTP_201_CREATED if completed else HTTP_200_OK,
            headers=headers,
        )

    @delete(
        "/{upload_id:str}",
        operation_id="deleteUpload",
        description="204; its bytes are deleted. A completed upload's document stays in the "
        "wallet. 409 upload_busy while a PATCH writes to it.",
    )
    async def delete_upload(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        upload_id: FromPath[str],
    ) -> None:
        """Abandon an upload."""
        await uploads.delete_upload(auth.require_account(), upload_id, settings=settings)
