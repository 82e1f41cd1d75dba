"""A booking as an iCalendar file (RFC 5545) a phone's calendar imports: one VEVENT with a
stable UID (a moved booking replaces the event, a cancelled one removes it), times in UTC,
text escaped and lines folded at 75 octets without splitting a Thai character."""

from __future__ import annotations

import datetime as dt

from backend.appointments.schemas import BookingOut

__all__ = ["calendar"]

_MAX_OCTETS = 75


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Continuation lines start with a space; each line at most 75 octets of UTF-8."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        limit = _MAX_OCTETS if not parts else _MAX_OCTETS - 1
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def calendar(booking: BookingOut, host: str, stamp: dt.datetime) -> str:
    status = "CANCELLED" if booking.status == "cancelled" else "CONFIRMED"
    summary = f"นัดหมาย {booking.service_name.th} / Appointment: {booking.service_name.en}"
    description = (
        f"เลขที่การจอง (Booking) {booking.reference}"
        + (f"\nคำขอ (Application) {booking.tracking_code}" if booking.tracking_code else "")
        + f"\n{booking.when.th} น."
        + "\nแสดงเลขที่การจองหรือคิวอาร์โค้ดที่ตู้บริการเมื่อมาถึง"
        + "\nShow the booking reference or its QR code at the kiosk when you arrive."
    )
    location = ", ".join(
        part for part in (booking.office.name.th, booking.office.address.th) if part
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Citizen Portal//Appointments//TH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:booking-{booking.reference}@{host}",
        f"DTSTAMP:{_stamp(stamp)}",
        f"DTSTART:{_stamp(booking.starts_at)}",
        f"DTEND:{_stamp(booking.ends_at)}",
        f"SUMMARY:{_text(summary)}",
        f"LOCATION:{_text(location)}",
        f"DESCRIPTION:{_text(description)}",
        f"STATUS:{status}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)
