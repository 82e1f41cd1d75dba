"""`/track`: follow an application without an account, on any browser, without JavaScript.

Server-rendered HTML: a form (tracking code + last 4 digits of the ID number) posted back to
itself. A wrong pair shows the same "not found" as an unknown code, and lookups are rate
limited per address and per code, so the page cannot be used to discover applications.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_429_TOO_MANY_REQUESTS

from backend.applications import services
from backend.applications.schemas import ApplicationDetail
from backend.applications.status import label, meaning
from backend.lib.errors import RateLimitedError
from backend.lib.i18n import BANGKOK, format_datetime
from backend.lib.static import page_stylesheet
from backend.settings import Settings
from backend.system.ratelimit import Limit, check
from backend.system.registry import ExtensionPoint, current

__all__ = ["TRACKING_PARTS", "TrackController", "TrackingPart"]

TRACK_IP = Limit("track:ip", 30, 600)
TRACK_CODE = Limit("track:code", 10, 3600)

TrackingPart = Callable[[int, str], Awaitable[str]]
TRACKING_PARTS: ExtensionPoint[TrackingPart] = ExtensionPoint("applications.tracking_parts")
"""What a domain above adds to an application's /track result: (application id, "th"|"en")
→ a piece of HTML, escaped by the domain ("" for nothing), e.g. the booked visit."""

_TEXT = {
    "th": {
        "title": "ติดตามคำขอ",
        "code": "รหัสติดตาม",
        "code_hint": "เช่น DOPA-7K3M-Q9",
        "last4": "เลขประจำตัวประชาชน 4 หลักสุดท้าย",
        "submit": "ตรวจสอบสถานะ",
        "not_found": "ไม่พบคำขอที่ตรงกับรหัสและเลข 4 หลักนี้ กรุณาตรวจสอบแล้วลองอีกครั้ง",
        "limited": "ตรวจสอบบ่อยเกินไป กรุณารอ {n} วินาทีแล้วลองใหม่",
        "status": "สถานะ",
        "history": "ประวัติ",
        "promise": "คาดว่าจะทราบผลภายใน {date}",
        "overdue": "เกินกำหนด: หน่วยงานควรแจ้งผลภายใน {date}",
        "service": "บริการ",
        "other": "English",
        "intro": "ไม่ต้องเข้าสู่ระบบ ใช้รหัสติดตามจากใบรับเรื่องหรือข้อความแจ้งเตือน",
        "home": "หน้าแรก",
    },
    "en": {
        "title": "Track an application",
        "code": "Tracking code",
        "code_hint": "e.g. DOPA-7K3M-Q9",
        "last4": "Last 4 digits of the ID number",
        "submit": "Check status",
        "not_found": "No application matches this code and these 4 digits. Check them and try "
        "again.",
        "limited": "Too many checks. Please wait {n} seconds and try again.",
        "status": "Status",
        "history": "History",
        "promise": "Decision expected by {date}",
        "overdue": "Overdue: the agency should have decided by {date}",
        "service": "Service",
        "other": "ภาษาไทย",
        "intro": "No sign-in needed: use the tracking code on your receipt or notification.",
        "home": "Home",
    },
}


def _page(settings: Settings, lang: str, body: str, code: str = "") -> str:
    t = _TEXT[lang]
    other = "en" if lang == "th" else "th"
    esc = html.escape
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{esc(t["title"])}</title>
<link rel="stylesheet" href="{esc(page_stylesheet(settings.pwa_dir))}">
</head>
<body>
<header class="bar"><a class="brand" href="/">{esc(t["home"])}</a>
<a class="bar-link" href="/track?lang={other}" lang="{other}">{esc(t["other"])}</a></header>
<main id="main">
<h1>{esc(t["title"])}</h1>
<p>{esc(t["intro"])}</p>
<form method="post" action="/track?lang={lang}" class="track-form">
<label for="code">{esc(t["code"])}</label>
<input id="code" name="code" required maxlength="20" autocomplete="off" autocapitalize="characters"
 spellcheck="false" value="{esc(code)}" aria-describedby="code-hint">
<p id="code-hint" class="hint">{esc(t["code_hint"])}</p>
<label for="last4">{esc(t["last4"])}</label>
<input id="last4" name="last4" required inputmode="numeric" pattern="[0-9]{{4}}" maxlength="4"
 autocomplete="off">
<button type="submit">{esc(t["submit"])}</button>
</form>
{body}
</main>
</body>
</html>"""


