"""`/performance` as HTML (no JavaScript, Thai and English) and the figures as CSV.

One month at a time, every agency: its e-service indicator, a table of the month's figures
(the agency's, then each service's) and a table of what is waiting now. A figure not shown
is a dash, explained once at the top."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections.abc import Iterator

from backend.applications.status import label
from backend.lib.i18n import format_datetime
from backend.performance.figures import BACKLOG_STATUSES, THAI_TIME
from backend.performance.schemas import (
    AgencyPerformance,
    Backlog,
    Figure,
    MonthFigures,
    Snapshot,
)

__all__ = ["BACKLOG_COLUMNS", "MONTH_COLUMNS", "backlog_csv", "month_label", "months_csv", "render"]

_TEXT = {
    "th": {
        "title": "ผลการให้บริการของหน่วยงาน",
        "home": "หน้าแรก",
        "other": "English",
        "intro": "ตัวเลขคำนวณจากคำขอและประวัติสถานะ ไม่มีข้อมูลส่วนบุคคล ตัวเลขที่มาจากคำขอน้อยกว่า "
        "10 รายการจะไม่แสดง (–) เวลาเป็นวันปฏิทินนับจากยื่นคำขอถึงวันที่มีผลพิจารณา "
        "ระยะเวลาที่ให้คำมั่นนับเป็นวันทำการ",
        "updated": "ปรับปรุงล่าสุด",
        "not_ready": "ยังไม่มีตัวเลข ระบบคำนวณใหม่ทุกชั่วโมง",
        "month": "เดือนที่ยื่นคำขอ",
        "show": "แสดง",
        "download": "ดาวน์โหลด",
        "csv_months": "CSV รายเดือน",
        "csv_backlog": "CSV งานค้าง",
        "eservice": "บริการที่ทำได้ครบในพอร์ทัล (ยื่น ติดตาม รับผล ชำระเงิน): {done} จาก {all} ({pct})",
        "caption": "คำขอที่ยื่นในเดือน {month}",
        "backlog_caption": "งานค้าง ณ ตอนนี้",
        "service": "บริการ",
        "all": "ทุกบริการ",
        "received": "จำนวนคำขอ",
        "online": "ยื่นเองออนไลน์ %",
        "kiosk": "ยื่นที่ตู้บริการ %",
        "delegate": "ยื่นโดยผู้รับมอบ %",
        "median": "มัธยฐาน (วัน)",
        "p90": "90% เสร็จใน (วัน)",
        "promise": "ให้คำมั่น (วันทำการ)",
        "within": "ทันตามคำมั่น %",
        "push": "ผู้ยื่นที่รับแจ้งเตือน %",
        "total": "รวม",
        "age": "อายุมัธยฐาน (วัน)",
        "age90": "อายุ 90% (วัน)",
        "overdue": "เกินกำหนด",
        "none": "ไม่มี",
    },
    "en": {
        "title": "How agencies' services perform",
        "home": "Home",
        "other": "ภาษาไทย",
        "intro": "Figures come from applications and their status history, with no personal "
        "data. A figure drawn from fewer than 10 applications is not shown (–). Times are "
        "calendar days from submission to decision; promises are in working days.",
        "updated": "Last updated",
        "not_ready": "No figures yet: they are computed every hour.",
        "month": "Month of submission",
        "show": "Show",
        "download": "Download",
        "csv_months": "monthly CSV",
        "csv_backlog": "backlog CSV",
        "eservice": "Services a citizen completes in the portal (apply, follow, receive the "
        "decision, pay): {done} of {all} ({pct})",
        "caption": "Applications submitted in {month}",
        "backlog_caption": "Waiting now",
        "service": "Service",
        "all": "All services",
        "received": "Received",
        "online": "Online %",
        "kiosk": "At a kiosk %",
        "delegate": "By a delegate %",
        "median": "Median (days)",
        "p90": "90% within (days)",
        "promise": "Promise (working days)",
        "within": "Within promise %",
        "push": "Applicants with push %",
        "total": "Total",
        "age": "Median age (days)",
        "age90": "90% age (days)",
        "overdue": "Overdue",
        "none": "none",
    },
}

MONTH_COLUMNS = (
    "received",
    "online_pct",
    "kiosk_pct",
    "delegate_pct",
    "median_days",
    "p90_days",
    "within_promise_pct",
    "push_pct",
)
BACKLOG_COLUMNS = ("total", *BACKLOG_STATUSES, "median_age_days", "p90_age_days", "overdue")

esc = html.escape


def month_label(month: str, lang: str) -> str:
    first = dt.datetime.strptime(month, "%Y-%m").replace(day=15, tzinfo=THAI_TIME)
    return format_datetime(first, lang, time=False).split(" ", 1)[1]


def _cell(figure: Figure) -> str:
    if figure.value is None:
        return "<td>–</td>"
    value = figure.value
    shown = f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"
    return f"<td>{shown}</td>"


def _month_row(name: str, figures: MonthFigures, promise: str) -> str:
    cells = [
        figures.received,
        figures.online_pct,
        figures.kiosk_pct,
        figures.delegate_pct,
        figures.median_days,
        figures.p90_days,
    ]
    tail = [figures.within_promise_pct, figures.push_pct]
    return (
        f'<tr><th scope="row">{esc(name)}</th>{"".join(map(_cell, cells))}<td>{promise}</td>'
        f"{''.join(map(_cell, tail))}</tr>"
    )


def _backlog_row(name: str, backlog: Backlog) -> str:
    cells = [
        backlog.total,
        *(backlog.by_status[s] for s in BACKLOG_STATUSES),
        backlog.median_age_days,
        backlog.p90_age_days,
        backlog.overdue,
    ]
    return f'<tr><th scope="row">{esc(name)}</th>{"".join(map(_cell, cells))}</tr>'


def _table(table_id: str, agency_id: str, caption: str, head: list[str], rows: list[str]) -> str:
    """A table that scrolls sideways on a narrow screen (a focusable region named by its
    agency and caption, so each is a distinct landmark)."""
    heads = "".join(f'<th scope="col">{esc(h)}</th>' for h in head)
    return (
        f'<div class="table-wrap" role="region" aria-labelledby="{agency_id} {table_id}" '
        'tabindex="0">'
        f'<table class="figures"><caption id="{table_id}">{esc(caption)}</caption>'
        f"<thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _agency(agency: AgencyPerformance, index: int, lang: str, month: str) -> str:
    t = _TEXT[lang]
    name = agency.name.th if lang == "th" else agency.name.en
    e = agency.e_service
    pct = "–" if e.pct is None else f"{e.pct:g} %"
    head = [t["service"], t["received"], t["online"], t["kiosk"], t["delegate"]]
    head += [t["median"], t["p90"], t["promise"], t["within"], t["push"]]
    rows = [_month_row(t["all"], agency.months[index], "")]
    for s in agency.services:
        promise = str(s.promised_days) if s.promised_days else "–"
        service_name = s.name.th if lang == "th" else s.name.en
        rows.append(_month_row(service_name, s.months[index], promise))
    backlog_head = [t["service"], t["total"], *(label(s)[lang == "th"] for s in BACKLOG_STATUSES)]
    backlog_head += [t["age"], t["age90"], t["overdue"]]
    backlog_rows = [_backlog_row(t["all"], agency.backlog)]
    backlog_rows += [
        _backlog_row(s.name.th if lang == "th" else s.name.en, s.backlog) for s in agency.services
    ]
    code = esc(agency.code)
    caption = t["caption"].format(month=month_label(month, lang))
    return (
        f'<section aria-labelledby="a-{code}"><h2 id="a-{code}">{esc(name)}</h2>'
        f"<p>{esc(t['eservice'].format(done=e.end_to_end, all=e.services, pct=pct))}</p>"
        + _table(f"m-{code}", f"a-{code}", caption, head, rows)
        + _table(f"b-{code}", f"a-{code}", t["backlog_caption"], backlog_head, backlog_rows)
        + "</section>"
    )


def render(snapshot: Snapshot | None, lang: str, month: str | None, stylesheet: str) -> str:
    """The page; `month` None: the newest month."""
    t = _TEXT[lang]
    other = "en" if lang == "th" else "th"
    if snapshot is None:
        body = f'<p class="status">{esc(t["not_ready"])}</p>'
    else:
        chosen = month if month in snapshot.months else snapshot.months[-1]
        index = snapshot.months.index(chosen)
        options = "".join(
            f'<option value="{m}"{" selected" if m == chosen else ""}>{esc(month_label(m, lang))}'
            "</option>"
            for m in reversed(snapshot.months)
        )
        updated = format_datetime(snapshot.computed_at, lang)
        body = (
            f'<p class="meta">{esc(t["updated"])} <time datetime="'
            f'{snapshot.computed_at.isoformat()}">{esc(updated)}</time></p>'
            f'<form method="get" action="/performance" class="filters">'
            f'<input type="hidden" name="lang" value="{lang}">'
            f'<label for="month">{esc(t["month"])}</label>'
            f'<select id="month" name="month">{options}</select>'
            f'<button type="submit">{esc(t["show"])}</button></form>'
            f"<p>{esc(t['download'])}: "
            f'<a href="/api/v1/performance.csv?month={chosen}">{esc(t["csv_months"])}</a> · '
            f'<a href="/api/v1/performance.csv?table=backlog">{esc(t["csv_backlog"])}</a> · '
            f'<a href="/api/v1/performance">JSON</a></p>'
            + "".join(_agency(a, index, lang, chosen) for a in snapshot.agencies)
        )
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(t["title"])}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{esc(stylesheet)}">
</head>
<body>
<header class="bar"><a class="brand" href="/">{esc(t["home"])}</a>
<a class="bar-link" href="/performance?lang={other}" lang="{other}">{esc(t["other"])}</a></header>
<main id="main">
<h1>{esc(t["title"])}</h1>
<p>{esc(t["intro"])}</p>
{body}
</main>
</body>
</html>"""


