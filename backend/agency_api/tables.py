"""Agency API credentials, the signatures seen lately (replay protection), webhook settings."""

from __future__ import annotations

from piccolo.columns import (
    BigSerial,
    Boolean,
    ForeignKey,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.catalog.tables import Agency

__all__ = ["AgencyCredential", "AgencyWebhook", "SeenSignature"]


class AgencyCredential(Table, tablename="agency_credential"):
    """An API key of one agency. Several may be active at once, so a key is rotated without
    downtime: create the new one, switch the agency's system over, revoke the old one."""

    id = Serial(primary_key=True)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.cascade, index=True)
    key_id = Varchar(length=40, unique=True, help_text="Public id sent in X-Portal-Key: ak_…")
    secret_encrypted = Text(
        help_text="The signing secret, AES-256-GCM under AGENCY_SECRET_KEY (see keys.py): "
        "HMAC verification needs the secret itself, so a one-way hash cannot do."
    )
    name = Varchar(length=80, default="", help_text="What it is for, e.g. 'case system prod'.")
    created_at = Timestamptz()
    revoked_at = Timestamptz(
        null=True,
        default=None,
        help_text="From this moment the key is refused; set in the future by a rotation "
        "with a grace period.",
    )


class SeenSignature(Table, tablename="agency_seen_signature"):
    """Signatures accepted within the timestamp window. In the database, not in memory, so a
    request replayed to another app process is refused too."""

    id = BigSerial(primary_key=True)
    signature = Varchar(length=64, unique=True, help_text="Hex HMAC of the accepted request.")
    seen_at = Timestamptz(index=True)


class AgencyWebhook(Table, tablename="agency_webhook"):
    """Where an agency wants events POSTed (optional; one URL per agency)."""

    id = Serial(primary_key=True)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.cascade, unique=True)
    url = Varchar(length=500)
    enabled = Boolean(default=True)
    secret_encrypted = Text(help_text="Webhook signing secret, encrypted like credentials.")
    updated_at = Timestamptz()