def _promise(detail: ApplicationDetail, lang: str) -> str:
    """By when the agency promised to decide, or that it is past that day (Thai date)."""
    if detail.expected_by is None:
        return ""
    last = detail.expected_by
    noon = dt.datetime.combine(last, dt.time(12), BANGKOK)
    shown = format_datetime(noon, lang, time=False)
    late = dt.datetime.now(BANGKOK).date() > last
    text = html.escape(_TEXT[lang]["overdue" if late else "promise"].format(date=shown))
    return (
        f'<p class="promise overdue"><strong>{text}</strong></p>\n' if late else f"<p>{text}</p>\n"
    )


def _result(detail: ApplicationDetail, lang: str, extra: str = "") -> str:
    t = _TEXT[lang]
    esc = html.escape
    en, th = label(detail.status)
    means_en, means_th = meaning(detail.status)
    rows = []
    for entry in detail.history:  # oldest first, as in the app and the officer console
        s_en, s_th = label(entry.status)
        message = ""
        if entry.message:
            text = entry.message.th if lang == "th" else entry.message.en
            message = f"<br>{esc(text or entry.message.th or entry.message.en)}"
        rows.append(
            f"<li><strong>{esc(s_th if lang == 'th' else s_en)}</strong> · "
            f'<time datetime="{entry.at.isoformat()}">{esc(format_datetime(entry.at, lang))}'
            f"</time>{message}</li>"
        )
    service = detail.service.name.th if lang == "th" else detail.service.name.en
    agency = detail.service.agency_name.th if lang == "th" else detail.service.agency_name.en
    return f"""<section class="card" aria-live="polite">
<h2>{esc(detail.tracking_code)}</h2>
<p>{esc(t["service"])}: {esc(service)} · {esc(agency)}</p>
<p class="status-now">{esc(t["status"])}: <strong>{esc(th if lang == "th" else en)}</strong></p>
<p>{esc(means_th if lang == "th" else means_en)}</p>
{_promise(detail, lang)}<h3>{esc(t["history"])}</h3>
<ol class="history">{"".join(rows)}</ol>
{extra}</section>"""


def _html(
    text: str, status_code: int = HTTP_200_OK, headers: dict[str, str] | None = None
) -> Response[str]:
    return Response(
        text,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


Lang = Annotated[str, QueryParameter(pattern="^(th|en)$")]


class TrackController(Controller):
    path = "/track"
    tags = ["tracking"]
    include_in_schema = False

    @get("/", operation_id="trackForm")
    async def form(self, settings: NamedDependency[Settings], lang: Lang = "th") -> Response[str]:
        """The tracking form."""
        return _html(_page(settings, lang, ""))

    @post("/", operation_id="track", status_code=HTTP_200_OK)
    async def track(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
        lang: Lang = "th",
    ) -> Response[str]:
        """Look an application up by tracking code and the last 4 digits of the ID number."""
        code = str(data.get("code", "")).strip().upper()[:20]
        last4 = str(data.get("last4", "")).strip()[:4]
        ip = request.client.host if request.client else ""
        try:
            await check([(TRACK_IP, ip), (TRACK_CODE, code or "-")])
        except RateLimitedError as exc:
            message = _TEXT[lang]["limited"].format(n=exc.retry_after)
            body = f'<p class="error" role="alert">{html.escape(message)}</p>'
            return _html(
                _page(settings, lang, body, code),
                HTTP_429_TOO_MANY_REQUESTS,
                {"Retry-After": str(exc.retry_after)},
            )
        detail = await services.find_for_tracking(code, last4) if code and last4 else None
        if detail is None:
            body = f'<p class="error" role="alert">{html.escape(_TEXT[lang]["not_found"])}</p>'
            return _html(_page(settings, lang, body, code))
        extra = "".join(
            [await part(detail.id, lang) for part in current().extensions(TRACKING_PARTS)]
        )
        return _html(_page(settings, lang, _result(detail, lang, extra), code))
