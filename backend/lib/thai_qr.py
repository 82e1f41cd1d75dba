"""Thai QR Payment payloads: the EMVCo merchant-presented QR as the Bank of Thailand's Thai QR
Code Payment standard profiles it for bill payment (tag 30), built and read back.

A payload is a string of TLV fields: a two-digit tag, a two-digit length, the value. Tag 30
nests its own TLVs (AID, biller ID, reference 1, reference 2). The last field is the
CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) of everything before its value,
including its own tag and length, "6304", as four upper-case hex digits.

Any Thai banking app reads such a code, pays the biller's account and passes reference 1
and 2 on to the biller's bank statement: the portal never sees a card or an account number.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

__all__ = [
    "BILL_PAYMENT_AID",
    "BillPayment",
    "ChecksumError",
    "MalformedPayloadError",
    "bill_payment",
    "crc16",
    "read_bill_payment",
    "reference",
    "tlv",
    "verify",
]

BILL_PAYMENT_AID = "A000000677010112"
"""Application ID of domestic bill payment (Thai QR Code Payment standard, tag 30 sub-tag 00)."""

PAYLOAD_FORMAT = "01"
STATIC, DYNAMIC = "11", "12"
"""Point of initiation (tag 01): a code for many payments, or for one (with its amount)."""
THB = "764"
"""ISO 4217 numeric code of the baht (tag 53)."""
THAILAND = "TH"
"""ISO 3166-1 alpha-2 (tag 58)."""

MAX_REFERENCE = 20
"""References 1 and 2 are at most 20 characters; banks accept upper-case letters and digits."""

_REFERENCE = re.compile(r"[A-Z0-9]{1,20}")
_BILLER_ID = re.compile(r"[0-9]{15}")
"""A biller ID is the biller's 13-digit tax ID and a 2-digit suffix its bank assigned."""


class MalformedPayloadError(ValueError):
    """Not a well-formed Thai QR payload (bad TLV, missing field, a value out of range)."""


class ChecksumError(MalformedPayloadError):
    """The CRC field does not match the payload: a misread or altered code."""


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE as four upper-case hex digits (check: "123456789" → "29B1")."""
    return f"{binascii.crc_hqx(data.encode('ascii'), 0xFFFF):04X}"


def tlv(tag: str, value: str) -> str:
    if len(tag) != 2 or not tag.isdigit():
        raise MalformedPayloadError(f"tag {tag!r} is not two digits")
    if not 0 < len(value) <= 99:
        raise MalformedPayloadError(f"tag {tag}: value of {len(value)} characters")
    return f"{tag}{len(value):02d}{value}"


def reference(text: str) -> str:
    """`text` as a bill-payment reference: upper case, letters and digits only (a tracking
    code's dashes dropped: some banking apps refuse anything else)."""
    cleaned = re.sub(r"[^A-Z0-9]", "", text.upper())
    if not _REFERENCE.fullmatch(cleaned):
        raise MalformedPayloadError(f"reference {text!r} is empty or over 20 characters")
    return cleaned


def _amount(satang: int) -> str:
    if not 0 < satang < 10**11:
        raise MalformedPayloadError(f"amount {satang} satang is out of range")
    return f"{satang // 100}.{satang % 100:02d}"


def bill_payment(
    *,
    biller_id: str,
    reference1: str,
    reference2: str = "",
    amount_satang: int | None = None,
    merchant_name: str = "",
    one_time: bool = True,
) -> str:
    """The payload of a bill-payment code: tags in ascending order (00, 01, 30, 53, 54, 58,
    59), then the CRC (63)."""
    if not _BILLER_ID.fullmatch(biller_id):
        raise MalformedPayloadError("biller ID must be 15 digits (tax ID + suffix)")
    account = tlv("00", BILL_PAYMENT_AID) + tlv("01", biller_id) + tlv("02", reference(reference1))
    if reference2:
        account += tlv("03", reference(reference2))
    body = tlv("00", PAYLOAD_FORMAT) + tlv("01", DYNAMIC if one_time else STATIC)
    body += tlv("30", account) + tlv("53", THB)
    if amount_satang is not None:
        body += tlv("54", _amount(amount_satang))
    body += tlv("58", THAILAND)
    if merchant_name:
        if not merchant_name.isascii():
            raise MalformedPayloadError("merchant name (tag 59) must be ASCII")
        body += tlv("59", merchant_name[:25])
    body += "6304"
    return body + crc16(body)


def _fields(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    at = 0
    while at < len(text):
        head = text[at : at + 4]
        if len(head) < 4 or not head.isdigit():
            raise MalformedPayloadError(f"no tag and length at {at}")
        size = int(head[2:])
        value = text[at + 4 : at + 4 + size]
        if len(value) != size:
            raise MalformedPayloadError(f"tag {head[:2]} runs past the end")
        found[head[:2]] = value
        at += 4 + size
    return found


def verify(payload: str) -> dict[str, str]:
    """The top-level fields of `payload`, tag → value, once its CRC is checked (raises
    ChecksumError if it does not match, MalformedPayloadError if it cannot be read)."""
    if not payload.isascii() or len(payload) < 8 or payload[-8:-4] != "6304":
        raise MalformedPayloadError("the payload does not end with a CRC field (6304…)")
    fields = _fields(payload)
    if crc16(payload[:-4]) != payload[-4:].upper():
        raise ChecksumError(f"CRC {payload[-4:]} does not match {crc16(payload[:-4])}")
    if fields.get("00") != PAYLOAD_FORMAT:
        raise MalformedPayloadError("payload format indicator (tag 00) is not 01")
    return fields


@dataclass(frozen=True, slots=True)
class BillPayment:
    """What a banking app reads from a bill-payment code."""

    biller_id: str
    reference1: str
    reference2: str
    amount_satang: int | None
    currency: str
    country: str
    one_time: bool


def read_bill_payment(payload: str) -> BillPayment:
    """Parse and check a bill-payment payload (CRC, AID, currency present)."""
    fields = verify(payload)
    account = _fields(fields.get("30", ""))
    if account.get("00") != BILL_PAYMENT_AID:
        raise MalformedPayloadError("tag 30 is not a bill payment (AID A000000677010112)")
    amount = fields.get("54")
    satang = None
    if amount is not None:
        if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", amount):
            raise MalformedPayloadError(f"amount {amount!r} is not a number")
        baht, _, cents = amount.partition(".")
        satang = int(baht) * 100 + int((cents or "0").ljust(2, "0"))
    return BillPayment(
        biller_id=account.get("01", ""),
        reference1=account.get("02", ""),
        reference2=account.get("03", ""),
        amount_satang=satang,
        currency=fields.get("53", ""),
        country=fields.get("58", ""),
        one_time=fields.get("01") == DYNAMIC,
    )
