"""The document wallet's table: one row per uploaded file, the bytes live in `storage`."""

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

__all__ = ["Document"]


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
