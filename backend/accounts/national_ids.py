"""A citizen's ID number at rest (lib.idcrypt): the account keeps it sealed, and finds it by
its blind index; ceremonies keep it sealed in their data; rate limits count it by its index.
Everything that reads, writes or looks up an account's number goes through here."""

from __future__ import annotations

from typing import Any

from piccolo.columns.combination import Where

from backend.accounts.tables import Account
from backend.lib import idcrypt
from backend.system.registry import SealedColumn

__all__ = [
    "CEREMONY",
    "DISPUTED",
    "NATIONAL_ID",
    "SEALED_COLUMNS",
    "disputed_values",
    "held_by",
    "index_of",
    "national_id_of",
    "normalise",
    "open_id",
    "seal_for_ceremony",
    "values",
]

NATIONAL_ID = "account.national_id"
DISPUTED = "account.disputed_national_id"
CEREMONY = "webauthn_challenge.data"
"""Where each is sealed: the associated data of its values."""

SEALED_COLUMNS = [
    SealedColumn("account", "national_id_sealed", NATIONAL_ID, index_column="national_id_index"),
    SealedColumn("account", "disputed_national_id_sealed", DISPUTED),
    SealedColumn("webauthn_challenge", "data", CEREMONY, json=True),
]


def normalise(typed: str) -> str:
    """The number as typed, without the dashes and spaces printed on the card."""
    return typed.replace("-", "").replace(" ", "")


def index_of(national_id: str) -> str:
    """The blind index of a number: what lookups, uniqueness and rate limits use."""
    return idcrypt.blind_index()(national_id)


def held_by(national_id: str) -> Where:
    """`where` clause: the account holding this number."""
    return Account.national_id_index == index_of(national_id)


def values(national_id: str | None) -> dict[Any, Any]:
    """What `Account.update` writes to give an account this number (None: take it away)."""
    if national_id is None:
        return {Account.national_id_sealed: None, Account.national_id_index: None}
    return {
        Account.national_id_sealed: idcrypt.sealer().seal(national_id, place=NATIONAL_ID),
        Account.national_id_index: index_of(national_id),
    }


def disputed_values(national_id: str | None) -> dict[Any, Any]:
    """What `Account.update` writes to keep the number a frozen account claimed."""
    sealed = None if national_id is None else idcrypt.sealer().seal(national_id, place=DISPUTED)
    return {Account.disputed_national_id_sealed: sealed}


def open_id(sealed: str | None, place: str = NATIONAL_ID) -> str | None:
    """The number from its sealed form (as a select returned it); None stays None."""
    return None if sealed is None else idcrypt.sealer().open(sealed, place=place)


async def national_id_of(account_id: int) -> str | None:
    row = await Account.select(Account.national_id_sealed).where(Account.id == account_id).first()
    return None if row is None else open_id(row["national_id_sealed"])


def seal_for_ceremony(data: dict[str, Any]) -> dict[str, Any]:
    """A ceremony's data with its `national_id` (if any) sealed, to store."""
    if data.get("national_id") is None:
        return data
    sealed = idcrypt.sealer().seal_json(data["national_id"], place=CEREMONY)
    return {**data, "national_id": sealed}
