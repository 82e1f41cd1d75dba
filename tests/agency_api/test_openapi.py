"""The agency API in the OpenAPI document: every operation has examples, its real answer
schema, and its errors in the portal's own `{"code", "message", "message_th"}` shape; and
the documented request examples are accepted by the API itself."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.asgi import create_app
from backend.settings import Settings
from tests.support.agency import Signer, apply_id_card, status

Client = AsyncTestClient[Any]
AGENCY_API = "/agency-api/v1/"
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}
METHODS = {"get", "put", "post", "patch", "delete"}


async def _load(client: Client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture
async def spec(tmp_path: Path) -> dict[str, Any]:
    """The document alone: no database needed."""
    app = create_app(Settings(var_dir=str(tmp_path), log_level="ERROR"), pool=False)
    async with AsyncTestClient(app=app) as client:
        return await _load(client)


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        if path.startswith(AGENCY_API)
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(found) >= 10
    return found


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref") or next(
        (part["$ref"] for part in schema.get("allOf", []) if "$ref" in part), None
    )
    if ref is None:
        return schema
    resolved: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def _example_values(media: dict[str, Any]) -> list[Any]:
    """Examples at the media type (OpenAPI) or on its schema (JSON Schema)."""
    named = [e["value"] for e in media.get("examples", {}).values()]
    inline = [media["example"]] if "example" in media else []
    return named + inline + list(media.get("schema", {}).get("examples", []))


def test_every_request_body_has_an_example(spec: dict[str, Any]) -> None:
    with_body = 0
    for method, path, operation in _operations(spec):
        if "requestBody" not in operation:
            continue
        with_body += 1
        media = operation["requestBody"]["content"]["application/json"]
        values = _example_values(media)
        assert values, f"{method} {path}: no request example"
        # Each example names every required property of the body's schema.
        required = _resolve(spec, media["schema"]).get("required", [])
        for value in values:
            assert set(required) <= set(value), f"{method} {path}: {value}"
    # create and update a service, change a status, confirm a payment, set a fee, create and
    # update an office, publish slots
    assert with_body == 8


def test_every_success_answer_has_its_schema_and_an_example(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        successes = {code: r for code, r in operation["responses"].items() if code[0] == "2"}
        assert len(successes) == 1, f"{method} {path}"
        [answer] = successes.values()
        content = answer["content"]
        if "application/json" not in content:  # a document: the file itself
            assert set(content) == {"application/pdf", "image/jpeg", "image/png"}
            assert all(m["schema"]["format"] == "binary" for m in content.values())
            continue
        media = content["application/json"]
        schema = media["schema"]
        assert schema != {"type": "string"} and schema != {}, f"{method} {path}: {schema}"
        assert "$ref" in schema or schema.get("type") == "array", f"{method} {path}"
        assert _example_values(media), f"{method} {path}: no answer example"


def test_every_error_is_documented_in_the_portal_shape(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        errors = {code: r for code, r in operation["responses"].items() if code[0] in "45"}
        assert {"401", "429"} <= set(errors), f"{method} {path}"
        for code, documented in errors.items():
            media = documented["content"]["application/json"]
            assert media["schema"] == ERROR_SCHEMA, f"{method} {path} {code}"
            examples = media["examples"]
            assert examples, f"{method} {path} {code}"
            for name, item in examples.items():
                assert set(item) == {"summary", "value"}  # no stray `id` in an Example Object
                assert item["value"]["code"] == name
                assert {"code", "message", "message_th"} <= set(item["value"])
        assert "bad_signature" in errors["401"]["content"]["application/json"]["examples"]
    error = spec["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"code", "message", "message_th"}


def test_the_status_change_documents_its_key_and_each_refusal(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/agency-api/v1/applications/{application_id}/status"]["post"]
    [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is True
    assert key["schema"]["type"] == "string"

    def codes(status: str) -> set[str]:
        return set(operation["responses"][status]["content"]["application/json"]["examples"])

    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StatusChanged"
    }
    assert {"idempotency_key_required", "invalid_request"} <= codes("400")
    assert {"bad_signature", "timestamp_skew", "signature_replayed"} <= codes("401")
    assert codes("404") == {"application_not_found"}
    assert {"idempotency_key_reused", "illegal_transition"} <= codes("409")
    assert codes("422") == {"validation_failed"}


def test_the_payment_confirmation_documents_its_key_and_each_refusal(
    spec: dict[str, Any],
) -> None:
    operation = spec["paths"]["/agency-api/v1/applications/{application_id}/payment"]["post"]
    [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is True

    def codes(status: str) -> set[str]:
        return set(operation["responses"][status]["content"]["application/json"]["examples"])

    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaymentConfirmed"
    }
    assert codes("404") == {"application_not_found"}
    assert {
        "payment_amount_mismatch",
        "payment_reference_mismatch",
        "no_fee_due",
        "idempotency_key_reused",
    } <= codes("409")
    body = _resolve(spec, operation["requestBody"]["content"]["application/json"]["schema"])
    # Amounts and references only: nothing of a card or a bank account is asked for.
    assert set(body["properties"]) == {
        "amount_satang",
        "reference1",
        "reference2",
        "paid_at",
        "bank_transaction",
    }


def _request_examples(spec: dict[str, Any], path: str, method: str) -> list[Any]:
    operation = spec["paths"][path][method]
    return _example_values(operation["requestBody"]["content"]["application/json"])


@pytest.mark.usefixtures("db")
async def test_the_documented_requests_are_accepted(
    client: Client, dopa: Signer, citizen: dict[str, Any]
) -> None:
    spec = await _load(client)
    [new] = _request_examples(spec, "/agency-api/v1/services", "post")
    created = await dopa.request(client, "POST", "/agency-api/v1/services", json=new)
    assert created.status_code == 201, created.text
    [change] = _request_examples(spec, "/agency-api/v1/services/{slug}", "put")
    updated = await dopa.request(
        client, "PUT", f"/agency-api/v1/services/{new['slug']}", json=change
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["processing_days"] == change["processing_days"]

    status_path = "/agency-api/v1/applications/{application_id}/status"
    documented = {e["status"]: e for e in _request_examples(spec, status_path, "post")}
    app_id = await apply_id_card(client, document=True)
    answer = spec["paths"][status_path]["post"]["responses"]["200"]["content"]
    [shown] = _example_values(answer["application/json"])
    for step in ("in_review", "needs_info"):
        response = await status(client, dopa, app_id, documented[step], uuid.uuid4().hex)
        assert response.status_code == 200, response.text
        assert set(response.json()) == set(shown)

    # The feed's example has every field a real item of a needs_info application has.
    feed = await dopa.request(client, "GET", "/agency-api/v1/applications")
    [item] = feed.json()["items"]
    documented_feed = spec["paths"]["/agency-api/v1/applications"]["get"]["responses"]["200"]
    [page] = _example_values(documented_feed["content"]["application/json"])
    assert set(item) == set(page["items"][0])
    assert set(item["documents"][0]) == set(page["items"][0]["documents"][0])
