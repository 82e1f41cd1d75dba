"""What a status change tells the citizen: its kind, a short line in Thai and English, and
the Web Push body built from them.

Nothing personal goes into a push: push services (Google, Mozilla, Apple, Microsoft) carry it
and the phone shows it on a locked screen. A push names the tracking code, the new status and
a fixed line for that status, never the citizen's name, ID number, the service (which can say
"disability allowance") or the agency's free-text message (which can say anything).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from backend.applications.status import STATUSES, label, meaning
from backend.lib.i18n import format_datetime
from backend.lib.webpush import Urgency

__all__ = [
    "KINDS",
    "NOTICES",
    "PUSH_BODY_VERSION",
    "SECURITY",
    "Kind",
    "StatusNews",
    "application_url",
    "fee_news",
    "fee_topic",
    "news_for",
    "notice_body",
    "notice_text",
    "push_body",
    "push_topic",
]

Kind = Literal["status_update", "needs_info", "decision"]
KINDS: tuple[Kind, ...] = ("status_update", "needs_info", "decision")
"""What a citizen can mute, each on its own (preferences)."""

PUSH_BODY_VERSION = 1
"""`v` in the push body, so a service worker can tell a shape it does not know."""


@dataclass(frozen=True, slots=True)
class StatusNews:
    kind: Kind
    th: str
    en: str
    urgency: Urgency


_KIND_OF: dict[str, tuple[Kind, Urgency]] = {
    "received": ("status_update", "normal"),
    "in_review": ("status_update", "normal"),
    # The citizen has to act before the review can go on: wake the phone now.
    "needs_info": ("needs_info", "high"),
    "approved": ("decision", "normal"),
    "rejected": ("decision", "normal"),
    "completed": ("decision", "normal"),
}
"""The statuses an agency sets, each with its kind and urgency; what the notice says is the
status's line of meaning from the one glossary (applications.status.meaning). `submitted` and
`withdrawn` are the citizen's own acts (or an operator's beside them, who prints a receipt),
so they are not news to the citizen."""


def _status_news(status: str) -> StatusNews:
    kind, urgency = _KIND_OF[status]
    en, th = meaning(status)
    return StatusNews(kind, th, en, urgency)


_FEE_NEWS: dict[str, tuple[str, str, Urgency]] = {
    "due": (
        "มีค่าธรรมเนียม {amount} บาท ที่ต้องชำระ แตะเพื่อดูคิวอาร์โค้ดชำระเงิน",
        "A fee of {amount} baht is due. Tap for the QR code to pay it.",
        "normal",
    ),
    "paid": (
        "ได้รับชำระค่าธรรมเนียม {amount} บาท แล้ว แตะเพื่อดูใบเสร็จ",
        "Your payment of {amount} baht was received. Tap for the receipt.",
        "normal",
    ),
    "overdue": (
        "ค่าธรรมเนียม {amount} บาท เลยกำหนดชำระแล้ว แตะเพื่อชำระ หน่วยงานจะพิจารณาคำขอต่อไป",
        "The fee of {amount} baht is past its due date. Tap to pay; the agency will decide.",
        # The citizen has to act before the agency decides: wake the phone now.
        "high",
    ),
}
"""What a fee's news tells the citizen (fees.events): the amount and what to do, nothing more."""


def fee_news(what: str, amount: str) -> StatusNews:
    """The news of a fee falling due, paid or overdue, with its amount in baht."""
    th, en, urgency = _FEE_NEWS[what]
    return StatusNews("status_update", th.format(amount=amount), en.format(amount=amount), urgency)


def fee_topic(application_id: int) -> str:
    """Its own Topic: a fee's news does not replace the application's status news."""
    return f"fee-{application_id}"


_TITLE = {"th": "คำขอ {code}", "en": "Application {code}"}
"""A status's push adds its glossary label to the title (": In review"); its body is the
status's line of meaning. A fee's news has no status: the title is the code alone."""


