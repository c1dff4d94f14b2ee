"""A receipt as a PDF the size of the till's paper roll (80 mm wide, as long as the
receipt), with fpdf2: the printed lines in a fixed-width font (Courier, Windows-1252
so that the euro sign prints), double-size lines at twice the size, and the QR code
drawn module by module, as the printer draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import qrcode
from fpdf import FPDF

from sync.receipt.text import PaperLine

PAPER_MM = 80.0
MARGIN_MM = 4.0
COLUMNS = 48
PT_PER_MM = 72 / 25.4
# Courier's advance is 0.6 em: 48 characters fill the printable width.
FONT_PT = (PAPER_MM - 2 * MARGIN_MM) * PT_PER_MM / (COLUMNS * 0.6)
LINE_MM = FONT_PT * 1.25 / PT_PER_MM
QR_MODULE_MM = 0.9
# Characters of French text that Windows-1252 lacks (the spaces of amounts).
_SPACES = str.maketrans({"\u202f": " ", "\u2009": " "})


def _cp1252(text: str) -> str:
    return text.translate(_SPACES).encode("cp1252", "replace").decode("cp1252")


@lru_cache(maxsize=256)
def _qr_matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def _height(lines: Sequence[PaperLine]) -> float:
    total = 2 * MARGIN_MM
    for line in lines:
        if line.qr is not None:
            total += len(_qr_matrix(line.qr)) * QR_MODULE_MM + LINE_MM
        elif line.cut:
            total += LINE_MM
        else:
            total += LINE_MM * line.height
    return total


def receipt_pdf(lines: Sequence[PaperLine], title: str) -> bytes:
    """The PDF of a receipt's printed lines."""
    pdf = FPDF(unit="mm", format=(PAPER_MM, max(_height(lines), 40.0)))
    pdf.core_fonts_encoding = "cp1252"
    pdf.set_title(_cp1252(title))
    pdf.set_creator("canteen hub")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.add_page()
    y = MARGIN_MM
    for line in lines:
        if line.qr is not None:
            matrix = _qr_matrix(line.qr)
            side = len(matrix) * QR_MODULE_MM
            x0 = (PAPER_MM - side) / 2
            pdf.set_fill_color(0, 0, 0)
            for row, modules in enumerate(matrix):
                for col, dark in enumerate(modules):
                    if dark:
                        pdf.rect(
                            x0 + col * QR_MODULE_MM,
                            y + row * QR_MODULE_MM,
                            QR_MODULE_MM,
                            QR_MODULE_MM,
                            style="F",
                        )
            y += side + LINE_MM
            continue
        if line.cut:
            pdf.set_draw_color(128, 128, 128)
            pdf.set_dash_pattern(dash=1, gap=1)
            pdf.line(0, y + LINE_MM / 2, PAPER_MM, y + LINE_MM / 2)
            pdf.set_dash_pattern()
            y += LINE_MM
            continue
        pdf.set_font("Courier", "B" if line.bold else "", FONT_PT * line.width)
        height = LINE_MM * line.height
        if line.text:
            pdf.set_xy(MARGIN_MM, y)
            pdf.cell(text=_cp1252(line.text), h=height)
        y += height
    return bytes(pdf.output())
