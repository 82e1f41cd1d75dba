"""Which applications use a wallet document, and which documents an agency refused.

Applications sit above documents: they fill `DOCUMENT_USES` (registered in their plugin) so
the wallet can show where a document went and refuse to remove one an application awaiting
the agency still needs, without importing them. They call `mark_refused` when an agency asks
for a document's field again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from backend.documents.schemas import DocumentUse
from backend.documents.tables import Document
from backend.system.registry import ExtensionPoint, current

__all__ = ["DOCUMENT_USES", "UsesOf", "mark_refused", "uses_of"]

UsesOf = Callable[[int, Sequence[int]], Awaitable[dict[int, list[DocumentUse]]]]
"""(account id, document ids) → document id → the applications that attached it."""

DOCUMENT_USES: ExtensionPoint[UsesOf] = ExtensionPoint("documents.uses")


async def uses_of(account_id: int, ids: Sequence[int]) -> dict[int, list[DocumentUse]]:
    """Every registered domain's uses of the account's documents `ids`."""
    found: dict[int, list[DocumentUse]] = {}
    for part in current().extensions(DOCUMENT_USES):
        for document_id, uses in (await part(account_id, ids)).items():
            found.setdefault(document_id, []).extend(uses)
    return found


async def mark_refused(account_id: int, ids: Sequence[int], application_id: int) -> None:
    """The agency of `application_id` found these documents of the account unusable. Inside
    the caller's transaction."""
    if ids:
        await Document.update({Document.refused_by: application_id}).where(
            (Document.account == account_id) & Document.id.is_in(list(ids))
        )
