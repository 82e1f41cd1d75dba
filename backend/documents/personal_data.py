"""The documents domain's part of a citizen's PDPA rights (see privacy.services): their wallet
and unfinished uploads in the export; uploads in progress erased, with their bytes."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import anyio

from backend.documents.services.uploads import remove_uploads
from backend.documents.storage import storage_for
from backend.documents.tables import Document, Upload
from backend.system.registry import Erasure, PersonalData

__all__ = ["PART", "remove_documents"]

log = logging.getLogger("portal.privacy")


async def _export(account_id: int) -> dict[str, Any]:
    documents = await Document.select(
        Document.id,
        Document.document_type,
        Document.label,
        Document.content_type,
        Document.size_bytes,
        Document.sha256,
        Document.created_at,
        Document.deleted_at,
    ).where(Document.account == account_id)
    for row in documents:
        if row["deleted_at"] is None:  # still in the wallet: its bytes are a download away
            row["download"] = f"/api/v1/documents/{row['id']}/content"
    uploads = await Upload.select(
        Upload.document_type,
        Upload.label,
        Upload.length,
        Upload.received,
        Upload.created_at,
        Upload.expires_at,
    ).where((Upload.account == account_id) & Upload.document.is_null())
    return {"documents": documents, "unfinished_uploads": uploads}


async def _erase(erasure: Erasure) -> None:
    uploads, keys = await remove_uploads(erasure.account_id)
    erasure.counts["uploads"] = uploads
    _remove_bytes_later(erasure, keys, temporary=True)


async def remove_documents(erasure: Erasure, keep: Collection[int]) -> None:
    """Delete the account's wallet documents but those in `keep` (the applications domain
    knows which submitted applications still need), their bytes once the erasure commits."""
    rows = await Document.select(Document.id, Document.storage_key).where(
        Document.account == erasure.account_id
    )
    unused = [r for r in rows if r["id"] not in keep]
    if unused:
        await Document.delete().where(Document.id.is_in([r["id"] for r in unused]))
    erasure.counts["documents"] = len(unused)
    _remove_bytes_later(erasure, [r["storage_key"] for r in unused], temporary=False)


def _remove_bytes_later(erasure: Erasure, keys: list[str], *, temporary: bool) -> None:
    """The rows are gone for good once committed; then the bytes (a failure leaves an
    unreferenced file, logged)."""
    if not keys:
        return
    storage = storage_for(erasure.settings)
    remove = storage.discard if temporary else storage.delete

    async def run() -> None:
        with anyio.CancelScope(shield=True):
            for key in keys:
                try:
                    await remove(key)
                except OSError:
                    log.warning("could not delete erased bytes %s", key, exc_info=True)

    erasure.after_commit.append(run)


PART = PersonalData("documents", export=_export, erase=_erase)
