"""Appointments' part of a citizen's PDPA rights: their bookings in the export; on erasure
the upcoming ones are cancelled (their places freed, reminders withdrawn) before the rows
go with the account."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.appointments.services import end_all_of, mine
from backend.system.registry import Erasure, PersonalData

__all__ = ["PART"]


def _everything(_: str) -> bool:
    return True


async def _export(account_id: int) -> dict[str, Any]:
    return {"appointments": msgspec.to_builtins(await mine(account_id, _everything))}


async def _erase(erasure: Erasure) -> None:
    cancelled = await end_all_of(erasure.account_id)
    if cancelled:
        erasure.counts["appointments_cancelled"] = cancelled


PART = PersonalData("appointments", export=_export, erase=_erase)
