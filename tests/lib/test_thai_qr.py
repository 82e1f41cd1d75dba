"""The Thai QR Payment payload builder, field by field and against payloads others published
(each with where it comes from), and the checksum that catches a misread code."""

from __future__ import annotations

import pytest

from backend.lib import thai_qr
from backend.lib.thai_qr import ChecksumError, MalformedPayloadError

# The test suite of the Go module github.com/ThaiQR/ThaiQR-Go (its test package,
# TestMerchantBillpaymentQRGenerate): a one-time bill-payment code for biller 011234567891233,
# references REF123456789 / REF987654321, 200.00 baht, merchant name THAIQR.
THAIQR_GO_BILL = (
    "00020101021230710016A00000067701011201150112345678912330212REF1234567890312REF987654321"
    "53037645406200.005802TH5906THAIQR6304F528"
)
# A bill-payment code quoted in the tests of a Go EMV decoder found on GitHub (package xstr,
# TestDecodeEMVQR, "valid EMV QR with all fields and CRC validation"; its repository is not
# recorded here): biller 010753700088205, 900.04 baht, a tag 62, static (01 = 11).
BANK_BILL = (
    "00020101021130750016A00000067701011201150107537000882050219ZY010556UP8013305E80309MDMBEN38J"
    "53037645406900.045802TH622407200000yJMlWBD1ltXF6zJf6304858E"
)
# github.com/dtinth/promptpay-qr, index.test.js "Amount": a PromptPay (tag 29, not a bill)
# code for 000-000-0000 with 4.22 baht; fields in another order (58 before 53, 54).
PROMPTPAY_AMOUNT = (
    "00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E469"
)


def test_crc_is_ccitt_false() -> None:
    # The CRC catalogue's check value of CRC-16/CCITT-FALSE.
    assert thai_qr.crc16("123456789") == "29B1"


def test_the_builder_reproduces_a_published_bill_payment_code() -> None:
    built = thai_qr.bill_payment(
        biller_id="011234567891233",
        reference1="REF123456789",
        reference2="REF987654321",
        amount_satang=200_00,
        merchant_name="THAIQR",
    )
    assert built == THAIQR_GO_BILL


def test_the_portals_code_field_by_field() -> None:
    payload = thai_qr.bill_payment(
        biller_id="099999999999901",
        reference1="DOPA-7K3M-Q9",
        reference2="K7QW2M9XRT4P",
        amount_satang=1_234_56,
    )
    fields = [
        ("00", "01"),  # payload format indicator
        ("01", "12"),  # point of initiation: one-time (it carries an amount)
        (
            "30",
            "0016A000000677010112"  # bill payment AID
            "0115099999999999901"  # biller ID: tax ID + suffix
            "0210DOPA7K3MQ9"  # reference 1: the tracking code, dashes dropped
            "0312K7QW2M9XRT4P",  # reference 2: the payment reference
        ),
        ("53", "764"),  # baht
        ("54", "1234.56"),  # amount in baht
        ("58", "TH"),
    ]
    expected = "".join(f"{tag}{len(value):02d}{value}" for tag, value in fields) + "6304"
    assert payload[:-4] == expected
    assert payload[-4:] == thai_qr.crc16(expected)
    read = thai_qr.read_bill_payment(payload)
    assert read == thai_qr.BillPayment(
        biller_id="099999999999901",
        reference1="DOPA7K3MQ9",
        reference2="K7QW2M9XRT4P",
        amount_satang=123456,
        currency="764",
        country="TH",
        one_time=True,
    )


def test_published_codes_are_read_and_their_checksums_hold() -> None:
    bank = thai_qr.read_bill_payment(BANK_BILL)
    assert (bank.biller_id, bank.reference1, bank.reference2) == (
        "010753700088205",
        "ZY010556UP8013305E8",
        "MDMBEN38J",
    )
    assert bank.amount_satang == 900_04
    assert not bank.one_time
    assert thai_qr.read_bill_payment(THAIQR_GO_BILL).amount_satang == 200_00
    promptpay = thai_qr.verify(PROMPTPAY_AMOUNT)
    assert promptpay["54"] == "4.22"
    with pytest.raises(MalformedPayloadError, match="not a bill payment"):
        thai_qr.read_bill_payment(PROMPTPAY_AMOUNT)


@pytest.mark.parametrize("payload", [THAIQR_GO_BILL, BANK_BILL, PROMPTPAY_AMOUNT])
def test_a_changed_character_or_checksum_is_caught(payload: str) -> None:
    amount_at = payload.index("5406") + 4 if "5406" in payload else payload.index("5404") + 4
    misread = (
        payload[:amount_at] + ("9" if payload[amount_at] != "9" else "8") + payload[amount_at + 1 :]
    )
    with pytest.raises(ChecksumError):
        thai_qr.verify(misread)
    with pytest.raises(ChecksumError):
        thai_qr.verify(payload[:-4] + ("0000" if payload[-4:] != "0000" else "FFFF"))


@pytest.mark.parametrize(
    "payload",
    ["", "000201", "0002016304", THAIQR_GO_BILL[:-9] + "6304" + THAIQR_GO_BILL[-4:], "00ZZ01"],
)
def test_malformed_payloads_are_refused(payload: str) -> None:
    with pytest.raises(MalformedPayloadError):
        thai_qr.verify(payload)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"biller_id": "12345"},
        {"reference1": "-"},
        {"reference1": "A" * 21},
        {"amount_satang": 0},
        {"merchant_name": "กรมการปกครอง"},
    ],
)
def test_the_builder_refuses_what_a_bank_would(kwargs: dict[str, object]) -> None:
    good: dict[str, object] = {
        "biller_id": "099999999999901",
        "reference1": "DOPA7K3MQ9",
        "amount_satang": 100,
    }
    with pytest.raises(MalformedPayloadError):
        thai_qr.bill_payment(**{**good, **kwargs})  # type: ignore[arg-type]
