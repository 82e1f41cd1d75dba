"""Form schemas are checked when published; the Thai ID checksum is DOPA's mod-11 rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.catalog.forms import FormSchemaError, decode_form_schema, identifier
from backend.lib.thai_id import is_valid_thai_id

DOCS = {"id_card", "bank_book"}


def _field(**overrides: Any) -> dict[str, Any]:
    return {"name": "full_name", "type": "text", "label": {"th": "ชื่อ", "en": "Name"}, **overrides}


@pytest.mark.parametrize("valid", ["1101700207030", "3100600445767", "1234567890121"])
def test_valid_thai_ids(valid: str) -> None:
    assert is_valid_thai_id(valid)


@pytest.mark.parametrize(
    "invalid", ["1101700207031", "123456789012", "12345678901234", "11017002070a0", "١١٠١٧٠٠٢٠٧٠٣٠"]
)
def test_invalid_thai_ids(invalid: str) -> None:
    assert not is_valid_thai_id(invalid)


def test_a_good_schema_decodes() -> None:
    fields = decode_form_schema(
        json.dumps(
            [
                _field(required=True, max_length=100, prefill="full_name"),
                _field(name="doc", type="file", document_type="id_card"),
                _field(
                    name="kind",
                    type="choice",
                    choices=[
                        {"value": "a", "label": {"th": "ก", "en": "A"}},
                        {"value": "b", "label": {"th": "ข", "en": "B"}},
                    ],
                ),
            ]
        ),
        DOCS,
    )
    assert [f.name for f in fields] == ["full_name", "doc", "kind"]


@pytest.mark.parametrize(
    ("schema", "where"),
    [
        ([_field(type="colour")], "fields[0].type"),
        ([_field(), _field()], "fields[1].name"),
        ([_field(name="Bad Name")], "fields[0].name"),
        ([_field(label={"th": "", "en": "x"})], "fields[0].label"),
        ([_field(name="k", type="choice", choices=[])], "fields[0].choices"),
        ([_field(name="d", type="file", document_type="tax_form")], "fields[0].document_type"),
        ([_field(name="n", type="number", min=5, max=1)], "fields[0].min"),
        ([_field(min=1)], "fields[0].min"),
        ([_field(colour="red")], "fields[0]"),
        ([], "fields"),
    ],
)
def test_bad_schemas_name_the_wrong_field(schema: list[Any], where: str) -> None:
    with pytest.raises(FormSchemaError) as info:
        decode_form_schema(json.dumps(schema), DOCS)
    assert info.value.field == where


def test_one_text_number_or_choice_field_may_identify_an_application() -> None:
    fields = decode_form_schema([_field(), _field(name="plate", identifies=True)], DOCS)
    assert identifier(fields) == "plate"
    assert identifier(decode_form_schema([_field()], DOCS)) == ""
    with pytest.raises(FormSchemaError) as two:
        decode_form_schema([_field(identifies=True), _field(name="plate", identifies=True)], DOCS)
    assert two.value.field == "fields[1].identifies"
    with pytest.raises(FormSchemaError) as sealed:
        decode_form_schema([_field(name="pid", type="thai-id", identifies=True)], DOCS)
    assert sealed.value.field == "fields[0].identifies"
