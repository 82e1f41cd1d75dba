"""A form's answers at rest: JSON, with every answer that is a national ID number (a
`thai-id` field: the applicant's own, a child's, a spouse's; or one typed into a text field)
sealed as `{"$sealed": …}` (lib.idcrypt). Whoever reads answers (the citizen, the agency, the
citizen's export) gets them opened."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from backend.lib import idcrypt
from backend.lib.thai_id import is_valid_thai_id
from backend.system.registry import SealedColumn

__all__ = ["PLACE", "SEALED_COLUMN", "is_national_id", "load", "stored"]

PLACE = "application.answers"
SEALED_COLUMN = SealedColumn("application", "answers", PLACE, json=True)


def is_national_id(value: Any) -> bool:
    """A 13-digit number with a valid check digit, as typed (dashes and spaces allowed)."""
    return isinstance(value, str) and is_valid_thai_id(value.replace("-", "").replace(" ", ""))


def stored(answers: Mapping[str, Any]) -> str:
    """The JSON to store for answers."""
    kept = {
        name: idcrypt.sealer().seal_json(value, place=PLACE) if is_national_id(value) else value
        for name, value in answers.items()
    }
    return json.dumps(kept, ensure_ascii=False)


def load(text: str) -> dict[str, Any]:
    """Stored answers, opened."""
    opened: dict[str, Any] = idcrypt.open_json(json.loads(text), PLACE)
    return opened
