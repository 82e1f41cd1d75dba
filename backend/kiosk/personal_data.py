"""The kiosk's part of a citizen's PDPA rights (see privacy.services): the assisted sessions
they were served in, in the export. Their consent records are kept on erasure: they are the
state's record of who acted for the citizen."""

from __future__ import annotations

import json
from typing import Any

from backend.kiosk.tables import AssistedSession
from backend.system.registry import PersonalData

__all__ = ["PART"]


async def _export(account_id: int) -> dict[str, Any]:
    rows = list(
        await AssistedSession.select(
            AssistedSession.kiosk.name.as_alias("kiosk"),
            AssistedSession.kiosk.district.as_alias("district"),
            AssistedSession.kiosk.province.as_alias("province"),
            AssistedSession.operator.full_name.as_alias("operator"),
            AssistedSession.started_at,
            AssistedSession.id_card_checked,
            AssistedSession.consent_method,
            AssistedSession.consent_scope,
            AssistedSession.consent_at,
            AssistedSession.ended_at,
            AssistedSession.end_reason,
        )
        .where(AssistedSession.citizen == account_id)
        .order_by(AssistedSession.id)
    )
    for row in rows:
        row["consent_scope"] = json.loads(row["consent_scope"] or "[]")
    return {"assisted_sessions": rows}


PART = PersonalData("kiosk", export=_export)
