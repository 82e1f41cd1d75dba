"""The document wallet's tables: one row per uploaded file (the bytes live in `storage`), and
one per resumable upload on its way to becoming one."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.accounts.tables import Account

__all__ = ["Document", "Upload"]


class Document(Table, tablename="document"):
    """A file a citizen keeps in the wallet, labelled with a catalog document type."""

    id = Serial(primary_key=True)
    account = ForeignKey(
        references=Account,
        null=False,
        index=True,
        on_delete=OnDelete.restrict,
        help_text="The owner. Restrict: erasing an account must remove its files first.",
    )
    document_type = Varchar(length=40, help_text="catalog DocumentType.code, e.g. id_card.")
    label = Varchar(length=80, default="", help_text="The citizen's own name for it.")
    content_type = Varchar(
        length=40, help_text="From the content (sniffed), never from the client's claim."
    )
    size_bytes = BigInt()
    sha256 = Varchar(length=64, help_text="Hex SHA-256 of the stored bytes.")
    storage_key = Varchar(length=200, unique=True, help_text="Where `storage` keeps the bytes.")
    width = Integer(null=True, default=None, help_text="Images only, from the header.")
    height = Integer(null=True, default=None, help_text="Images only, from the header.")
    created_at = Timestamptz()
    deleted_at = Timestamptz(
        null=True,
        default=None,
        help_text="Removed from the wallet by the citizen. Row and bytes stay: applications "
        "that attached the document must remain readable by the agency.",
    )
    idempotency_key = Varchar(
        length=100,
        null=True,
        default=None,
        help_text="The client's Idempotency-Key: a retried upload returns this row. Unique "
        "per account (index document_idempotency, created by a raw migration: SQLite cannot "
        "add the constraint Piccolo would write).",
    )
    refused_by = BigInt(
        null=True,
        default=None,
        help_text="The application whose agency found this document unusable (asked for its "
        "field again): the wallet says so and forms never offer it first. An id, not a "
        "foreign key: applications sit above documents.",
    )


class Upload(Table, tablename="document_upload"):
    """A resumable upload in progress (see `services.uploads`): its bytes accumulate in storage
    under `temp_key` until `received` reaches `length`, when it becomes a `Document`."""

    id = Serial(primary_key=True)
    token = Varchar(
        length=32, unique=True, help_text="The upload's id in URLs: random, unguessable."
    )
    account = ForeignKey(
        references=Account,
        null=False,
        on_delete=OnDelete.restrict,
        help_text="The owner. Restrict, as for documents: erasing an account removes its "
        "partial bytes first.",
    )
    idempotency_key = Varchar(
        length=100,
        help_text="The client's Idempotency-Key: creating again with it resumes this upload. "
        "Unique per account (index document_upload_idempotency, a raw migration).",
    )
    document_type = Varchar(length=40, help_text="catalog DocumentType.code, e.g. id_card.")
    label = Varchar(length=80, default="", help_text="The citizen's own name for it.")
    length = BigInt(help_text="Upload-Length: the file's size in bytes, declared up front.")
    received = BigInt(
        default=0,
        help_text="Bytes durably stored so far: the offset the next PATCH must start at. "
        "Storage may briefly hold more (a crash before this was updated); this is the truth.",
    )
    temp_key = Varchar(
        length=200,
        null=True,
        default=None,
        help_text="Where storage keeps the partial bytes; NULL once they became the document.",
    )
    document = ForeignKey(
        references=Document,
        null=True,
        default=None,
        on_delete=OnDelete.cascade,
        help_text="The document it became; the row stays until expiry so a client that lost "
        "the last answer learns the outcome.",
    )
    created_at = Timestamptz()
    expires_at = Timestamptz(
        index=True, help_text="24 h after the last PATCH; later the upload is gone (swept)."
    )
    locked_by = Varchar(
        length=32,
        null=True,
        default=None,
        help_text="Lease of the PATCH writing now: at most one writer per upload, across "
        "processes (claimed by compare-and-set on `received`).",
    )
    locked_until = Timestamptz(
        null=True, default=None, help_text="The lease ends then unless renewed."
    )
