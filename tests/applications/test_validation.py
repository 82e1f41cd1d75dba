"""Form answers are checked field by field, with Thai and English messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.applications.validation import clean_answers
from backend.catalog.forms import FormField
from backend.lib.errors import ValidationFailedError
from backend.lib.schema import I18n

L = I18n(th="ช่อง", en="Field")
TODAY = dt.date(2026, 11, 26)

FORM = [
    FormField(name="name", type="text", label=L, required=True, min_length=2, max_length=10),
    FormField(name="area", type="number", label=L, min=0.5, max=100),
    FormField(name="when", type="date", label=L, min=-15, max=0),
    FormField(
        name="kind",
        type="choice",
        label=L,
        choices=(
            *(
                __import__("backend.catalog.forms", fromlist=["Choice"]).Choice(value=v, label=L)
                for v in ("a", "b")
            ),
        ),
    ),
    FormField(name="pid", type="thai-id", label=L),
    FormField(name="tel", type="phone", label=L),
    FormField(name="doc", type="file", label=L, document_type="id_card"),
]


def errors_for(answers: dict[str, Any], *, complete: bool = True) -> dict[str, Any]:
    with pytest.raises(ValidationFailedError) as info:
        clean_answers(FORM, answers, complete=complete, today=TODAY)
    assert info.value.fields is not None
    for message in info.value.fields.values():
        assert message["th"] and message["en"]
    return info.value.fields


def test_a_complete_valid_form_is_normalised() -> None:
    clean = clean_answers(
        FORM,
        {
            "name": "  สมชาย ",
            "area": "12.5",
            "when": "2026-11-20",
            "kind": "b",
            "pid": "1-1017-00207-03-0",
            "tel": "081-234-5678",
            "doc": 7,
        },
        complete=True,
        today=TODAY,
    )
    assert clean == {
        "name": "สมชาย",
        "area": 12.5,
        "when": "2026-11-20",
        "kind": "b",
        "pid": "1101700207030",
        "tel": "0812345678",
        "doc": 7,
    }


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "name"),
        ({"name": "ก"}, "name"),
        ({"name": "x" * 11}, "name"),
        ({"name": 12}, "name"),
        ({"name": "ok", "area": "lots"}, "area"),
        ({"name": "ok", "area": 0.1}, "area"),
        ({"name": "ok", "area": 101}, "area"),
        ({"name": "ok", "area": True}, "area"),
        ({"name": "ok", "when": "26/11/2569"}, "when"),
        ({"name": "ok", "when": "2026-11-27"}, "when"),  # future
        ({"name": "ok", "when": "2026-11-01"}, "when"),  # too long ago
        ({"name": "ok", "kind": "c"}, "kind"),
        ({"name": "ok", "pid": "1101700207031"}, "pid"),
        ({"name": "ok", "tel": "12345"}, "tel"),
        ({"name": "ok", "doc": "passport.pdf"}, "doc"),
        ({"name": "ok", "colour": "red"}, "colour"),
    ],
)
def test_each_bad_field_is_named(answers: dict[str, Any], field: str) -> None:
    assert set(errors_for(answers)) == {field}


def test_a_draft_may_leave_required_fields_empty() -> None:
    assert clean_answers(FORM, {"area": 3}, complete=False, today=TODAY) == {"area": 3}
    assert set(errors_for({"area": "x"}, complete=False)) == {"area"}


def test_answering_may_touch_only_the_requested_fields() -> None:
    with pytest.raises(ValidationFailedError) as info:
        clean_answers(
            FORM, {"name": "ใหม่", "tel": "0812345678"}, complete=False, only={"tel"}, today=TODAY
        )
    assert set(info.value.fields or {}) == {"name"}


LONG = [FormField(name="story", type="text", label=L, max_length=1000)]


@pytest.mark.parametrize(
    "hidden",
    ["\x00", "\x07", "\x1b[31m", "\x7f", "\u202e", "\u202a", "\u2066", "\u2069"],
)
def test_control_and_direction_characters_are_refused(hidden: str) -> None:
    """A name that reads one way and says another (U+202E flips what follows), or a control
    character a screen or a log might act on."""
    fields = errors_for({"name": f"สม{hidden}ชาย"}, complete=False)
    assert "อักขระ" in fields["name"]["th"]
    with pytest.raises(ValidationFailedError):
        clean_answers(LONG, {"story": f"บรรทัด{hidden}"}, complete=False, today=TODAY)


def test_line_breaks_only_in_long_text_and_everything_nfc() -> None:
    assert "name" in errors_for({"name": "สม\nชาย"}, complete=False)
    kept = clean_answers(LONG, {"story": "หนึ่ง\n\tสอง\r\n"}, complete=False, today=TODAY)
    assert kept["story"] == "หนึ่ง\n\tสอง"
    decomposed = "e\u0301"  # é as two code points; NFC makes it one
    name = clean_answers(FORM, {"name": f"Jos{decomposed}"}, complete=False, today=TODAY)
    assert name["name"] == "Jos\u00e9"


def test_a_missing_answer_says_what_its_kind_of_field_needs() -> None:
    """Not "this field is required" for all: a choice asks to choose, a date for its parts, a
    file for a document, in the words the PWA shows (pwa/i18n/more)."""
    required = [
        FormField(
            name=f.name,
            type=f.type,
            label=L,
            required=True,
            choices=f.choices,
            document_type=f.document_type,
        )
        for f in FORM
    ]
    with pytest.raises(ValidationFailedError) as info:
        clean_answers(required, {}, complete=True, today=TODAY)
    said = info.value.fields
    assert said["kind"] == {"th": "กรุณาเลือกหนึ่งข้อ", "en": "Choose one of the options."}
    assert said["when"]["th"] == "กรุณาเลือกวันและเดือน แล้วพิมพ์ปี"
    assert said["doc"]["en"] == "Pick a document you already have, or add a new photo or file."
    assert said["area"]["en"] == "Enter a number."
    assert said["name"]["th"] == "กรุณากรอกข้อมูลช่องนี้"
    assert len({text["en"] for text in said.values()}) == len(said)


def test_an_age_rule_is_said_in_words_and_counted_in_calendar_years() -> None:
    born = [FormField(name="born", type="date", label=L, required=True, min_age=60)]
    sixty_today = TODAY.replace(year=TODAY.year - 60)
    assert clean_answers(born, {"born": sixty_today.isoformat()}, complete=True, today=TODAY)
    day_later = sixty_today + dt.timedelta(days=1)
    with pytest.raises(ValidationFailedError) as info:
        clean_answers(born, {"born": day_later.isoformat()}, complete=True, today=TODAY)
    assert info.value.fields["born"] == {
        "th": "ไม่ตรงตามเงื่อนไข: อายุ 60 ปีขึ้นไป",
        "en": "This does not meet the rule: Aged 60 or over",
    }
