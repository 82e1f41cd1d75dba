"""The e-receipt of a paid fee: plain HTML with print CSS (A4, A6 or an 80 mm roll), no
JavaScript, in Thai with English beside it."""

from __future__ import annotations

import html
from typing import Any

from backend.fees.services import baht
from backend.lib.i18n import format_datetime

__all__ = ["render_receipt"]


def render_receipt(fee: dict[str, Any], stylesheet: str) -> str:
    esc = html.escape
    paid = fee["paid_at"]
    return f"""<!doctype html>
<html lang="th">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ใบเสร็จรับเงิน {esc(fee["receipt_number"])}</title>
<link rel="stylesheet" href="{esc(stylesheet)}">
</head>
<body class="receipt-page">
<main class="receipt">
<h1>ใบเสร็จรับเงินอิเล็กทรอนิกส์ <span lang="en">e-Receipt</span></h1>
<p class="receipt-code">{esc(fee["receipt_number"])}</p>
<dl>
<dt>หน่วยงานผู้รับเงิน <span lang="en">Received by</span></dt>
<dd>{esc(fee["agency_th"])}<br><span lang="en">{esc(fee["agency_en"])}</span></dd>
<dt>ค่าธรรมเนียม <span lang="en">Fee for</span></dt>
<dd>{esc(fee["service_th"])}<br><span lang="en">{esc(fee["service_en"])}</span></dd>
<dt>รหัสติดตาม <span lang="en">Tracking code</span></dt>
<dd>{esc(fee["tracking_code"])}</dd>
<dt>จำนวนเงิน <span lang="en">Amount</span></dt>
<dd class="receipt-amount">{baht(fee["amount_satang"])} บาท <span lang="en">THB</span></dd>
<dt>ชำระเมื่อ <span lang="en">Paid</span></dt>
<dd>{esc(format_datetime(paid, "th"))}<br><span lang="en">{esc(format_datetime(paid, "en"))}</span>
</dd>
<dt>เลขอ้างอิง <span lang="en">References</span></dt>
<dd>{esc(fee["reference1"])} · {esc(fee["reference2"])}</dd>
</dl>
<p>ชำระผ่าน Thai QR Payment ยืนยันโดยหน่วยงานตามแจ้งจากธนาคาร</p>
<p lang="en">Paid by Thai QR Payment, confirmed by the agency from its bank's notice.</p>
</main>
</body>
</html>"""
