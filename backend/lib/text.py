"""Text a person typed, made safe to keep and to show: NFC-normalised (the same Thai word is
stored one way, whatever the keyboard sent), without control characters (C0 and DEL; tab and
newline only in long text) or bidirectional overrides and isolates, which can make a line
read differently from what it says (U+202A-U+202E, U+2066-U+2069)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text"]

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n\r]")


def clean_text(value: str, *, multiline: bool) -> str | None:
    """`value` normalised, or None if it holds a character it may not."""
    if _FORBIDDEN.search(value) or (not multiline and _LINE_BREAKS.search(value)):
        return None
    return unicodedata.normalize("NFC", value)
