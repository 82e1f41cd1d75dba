"""Catalog tables. Texts come in Thai (`_th`) and English (`_en`)."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

__all__ = ["Agency", "DocumentType", "Service"]


class Agency(Table, tablename="agency"):
    """A government agency that publishes services."""

    id = Serial(primary_key=True)

    code = Varchar(
        length=16, unique=True, help_text="Short code, e.g. DOPA; prefixes tracking codes."
    )
    name_th = Varchar(length=200)
    name_en = Varchar(length=200)
    contact_phone = Varchar(length=32, default="")
    contact_email = Varchar(length=200, default="")
    website = Varchar(length=300, default="")
    created_at = Timestamptz()


class DocumentType(Table, tablename="document_type"):
    """A kind of document a citizen keeps in the wallet (ID card copy, house registration …)."""

    id = Serial(primary_key=True)

    code = Varchar(length=40, unique=True)
    name_th = Varchar(length=200)
    name_en = Varchar(length=200)


class Service(Table, tablename="service"):
    """A service a citizen can apply for."""

    id = Serial(primary_key=True)

    slug = Varchar(length=80, unique=True, help_text="Stable public identifier used in URLs.")
    agency = ForeignKey(references=Agency, null=False, index=True)
    name_th = Varchar(length=200)
    name_en = Varchar(length=200)
    summary_th = Varchar(length=400, default="")
    summary_en = Varchar(length=400, default="")
    description_th = Text(default="")
    description_en = Text(default="")
    life_events = Text(
        default="[]",
        help_text="JSON list of life-event codes (catalog.life_events). Text, not JSON, so the "
        "life-event filter can use LIKE on both engines.",
    )
    required_documents = JSON(default="[]", help_text="Document type codes the service needs.")
    fee_satang = Integer(default=0, help_text="Fee in satang (1/100 baht); 0 means free.")
    fee_kind = Varchar(
        length=16,
        default="fixed",
        help_text="fixed: fee_satang is due on submission; per_application: the agency sets "
        "the amount for each application (catalog.fees).",
    )
    fee_biller_id = Varchar(
        length=15,
        default="",
        help_text="Thai QR bill-payment biller ID (tax ID + 2-digit suffix); empty: the fee "
        "is paid at the office, not by QR.",
    )
    fee_due_days = Integer(default=7, help_text="Days from the fee falling due to its due date.")
    fee_overdue = Varchar(
        length=16,
        default="remind",
        help_text="Unpaid past the due date: remind (one reminder push, then the agency "
        "decides) or agency (the agency decides, no reminder).",
    )
    fee_on_paid = Varchar(
        length=16,
        default="",
        help_text="The status the application moves to once paid, where that transition is "
        "allowed from its status then; empty: it stays where it is.",
    )
    processing_days = Integer(default=0, help_text="Expected working days to a decision.")
    required_assurance = Varchar(
        length=24,
        default="self_asserted",
        help_text="Least identity assurance to apply: self_asserted or verified_in_person.",
    )
    form_schema = JSON(default="[]", help_text="List of FormField, see catalog.forms.")
    identifier = Varchar(
        length=40,
        default="",
        help_text="The form field marked `identifies` (e.g. plate), or '': kept beside the "
        "schema so the dashboard reads it without parsing every form.",
    )
    search_text = Text(
        default="",
        help_text="Lower-cased names, summaries, agency names and tags for substring search; "
        "Thai has no word breaks, so substring search is what works.",
    )
    published = Boolean(default=False, index=True)
    updated_at = Timestamptz()
