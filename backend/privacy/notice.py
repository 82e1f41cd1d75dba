"""`/privacy`: the full privacy notice (Thailand's PDPA, section 23), server-rendered in Thai
and English, no JavaScript. Enrolment links it from its one-line summary."""

from __future__ import annotations

import html
from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.params import QueryParameter

from backend.lib.static import page_stylesheet
from backend.settings import Settings

__all__ = ["NOTICE", "PrivacyNoticeController"]

NOTICE: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "th": (
        "ประกาศความเป็นส่วนตัว",
        [
            (
                "เราเก็บอะไร",
                "เลขประจำตัวประชาชน (เข้ารหัสไว้ ไม่เก็บเป็นตัวเลขที่อ่านได้) ชื่อ-นามสกุล "
                "เบอร์โทรศัพท์และที่อยู่ที่คุณให้ คำขอและคำตอบในแบบฟอร์ม เอกสารที่คุณแนบ "
                "พาสคีย์ (เฉพาะกุญแจสาธารณะ ไม่มีลายนิ้วมือหรือภาพใบหน้า) และประวัติการใช้งาน",
            ),
            (
                "ใช้เพื่ออะไร",
                "เพื่อยืนยันตัวตนของคุณ ส่งคำขอถึงหน่วยงานที่คุณเลือก แจ้งความคืบหน้า "
                "และเก็บเอกสารไว้ให้ใช้ซ้ำ ตามพระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562 "
                "ในฐานะภารกิจของรัฐ ไม่ใช้เพื่อการโฆษณาหรือขายให้ผู้ใด",
            ),
            (
                "ใครเห็นข้อมูลของคุณ",
                "หน่วยงานที่คุณยื่นคำขอเห็นเฉพาะคำขอนั้นและเอกสารที่แนบ เจ้าหน้าที่ที่จุดบริการ"
                "เห็นได้เมื่อคุณยินยอมเท่านั้น ผู้ที่คุณมอบอำนาจเห็นได้ตามที่มอบ "
                "ทุกการเข้าถึงถูกบันทึก และคุณดูได้ที่ “ใครเข้าถึงข้อมูลของฉัน” ในบัญชีของฉัน",
            ),
            (
                "เก็บนานเท่าใด",
                "ข้อมูลบัญชีเก็บจนกว่าคุณจะลบบัญชี คำขอที่ยื่นแล้วหน่วยงานต้องเก็บตามระยะเวลา"
                "ที่กฎหมายกำหนด ฉบับร่างและเอกสารที่ไม่ได้ใช้จะถูกลบเมื่อคุณลบบัญชี",
            ),
            (
                "สิทธิของคุณ",
                "ดูและดาวน์โหลดข้อมูลทั้งหมดของคุณ แก้ไขเบอร์โทรศัพท์และที่อยู่ ดูว่าใครเข้าถึง"
                "ข้อมูล และลบบัญชี ได้ที่หน้าบัญชีของฉัน สอบถามหรือร้องเรียนได้ที่ "
                "ศูนย์บริการข้อมูลภาครัฐเพื่อประชาชน โทร 1111",
            ),
        ],
    ),
    "en": (
        "Privacy notice",
        [
            (
                "What we keep",
                "Your ID number (encrypted, never stored readable), name, the phone number and "
                "address you give, your applications and answers, the documents you attach, "
                "your passkeys (public keys only: no fingerprint or face) and an activity log.",
            ),
            (
                "What for",
                "To know it is you, send your applications to the agencies you choose, tell you "
                "how they progress and keep your documents for reuse, as a public task under "
                "Thailand's Personal Data Protection Act 2019. Never for advertising or sale.",
            ),
            (
                "Who sees it",
                "An agency sees only the applications made to it and their documents. An "
                "officer at a service point sees your data only with your consent; someone you "
                "authorise, only what you allow. Every access is recorded and shown to you "
                "under “Who accessed my data” on My account.",
            ),
            (
                "For how long",
                "Your account until you delete it. Submitted applications stay with the agency "
                "for as long as the law requires; drafts and unused documents go when you "
                "delete your account.",
            ),
            (
                "Your rights",
                "See and download all your data, change your phone and address, see who "
                "accessed your data, and delete your account, on My account. Questions or "
                "complaints: the Government Contact Center, call 1111.",
            ),
        ],
    ),
}
"""The notice's title and sections in each language."""


class PrivacyNoticeController(Controller):
    path = "/privacy"
    tags = ["privacy"]
    include_in_schema = False

    @get("/", operation_id="privacyNotice", cache_control=None)
    async def notice(
        self,
        settings: NamedDependency[Settings],
        lang: Annotated[str, QueryParameter(pattern="^(th|en)$")] = "th",
    ) -> Response[str]:
        """The full privacy notice."""
        title, sections = NOTICE[lang]
        other = "en" if lang == "th" else "th"
        esc = html.escape
        home, switch = ("หน้าแรก", "English") if lang == "th" else ("Home", "ภาษาไทย")
        body = "".join(f"<h2>{esc(h)}</h2>\n<p>{esc(p)}</p>\n" for h, p in sections)
        page = f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{esc(page_stylesheet(settings.pwa_dir))}">
</head>
<body>
<header class="bar"><a class="brand" href="/">{home}</a>
<a class="bar-link" href="/privacy?lang={other}" lang="{other}">{switch}</a></header>
<main id="main">
<h1>{esc(title)}</h1>
{body}</main>
</body>
</html>"""
        return Response(
            page, media_type=MediaType.HTML, headers={"Cache-Control": "public, max-age=3600"}
        )
