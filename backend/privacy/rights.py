"""A citizen's PDPA rights over what the portal holds: a copy of all of it (export), and
erasure of the account.

Erasure removes what the portal keeps *for the citizen*: name, ID number, phone, address,
passkeys, sessions, devices, notifications and preferences, drafts, uploads in progress, and
wallet documents no application used. It keeps what the state must keep: applications that
were submitted (with their answers, attached documents and history, the agencies' record of a
public service) and the audit log (who did what, never personal detail). While an
application is still being worked on the account cannot be erased: the agency may need to
reach the citizen.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from typing import Any

import anyio

from backend.accounts.tables import Account, OneTimeCode, Passkey, Session
from backend.applications.attachments import file_answers, forms_of
from backend.applications.services import COUNTER, histories
from backend.applications.status import ACTIVE
from backend.applications.tables import Application
from backend.documents.resumable import remove_uploads
from backend.documents.storage import storage_for
from backend.documents.tables import Document, Upload
from backend.lib.db import write_transaction
from backend.lib.errors import ConflictError, ValidationFailedError
from backend.lib.ratelimit import Limit, check
from backend.lib.sequence import next_value
from backend.notifications import subscriptions as push_subscriptions
from backend.notifications.tables import Notification, NotificationPreference, PushSubscription
from backend.privacy.audit import Actor, record
from backend.privacy.tables import AuditEntry
from backend.settings import Settings
from backend.system.hotcache import announce, forget_here

__all__ = ["EXPORTS", "ApplicationsOpenError", "erase_account", "export_data"]

log = logging.getLogger("portal.privacy")

EXPORTS = Limit("privacy:export", 10, 3600)
"""An export reads everything: a few an hour per account are plenty."""


class ApplicationsOpenError(ConflictError):
    code = "applications_open"
    message_en = (
        "You still have applications being worked on. Withdraw them, or wait for the "
        "agencies' decisions, before deleting your account."
    )
    message_th = "คุณยังมีคำขอที่อยู่ระหว่างดำเนินการ กรุณายกเลิกคำขอหรือรอผลการพิจารณาก่อนลบบัญชี"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- Export ---------------------------------------------------------------------------------


async def export_data(actor: Actor, account_id: int) -> dict[str, Any]:
    """Everything the portal holds about the account, as one JSON-ready document."""
    await check([(EXPORTS, str(account_id))])
    profile = (
        await Account.select(
            Account.national_id,
            Account.full_name,
            Account.phone,
            Account.address,
            Account.language,
            Account.assurance,
            Account.created_at,
        )
        .where(Account.id == account_id)
        .first()
    )
    data: dict[str, Any] = {
        "exported_at": _now(),
        "profile": profile,
        "passkeys": await Passkey.select(
            Passkey.name,
            Passkey.created_at,
            Passkey.last_used_at,
            Passkey.multi_device,
            Passkey.backed_up,
            Passkey.revoked_at,
        ).where(Passkey.account == account_id),
        "sessions": await Session.select(
            Session.created_at,
            Session.last_seen_at,
            Session.expires_at,
            Session.revoked_at,
            Session.ip,
            Session.user_agent,
        ).where(Session.account == account_id),
        "applications": await _applications(account_id),
        "documents": await _documents(account_id),
        "unfinished_uploads": await Upload.select(
            Upload.document_type,
            Upload.label,
            Upload.length,
            Upload.received,
            Upload.created_at,
            Upload.expires_at,
        ).where((Upload.account == account_id) & Upload.document.is_null()),
        "notifications": await Notification.select(
            Notification.created_at,
            Notification.kind,
            Notification.tracking_code,
            Notification.status,
            Notification.text_th,
            Notification.text_en,
            Notification.read_at,
        ).where(Notification.account == account_id),
        "muted_notifications": await _muted(account_id),
        "devices": await PushSubscription.select(
            PushSubscription.device_name, PushSubscription.created_at, PushSubscription.updated_at
        ).where(PushSubscription.account == account_id),
        "assisted_sessions": await _assisted(account_id),
        "activity": await AuditEntry.select(
            AuditEntry.at,
            AuditEntry.action,
            AuditEntry.actor_role,
            AuditEntry.object_type,
            AuditEntry.object_id,
            AuditEntry.ip,
        )
        .where(AuditEntry.subject_account_id == account_id)
        .order_by(AuditEntry.id),
    }
    await record("data.exported", actor, subject_account_id=account_id)
    return data


async def _applications(account_id: int) -> list[dict[str, Any]]:
    rows = (
        await Application.select(
            Application.id,
            Application.tracking_code,
            Application.service.slug.as_alias("service"),
            Application.agency.code.as_alias("agency"),
            Application.status,
            Application.answers,
            Application.created_at,
            Application.submitted_at,
            Application.updated_at,
        )
        .where((Application.account == account_id) & Application.deleted_at.is_null())
        .order_by(Application.id)
    )
    # The same entries (status, time, by whom, message) as the application's own page shows.
    history = await histories([r["id"] for r in rows])
    for row in rows:
        row["answers"] = json.loads(row["answers"])
        row["history"] = history.get(row.pop("id"), [])
    return rows


async def _documents(account_id: int) -> list[dict[str, Any]]:
    rows = await Document.select(
        Document.id,
        Document.document_type,
        Document.label,
        Document.content_type,
        Document.size_bytes,
        Document.sha256,
        Document.created_at,
        Document.deleted_at,
    ).where(Document.account == account_id)
    for row in rows:
        if row["deleted_at"] is None:  # still in the wallet: its bytes are a download away
            row["download"] = f"/api/v1/documents/{row['id']}/content"
    return rows


async def _muted(account_id: int) -> list[str]:
    row = (
        await NotificationPreference.select(NotificationPreference.muted)
        .where(NotificationPreference.account == account_id)
        .first()
    )
    muted: list[str] = json.loads(row["muted"]) if row else []
    return muted


async def _assisted(account_id: int) -> list[dict[str, Any]]:
    from backend.kiosk.tables import AssistedSession

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
    return rows


# --- Erasure --------------------------------------------------------------------------------


async def erase_account(
    actor: Actor, account_id: int, confirm: str, *, settings: Settings
) -> dict[str, int]:
    """Erase the account (see the module's docstring); returns what was removed. `confirm`
    must be the last four digits of the account's ID number."""
    removed_keys: list[str] = []
    async with write_transaction():
        account = (
            await Account.select(Account.national_id, Account.disabled_at)
            .where(Account.id == account_id)
            .first()
        )
        if account is None or account["disabled_at"] is not None:
            raise ConflictError(
                "This account is already deleted.", "บัญชีนี้ถูกลบแล้ว", code="account_deleted"
            )
        national_id = account["national_id"] or ""
        if not national_id or not secrets.compare_digest(confirm, national_id[-4:]):
            raise ValidationFailedError(
                fields={
                    "confirm": {
                        "en": "Type the last 4 digits of your ID number to confirm.",
                        "th": "กรุณาพิมพ์เลขบัตรประชาชน 4 หลักสุดท้ายเพื่อยืนยัน",
                    }
                }
            )
        open_count = await Application.count().where(
            (Application.account == account_id)
            & Application.status.is_in(list(ACTIVE))
            & Application.deleted_at.is_null()
        )
        if open_count:
            raise ApplicationsOpenError()

        drafts = await _discard_drafts(account_id)
        documents, removed_keys = await _remove_unused_documents(account_id)
        uploads, upload_keys = await remove_uploads(account_id)
        counts = {
            "drafts": drafts,
            "documents": documents,
            "uploads": uploads,
            "passkeys": len(
                await Passkey.delete().where(Passkey.account == account_id).returning(Passkey.id)
            ),
            "sessions": len(
                await Session.delete().where(Session.account == account_id).returning(Session.id)
            ),
            # As when signing out everywhere: every device forgotten, each audited.
            "devices": await push_subscriptions.forget_account(actor, account_id),
            "notifications": len(
                await Notification.delete()
                .where(Notification.account == account_id)
                .returning(Notification.id)
            ),
        }
        await NotificationPreference.delete().where(NotificationPreference.account == account_id)
        await OneTimeCode.delete().where(OneTimeCode.account == account_id)
        await Account.update(
            {
                # A new random handle: no passkey anywhere can name this account again.
                Account.user_handle: secrets.token_urlsafe(32),
                Account.national_id: None,
                Account.full_name: "",
                Account.phone: "",
                Account.address: "",
                Account.disabled_at: _now(),
            }
        ).where(Account.id == account_id)
        await record("account.erased", actor, subject_account_id=account_id, detail=counts)
        await announce(account_id)  # last: its counter row stays locked until commit
    forget_here(account_id)
    # The rows are gone for good; now the bytes (a failure leaves an unreferenced file).
    storage = storage_for(settings)
    with anyio.CancelScope(shield=True):
        for remove, keys in ((storage.delete, removed_keys), (storage.discard, upload_keys)):
            for key in keys:
                try:
                    await remove(key)
                except OSError:
                    log.warning("could not delete erased bytes %s", key, exc_info=True)
    return counts


async def _discard_drafts(account_id: int) -> int:
    """Drafts become tombstones without answers (other devices learn of it through `since`)."""
    ids = await Application.select(Application.id).where(
        (Application.account == account_id)
        & (Application.status == "draft")
        & Application.deleted_at.is_null()
    )
    for row in ids:
        await Application.update(
            {
                Application.answers: "{}",
                Application.deleted_at: _now(),
                Application.updated_at: _now(),
                Application.change_seq: await next_value(COUNTER),
            }
        ).where(Application.id == row["id"])
    return len(ids)


async def _remove_unused_documents(account_id: int) -> tuple[int, list[str]]:
    """Delete the wallet documents no submitted application attached; returns how many and
    their storage keys."""
    submitted = await Application.select(Application.service, Application.answers).where(
        (Application.account == account_id) & (Application.status != "draft")
    )
    forms = await forms_of(r["service"] for r in submitted)
    attached = {
        document
        for r in submitted
        for document in file_answers(forms.get(r["service"], []), json.loads(r["answers"])).values()
    }
    rows = await Document.select(Document.id, Document.storage_key).where(
        Document.account == account_id
    )
    unused = [r for r in rows if r["id"] not in attached]
    if unused:
        await Document.delete().where(Document.id.is_in([r["id"] for r in unused]))
    return len(unused), [r["storage_key"] for r in unused]