def _value(figure: Figure) -> str:
    return "" if figure.value is None else f"{figure.value:g}"


def _csv(header: list[str], rows: Iterator[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def months_csv(snapshot: Snapshot, months: list[str], agencies: list[AgencyPerformance]) -> str:
    """One line per month, agency and service (empty service: the agency's total). An empty
    cell is a figure not shown; `not_shown` names each with its reason."""

    def lines() -> Iterator[list[str]]:
        for agency in agencies:
            units = [
                ("", agency.months, ""),
                *((s.slug, s.months, str(s.promised_days)) for s in agency.services),
            ]
            for slug, figures, promise in units:
                for m in figures:
                    if m.month not in months:
                        continue
                    shown = [getattr(m, c) for c in MONTH_COLUMNS]
                    missing = [
                        f"{c}:{f.reason}"
                        for c, f in zip(MONTH_COLUMNS, shown, strict=True)
                        if f.reason
                    ]
                    yield [
                        m.month,
                        agency.code,
                        slug,
                        promise,
                        *map(_value, shown),
                        " ".join(missing),
                    ]

    return _csv(
        ["month", "agency", "service", "promised_working_days", *MONTH_COLUMNS, "not_shown"],
        lines(),
    )


def backlog_csv(snapshot: Snapshot, agencies: list[AgencyPerformance]) -> str:
    """What is waiting as of the snapshot: one line per agency and service."""
    at = snapshot.computed_at.isoformat()

    def lines() -> Iterator[list[str]]:
        for agency in agencies:
            for slug, b in [("", agency.backlog), *((s.slug, s.backlog) for s in agency.services)]:
                shown = [
                    b.total,
                    *(b.by_status[s] for s in BACKLOG_STATUSES),
                    b.median_age_days,
                    b.p90_age_days,
                    b.overdue,
                ]
                missing = [
                    f"{c}:{f.reason}"
                    for c, f in zip(BACKLOG_COLUMNS, shown, strict=True)
                    if f.reason
                ]
                yield [at, agency.code, slug, *map(_value, shown), " ".join(missing)]

    return _csv(["as_of", "agency", "service", *BACKLOG_COLUMNS, "not_shown"], lines())
