"""Render decoded ESC/POS (``drivers.printer.decode``) as a PNG of the paper roll.

Characters sit on the printer's grid (``dots // columns`` wide, 24 dots high, times
the character magnification); native QR codes are drawn with the ``qrcode`` package
at their module size; raster images pixel for pixel; a cut is a dashed line.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from drivers.printer.decode import CutMark, Decoded, Line, Qr, Raster, decode

LINE_DOTS = 24
MARGIN = 16
_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
)


@lru_cache(maxsize=4)
def _font(bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = Path(_FONTS[1] if bold else _FONTS[0])
    if path.exists():
        return ImageFont.truetype(str(path), 20)
    return ImageFont.load_default(20)


@lru_cache(maxsize=4096)
def _glyph(char: str, bold: bool, cell: int, width: int, height: int) -> Image.Image:
    base = Image.new("L", (cell, LINE_DOTS), 255)
    draw = ImageDraw.Draw(base)
    draw.text((cell / 2, LINE_DOTS / 2), char, fill=0, font=_font(bold), anchor="mm")
    if width == 1 and height == 1:
        return base
    return base.resize((cell * width, LINE_DOTS * height))


def _x(align: str, used: int, dots: int) -> int:
    if align == "center":
        return max(0, (dots - used) // 2)
    if align == "right":
        return max(0, dots - used)
    return 0


def _qr_image(item: Qr) -> Image.Image:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

    levels = {
        "L": ERROR_CORRECT_L,
        "M": ERROR_CORRECT_M,
        "Q": ERROR_CORRECT_Q,
        "H": ERROR_CORRECT_H,
    }
    code = qrcode.QRCode(
        error_correction=levels[item.error_correction], box_size=item.module_size, border=0
    )
    code.add_data(item.data.encode("utf-8"))
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    picture = Image.new("L", (size, size), 255)
    picture.putdata([0 if cell else 255 for row in matrix for cell in row])
    return picture.resize(
        (size * item.module_size, size * item.module_size), Image.Resampling.NEAREST
    )


def render(decoded: Decoded, columns: int = 48, dots: int = 576) -> Image.Image:
    cell = dots // columns
    pieces: list[tuple[Image.Image, int]] = []  # (picture, x) stacked top to bottom
    for item in decoded.items:
        if isinstance(item, Line):
            height = item.height * LINE_DOTS
            row = Image.new("L", (dots, height), 255)
            x = _x(item.align, item.columns_used * cell, dots)
            for span in item.spans:
                for char in span.text:
                    glyph = _glyph(char, span.bold, cell, span.width, span.height)
                    if x + glyph.width <= dots:
                        row.paste(glyph, (x, height - glyph.height))
                    x += glyph.width
            pieces.append((row, 0))
        elif isinstance(item, Raster):
            bits = Image.frombytes("1", (item.width, item.height), item.raster)
            picture = ImageOps.invert(bits.convert("L"))
            pieces.append((picture, _x(item.align, picture.width, dots)))
        elif isinstance(item, Qr):
            picture = _qr_image(item)
            pieces.append((picture, _x(item.align, picture.width, dots)))
        elif isinstance(item, CutMark):
            mark = Image.new("L", (dots, LINE_DOTS), 255)
            draw = ImageDraw.Draw(mark)
            for x in range(0, dots, 16):
                draw.line(
                    (x, LINE_DOTS // 2, x + 8, LINE_DOTS // 2), fill=0 if item.partial else 96
                )
            pieces.append((mark, 0))
    total = sum(p.height for p, _ in pieces) + 2 * MARGIN
    paper = Image.new("L", (dots + 2 * MARGIN, max(total, 2 * MARGIN + 1)), 255)
    y = MARGIN
    for picture, x in pieces:
        paper.paste(picture, (MARGIN + x, y))
        y += picture.height
    return paper


def render_png(data: bytes, columns: int = 48, dots: int = 576) -> bytes:
    """ESC/POS bytes in, PNG bytes out."""
    buffer = io.BytesIO()
    render(decode(data), columns, dots).save(buffer, format="PNG")
    return buffer.getvalue()
