"""The plain-text PDF of the kitchen's production list: pages, accents, escapes."""

from __future__ import annotations

from kiosk.cli.admin.pdf import LINES_PER_PAGE, text_pdf
from tests.sync.test_orders_cli import assert_pdf_structure


def test_pages_accents_and_escapes() -> None:
    lines = [f"ligne {i}" for i in range(2 * LINES_PER_PAGE + 1)] + [r"Créneau (midi) \ fin"]
    body = text_pdf(lines, "Production à midi")
    assert b"/Count 3" in body
    assert r"(Créneau \(midi\) \\ fin) '".encode("cp1252") in body
    assert "/Title (Production à midi)".encode("cp1252") in body
    assert_pdf_structure(body)
    assert_pdf_structure(text_pdf([]))  # an empty day still opens
