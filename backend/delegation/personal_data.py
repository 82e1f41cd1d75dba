"""Delegation's part of a citizen's PDPA rights (see privacy.services): the authorisations
they gave and received, in the export; on erasure every one of them ends at once (the rows
stay, ended, as the other person's record of who acted for whom)."""

from __future__ import annotations

from typing import Any

from backend.delegation.services import end_all_of, listing
from backend.system.registry import Erasure, PersonalData

__all__ = ["PART"]


async def _export(account_id: int) -> dict[str, Any]:
    given, received = await listing(account_id)
    return {"delegations_given": given, "delegations_received": received}


async def _erase(erasure: Erasure) -> None:
    ended = await end_all_of(erasure.account_id, "account_erased")
    if ended:
        erasure.counts["delegations_ended"] = ended


PART = PersonalData("delegation", export=_export, erase=_erase)