def news_for(old_status: str, new_status: str) -> StatusNews | None:
    """What to tell the citizen about this change, or None when it is not news to them."""
    if old_status == "needs_info" and new_status == "in_review":
        # Almost always the citizen's own answer resuming the review (the event hook is not
        # told who acted); an agency resuming without an answer is not worth a push.
        return None
    return _status_news(new_status) if new_status in _KIND_OF else None


def application_url(application_id: int) -> str:
    """Where a tap on the notification opens the PWA."""
    return f"/#/applications/{application_id}"


def push_topic(application_id: int) -> str:
    """RFC 8030 Topic (≤ 32 base64url characters): a newer status of the same application
    replaces an older one the push service still holds for an offline phone."""
    return f"app-{application_id}"


def push_body(
    *,
    notification_id: int,
    application_id: int,
    tracking_code: str,
    status: str,
    news: StatusNews,
    lang: str,
) -> dict[str, Any]:
    """The JSON the service worker receives (see pwa/sw.js `push`), in the citizen's
    language. A few hundred bytes, far below the 3 KB limit."""
    lang = "en" if lang == "en" else "th"
    return {
        "v": PUSH_BODY_VERSION,
        "id": notification_id,
        "kind": news.kind,
        "application": application_id,
        "code": tracking_code,
        "status": status,
        "title": _TITLE[lang].format(code=tracking_code)
        + (f": {label(status)[lang == 'th']}" if status in STATUSES else ""),
        "body": news.en if lang == "en" else news.th,
        "tag": push_topic(application_id),
        "url": application_url(application_id),
        "lang": lang,
    }


SECURITY = "security"
"""The kind of a notice about the account itself: never muted (not among KINDS)."""

NOTICES: dict[str, tuple[str, str]] = {
    "recovery_code_issued": (
        "มีการออกรหัสกู้คืนบัญชีของคุณ{where}",
        "A recovery code for your account was issued{where}.",
    ),
    "recovery_code_used": (
        "มีการเพิ่มพาสคีย์ใหม่ในบัญชีของคุณด้วยรหัสกู้คืน",
        "A new passkey was added to your account with a recovery code.",
    ),
    "assisted_opened": (
        "เจ้าหน้าที่เริ่มให้บริการแทนคุณ{where}",
        "An officer started serving you{where}.",
    ),
    "assisted_consented": (
        "มีการยินยอมให้เจ้าหน้าที่ทำรายการแทนคุณ{where}",
        "Consent was given for an officer to act for you{where}.",
    ),
    "assisted_consent_overridden": (
        "หัวหน้าเจ้าหน้าที่อนุมัติให้ทำรายการแทนคุณโดยไม่ต้องใช้การยืนยันของคุณเอง{where}",
        "A supervisor allowed an officer to act for you without your own confirmation{where}.",
    ),
    "assisted_ended": (
        "การให้บริการแทนคุณสิ้นสุดแล้ว{where}",
        "The officer's session for you ended{where}.",
    ),
    "contact_changed": (
        "เบอร์โทรศัพท์หรือที่อยู่ในบัญชีของคุณถูกเปลี่ยน",
        "The phone number or address on your account was changed.",
    ),
    "passkey_added": ("มีการเพิ่มพาสคีย์ในบัญชีของคุณ", "A passkey was added to your account."),
    "passkey_removed": ("มีการลบพาสคีย์ออกจากบัญชีของคุณ", "A passkey was removed from your account."),
    "identity_verified": (
        "บัญชีของคุณได้รับการยืนยันตัวตนด้วยแอปพิสูจน์ตัวตนดิจิทัลแล้ว",
        "Your account's identity was verified with a digital ID.",
    ),
    "identity_claimed": (
        "เลขประจำตัวประชาชนของคุณเคยถูกผู้อื่นใช้สมัครบัญชี บัญชีนั้นถูกระงับแล้ว และคำขอที่ยื่นไว้ถูกแจ้งหน่วยงานให้ตรวจสอบ",
        "Someone had used your ID number for another account: that account is frozen and its"
        " applications are flagged to their agencies.",
    ),
    "delegation_made": (
        "คุณมอบอำนาจให้ {who} ทำรายการแทนคุณแล้ว{where}",
        "You authorised {who} to act for you{where}.",
    ),
    "delegation_received": (
        "{who} มอบอำนาจให้คุณทำรายการแทนแล้ว{where}",
        "{who} authorised you to act for them{where}.",
    ),
    "delegation_ended": (
        "{who} ยกเลิกการมอบอำนาจระหว่างคุณแล้ว",
        "{who} ended the authorisation between you.",
    ),
    "delegate_submitted": (
        "{who} ยื่นคำขอ {about} แทนคุณ",
        "{who} submitted application {about} for you.",
    ),
    "delegate_answered": (
        "{who} ส่งข้อมูลเพิ่มเติมของคำขอ {about} แทนคุณ",
        "{who} answered the agency on application {about} for you.",
    ),
    "delegate_withdrew": (
        "{who} ถอนคำขอ {about} แทนคุณ",
        "{who} withdrew application {about} for you.",
    ),
    "appointment_reminder": (
        "พรุ่งนี้ ({when} น.) คุณมีนัดหมาย{where} (เลขที่การจอง {about}) หากไปไม่ได้ กรุณาเลื่อนหรือยกเลิกในแอป",
        "Reminder: you have an appointment tomorrow{where}, {when} (booking {about})."
        " If you cannot come, move or cancel it in the app.",
    ),
}
"""What each account notice says (accounts.events.Notice); `{where}` is the office, `{who}`
the other person of an authorisation, `{about}` an application's tracking code (or a
booking's reference), `{when}` the time of an appointment."""

