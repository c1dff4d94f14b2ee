"""Receipt layout, ESC/POS encoding and the project's decoder and PNG preview."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from drivers.config import PrinterProfile
from drivers.printer.decode import decode
from drivers.printer.escpos import Encoder
from drivers.printer.preview import render, render_png
from sync.money import Money
from sync.receipt.document import Align, Columns, Cut, Document, Image, QrCode, Text, wrap
from sync.receipt.layout import AmountLine, ReceiptData, ReceiptLine, VatRow, layout, rate_text

zxingcpp = pytest.importorskip("zxingcpp")


def receipt(**changes: object) -> ReceiptData:
    base = ReceiptData(
        site_name="Restaurant d'entreprise Lyon Sud",
        terminal_id="T-0007",
        local_time=datetime(2025, 3, 4, 11, 58),
        ticket_number="004211",
        lines=(
            ReceiptLine("Entrée crudités", 1, 180, 180, 1000),
            ReceiptLine("Plat du jour : blanquette de veau à l'ancienne", 1, 650, 650, 1000),
            ReceiptLine("Bière sans alcool", 2, 250, 500, 2000),
            ReceiptLine("Fruit à emporter", 1, 90, 90, 550),
        ),
        formula_lines=(AmountLine("Formule entrée + plat", -130),),
        admission_fee=245,
        subsidy=410,
        total=1125,
        vat_rows=(
            VatRow(550, 85, 5, 90),
            VatRow(1000, 595, 60, 655),
            VatRow(2000, 317, 63, 380),
        ),
        payments=(AmountLine("Compte prépayé", 1125),),
        new_balance=-215,
        verification_id="T-0007-4211-b64a0c",
    )
    return ReceiptData(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **changes})  # type: ignore[arg-type]


def qr_in(png: bytes) -> list[str]:
    with PILImage.open(io.BytesIO(png)) as picture:
        return [r.text for r in zxingcpp.read_barcodes(picture)]


@pytest.mark.parametrize("columns", [42, 48])
def test_receipt_fits_and_reads_back(columns: int) -> None:
    data = receipt()
    raw = Encoder(PrinterProfile(columns=columns)).encode(layout(data, columns))
    decoded = decode(raw)
    assert decoded.unknown == []
    assert all(line.columns_used <= columns for line in decoded.lines)
    text = decoded.text()
    for expected in ("Lyon Sud", "T-0007", "004211", "04/03/2025 11:58", "blanquette"):
        assert expected in text
    assert "DUPLICATA" not in text and "FACTICE" not in text
    total = next(line for line in decoded.lines if line.text.startswith("TOTAL"))
    assert total.bold and total.height == 2
    assert total.text.rstrip().endswith(
        Money(1125).format().replace("\u202f", " ").replace("\xa0", " ")
    )
    assert "-2,15 €" in text  # new balance below zero, French format
    assert "5,5 %" in text and "20 %" in text
    assert "2 x 2,50 €" in text
    assert [q.data for q in decoded.qr_codes] == ["T-0007-4211-b64a0c"]
    assert len(decoded.cuts) == 1
    assert qr_in(render_png(raw, columns)) == ["T-0007-4211-b64a0c"]


def test_duplicate_and_training_marks() -> None:
    decoded = decode(Encoder().encode(layout(receipt(duplicate=True, training=True))))
    marks = [line for line in decoded.lines if line.text in ("DUPLICATA", "FACTICE")]
    assert [m.text for m in marks] == ["DUPLICATA", "FACTICE", "DUPLICATA", "FACTICE"]
    assert all(m.bold and m.width == 2 and m.align == "center" for m in marks)


def test_accents_survive_the_code_page() -> None:
    for codepage in ("cp858", "cp850"):
        raw = Encoder(PrinterProfile(codepage=codepage)).encode(Document((Text("àâçéèêëîôùû €"),)))
        expected = "àâçéèêëîôùû €" if codepage == "cp858" else "àâçéèêëîôùû ?"
        assert decode(raw).lines[0].text == expected


def test_rates() -> None:
    assert [rate_text(r) for r in (550, 1000, 2000, 210)] == ["5,5 %", "10 %", "20 %", "2,1 %"]


def test_unknown_commands_are_listed() -> None:
    raw = b"\x1b@abc\n\x1bz\x01def\n\x1d\x99\x07\x1d(L\x02\x000p\n"
    decoded = decode(raw)
    assert decoded.unknown == [
        "ESC 0x7A at offset 6",
        "control byte 0x01 at offset 8",
        "GS 0x99 at offset 13",
        "control byte 0x07 at offset 15",
        "GS ( L (function 0x3070) at offset 16",
    ]
    assert decoded.text() == "abc\ndef\n"
    assert decode(b"abc\x1d(k\x05").unknown == ["truncated command at offset 3"]


def test_raster_image_round_trip() -> None:
    picture = PILImage.new("L", (40, 10), 255)
    for x in range(0, 40, 2):
        picture.putpixel((x, 3), 0)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    logo = Image.from_png(buffer.getvalue(), max_width=576)
    decoded = decode(Encoder().encode(Document((logo, Text("x")))))
    assert decoded.images[0].raster == logo.raster
    rendered = render(decoded)
    assert rendered.getpixel((16 + (576 - 40) // 2, 16 + 3)) == 0  # a black dot, centred
    assert rendered.getpixel((16 + (576 - 40) // 2 + 1, 16 + 3)) == 255


texts = st.text(
    alphabet=st.characters(codec="cp858", min_codepoint=0x20, exclude_characters="\x7f"),
    max_size=120,
)


@settings(max_examples=60)
@given(text=texts, bold=st.booleans(), width=st.integers(1, 2), columns=st.sampled_from([42, 48]))
def test_text_blocks_decode_to_their_wrapped_lines(
    text: str, bold: bool, width: int, columns: int
) -> None:
    block = Text(text, bold=bold, width=width, align=Align.RIGHT)
    decoded = decode(Encoder(PrinterProfile(columns=columns)).encode(Document((block,))))
    printed = [line.replace("\xa0", " ") for line in wrap(text, columns // width)]
    assert [line.text for line in decoded.lines] == printed  # no-break space printed as space
    assert all(line.columns_used <= columns for line in decoded.lines)


@settings(max_examples=60)
@given(left=texts, right=st.integers(-(10**7), 10**7))
def test_two_columns_never_overlap(left: str, right: int) -> None:
    amount = Money(right).format()
    decoded = decode(Encoder().encode(Document((Columns(left, amount),))))
    assert all(line.columns_used <= 48 for line in decoded.lines)
    assert decoded.lines[-1].text.endswith(amount.replace("\u202f", " ").replace("\xa0", " "))


def test_qr_and_cut_blocks() -> None:
    raw = Encoder().encode(Document((QrCode("Ünïcode? no: ascii-123", module_size=4), Cut(False))))
    decoded = decode(raw)
    assert decoded.qr_codes[0].module_size == 4 and decoded.cuts[0].partial is False
    assert qr_in(render_png(raw)) == ["Ünïcode? no: ascii-123"]
