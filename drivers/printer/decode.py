"""Read ESC/POS bytes back: text lines with their styles, raster images, native QR
codes, cuts, status queries, and a list of the commands it does not know.

The demo shows receipts through it (with ``drivers.printer.preview``) and the tests
read what the printer was sent. It understands the usual Epson subset: ESC @ ! - 2 3
a d E G J M p t, GS ! ( k V v 0 B L W, DLE EOT, FS . Anything else is listed in
``Decoded.unknown`` with its offset and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.printer.escpos import CODEPAGE_BY_NUMBER

ESC, GS, DLE, FS, LF, CR, HT = 0x1B, 0x1D, 0x10, 0x1C, 0x0A, 0x0D, 0x09
_QR_LEVELS = {48: "L", 49: "M", 50: "Q", 51: "H"}


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True, slots=True)
class Line:
    spans: tuple[Span, ...]
    align: str = "left"

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)

    @property
    def bold(self) -> bool:
        spans = [s for s in self.spans if s.text.strip()]
        return bool(spans) and all(s.bold for s in spans)

    @property
    def width(self) -> int:
        return max((s.width for s in self.spans), default=1)

    @property
    def height(self) -> int:
        return max((s.height for s in self.spans), default=1)

    @property
    def columns_used(self) -> int:
        return sum(len(s.text) * s.width for s in self.spans)


@dataclass(frozen=True, slots=True)
class Raster:
    width: int
    height: int
    raster: bytes
    align: str = "left"


@dataclass(frozen=True, slots=True)
class Qr:
    data: str
    module_size: int = 3
    error_correction: str = "L"
    align: str = "left"


@dataclass(frozen=True, slots=True)
class CutMark:
    partial: bool


Item = Line | Raster | Qr | CutMark


@dataclass
class Decoded:
    items: list[Item] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    status_queries: list[int] = field(default_factory=list)
    drawer_kicks: int = 0

    @property
    def lines(self) -> list[Line]:
        return [item for item in self.items if isinstance(item, Line)]

    @property
    def qr_codes(self) -> list[Qr]:
        return [item for item in self.items if isinstance(item, Qr)]

    @property
    def cuts(self) -> list[CutMark]:
        return [item for item in self.items if isinstance(item, CutMark)]

    @property
    def images(self) -> list[Raster]:
        return [item for item in self.items if isinstance(item, Raster)]

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class _TruncatedError(Exception):
    pass


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.out = Decoded()
        self._reset()
        self.spans: list[Span] = []
        self.pending = bytearray()
        self.line_align: str | None = None
        self.qr_data = b""
        self.qr_size = 3
        self.qr_level = "L"

    def _reset(self) -> None:
        self.align = "left"
        self.bold = False
        self.width = self.height = 1
        self.codec = "cp437"

    # -- byte access ------------------------------------------------------------------------
    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise _TruncatedError
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    # -- text -------------------------------------------------------------------------------
    def flush(self) -> None:
        if self.pending:
            text = bytes(self.pending).decode(self.codec, errors="replace")
            self.spans.append(Span(text, self.bold, self.width, self.height))
            self.pending.clear()

    def style(self) -> None:
        """Called before a style change: text so far keeps the old style."""
        self.flush()

    def end_line(self) -> None:
        self.flush()
        align = self.line_align or self.align
        self.out.items.append(Line(tuple(self.spans), align))
        self.spans, self.line_align = [], None

    def end_partial_line(self) -> None:
        if self.pending or self.spans:
            self.end_line()

    def unknown(self, start: int, name: str) -> None:
        self.out.unknown.append(f"{name} at offset {start}")

    # -- commands ---------------------------------------------------------------------------
    def run(self) -> Decoded:
        while self.pos < len(self.data):
            start = self.pos
            b = self.byte()
            try:
                if b >= 0x20 and b != 0x7F:
                    if self.line_align is None:
                        self.line_align = self.align
                    self.pending.append(b)
                elif b == LF:
                    self.end_line()
                elif b == HT:
                    self.pending.append(0x20)
                elif b == CR:
                    pass
                elif b == ESC:
                    self.esc(start)
                elif b == GS:
                    self.gs(start)
                elif b == DLE:
                    self.dle(start)
                elif b == FS:
                    self.fs(start)
                else:
                    self.unknown(start, f"control byte 0x{b:02X}")
            except _TruncatedError:
                self.unknown(start, "truncated command")
                break
        self.end_partial_line()
        return self.out

    def esc(self, start: int) -> None:
        c = self.byte()
        ch = chr(c)
        if ch == "@":
            self.style()
            self._reset()
        elif ch == "t":
            n = self.byte()
            self.flush()
            if n in CODEPAGE_BY_NUMBER:
                self.codec = CODEPAGE_BY_NUMBER[n]
            else:
                self.unknown(start, f"ESC t {n} (code page)")
        elif ch == "a":
            n = self.byte() % 48  # 0..2 or "0".."2"
            self.align = {0: "left", 1: "center", 2: "right"}.get(n, "left")
        elif ch == "E":
            self.style()
            self.bold = bool(self.byte() & 1)
        elif ch == "!":
            n = self.byte()
            self.style()
            self.bold = bool(n & 0x08)
            self.height = 2 if n & 0x10 else 1
            self.width = 2 if n & 0x20 else 1
        elif ch == "d":
            n = self.byte()
            self.end_partial_line()
            for _ in range(n):
                self.end_line()
        elif ch in "-2GJMU3 ":
            if ch != "2":
                self.take(1)
        elif ch == "p":
            self.take(3)
            self.out.drawer_kicks += 1
        elif ch in "im":
            self.end_partial_line()
            self.out.items.append(CutMark(partial=ch == "m"))
        else:
            self.unknown(start, f"ESC 0x{c:02X}")

    def gs(self, start: int) -> None:
        c = self.byte()
        ch = chr(c)
        if ch == "!":
            n = self.byte()
            self.style()
            self.width, self.height = (n >> 4 & 7) + 1, (n & 7) + 1
        elif ch == "V":
            m = self.byte()
            if m in (65, 66):
                self.take(1)
            self.end_partial_line()
            self.out.items.append(CutMark(partial=m in (1, 49, 66)))
        elif ch == "v":
            if self.byte() != 0x30:
                self.unknown(start, "GS v (not raster 0)")
                return
            _mode, xl, xh, yl, yh = self.take(5)
            row, height = xl | xh << 8, yl | yh << 8
            raster = self.take(row * height)
            self.end_partial_line()
            self.out.items.append(Raster(row * 8, height, raster, self.align))
        elif ch == "(":
            self.gs_paren(start)
        elif ch in "BfhHw":
            self.take(1)
        elif ch in "LW":
            self.take(2)
        else:
            self.unknown(start, f"GS 0x{c:02X}")

    def gs_paren(self, start: int) -> None:
        function = chr(self.byte())
        low, high = self.take(2)
        payload = self.take(low | high << 8)
        if function != "k" or len(payload) < 2 or payload[0] != 0x31:
            self.unknown(start, f"GS ( {function} (function 0x{payload[:2].hex()})")
            return
        fn = payload[1]
        if fn == 0x43 and len(payload) >= 3:
            self.qr_size = payload[2]
        elif fn == 0x45 and len(payload) >= 3:
            self.qr_level = _QR_LEVELS.get(payload[2], "L")
        elif fn == 0x50:
            self.qr_data = bytes(payload[3:])
        elif fn == 0x51:
            self.end_partial_line()
            text = self.qr_data.decode(self.codec, errors="replace")
            self.out.items.append(Qr(text, self.qr_size, self.qr_level, self.align))

    def dle(self, start: int) -> None:
        c = self.byte()
        if c == 0x04:
            self.out.status_queries.append(self.byte())
        elif c == 0x14:
            self.take(3)  # DLE DC4 real-time request (drawer pulse, buffer clear)
        else:
            self.unknown(start, f"DLE 0x{c:02X}")

    def fs(self, start: int) -> None:
        c = self.byte()
        if c != ord("."):  # FS . cancels Kanji mode, harmless
            self.unknown(start, f"FS 0x{c:02X}")


def decode(data: bytes) -> Decoded:
    """Decode everything a printer was sent; never raises on bad input."""
    return _Decoder(bytes(data)).run()
