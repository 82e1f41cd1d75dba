"""What a file really is, from its first bytes: never from its name or declared type.

Only PDF, JPEG and PNG are accepted. For images the pixel size is read from the header (PNG
IHDR, JPEG SOFn) without decoding a single pixel, so an absurd image (a "decompression bomb"
that would take gigabytes to display on a phone or an officer's PC) is refused cheaply.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from backend.documents.errors import ImageSizeError

__all__ = [
    "JPEG",
    "KINDS",
    "MAGIC_BYTES",
    "MAX_IMAGE_SIDE",
    "PDF",
    "PNG",
    "Kind",
    "image_size",
    "sniff",
]

MAGIC_BYTES = 8
"""Enough bytes to tell the accepted kinds apart (the PNG signature is the longest)."""

MAX_IMAGE_SIDE = 12_000
"""Largest width or height accepted, in pixels: far more than a document photo needs (a
50-megapixel phone photo is 8 160 × 6 120) while a decoded worst case stays under 600 MB."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) look alike
# but are not frames (ITU T.81 table B.1).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field: TEM, RST0-7, SOI (T.81 B.1.1.3).
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})


@dataclass(frozen=True, slots=True)
class Kind:
    """An accepted kind of file: the Content-Type it is stored and served as."""

    content_type: str
    extension: str
    is_image: bool


PDF = Kind("application/pdf", "pdf", is_image=False)
JPEG = Kind("image/jpeg", "jpg", is_image=True)
PNG = Kind("image/png", "png", is_image=True)
KINDS = {kind.content_type: kind for kind in (PDF, JPEG, PNG)}


def sniff(head: bytes) -> Kind | None:
    """The kind of a file from its first bytes (at least MAGIC_BYTES unless shorter), or None.

    PDF: "%PDF-" (ISO 32000-1 §7.5.2). JPEG: SOI then the start of a marker, FF D8 FF.
    PNG: the 8-byte signature (RFC 2083 §3.1)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(_PNG_SIGNATURE):
        return PNG
    return None


def image_size(kind: Kind, head: bytes) -> tuple[int, int] | None:
    """(width, height) of an image from its header, None for a PDF.

    Raises `ImageSizeError` when the header is unreadable within `head`, or a side is 0 or
    larger than MAX_IMAGE_SIDE."""
    if not kind.is_image:
        return None
    size = _png_size(head) if kind is PNG else _jpeg_size(head)
    if size is None:
        raise ImageSizeError()
    width, height = size
    if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
        raise ImageSizeError(
            f"The image is {width} × {height} pixels; at most {MAX_IMAGE_SIDE} pixels a side "
            "is accepted. Please take it again at a lower resolution.",
            f"รูปภาพมีขนาด {width} × {height} พิกเซล รับได้ไม่เกิน {MAX_IMAGE_SIDE} พิกเซลต่อด้าน "
            "กรุณาถ่ายใหม่ให้ความละเอียดต่ำลง",
        )
    return size


def _png_size(head: bytes) -> tuple[int, int] | None:
    # Signature, then the IHDR chunk first: length (13), "IHDR", width, height (big-endian).
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    """Walk the marker segments (each FF xx + 2-byte length) to the first SOFn frame header:
    precision (1 byte), height, width (2 bytes each). Image data starts at SOS, so reaching
    SOS or the end of `head` first means the size is not where it should be."""
    pos = 2  # after SOI
    end = len(head)
    while pos < end:
        if head[pos] != 0xFF:
            return None
        while pos < end and head[pos] == 0xFF:  # fill bytes before a marker are allowed
            pos += 1
        if pos >= end:
            return None
        marker = head[pos]
        pos += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0xD9, 0xDA) or pos + 2 > end:  # EOI or SOS before any frame
            return None
        (length,) = struct.unpack(">H", head[pos : pos + 2])
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            if length < 7 or pos + 7 > end:
                return None
            height, width = struct.unpack(">HH", head[pos + 3 : pos + 7])
            return width, height
        pos += length
    return None
