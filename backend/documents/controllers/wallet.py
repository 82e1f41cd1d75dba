"""Document wallet HTTP API: a citizen's own documents, uploaded once and reused."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_304_NOT_MODIFIED

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.documents import services
from backend.documents.controllers.common import (
    AnyRequest,
    DocumentTypeQuery,
    LabelQuery,
    document_out,
    raw_body_operation,
    request_chunks,
)
from backend.documents.schemas import DocumentOut, DocumentUpdate
from backend.documents.services import MAX_IDEMPOTENCY_KEY, DocumentRow
from backend.documents.sniff import KINDS
from backend.documents.uses import uses_of
from backend.lib.middleware import UNCOMPRESSED
from backend.settings import Settings

CONTENT_CACHE = CacheControlHeader(private=True, max_age=3600)
"""A document's bytes never change under its id: the phone keeps them an hour, then
revalidates with the ETag (a 304 costs a few hundred bytes). Never in a shared cache."""


WALLET_CACHE = CacheControlHeader(private=True, no_cache=True)
"""Personal data: never in a shared cache; the phone revalidates every time."""


MAX_PAGE = 200


_SAFE_NAME = re.compile(r"[^a-z0-9_-]")


def _content_headers(row: DocumentRow) -> dict[str, str]:
    kind = KINDS[row.content_type]
    filename = f"{_SAFE_NAME.sub('', row.document_type) or 'document'}-{row.id}.{kind.extension}"
    return {
        "Content-Disposition": f'inline; filename="{filename}"',
        # The same URL on a shared phone must not serve one person's file to the next.
        "Vary": "Cookie",
        # Weak, as other responses' (the bytes are never re-encoded here: UNCOMPRESSED).
        "ETag": f'W/"{row.sha256}"',
    }


def _not_modified(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


_RawUploadOperation = raw_body_operation(
    KINDS, "The file's bytes (not multipart). Its type is read from the content.", required=True
)


class DocumentController(Controller):
    """The signed-in citizen's document wallet."""

    path = "/api/v1/documents"
    tags = ["documents"]
    guards = [requires_role("citizen")]
    opt = need("documents")
    dependencies = {"auth": Provide(provide_auth)}
    cache_control = WALLET_CACHE

    @post(
        "/",
        operation_id="uploadDocument",
        operation_class=_RawUploadOperation,
        status_code=HTTP_201_CREATED,
        # Our own limit (DOCUMENT_MAX_BYTES) applies while streaming, with our error code.
        request_max_body_size=None,
    )
    async def upload(
        self,
        request: AnyRequest,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        document_type: DocumentTypeQuery,
        label: LabelQuery = "",
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                description="A random id per upload: a retry with the same id returns the "
                "first document (200) instead of storing it twice.",
                max_length=MAX_IDEMPOTENCY_KEY,
            ),
        ] = None,
    ) -> Response[DocumentOut]:
        """Upload a PDF, JPEG or PNG as the raw request body (its type is read from the
        content; the declared Content-Type is ignored). 201 when stored, 200 for a retry."""
        document, created = await services.store_upload(
            auth.require_account(),
            document_type,
            label,
            request_chunks(request),
            idempotency_key,
            actor=auth.actor(),
            settings=settings,
            declared_size=request.content_length,
        )
        return Response(
            document_out(document),
            status_code=HTTP_201_CREATED if created else HTTP_200_OK,
            headers={"Location": f"{self.path}/{document.id}"},
        )

    @get("/", operation_id="listDocuments")
    async def list_documents(
        self,
        auth: NamedDependency[Auth],
        document_type: Annotated[
            str | None, QueryParameter(description="Only this type.", max_length=40)
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 100,
        before: Annotated[
            int | None, QueryParameter(description="Page on: ids older than this.", ge=1)
        ] = None,
        uses: Annotated[
            bool, QueryParameter(description="With the applications that attached each.")
        ] = False,
    ) -> list[DocumentOut]:
        """My documents, newest first."""
        account = auth.require_account()
        rows = await services.list_documents(
            account, document_type=document_type, limit=limit, before=before
        )
        found = await uses_of(account, [r.id for r in rows]) if uses else {}
        return [document_out(row, found.get(row.id, []) if uses else None) for row in rows]

    @get("/{document_id:int}", operation_id="getDocument")
    async def get_document(
        self, auth: NamedDependency[Auth], document_id: FromPath[int]
    ) -> DocumentOut:
        """One of my documents."""
        return document_out(await services.get_own(auth.require_account(), document_id))

    @get(
        "/{document_id:int}/content",
        operation_id="getDocumentContent",
        cache_control=CONTENT_CACHE,
        opt={UNCOMPRESSED: True},
    )
    async def content(
        self,
        request: AnyRequest,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        document_id: FromPath[int],
    ) -> Response[Any]:
        """The file itself, streamed, shown inline (ETag: a 304 when the phone has it)."""
        row = await services.get_own(auth.require_account(), document_id)
        headers = _content_headers(row)
        if _not_modified(request.headers.get("if-none-match"), headers["ETag"]):
            return Response(None, status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        chunks = await services.open_content(row, settings=settings)
        headers["Content-Length"] = str(row.size_bytes)
        return Stream(chunks, media_type=row.content_type, headers=headers)

    @patch("/{document_id:int}", operation_id="relabelDocument")
    async def relabel(
        self,
        auth: NamedDependency[Auth],
        document_id: FromPath[int],
        data: JSONBody[DocumentUpdate],
    ) -> DocumentOut:
        """Change my document's label."""
        row = await services.relabel(auth.actor(), auth.require_account(), document_id, data.label)
        return document_out(row)

    @delete("/{document_id:int}", operation_id="deleteDocument")
    async def delete_document(
        self, auth: NamedDependency[Auth], document_id: FromPath[int]
    ) -> None:
        """Remove a document from my wallet (applications that used it keep it)."""
        await services.soft_delete(auth.actor(), auth.require_account(), document_id)
