"""A generic receipt document: what to print, independent of the printer.

Blocks: ``Text`` (bold, size, alignment), ``Columns`` (a label on the left and an
amount on the right), ``Rule``, ``QrCode``, ``Image`` (a 1-bit raster, e.g. a logo),
``Feed`` and ``Cut``. ``drivers.printer.escpos`` encodes a document for a printer
profile; ``sync.receipt.layout`` lays out a receipt as a document; ``sync.receipt.text``
renders one as the lines of the paper roll, for the diner portal.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field
from enum import StrEnum


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    bold: bool = False
    width: int = 1  # character magnification, 1..4
    height: int = 1
    align: Align = Align.LEFT

    def __post_init__(self) -> None:
        if not (1 <= self.width <= 4 and 1 <= self.height <= 4):
            raise ValueError("text width and height are 1 to 4")


@dataclass(frozen=True, slots=True)
class Columns:
    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True, slots=True)
class QrCode:
    data: str
    module_size: int = 6  # dots per module, 1..16
    error_correction: str = "M"  # L, M, Q or H


@dataclass(frozen=True, slots=True)
class Image:
    """A 1-bit raster, rows packed MSB first, 1 = black dot."""

    width: int
    height: int
    raster: bytes

    def __post_init__(self) -> None:
        if len(self.raster) != (self.width + 7) // 8 * self.height:
            raise ValueError("raster size does not match width x height")

    @classmethod
    def from_png(cls, png: bytes, max_width: int) -> Image:
        """Dither a PNG (or any Pillow-readable image) to a raster no wider than max_width."""
        from PIL import Image as PILImage
        from PIL import ImageOps

        with PILImage.open(io.BytesIO(png)) as source:
            picture = source.convert("L")
        if picture.width > max_width:
            height = max(1, picture.height * max_width // picture.width)
            picture = picture.resize((max_width, height))
        black = ImageOps.invert(picture).convert("1")  # after inversion, set bits = black
        return cls(black.width, black.height, black.tobytes())


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool = True


Block = Text | Columns | Rule | QrCode | Image | Feed | Cut


@dataclass(frozen=True, slots=True)
class Document:
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def __add__(self, other: Document) -> Document:
        return Document(self.blocks + other.blocks)


def wrap(text: str, width: int) -> list[str]:
    """Word-wrap to ``width`` characters; words longer than a line are cut."""
    if width < 1:
        raise ValueError("width must be positive")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, width, break_on_hyphens=False) or [""])
    return lines


def two_columns(left: str, right: str, columns: int) -> list[str]:
    """Left text wrapped, right text on the last line, right-aligned, never overlapping."""
    right = right[:columns]
    room = columns - len(right) - 1
    if room < 1:
        return [*wrap(left, columns), right.rjust(columns)]
    lines = wrap(left, room) if left else [""]
    last = lines[-1]
    lines[-1] = last + " " * (columns - len(last) - len(right)) + right
    return lines
