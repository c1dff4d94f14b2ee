"""A receipt ``Document`` as the lines of the paper roll: what the printer puts on
paper, character for character (wrapping, alignment, the two columns of amounts),
for a screen or a PDF that shows the receipt as the till prints it.

The wrapping and the columns are those of the ESC/POS encoder
(``drivers.printer.escpos``): the same ``wrap`` and ``two_columns`` of
``sync.receipt.document``, at the same number of columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync.receipt.document import (
    Align,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    QrCode,
    Rule,
    Text,
    two_columns,
    wrap,
)


@dataclass(frozen=True, slots=True)
class PaperLine:
    """One printed line. ``text`` is already aligned within the line's room
    (``columns // width`` characters); a QR code's line carries its data instead;
    a cut is a line of its own."""

    text: str = ""
    bold: bool = False
    width: int = 1  # character magnification
    height: int = 1
    qr: str | None = None
    cut: bool = False


def _aligned(text: str, room: int, align: Align) -> str:
    if align is Align.CENTER:
        return text.center(room).rstrip()
    if align is Align.RIGHT:
        return text.rjust(room)
    return text


def paper_lines(document: Document, columns: int = 48) -> list[PaperLine]:
    """The lines the printer prints for ``document`` at ``columns`` characters."""
    lines: list[PaperLine] = []
    for block in document.blocks:
        if isinstance(block, Text):
            room = columns // block.width
            for part in wrap(block.text, room):
                lines.append(
                    PaperLine(
                        _aligned(part, room, block.align), block.bold, block.width, block.height
                    )
                )
        elif isinstance(block, Columns):
            parts = two_columns(block.left, block.right, columns)
            lines.extend(PaperLine(part, block.bold) for part in parts)
        elif isinstance(block, Rule):
            lines.append(PaperLine((block.char or "-")[0] * columns))
        elif isinstance(block, QrCode):
            lines.append(PaperLine(qr=block.data))
        elif isinstance(block, Feed):
            lines.extend(PaperLine() for _ in range(max(0, block.lines)))
        elif isinstance(block, Cut):
            lines.append(PaperLine(cut=True))
        elif isinstance(block, Image):
            continue  # a logo: the paper roll's text has no room for it
        else:  # pragma: no cover - Block is a closed union
            raise TypeError(f"not a document block: {block!r}")
    return lines


def plain_text(lines: list[PaperLine]) -> str:
    """The lines as plain text (a QR code shows as its data between brackets)."""
    out = []
    for line in lines:
        if line.cut:
            continue
        out.append(f"[{line.qr}]" if line.qr is not None else line.text)
    return "\n".join(out)
