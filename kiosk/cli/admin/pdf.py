"""A plain-text PDF: lines of text in a fixed-width font on A4 pages, no library.

Enough for a kitchen's production list that prints from any viewer: Courier (one of
the 14 standard PDF fonts, nothing embedded), Windows-1252 text so that French
accents print, a page break every ``LINES_PER_PAGE`` lines.
"""

from __future__ import annotations

from collections.abc import Sequence

LINES_PER_PAGE = 60
FONT_SIZE = 10
LEADING = 12
MARGIN_X, TOP_Y = 40, 800  # points, on a 595 x 842 A4 page


def _escape(line: str) -> bytes:
    raw = line.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(lines: Sequence[str], title: str = "") -> bytes:
    """The PDF document showing ``lines`` (split into pages)."""
    pages = [list(lines[i : i + LINES_PER_PAGE]) for i in range(0, len(lines), LINES_PER_PAGE)]
    pages = pages or [[]]
    objects: list[bytes] = []  # object n is objects[n - 1]
    font_id, pages_id = 3, 2
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"")  # the page tree, written once the pages are numbered
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>"
    )
    kids = []
    for page in pages:
        ops = [b"BT", f"/F1 {FONT_SIZE} Tf {LEADING} TL {MARGIN_X} {TOP_Y} Td".encode()]
        ops += [b"(" + _escape(line) + b") '" for line in page]
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
            % (pages_id, font_id, content_id)
        )
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    if title:
        objects.append(b"<< /Title (" + _escape(title) + b") >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = b" /Info %d 0 R" % len(objects) if title else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
