"""The form field schema a service publishes, and the Thai ID checksum it relies on.

A service's form is data (JSON in the database), validated here when an agency writes it, and
used later both by the PWA to render the form and by the server to validate answers.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from backend.lib.schema import I18n

__all__ = [
    "FIELD_TYPES",
    "PREFILL_SOURCES",
    "Choice",
    "FormField",
    "FormSchemaError",
    "decode_form_schema",
    "identifier",
]

FieldType = Literal["text", "number", "date", "choice", "thai-id", "phone", "file"]
FIELD_TYPES: tuple[str, ...] = ("text", "number", "date", "choice", "thai-id", "phone", "file")

Prefill = Literal["full_name", "national_id", "phone", "address"]
PREFILL_SOURCES: tuple[str, ...] = ("full_name", "national_id", "phone", "address")

MAX_FIELDS = 60
"""A form longer than this is too long to fill on a phone; refuse it at publish time."""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class FormSchemaError(ValueError):
    """The schema is wrong; `field` names where (e.g. `fields[3].choices`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Choice(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    value: str
    label: I18n


class FormField(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """One field of a service form."""

    name: str
    type: FieldType
    label: I18n
    required: bool = False
    help: I18n | None = None
    min: float | None = None
    """number: smallest value; date: days from today (negative = past)."""
    max: float | None = None
    """number: largest value; date: days from today."""
    min_age: int | None = None
    """date (a birth date): the person is at least this many years old today. Shown as the
    rule in words ("อายุ 60 ปีขึ้นไป"), not as a date limit."""
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    prefill: Prefill | None = None
    document_type: str | None = None
    """file: the wallet document type the citizen may pick instead of uploading again."""
    identifies: bool = False
    """The answer that tells this citizen's applications for the service apart (a plate
    number): shown on the dashboard card. At most one field; a text, number or choice."""


def decode_form_schema(
    raw: bytes | str | list[object], document_types: set[str]
) -> list[FormField]:
    """Parse and check a form schema; raise `FormSchemaError` naming the wrong field."""
    try:
        if isinstance(raw, list):
            fields = msgspec.convert(raw, list[FormField])
        else:
            fields = msgspec.json.decode(raw, type=list[FormField])
    except msgspec.ValidationError as exc:
        # msgspec says "... - at `$[2].type`": turn the path into `fields[2].type`.
        text = str(exc)
        where = text.rsplit("at `", 1)[-1].rstrip("`") if "at `" in text else "$"
        raise FormSchemaError(where.replace("$", "fields", 1), text.split(" - at ")[0]) from exc
    except msgspec.DecodeError as exc:
        raise FormSchemaError("fields", f"not valid JSON: {exc}") from exc
    if not fields:
        raise FormSchemaError("fields", "a form needs at least one field")
    if len(fields) > MAX_FIELDS:
        raise FormSchemaError("fields", f"at most {MAX_FIELDS} fields")
    seen: set[str] = set()
    for i, field in enumerate(fields):
        _check_field(f"fields[{i}]", field, seen, document_types)
    marked = [i for i, f in enumerate(fields) if f.identifies]
    if len(marked) > 1:
        raise FormSchemaError(f"fields[{marked[1]}].identifies", "at most one field identifies")
    if marked and fields[marked[0]].type not in IDENTIFYING_TYPES:
        raise FormSchemaError(
            f"fields[{marked[0]}].identifies", "only a text, number or choice field identifies"
        )
    return fields


IDENTIFYING_TYPES = frozenset({"text", "number", "choice"})
"""Answers shown as they are on a card (an ID number is sealed, a file is a document id)."""


def identifier(fields: list[FormField]) -> str:
    """The name of the field whose answer identifies an application ('' if none)."""
    return next((f.name for f in fields if f.identifies), "")


def _check_field(where: str, field: FormField, seen: set[str], document_types: set[str]) -> None:
    if not _NAME.match(field.name):
        raise FormSchemaError(f"{where}.name", "use lower-case letters, digits and _ (≤ 40)")
    if field.name in seen:
        raise FormSchemaError(f"{where}.name", f"duplicate field name {field.name!r}")
    seen.add(field.name)
    if not field.label.th.strip() or not field.label.en.strip():
        raise FormSchemaError(f"{where}.label", "a label needs Thai and English text")
    if field.type == "choice":
        values = [c.value for c in field.choices]
        if len(values) < 2:
            raise FormSchemaError(f"{where}.choices", "a choice field needs at least 2 choices")
        if len(set(values)) != len(values):
            raise FormSchemaError(f"{where}.choices", "choice values must be unique")
    elif field.choices:
        raise FormSchemaError(f"{where}.choices", "only choice fields have choices")
    if field.type == "file":
        if field.document_type is None or field.document_type not in document_types:
            raise FormSchemaError(
                f"{where}.document_type", "a file field names a known document type"
            )
    elif field.document_type is not None:
        raise FormSchemaError(f"{where}.document_type", "only file fields have a document type")
    if field.min is not None and field.max is not None and field.min > field.max:
        raise FormSchemaError(f"{where}.min", "min is greater than max")
    if (
        field.min_length is not None
        and field.max_length is not None
        and (field.min_length > field.max_length)
    ):
        raise FormSchemaError(f"{where}.min_length", "min_length is greater than max_length")
    if (field.min_length is not None or field.max_length is not None) and field.type != "text":
        raise FormSchemaError(f"{where}.max_length", "only text fields have length limits")
    if field.min_age is not None and (field.type != "date" or not 0 < field.min_age < 150):
        raise FormSchemaError(f"{where}.min_age", "only a date field has an age, 1 to 149 years")
    if (field.min is not None or field.max is not None) and field.type not in {"number", "date"}:
        raise FormSchemaError(f"{where}.min", "only number and date fields have min/max")
