"""A signed-in account's passkeys: list, add, rename, revoke."""

from __future__ import annotations

from typing import Any

from backend.accounts import errors
from backend.accounts.events import AccountNotice
from backend.accounts.national_ids import open_id
from backend.accounts.services.ceremonies import (
    FAILED_ACTIONS,
    RP_NAME,
    Ceremony,
    now,
    registration_failed,
    save_passkey,
    store_challenge,
    take_challenge,
)
from backend.accounts.services.security import end_sessions
from backend.accounts.tables import Account, Passkey, Session
from backend.lib import webauthn
from backend.lib.db import transaction
from backend.lib.errors import NotFoundError, ValidationFailedError
from backend.settings import Settings
from backend.system.audit import Actor, record
from backend.system.hotcache import forget_here
from backend.system.registry import publish


async def list_passkeys(account_id: int) -> list[dict[str, Any]]:
    return list(
        await Passkey.select(
            Passkey.id,
            Passkey.name,
            Passkey.created_at,
            Passkey.last_used_at,
            Passkey.multi_device,
        )
        .where((Passkey.account == account_id) & Passkey.revoked_at.is_null())
        .order_by(Passkey.id)
    )


async def _exclude_list(account_id: int) -> list[bytes]:
    rows = await Passkey.select(Passkey.credential_id).where(
        (Passkey.account == account_id) & Passkey.revoked_at.is_null()
    )
    return [webauthn.b64url_decode(r["credential_id"]) for r in rows]


async def registration_for(
    ceremony: Ceremony,
    settings: Settings,
    account_id: int,
    purpose: str,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    account = await Account.select().where(Account.id == account_id).first()
    if account is None:
        raise NotFoundError()
    national_id = open_id(account["national_id_sealed"]) or ""
    options, challenge = webauthn.registration_options(
        rp_id=settings.effective_rp_id,
        rp_name=RP_NAME,
        user_handle=webauthn.b64url_decode(account["user_handle"]),
        user_name=f"{account['full_name']} ({national_id[:1]}-xxxx-{national_id[-4:]})"
        if national_id
        else account["full_name"],
        display_name=account["full_name"],
        exclude=await _exclude_list(account_id),
    )
    await store_challenge(ceremony, purpose, challenge, account_id=account_id, data=data)
    return options


async def begin_add_passkey(
    ceremony: Ceremony, settings: Settings, account_id: int
) -> dict[str, Any]:
    return await registration_for(ceremony, settings, account_id, "add")


async def verified_registration(
    ceremony: Ceremony, settings: Settings, purpose: str, credential: Any
) -> tuple[dict[str, Any], webauthn.NewCredential]:
    """Consume the challenge (outside any transaction: a failed attempt still burns it) and
    verify the new credential."""
    taken = await take_challenge(ceremony, purpose)
    try:
        new = webauthn.verify_registration(
            credential,
            challenge=taken["challenge_bytes"],
            rp_id=settings.effective_rp_id,
            origin=settings.public_origin,
        )
    except webauthn.WebAuthnError as exc:
        await record(
            FAILED_ACTIONS[purpose],
            ceremony.actor,
            subject_account_id=taken["account"],
            detail={"reason": exc.reason[:200]},
        )
        raise registration_failed(exc) from exc
    return taken, new


async def finish_add_passkey(
    ceremony: Ceremony, settings: Settings, account_id: int, credential: Any, name: str
) -> int:
    taken, new = await verified_registration(ceremony, settings, "add", credential)
    if taken["account"] != account_id:
        raise errors.ChallengeMissingError()
    async with transaction():
        passkey_id = await save_passkey(account_id, new, name)
        await record(
            "passkey.added",
            ceremony.actor,
            subject_account_id=account_id,
            object_type="passkey",
            object_id=passkey_id,
        )
        await publish(AccountNotice(account_id=account_id, what="passkey_added"))
    return passkey_id


async def rename_passkey(actor: Actor, account_id: int, passkey_id: int, name: str) -> None:
    name = name.strip()
    if not 1 <= len(name) <= 60:
        raise ValidationFailedError(
            fields={"name": {"en": "Use 1 to 60 characters.", "th": "ใช้ 1 ถึง 60 ตัวอักษร"}}
        )
    updated = (
        await Passkey.update({Passkey.name: name})
        .where(
            (Passkey.id == passkey_id)
            & (Passkey.account == account_id)
            & Passkey.revoked_at.is_null()
        )
        .returning(Passkey.id)
    )
    if not updated:
        raise errors.PasskeyNotFoundError()
    await record(
        "passkey.renamed",
        actor,
        subject_account_id=account_id,
        object_type="passkey",
        object_id=passkey_id,
    )


async def revoke_passkey(
    actor: Actor, account_id: int, passkey_id: int, *, confirm_last: bool
) -> None:
    """Revoke a passkey. The last one only with `confirm_last`: afterwards the citizen can
    sign in again only through an in-person recovery code."""
    async with transaction():
        active = await Passkey.select(Passkey.id).where(
            (Passkey.account == account_id) & Passkey.revoked_at.is_null()
        )
        ids = {r["id"] for r in active}
        if passkey_id not in ids:
            raise errors.PasskeyNotFoundError()
        if len(ids) == 1 and not confirm_last:
            raise errors.LastPasskeyError()
        await Passkey.update({Passkey.revoked_at: now()}).where(Passkey.id == passkey_id)
        # What it signed in goes with it (a phone that was lost stays signed out).
        ended = await end_sessions(actor, account_id, Session.passkey == passkey_id)
        await record(
            "passkey.revoked",
            actor,
            subject_account_id=account_id,
            object_type="passkey",
            object_id=passkey_id,
            detail={"was_last": len(ids) == 1, "sessions_ended": ended},
        )
        await publish(AccountNotice(account_id=account_id, what="passkey_removed"))
    forget_here(account_id)
