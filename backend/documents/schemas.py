"""Document wallet request/response types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from backend.lib.schema import I18n, Struct

__all__ = ["MAX_LABEL", "DocumentOut", "DocumentUpdate", "DocumentUse", "UploadOut"]

MAX_LABEL = 80
"""Longest label, in characters (Thai or English): one line on a 320 px screen, twice."""


class DocumentUse(Struct):
    """An application that attached a document (filled by the domain that keeps them)."""

    application: int
    tracking_code: str
    service: I18n
    status: str
    pending: bool = False
    """Awaiting the agency with this document: it cannot leave the wallet yet."""


class DocumentOut(Struct):
    """A wallet entry. `width`/`height` only for images."""

    id: int
    document_type: str
    label: str
    content_type: str
    size_bytes: int
    created_at: dt.datetime
    width: int | None = None
    height: int | None = None
    refused_by: int | None = None
    """The application whose agency said this document was unclear (asked for it again)."""
    uses: list[DocumentUse] | None = None
    """Only when asked for (`?uses=true`): the applications that attached it."""


class DocumentUpdate(Struct):
    label: Annotated[str, msgspec.Meta(max_length=MAX_LABEL)]


class UploadOut(Struct):
    """A resumable upload: `offset` of `length` bytes received; `document` (always present,
    null until then) once complete. Gone after `expires_at` unless more bytes arrive."""

    id: str
    offset: int
    length: int
    expires_at: dt.datetime
    document: DocumentOut | None
