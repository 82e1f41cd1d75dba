"""The printable receipt after a submission: service, agency, date, tracking code, QR codes
and what happens next. Plain HTML with print CSS (80 mm thermal or A6), no JavaScript."""

from __future__ import annotations

import html
from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.params import FromPath

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.applications import services as applications
from backend.applications.controllers.citizen import within_services
from backend.catalog.tables import Service
from backend.fees import services as fees
from backend.fees.schemas import FeeOut
from backend.lib.i18n import format_datetime
from backend.lib.qr import qr_svg
from backend.lib.static import page_stylesheet
from backend.settings import Settings

__all__ = ["ReceiptController"]


class ReceiptController(Controller):
    path = "/receipt"
    include_in_schema = False
    guards = [requires_role("citizen"), within_services]
    opt = need("status")
    dependencies = {"auth": Provide(provide_auth)}

    @get("/{application_id:int}", operation_id="receipt")
    async def receipt(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        application_id: FromPath[int],
    ) -> Response[str]:
        """A receipt for one of the citizen's applications (or the one an operator is serving)."""
        detail = await applications.get_detail(auth.require_account(), application_id)
        service = (
            await Service.select(Service.processing_days)
            .where(Service.slug == detail.service.slug)
            .first()
        )
        days = int(service["processing_days"]) if service else 0
        fee = await fees.due_for_receipt(auth.require_account(), application_id)
        page = _render(settings, detail, days, fee)
        return Response(page, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})


def _fee(fee: FeeOut | None) -> str:
    """The fee still to pay, with its Thai QR code: the citizen pays from a banking app at
    home, or from a relative's phone, with the printed code."""
    if fee is None:
        return ""
    esc = html.escape
    return f"""<h2>ค่าธรรมเนียม <span lang="en">Fee</span></h2>
<figure class="receipt-qr">{fee.qr_svg}
<figcaption><strong>{esc(fee.amount)} บาท</strong> ชำระให้ {esc(fee.agency.th)}
ภายใน {esc(format_datetime(fee.due_at, "th", time=False))}<br>
<span lang="en">{esc(fee.amount)} baht to {esc(fee.agency.en)}
by {esc(format_datetime(fee.due_at, "en", time=False))}</span><br>
สแกนด้วยแอปธนาคารใดก็ได้ · <span lang="en">Scan with any Thai banking app</span><br>
{esc(fee.reference1)} · {esc(fee.reference2)}</figcaption></figure>"""


def _render(settings: Settings, detail: Any, days: int, fee: FeeOut | None = None) -> str:
    esc = html.escape
    track_url = f"{settings.public_origin}/track?code={detail.tracking_code}"
    handoff_url = f"{settings.public_origin}/#/applications/{detail.id}"
    when = detail.submitted_at or detail.created_at
    return f"""<!doctype html>
<html lang="th">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ใบรับเรื่อง {esc(detail.tracking_code)}</title>
<link rel="stylesheet" href="{esc(page_stylesheet(settings.pwa_dir))}">
</head>
<body class="receipt-page">
<main class="receipt">
<h1>ใบรับเรื่อง <span lang="en">Receipt</span></h1>
<p class="receipt-code">{esc(detail.tracking_code)}</p>
<dl>
<dt>บริการ <span lang="en">Service</span></dt>
<dd>{esc(detail.service.name.th)}<br><span lang="en">{esc(detail.service.name.en)}</span></dd>
<dt>หน่วยงาน <span lang="en">Agency</span></dt>
<dd>{esc(detail.service.agency_name.th)}</dd>
<dt>วันที่ยื่น <span lang="en">Submitted</span></dt>
<dd>{esc(format_datetime(when, "th"))}<br><span lang="en">{esc(format_datetime(when, "en"))}</span>
</dd>
</dl>
<h2>ขั้นตอนต่อไป <span lang="en">What happens next</span></h2>
<p>หน่วยงานจะพิจารณาภายในประมาณ {days} วันทำการ ติดตามสถานะได้ที่ {esc(track_url)}
ด้วยรหัสติดตามและเลขประจำตัวประชาชน 4 หลักสุดท้าย</p>
<p lang="en">The agency decides in about {days} working days. Track it at the address below
with the tracking code and the last 4 digits of the ID number.</p>
{_fee(fee)}
<figure class="receipt-qr">{qr_svg(track_url, scale=3, title="Track")}
<figcaption>ติดตามสถานะ · Track: {esc(track_url)}</figcaption></figure>
<figure class="receipt-qr">{qr_svg(handoff_url, scale=3, title="Continue on your phone")}
<figcaption>ทำต่อบนโทรศัพท์ของคุณ · Continue on your phone</figcaption></figure>
</main>
</body>
</html>"""
