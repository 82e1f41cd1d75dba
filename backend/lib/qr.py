"""QR codes as inline SVG (no images to download: a few hundred bytes of markup)."""

from __future__ import annotations

import io

import segno

__all__ = ["qr_svg"]


def qr_svg(text: str, *, scale: int = 4, title: str = "") -> str:
    """An SVG QR code for `text`, medium error correction (survives a smudged receipt). Never a
    Micro QR, which segno picks for short texts (a booking reference) and phones' cameras do
    not read."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buffer,
        kind="svg",
        scale=scale,
        xmldecl=False,
        svgns=True,
        title=title or None,
        nl=False,
        border=2,
    )
    return buffer.getvalue().decode()
