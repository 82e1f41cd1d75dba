"""Document wallet rules, and the internal API other domains call.

For the applications domain (and the kiosk, later):

- `owned_documents(account_id, ids)`: the citizen's live documents among `ids`, to attach
  wallet documents to an application. The caller checks each one's `document_type` against
  the form field it fills.
- `document_for_download(document_id, settings=…)`: a document's row and bytes whatever its
  owner or state (a citizen's delete only hides it from the wallet), for staff and agency
  downloads. No ownership check: the caller authorises, and records the read in the audit log.
- `store_upload(account_id, document_type, label, chunks, idempotency_key, actor=…,
  settings=…)`: the whole upload (rate limit, type check by content, size limit, storage,
  row, audit), used by the upload endpoint and by an operator uploading for a citizen.
  `uploads` and `pieces` build a document piece by piece and ends with the same `record_upload`.

Citizen-facing reads and writes (`list_documents`, `get_own`, `relabel`, `soft_delete`) only
ever see the caller's own live documents: another citizen's id is simply not found.
"""

from __future__ import annotations

from backend.documents.services.storing import (
    MAX_IDEMPOTENCY_KEY,
    DocumentRow,
    Limits,
    by_idempotency_key,
    check_idempotency_key,
    clean_label,
    record_upload,
    require_document_type,
    store_upload,
)
from backend.documents.services.wallet import (
    document_for_download,
    get_own,
    list_documents,
    open_content,
    owned_documents,
    relabel,
    soft_delete,
)

__all__ = [
    "MAX_IDEMPOTENCY_KEY",
    "DocumentRow",
    "Limits",
    "by_idempotency_key",
    "check_idempotency_key",
    "clean_label",
    "document_for_download",
    "get_own",
    "list_documents",
    "open_content",
    "owned_documents",
    "record_upload",
    "relabel",
    "require_document_type",
    "soft_delete",
    "store_upload",
]
