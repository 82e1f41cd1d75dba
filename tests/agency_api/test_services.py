"""An agency's own catalog entries: create, validate the form schema, update, publish."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from piccolo.querystring import QueryString

from backend.agency_api.services import catalog
from backend.catalog.tables import Service
from backend.lib.db import current_engine, write_transaction
from backend.system import hotcache
from backend.system.counters import next_value
from backend.system.hotcache import COUNTER, EVERYONE, cache_of
from tests.support.agency import Signer
from tests.support.applications import id_card_answers
from tests.support.flows import csrf

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
SERVICES = "/agency-api/v1/services"

NEW = {
    "slug": "firearm-licence-renewal",
    "name": {"th": "ต่ออายุใบอนุญาตอาวุธปืน", "en": "Firearm licence renewal"},
    "summary": {"th": "ต่ออายุ ป.4", "en": "Renew a P.4 licence"},
    "fee_satang": 100_00,
    "processing_days": 15,
    "required_documents": ["id_card"],
    "life_events": ["identity_documents"],
    "form": [
        {"name": "full_name", "type": "text", "label": {"th": "ชื่อ", "en": "Name"},
         "required": True, "prefill": "full_name"},
        {"name": "licence_no", "type": "text", "label": {"th": "เลขที่", "en": "Number"},
         "required": True},
        {"name": "kind", "type": "choice", "label": {"th": "ชนิด", "en": "Kind"},
         "choices": [{"value": "a", "label": {"th": "ก", "en": "A"}},
                     {"value": "b", "label": {"th": "ข", "en": "B"}}]},
    ],
}  # fmt: skip


async def test_create_update_publish_and_unpublish(client: Client, dopa: Signer) -> None:
    created = await dopa.request(client, "POST", SERVICES, json=NEW)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["published"] is False
    assert [f["name"] for f in body["form"]] == ["full_name", "licence_no", "kind"]
    catalog = await client.get(f"/api/v1/services/{NEW['slug']}")
    assert catalog.status_code == 404  # not published yet

    published = await dopa.request(client, "POST", f"{SERVICES}/{NEW['slug']}/publish")
    assert published.json()["published"] is True
    catalog = await client.get(f"/api/v1/services/{NEW['slug']}")
    assert catalog.status_code == 200
    assert catalog.json()["agency"]["code"] == "DOPA"

    changed = {k: v for k, v in NEW.items() if k != "slug"} | {"processing_days": 7}
    updated = await dopa.request(client, "PUT", f"{SERVICES}/{NEW['slug']}", json=changed)
    assert updated.status_code == 200, updated.text
    assert updated.json()["processing_days"] == 7
    assert updated.json()["published"] is True  # kept

    hidden = await dopa.request(client, "POST", f"{SERVICES}/{NEW['slug']}/unpublish")
    assert hidden.json()["published"] is False
    assert (await client.get(f"/api/v1/services/{NEW['slug']}")).status_code == 404

    listed = await dopa.request(client, "GET", SERVICES)
    slugs = [s["slug"] for s in listed.json()]
    assert NEW["slug"] in slugs and "id-card-replacement" in slugs
    assert "change-health-unit" not in slugs  # NHSO's


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda form: form[2].update(type="dropdown"), "fields[2].type"),
        (lambda form: form[2].update(choices=[]), "fields[2].choices"),
        (lambda form: form[1].update(name="Licence No"), "fields[1].name"),
        (lambda form: form[1].update(name="full_name"), "fields[1].name"),
        (lambda form: form[0].update(label={"th": "", "en": "Name"}), "fields[0].label"),
        (lambda form: form.append({"name": "scan", "type": "file",
                                   "label": {"th": "ก", "en": "S"}}), "fields[3].document_type"),
        (lambda form: form[0].update(colour="red"), "fields[0]"),
    ],
)  # fmt: skip
async def test_a_bad_form_schema_is_422_naming_the_field(
    client: Client, dopa: Signer, change: Any, field: str
) -> None:
    body = copy.deepcopy(NEW)
    change(body["form"])
    response = await dopa.request(client, "POST", SERVICES, json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"]
    assert (await dopa.request(client, "GET", f"{SERVICES}/{NEW['slug']}")).status_code == 404


async def test_unknown_life_events_and_documents_are_refused(client: Client, dopa: Signer) -> None:
    response = await dopa.request(client, "POST", SERVICES, json={**NEW, "life_events": ["x"]})
    assert response.status_code == 422
    response = await dopa.request(
        client, "POST", SERVICES, json={**NEW, "required_documents": ["nope"]}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_document_type"


async def test_another_agencys_service_is_not_found(
    client: Client, dopa: Signer, nhso: Signer
) -> None:
    mine = "change-health-unit"  # NHSO's
    assert (await nhso.request(client, "GET", f"{SERVICES}/{mine}")).status_code == 200
    assert (await dopa.request(client, "GET", f"{SERVICES}/{mine}")).status_code == 404
    body = {k: v for k, v in NEW.items() if k != "slug"}
    assert (await dopa.request(client, "PUT", f"{SERVICES}/{mine}", json=body)).status_code == 404
    assert (await dopa.request(client, "POST", f"{SERVICES}/{mine}/unpublish")).status_code == 404
    # Taking its slug is a conflict, not a takeover.
    taken = await dopa.request(client, "POST", SERVICES, json={**NEW, "slug": mine})
    assert taken.status_code == 409
    assert taken.json()["code"] == "service_slug_taken"
    still = await nhso.request(client, "GET", f"{SERVICES}/{mine}")
    assert still.json()["name"]["en"] != NEW["name"]["en"]


async def test_a_slug_taken_at_the_same_moment_is_a_conflict_not_a_takeover(
    client: Client, dopa: Signer, nhso: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both agencies looked for the slug before either had written it: the second write is a
    plain insert, which the unique index refuses, never an update of the other's service."""
    mine = "change-health-unit"  # NHSO's
    monkeypatch.setattr(catalog.Service, "exists", lambda: _Nothing())
    taken = await dopa.request(client, "POST", SERVICES, json={**NEW, "slug": mine})
    assert taken.status_code == 409
    assert taken.json()["code"] == "service_slug_taken"
    monkeypatch.undo()
    still = await nhso.request(client, "GET", f"{SERVICES}/{mine}")
    assert still.status_code == 200
    assert still.json()["name"]["en"] != NEW["name"]["en"]


