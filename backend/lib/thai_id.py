"""The Thai national ID number: 13 digits with a check digit."""

from __future__ import annotations

__all__ = ["is_valid_thai_id", "masked_id"]


def is_valid_thai_id(value: str) -> bool:
    """13 digits whose last digit is the mod-11 checksum of the first 12 (DOPA's rule)."""
    if len(value) != 13 or not value.isascii() or not value.isdigit():
        return False
    total = sum(int(digit) * (13 - i) for i, digit in enumerate(value[:12]))
    return (11 - total % 11) % 10 == int(value[12])


def masked_id(national_id: str | None) -> str:
    """What a screen shows of an ID number: enough to confirm, not enough to copy."""
    if not national_id:
        return ""
    return f"{national_id[0]}-xxxx-xxxxx-{national_id[10:12]}-{national_id[12]}"
