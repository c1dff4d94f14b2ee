"""Encode a ``Document`` as ESC/POS bytes for a printer profile.

The commands used are the common Epson subset that the project's decoder
(``drivers.printer.decode``) reads back: ESC @, ESC t (code page), ESC a, ESC E,
GS ! (size), ESC d (feed), GS v 0 (raster image), GS ( k (native QR) and GS V (cut).
French text goes out in PC858 (PC850 with the euro sign) by default.
"""

from __future__ import annotations

from drivers.config import PrinterProfile
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

ESC, GS, DLE, LF = b"\x1b", b"\x1d", b"\x10", b"\n"

# profile code page -> (ESC t number, Python codec)
CODEPAGES: dict[str, tuple[int, str]] = {"cp858": (19, "cp858"), "cp850": (2, "cp850")}
CODEPAGE_BY_NUMBER: dict[int, str] = {0: "cp437", **{n: codec for n, codec in CODEPAGES.values()}}
_ALIGN = {Align.LEFT: 0, Align.CENTER: 1, Align.RIGHT: 2}
_QR_LEVEL = {"L": 48, "M": 49, "Q": 50, "H": 51}
# Characters that the code pages lack but French text uses: the spaces of amounts
# (Money.format), the ligatures of "bœuf" or "Œuf", typographic quotes and dashes.
_SPACES = str.maketrans(
    {
        "\u202f": " ",
        "\u2009": " ",
        "\u00a0": " ",
        "œ": "oe",
        "Œ": "OE",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)

STATUS_PRINTER = DLE + b"\x04\x01"
STATUS_OFFLINE = DLE + b"\x04\x02"
STATUS_PAPER = DLE + b"\x04\x04"


class Encoder:
    def __init__(self, profile: PrinterProfile | None = None) -> None:
        self.profile = profile or PrinterProfile()
        self._page, self._codec = CODEPAGES[self.profile.codepage]

    def encode(self, document: Document) -> bytes:
        out = bytearray(ESC + b"@" + ESC + b"t" + bytes([self._page]))
        for block in document.blocks:
            out += self._block(block)
        return bytes(out)

    def text(self, value: str) -> bytes:
        return value.translate(_SPACES).encode(self._codec, errors="replace")

    def _block(self, block: object) -> bytes:
        columns = self.profile.columns
        if isinstance(block, Text):
            size = (block.width - 1) << 4 | (block.height - 1)
            head = (
                _align(block.align) + ESC + b"E" + bytes([block.bold]) + GS + b"!" + bytes([size])
            )
            body = b"".join(
                self.text(line) + LF for line in wrap(block.text, columns // block.width)
            )
            return head + body + GS + b"!\x00" + ESC + b"E\x00"
        if isinstance(block, Columns):
            lines = two_columns(block.left, block.right, columns)
            body = b"".join(self.text(line) + LF for line in lines)
            return _align(Align.LEFT) + ESC + b"E" + bytes([block.bold]) + body + ESC + b"E\x00"
        if isinstance(block, Rule):
            return _align(Align.LEFT) + self.text((block.char or "-")[0] * columns) + LF
        if isinstance(block, QrCode):
            return _align(Align.CENTER) + qr_commands(block, self.text(block.data)) + LF
        if isinstance(block, Image):
            return _align(Align.CENTER) + raster_command(block)
        if isinstance(block, Feed):
            return ESC + b"d" + bytes([max(0, min(block.lines, 255))])
        if isinstance(block, Cut):
            return ESC + b"d\x03" + GS + b"V" + (b"\x01" if block.partial else b"\x00")
        raise TypeError(f"not a document block: {block!r}")


def _align(align: Align) -> bytes:
    return ESC + b"a" + bytes([_ALIGN[align]])


def qr_commands(qr: QrCode, data: bytes) -> bytes:
    def function(fn: int, payload: bytes) -> bytes:
        length = len(payload) + 2
        return GS + b"(k" + bytes([length & 0xFF, length >> 8, 0x31, fn]) + payload

    if not 1 <= qr.module_size <= 16:
        raise ValueError("QR module size is 1 to 16 dots")
    return (
        function(0x41, b"\x32\x00")  # model 2
        + function(0x43, bytes([qr.module_size]))
        + function(0x45, bytes([_QR_LEVEL[qr.error_correction]]))
        + function(0x50, b"\x30" + data)
        + function(0x51, b"\x30")
    )


def raster_command(image: Image) -> bytes:
    row = (image.width + 7) // 8
    header = GS + b"v0\x00" + bytes([row & 0xFF, row >> 8, image.height & 0xFF, image.height >> 8])
    return header + image.raster