_NOT_YOU = (
    " หากไม่ใช่คุณ ให้กด “ออกจากระบบในอุปกรณ์อื่นทั้งหมด” ในหน้าบัญชีของฉัน แล้วโทร 1111",
    " If this was not you, choose “End everything else” on My account and call 1111.",
)
_AT = (" ที่{}", " at {}")
_NOT_AUTHORISED = (
    " หากคุณไม่ได้มอบอำนาจนี้ ให้ยกเลิกได้ที่ “การมอบอำนาจ” ในหน้าบัญชีของฉัน แล้วโทร 1111",
    " If you did not authorise this, end it under “Authorisations” on My account and call 1111.",
)

ACCOUNT_URL = "/#/account"


def notice_text(
    what: str, where: str, who: str = "", about: str = "", when: dt.datetime | None = None
) -> tuple[str, str]:
    """The notice in Thai and English: what happened, where, and what to do if it was not
    the citizen (the Government Contact Center, 1111); a reminder needs no such advice.
    `when` in Bangkok time, the Thai in the Buddhist era."""
    th, en = NOTICES[what]
    tail = ("", "") if what.startswith("appointment") else _NOT_YOU
    tail = _NOT_AUTHORISED if what.startswith("delegat") else tail
    when_th = format_datetime(when, "th") if when else ""
    when_en = format_datetime(when, "en") if when else ""
    return (
        th.format(where=_AT[0].format(where) if where else "", who=who, about=about, when=when_th)
        + tail[0],
        en.format(where=_AT[1].format(where) if where else "", who=who, about=about, when=when_en)
        + tail[1],
    )


def notice_body(*, notification_id: int, text: tuple[str, str], lang: str) -> dict[str, Any]:
    """The push for an account notice. Unlike a status push it names what happened, which a
    locked screen may show: that is the point (and it names no person, document or service)."""
    lang = "en" if lang == "en" else "th"
    return {
        "v": PUSH_BODY_VERSION,
        "id": notification_id,
        "kind": SECURITY,
        "title": "Your account" if lang == "en" else "บัญชีของคุณ",
        "body": text[1] if lang == "en" else text[0],
        "tag": f"notice-{notification_id}",
        "url": ACCOUNT_URL,
        "lang": lang,
    }