class _Nothing:
    """`Service.exists()` as it answered before the other agency's insert: no such slug."""

    def where(self, *_: Any) -> _Nothing:
        return self

    def __await__(self) -> Any:
        async def no() -> bool:
            return False

        return no().__await__()


async def _poll() -> None:
    """What the app's poller does every 0.1 s: read the cache feed (and keep memory live)."""
    engine = current_engine()
    await cache_of(engine).poll(engine)


async def _apply(client: Client, slug: str) -> int:
    await _poll()
    response = await client.post(
        "/api/v1/applications",
        json={"service": slug, "answers": id_card_answers(None), "submit": True},
        headers={**csrf(client), "Idempotency-Key": uuid.uuid4().hex},
    )
    return response.status_code


@pytest.mark.usefixtures("citizen")
async def test_a_withdrawn_service_takes_no_application_from_then_on(
    client: Client, dopa: Signer
) -> None:
    """The app remembers a service's form between applications (system.hotcache): the
    agency's withdrawal is seen by the very next one, and so is its return."""
    slug = "id-card-replacement"
    assert await _apply(client, slug) == 201
    assert (await dopa.request(client, "POST", f"{SERVICES}/{slug}/unpublish")).status_code == 200
    assert await _apply(client, slug) == 404
    assert (await dopa.request(client, "POST", f"{SERVICES}/{slug}/publish")).status_code == 200
    assert await _apply(client, slug) == 201


@pytest.mark.usefixtures("citizen")
async def test_a_service_withdrawn_by_another_process_is_refused_after_the_next_poll(
    client: Client,
) -> None:
    slug = "id-card-replacement"
    assert await _apply(client, slug) == 201
    # Another process withdraws it: the row and the feed's row, nothing in this one's memory.
    async with write_transaction():
        await Service.update({Service.published: False}).where(Service.slug == slug)
        seq = await next_value(COUNTER)
        await current_engine().run_querystring(
            QueryString(
                "INSERT INTO cache_event (seq, account, at) VALUES ({}, {}, {})",
                seq, EVERYONE, dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip
    assert await _apply(client, slug) == 404


@pytest.mark.usefixtures("citizen")
async def test_a_service_withdrawn_by_hand_in_sql_is_refused_once_the_memory_is_old(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change that announces nothing (an operator's SQL) is seen within
    `CATALOG_MAX_AGE_S`, as a page of the hot cache is within its own age."""
    slug = "id-card-replacement"
    assert await _apply(client, slug) == 201
    await Service.update({Service.published: False}).where(Service.slug == slug)
    assert await _apply(client, slug) == 201  # still remembered
    monkeypatch.setattr(hotcache, "CATALOG_MAX_AGE_S", 0.0)
    assert await _apply(client, slug) == 404
