"""A QR code as inline SVG for a page (a visit's code shown for the guest): drawn on
the server, so the page needs no script and the code is as sharp as the screen."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import qrcode
from qrcode.image.svg import SvgPathImage

_SIZE = re.compile(r'^<svg width="[^"]*" height="[^"]*"')


@lru_cache(maxsize=512)  # a code is drawn once: a receipt's or a visit's never changes
def qr_svg(data: str, label: str) -> str:
    """The ``<svg>`` element of ``data``'s QR code (error correction M, a quiet zone of
    four modules), sized by its container, named by ``label`` for screen readers. The
    markup is all made here (the label escaped), so a page may insert it as it is."""
    image = qrcode.make(
        data,
        image_factory=SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
    )
    svg: str = image.to_string(encoding="unicode")
    svg = svg.removeprefix("<?xml version='1.0' encoding='UTF-8'?>\n")
    named = f'<svg role="img" aria-label="{html.escape(label)}" class="qr"'
    return _SIZE.sub(named, svg, count=1)
