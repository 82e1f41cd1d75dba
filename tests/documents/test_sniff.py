"""Type by content, and image sizes read from headers without decoding."""

from __future__ import annotations

import pytest

from backend.documents.errors import ImageSizeError
from backend.documents.sniff import JPEG, MAX_IMAGE_SIDE, PDF, PNG, image_size, sniff
from tests.support.files import jpeg, pdf, png


def test_accepted_kinds_are_recognised_by_their_first_bytes() -> None:
    assert sniff(pdf()) is PDF
    assert sniff(png()) is PNG
    assert sniff(jpeg()) is JPEG


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows .exe
        b"<!DOCTYPE html><script>alert(1)</script>",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"PK\x03\x04\x14\x00\x06\x00",  # zip / docx
        b"GIF89a\x01\x00\x01\x00",
        b" %PDF-1.4",  # not at the very start
        b"\x89PNG\r\n",  # truncated signature
        b"",
    ],
)
def test_anything_else_is_refused(head: bytes) -> None:
    assert sniff(head) is None


def test_pdf_has_no_pixel_size() -> None:
    assert image_size(PDF, pdf()) is None


def test_png_size_comes_from_ihdr() -> None:
    assert image_size(PNG, png(3, 2)) == (3, 2)


@pytest.mark.parametrize("sof", [0xC0, 0xC1, 0xC2])  # baseline, extended, progressive
def test_jpeg_size_comes_from_the_frame_header_after_exif(sof: int) -> None:
    assert image_size(JPEG, jpeg(640, 480, exif_bytes=60_000, sof=sof)) == (640, 480)


def test_jpeg_huffman_table_is_not_mistaken_for_a_frame() -> None:
    # DHT (C4) sits among the SOF markers; a naive scan would read its bytes as a size.
    data = jpeg(10, 20)
    dht = b"\xff\xc4\x00\x13" + bytes(17)
    assert image_size(JPEG, data[:2] + dht + data[2:]) == (10, 20)


@pytest.mark.parametrize(
    ("width", "height"),
    [(MAX_IMAGE_SIDE + 1, 10), (10, MAX_IMAGE_SIDE + 1), (0, 10), (60_000, 60_000)],
)
def test_absurd_sizes_are_refused(width: int, height: int) -> None:
    with pytest.raises(ImageSizeError):
        image_size(PNG, png(declared=(width, height)))
    with pytest.raises(ImageSizeError):
        image_size(JPEG, jpeg(width, height))


def test_largest_accepted_side() -> None:
    assert image_size(PNG, png(declared=(MAX_IMAGE_SIDE, 1))) == (MAX_IMAGE_SIDE, 1)


@pytest.mark.parametrize(
    "head",
    [
        b"\xff\xd8\xff\xe0\x00\x10JFIF",  # cut off before any frame
        b"\xff\xd8\xff\xda\x00\x08" + bytes(6),  # scan data before a frame header
        b"\xff\xd8\xff\xe0\x00\x01",  # impossible segment length
        b"\xff\xd8\x00\x00",  # not a marker where one must be
    ],
)
def test_unreadable_jpeg_headers_are_refused(head: bytes) -> None:
    with pytest.raises(ImageSizeError):
        image_size(JPEG, head)


def test_png_without_ihdr_first_is_refused() -> None:
    with pytest.raises(ImageSizeError):
        image_size(PNG, b"\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND" + bytes(8))
