"""An operator uploads a document in pieces for the citizen at the kiosk: it lands in the
citizen's wallet, recorded as the operator's act; the upload is not the operator's own."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.national_ids import held_by
from backend.accounts.tables import Account
from backend.documents.tables import Document
from backend.system.tables import AuditEntry
from tests.support.files import pdf
from tests.support.flows import csrf, thai_id
from tests.support.kiosk import KioskSetup, consent_in_person, start

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
UPLOADS = "/api/v1/documents/uploads"


async def test_an_operator_uploads_in_pieces_for_the_citizen(kiosk: KioskSetup) -> None:
    client = kiosk.client
    data = pdf("สำเนาทะเบียนบ้าน")
    national_id = thai_id(7)
    await start(client, national_id, id_card_checked=True, full_name="สมปอง มาขอ")
    await consent_in_person(client)
    created = await client.post(
        UPLOADS,
        params={"document_type": "house_registration"},
        headers={**csrf(client), "idempotency-key": "kiosk-1", "upload-length": str(len(data))},
    )
    assert created.status_code == 201, created.text
    upload_id = created.json()["id"]
    for offset in range(0, len(data), 100):
        response = await client.patch(
            f"{UPLOADS}/{upload_id}",
            content=data[offset : offset + 100],
            headers={**csrf(client), "upload-offset": str(offset)},
        )
        assert response.status_code == (201 if offset + 100 >= len(data) else 200)
    document_id = response.json()["document"]["id"]

    citizen = await Account.select(Account.id).where(held_by(national_id)).first()
    assert citizen is not None
    document = await Document.select().where(Document.id == document_id).first()
    assert document is not None and document["account"] == citizen["id"]
    entry = await AuditEntry.select().where(AuditEntry.action == "document.uploaded").first()
    assert entry is not None
    assert (entry["subject_account_id"], entry["actor_account_id"], entry["kiosk_id"]) == (
        citizen["id"],
        kiosk.operator_id,
        kiosk.kiosk_id,
    )

    # Once the assisted session ends, the operator has no wallet and no upload to look at.
    await client.post("/api/v1/kiosk/assisted-sessions/current/finish", headers=csrf(client))
    assert (await client.head(f"{UPLOADS}/{upload_id}")).status_code == 403
