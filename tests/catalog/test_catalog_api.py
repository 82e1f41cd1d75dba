"""The public catalog API, against the demo catalog, on both engines."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]


async def test_lists_published_services_from_several_agencies(client: Client) -> None:
    response = await client.get("/api/v1/services", params={"limit": 50})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] >= 15
    agencies = {item["agency"]["code"] for item in body["items"]}
    assert len(agencies) >= 6
    first = body["items"][0]
    assert set(first) >= {"slug", "name", "summary", "agency", "fee_satang", "processing_days"}
    assert first["name"]["th"] and first["name"]["en"]
    # Small responses: no form schemas or descriptions in the list.
    assert "form" not in first and "description" not in first


@pytest.mark.parametrize(
    ("query", "expected_slug"),
    [
        ("บัตรประจำตัว", "id-card-replacement"),
        ("ใบอนุญาตขับรถ", "driving-licence-renewal"),
        ("เบี้ยยังชีพ", "elderly-allowance"),
        ("driving licence", "driving-licence-renewal"),
        ("FARMER", "farmer-registration"),
        ("กรมการขนส่ง", "vehicle-tax"),  # by agency name
    ],
)
async def test_search_in_thai_and_english(client: Client, query: str, expected_slug: str) -> None:
    response = await client.get("/api/v1/services", params={"q": query})
    assert response.status_code == 200
    slugs = [item["slug"] for item in response.json()["items"]]
    assert expected_slug in slugs
    assert len(slugs) < 18  # a search narrows the list


async def test_search_every_word_must_match(client: Client) -> None:
    response = await client.get("/api/v1/services", params={"q": "passport renew"})
    slugs = [item["slug"] for item in response.json()["items"]]
    assert slugs == ["passport-renewal"]


async def test_search_treats_like_wildcards_literally(client: Client) -> None:
    response = await client.get("/api/v1/services", params={"q": "%"})
    assert response.status_code == 200
    assert response.json()["total"] >= 15  # "%" alone matches as an empty word, not an error
    response = await client.get("/api/v1/services", params={"q": "zz%zz"})
    assert response.json()["total"] == 0


async def test_filter_by_agency_and_life_event(client: Client) -> None:
    by_agency = (await client.get("/api/v1/services", params={"agency": "sso"})).json()
    assert by_agency["total"] == 3
    assert {i["agency"]["code"] for i in by_agency["items"]} == {"SSO"}

    baby = (await client.get("/api/v1/services", params={"life_event": "having_a_baby"})).json()
    assert {i["slug"] for i in baby["items"]} == {"birth-registration", "maternity-benefit"}

    both = await client.get(
        "/api/v1/services", params={"life_event": "having_a_baby", "agency": "DOPA"}
    )
    assert [i["slug"] for i in both.json()["items"]] == ["birth-registration"]


async def test_pagination_is_stable_and_complete(client: Client) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = (await client.get("/api/v1/services", params={"limit": 5, "offset": offset})).json()
        assert len(page["items"]) <= 5
        seen += [item["slug"] for item in page["items"]]
        offset += 5
        if offset >= page["total"]:
            break
    everything = (await client.get("/api/v1/services", params={"limit": 50})).json()
    assert seen == [item["slug"] for item in everything["items"]]
    assert len(set(seen)) == len(seen) == everything["total"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 51},
        {"limit": "ten"},
        {"offset": -1},
        {"life_event": "winning_the_lottery"},
        {"q": "x" * 101},
    ],
)
async def test_bad_query_parameters_are_400_json(client: Client, params: dict[str, Any]) -> None:
    response = await client.get("/api/v1/services", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in {"invalid_request", "unknown_life_event", "query_too_long"}
    assert body["message"] and body["message_th"]


async def test_service_detail_has_form_documents_and_contact(client: Client) -> None:
    response = await client.get("/api/v1/services/farmer-registration")
    assert response.status_code == 200
    body = response.json()
    assert body["agency"]["code"] == "DOAE"
    assert body["contact"]["phone"]
    assert [d["code"] for d in body["required_documents"]] == ["land_document"]
    fields = {f["name"]: f for f in body["form"]}
    assert fields["national_id"]["type"] == "thai-id"
    assert fields["national_id"]["prefill"] == "national_id"
    assert fields["crop"]["type"] == "choice" and len(fields["crop"]["choices"]) == 5
    assert fields["area_rai"]["min"] == 0.25
    assert fields["land_document"]["document_type"] == "land_document"


async def test_unknown_service_is_404_json(client: Client) -> None:
    response = await client.get("/api/v1/services/no-such-service")
    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"
    assert response.headers["content-type"].startswith("application/json")


async def test_unpublished_service_is_hidden(client: Client) -> None:
    from backend.catalog.tables import Service

    await Service.update({Service.published: False}).where(Service.slug == "vehicle-tax")
    assert (await client.get("/api/v1/services/vehicle-tax")).status_code == 404
    listed = (await client.get("/api/v1/services", params={"agency": "DLT"})).json()
    assert [i["slug"] for i in listed["items"]] == ["driving-licence-renewal"]


async def test_agencies_life_events_and_document_types(client: Client) -> None:
    agencies = (await client.get("/api/v1/agencies")).json()
    assert len(agencies) >= 6 and all(a["name"]["th"] for a in agencies)
    events = (await client.get("/api/v1/life-events")).json()
    assert {"code": "farming", "name": {"th": "เกษตรกรรม", "en": "Farming"}} in events
    docs = (await client.get("/api/v1/document-types")).json()
    assert "house_registration" in {d["code"] for d in docs}


async def test_catalog_is_cacheable_by_phones(client: Client) -> None:
    response = await client.get("/api/v1/services")
    assert "max-age=300" in response.headers["cache-control"]


async def test_catalog_first_view_in_one_answer(client: Client) -> None:
    """The catalog screen's first view: the same page of services as listServices, with the
    agencies and life events to filter by (code and name: what a filter shows)."""
    params = {"limit": 10, "agency": "DLT", "q": "ขับรถ"}
    response = await client.get("/api/v1/catalog", params=params)
    assert response.status_code == 200
    body = response.json()
    assert body["services"] == (await client.get("/api/v1/services", params=params)).json()
    agencies = (await client.get("/api/v1/agencies")).json()
    assert body["agencies"] == [{"code": a["code"], "name": a["name"]} for a in agencies]
    assert body["life_events"] == (await client.get("/api/v1/life-events")).json()
    assert "max-age=300" in response.headers["cache-control"]


async def test_catalog_revalidates_with_its_etag(client: Client) -> None:
    response = await client.get("/api/v1/catalog", params={"limit": 10})
    etag = response.headers["etag"]
    again = await client.get(
        "/api/v1/catalog", params={"limit": 10}, headers={"if-none-match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    other = await client.get(
        "/api/v1/catalog", params={"limit": 10, "offset": 10}, headers={"if-none-match": etag}
    )
    assert other.status_code == 200


@pytest.mark.parametrize("params", [{"limit": 51}, {"life_event": "winning_the_lottery"}])
async def test_catalog_refuses_what_listservices_refuses(
    client: Client, params: dict[str, Any]
) -> None:
    response = await client.get("/api/v1/catalog", params=params)
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid_request", "unknown_life_event"}


async def test_every_service_page_lists_the_documents_its_form_requires(client: Client) -> None:
    """What the service page says is required is what its form will ask for, no more, no
    less (issue 20: a page listed an ID-card copy the form never asked for)."""
    listed = (await client.get("/api/v1/services", params={"limit": 50})).json()["items"]
    assert listed
    for item in listed:
        answer = await client.get(f"/api/v1/services/{item['slug']}")
        assert answer.status_code == 200, (item["slug"], answer.text)
        service = answer.json()
        page = {d["code"] for d in service.get("required_documents", [])}
        form = {
            f["document_type"] for f in service["form"] if f["type"] == "file" and f.get("required")
        }
        assert page == form, item["slug"]
