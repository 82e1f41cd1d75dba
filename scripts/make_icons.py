"""Draw the PWA's PNG icons (192 and 512 px, "any" and "maskable") with the standard library.

The installers want PNGs; the shell itself uses `pwa/icons/icon.svg`. This draws the same
picture (a government building on the brand blue) with zlib and struct only, no PIL, and writes
`pwa/icons/icon-{192,512}.png` and `pwa/icons/maskable-{192,512}.png`. The maskable variants
shrink the building into the central safe zone (a circle of 40 % of the size, per the W3C
manifest spec), so launchers may crop them to any shape. `badge-96.png` is the notification
badge: Android draws only its alpha channel in the status bar, so it is the white building on
transparency. Run it again after changing the
picture: `.venv/bin/python scripts/make_icons.py`.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "pwa" / "icons"
BRAND = (0x1D, 0x4F, 0x91)
WHITE = (0xFF, 0xFF, 0xFF)
VIEW = 512  # the SVG's viewBox
SAMPLES = 4  # per axis: 16 samples a pixel, for smooth edges

ROOF = [(256, 96), (104, 176), (104, 208), (408, 208), (408, 176)]
"""The SVG's `M256 96 104 176v32h304v-32z`."""
RECTS = [(136, 232, 184, 376), (232, 232, 280, 376), (328, 232, 376, 376), (104, 400, 408, 432)]
"""Columns and the base step (x0, y0, x1, y1)."""
MASKABLE_SCALE = 0.8
"""The building reaches 220 px from the centre; the safe zone's radius is 0.4 × 512 = 205."""


def _in_polygon(x: float, y: float, points: list[tuple[int, int]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _in_building(x: float, y: float) -> bool:
    if any(x0 <= x < x1 and y0 <= y < y1 for x0, y0, x1, y1 in RECTS):
        return True
    return 96 <= y < 208 and _in_polygon(x, y, ROOF)


def _pixels(size: int, scale: float) -> list[bytes]:
    rows = []
    step = VIEW / size
    for py in range(size):
        row = bytearray()
        for px in range(size):
            hits = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    # Map to the viewBox, scaled about the centre.
                    x = ((px + (sx + 0.5) / SAMPLES) * step - 256) / scale + 256
                    y = ((py + (sy + 0.5) / SAMPLES) * step - 256) / scale + 256
                    hits += _in_building(x, y)
            share = hits / SAMPLES**2
            row += bytes(round(b + (w - b) * share) for b, w in zip(BRAND, WHITE, strict=True))
        rows.append(bytes(row))
    return rows


def _coverage(size: int) -> list[bytes]:
    """White with the building's coverage as alpha (grey + alpha pixels)."""
    step = VIEW / size
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            hits = sum(
                _in_building((px + (sx + 0.5) / SAMPLES) * step, (py + (sy + 0.5) / SAMPLES) * step)
                for sy in range(SAMPLES)
                for sx in range(SAMPLES)
            )
            row += bytes((0xFF, round(255 * hits / SAMPLES**2)))
        rows.append(bytes(row))
    return rows


def png(size: int, scale: float = 1.0, *, badge: bool = False) -> bytes:
    """An 8-bit RGB PNG (grey + alpha for a badge); each row uses the "Up" filter, so the
    plain rows compress to nothing."""
    rows = _coverage(size) if badge else _pixels(size, scale)
    channels, colour_type = (2, 4) if badge else (3, 2)
    raw = bytearray()
    previous = bytes(size * channels)
    for row in rows:
        raw.append(2)  # filter type Up
        raw += bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True))
        previous = row

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    for size in (192, 512):
        (ICONS / f"icon-{size}.png").write_bytes(png(size))
        (ICONS / f"maskable-{size}.png").write_bytes(png(size, MASKABLE_SCALE))
        print(f"wrote icon-{size}.png and maskable-{size}.png")
    (ICONS / "badge-96.png").write_bytes(png(96, badge=True))
    print("wrote badge-96.png")


if __name__ == "__main__":
    main()
