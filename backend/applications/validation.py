"""Validate a citizen's answers against the service's form schema — the same rules the PWA
applies while the citizen types, so the server's 422 is a safety net, not a surprise."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from backend.catalog.forms import FormField
from backend.lib.errors import ValidationFailedError
from backend.lib.i18n import BANGKOK
from backend.lib.text import clean_text
from backend.lib.thai_id import is_valid_thai_id
from backend.settings import ROOT

__all__ = ["clean_answers", "is_thai_phone"]

MAX_TEXT = 2000
"""Longest text answer when the schema sets no max_length."""


MULTILINE_FROM = 200
"""A text field allowed more than this many characters is long text: tabs and line breaks
are kept there, refused in a one-line answer."""


def _msg(en: str, th: str) -> dict[str, str]:
    return {"en": en, "th": th}


FORM_WORDS = ROOT / "pwa" / "i18n" / "more"
"""The PWA's words (pwa/i18n/more) for what a field needs (`check.need.<type>`) and its rules
(`check.age`): the server says the same, from the same files."""


@cache
def _words(lang: str) -> dict[str, str]:
    words: dict[str, str] = json.loads((FORM_WORDS / f"{lang}.json").read_text("utf-8"))
    return words


def _said(key: str, **values: object) -> dict[str, str]:
    return _msg(_words("en")[key].format(**values), _words("th")[key].format(**values))


def required(field: FormField) -> dict[str, str]:
    """What a required field left empty needs, for its kind (a choice, a date, a file…)."""
    return _said(f"check.need.{field.type}")


def _years_before(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February: a person born then turns a year older on 1 March
        return today.replace(year=today.year - years, day=28)


def is_thai_phone(value: str) -> bool:
    """0 + 8 or 9 digits (landline or mobile)."""
    return value.isascii() and value.isdigit() and len(value) in (9, 10) and value[0] == "0"


def _text(field: FormField, value: Any) -> tuple[Any, dict[str, str] | None]:
    if not isinstance(value, str):
        return None, _msg("Enter text.", "กรุณากรอกเป็นข้อความ")
    longest = field.max_length or MAX_TEXT
    cleaned = clean_text(value.strip(), multiline=longest > MULTILINE_FROM)
    if cleaned is None:
        return None, _msg(
            "Remove control or direction-changing characters.",
            "กรุณาลบอักขระควบคุมหรืออักขระเปลี่ยนทิศทางข้อความ",
        )
    value = cleaned
    if len(value) > longest:
        return None, _msg(f"Use at most {longest} characters.", f"ใช้ไม่เกิน {longest} ตัวอักษร")
    if field.min_length and len(value) < field.min_length:
        return None, _msg(
            f"Use at least {field.min_length} characters.", f"ใช้อย่างน้อย {field.min_length} ตัวอักษร"
        )
    return value, None


def _number(field: FormField, value: Any) -> tuple[Any, dict[str, str] | None]:
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "")) if value.strip() else None
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, _msg("Enter a number.", "กรุณากรอกตัวเลข")
    if field.min is not None and value < field.min:
        return None, _msg(f"The smallest allowed is {field.min:g}.", f"ต้องไม่น้อยกว่า {field.min:g}")
    if field.max is not None and value > field.max:
        return None, _msg(f"The largest allowed is {field.max:g}.", f"ต้องไม่เกิน {field.max:g}")
    return (int(value) if float(value).is_integer() else value), None


def _date(field: FormField, value: Any, today: dt.date) -> tuple[Any, dict[str, str] | None]:
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return None, _msg("Enter a date as YYYY-MM-DD.", "กรุณาระบุวันที่ให้ถูกต้อง")
    if field.min is not None and day < today + dt.timedelta(days=field.min):
        return None, _msg("This date is too early.", "วันที่นี้เร็วเกินไป")
    if field.max is not None and day > today + dt.timedelta(days=field.max):
        return None, _msg("This date is too late.", "วันที่นี้ช้าเกินไป")
    if field.min_age is not None and day > _years_before(today, field.min_age):
        rule = _said("check.age", n=field.min_age)
        return None, {lang: _words(lang)["check.outside"].format(rule=rule[lang]) for lang in rule}
    return day.isoformat(), None


def _check(field: FormField, value: Any, today: dt.date) -> tuple[Any, dict[str, str] | None]:
    if field.type == "text":
        return _text(field, value)
    if field.type == "number":
        return _number(field, value)
    if field.type == "date":
        return _date(field, value, today)
    if field.type == "choice":
        if value not in {c.value for c in field.choices}:
            return None, _msg("Choose one of the options.", "กรุณาเลือกจากตัวเลือกที่มี")
        return value, None
    if field.type == "thai-id":
        text = value.replace("-", "").replace(" ", "") if isinstance(value, str) else ""
        if not is_valid_thai_id(text):
            return None, _msg(
                "Enter a valid 13-digit ID number.", "กรอกเลขประจำตัวประชาชน 13 หลักให้ถูกต้อง"
            )
        return text, None
    if field.type == "phone":
        text = value.replace("-", "").replace(" ", "") if isinstance(value, str) else ""
        if not is_thai_phone(text):
            return None, _msg(
                "Enter a Thai phone number, e.g. 0812345678.", "กรอกเบอร์โทรศัพท์ เช่น 0812345678"
            )
        return text, None
    # file: the id of a document in the citizen's wallet (ownership/type checked by the caller)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None, _msg("Attach a document.", "กรุณาแนบเอกสาร")
    return value, None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_answers(
    form: Sequence[FormField],
    answers: Mapping[str, Any],
    *,
    complete: bool,
    only: set[str] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Checked, normalised answers. `complete` demands every required field (submission);
    a draft only checks what is filled in. `only` limits which fields may be given (answering
    a needs_info request). Raises ValidationFailedError naming each bad field in th/en."""
    # Date limits ("not in the future") are judged on the citizen's calendar, not UTC.
    today = today or dt.datetime.now(BANGKOK).date()
    by_name = {f.name: f for f in form}
    errors: dict[str, dict[str, str]] = {}
    clean: dict[str, Any] = {}
    for name in answers:
        if name not in by_name:
            errors[name] = _msg("This form has no such field.", "แบบฟอร์มนี้ไม่มีช่องนี้")
        elif only is not None and name not in only:
            errors[name] = _msg("This field cannot be changed now.", "ไม่สามารถแก้ไขช่องนี้ได้ในขณะนี้")
    for field in form:
        if only is not None and field.name not in only:
            continue
        value = answers.get(field.name)
        if _empty(value):
            if field.required and complete:
                errors[field.name] = required(field)
            continue
        cleaned, error = _check(field, value, today)
        if error:
            errors[field.name] = error
        else:
            clean[field.name] = cleaned
    if errors:
        raise ValidationFailedError(fields=errors)
    return clean
