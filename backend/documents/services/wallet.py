"""The citizen's wallet: list, read, relabel and delete their own documents; and the internal
API other domains call (owned_documents, document_for_download, open_content)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from backend.documents.errors import DocumentInUseError, DocumentNotFoundError
from backend.documents.services.storing import (
    DocumentRow,
    clean_label,
    document_row,
    log,
    require_document_type,
    utc_now,
)
from backend.documents.storage import StorageKeyMissingError, storage_for
from backend.documents.tables import Document
from backend.documents.uses import uses_of
from backend.lib.db import transaction
from backend.settings import Settings
from backend.system.audit import Actor, record


async def owned_documents(account_id: int, ids: Sequence[int]) -> dict[int, DocumentRow]:
    """The documents among `ids` that `account_id` owns and has not deleted, by id.

    Ids that are missing, deleted or someone else's are simply absent from the answer: the
    caller compares with what it asked for and refuses the difference (as a 404 or a field
    error), without telling whose a foreign id is."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await Document.select().where(
        (Document.account == account_id) & Document.id.is_in(wanted) & Document.deleted_at.is_null()
    )
    return {r["id"]: document_row(r) for r in rows}


async def document_for_download(
    document_id: int, *, settings: Settings
) -> tuple[DocumentRow, AsyncIterator[bytes]]:
    """A document and its bytes, deleted from the wallet or not, whoever owns it.

    For staff and agency downloads of documents attached to an application: the caller has
    already checked the reader may see it, and records `document.read` in the audit log.
    Raises `DocumentNotFoundError` for an unknown id."""
    row = await Document.select().where(Document.id == document_id).first()
    if row is None:
        raise DocumentNotFoundError()
    document = document_row(row)
    return document, await open_content(document, settings=settings)


async def open_content(document: DocumentRow, *, settings: Settings) -> AsyncIterator[bytes]:
    """The stored bytes of `document`, streamed."""
    try:
        return await storage_for(settings).open(document.storage_key)
    except StorageKeyMissingError:
        # A row without its bytes: lost storage, or a restore from an older backup.
        log.error("document %s: bytes missing under %s", document.id, document.storage_key)
        raise DocumentNotFoundError() from None


async def list_documents(
    account_id: int,
    *,
    document_type: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[DocumentRow]:
    """The citizen's wallet, newest first; `before` (an id) pages further back."""
    condition = (Document.account == account_id) & Document.deleted_at.is_null()
    if document_type is not None:
        await require_document_type(document_type)
        condition &= Document.document_type == document_type
    if before is not None:
        condition &= Document.id < before
    rows = (
        await Document.select().where(condition).order_by(Document.id, ascending=False).limit(limit)
    )
    return [document_row(r) for r in rows]


async def get_own(account_id: int, document_id: int) -> DocumentRow:
    """One of the citizen's live documents; anything else is not found."""
    row = (
        await Document.select()
        .where(
            (Document.id == document_id)
            & (Document.account == account_id)
            & Document.deleted_at.is_null()
        )
        .first()
    )
    if row is None:
        raise DocumentNotFoundError()
    return document_row(row)


async def relabel(actor: Actor, account_id: int, document_id: int, label: str) -> DocumentRow:
    """Change the label of one of the citizen's live documents."""
    label = clean_label(label)
    async with transaction():
        updated = (
            await Document.update({Document.label: label})
            .where(
                (Document.id == document_id)
                & (Document.account == account_id)
                & Document.deleted_at.is_null()
            )
            .returning(Document.id)
        )
        if not updated:
            raise DocumentNotFoundError()
        await record(
            "document.relabelled",
            actor,
            subject_account_id=account_id,
            object_type="document",
            object_id=document_id,
        )
    return await get_own(account_id, document_id)


async def soft_delete(actor: Actor, account_id: int, document_id: int) -> None:
    """Remove a document from the wallet. Its row and bytes stay for the applications it
    was attached to; the citizen no longer sees it, and cannot attach it again. Refused
    (409, naming them) while an application awaiting the agency uses it."""
    uses = (await uses_of(account_id, [document_id])).get(document_id, [])
    if codes := ", ".join(u.tracking_code for u in uses if u.pending):
        error = DocumentInUseError
        raise error(f"{error.message_en} ({codes})", f"{error.message_th} ({codes})")
    async with transaction():
        deleted = (
            await Document.update({Document.deleted_at: utc_now()})
            .where(
                (Document.id == document_id)
                & (Document.account == account_id)
                & Document.deleted_at.is_null()
            )
            .returning(Document.id)
        )
        if not deleted:
            raise DocumentNotFoundError()
        await record(
            "document.deleted",
            actor,
            subject_account_id=account_id,
            object_type="document",
            object_id=document_id,
        )
