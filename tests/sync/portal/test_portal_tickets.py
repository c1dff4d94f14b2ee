"""A ticket in detail: a tray priced at a real till (formula, admission, subsidy, VAT
at two rates) synced to the hub shows its lines and the receipt exactly as the till
prints its reprint, and downloads as a PDF marked DUPLICATA; hub movements and
plain entries have their detail too."""

from __future__ import annotations

import html
import queue
import re
import zlib
from pathlib import Path

import httpx

from drivers.printer.decode import decode
from drivers.printer.virtual import VirtualPrinter
from kiosk.engine import Accepted
from kiosk.engine.trays import sell_tray
from kiosk.service import TillService
from kiosk.sitefile import load_site_menu
from tests.sync.conftest import EnrolFn, TillFactory
from tests.sync.live import Admin
from tests.sync.portal.conftest import Browser, Mailbox

MENU = load_site_menu(Path(__file__).parents[3] / "config" / "example-site.toml")
PRE = re.compile(r'<pre class="[^"]*">(.*?)</pre>', re.S)
# What the printer's code page lacks (drivers.printer.escpos): the page keeps Unicode.
CODE_PAGE = str.maketrans({"\u202f": " ", "\u00a0": " ", "œ": "oe", "Œ": "OE"})


def receipt_on(page: httpx.Response) -> list[str]:
    """The receipt's printed lines on the page, as the printer's code page has them."""
    return [html.unescape(m).translate(CODE_PAGE).strip() for m in PRE.findall(page.text)]


def pdf_text(pdf: bytes) -> str:
    """The text the PDF's (deflated) content streams show."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            body = zlib.decompress(stream)
        except zlib.error:
            body = stream
        shown += re.findall(rb"\((.*?)\) ?Tj", body)
    return "\n".join(s.decode("cp1252") for s in shown)


def test_a_till_tray_shows_its_lines_and_the_receipt_as_the_till_reprints_it(
    site: str,
    browser: Browser,
    mailbox: Mailbox,
    open_till: TillFactory,
    admin: Admin,
) -> None:
    admin.badge("nfc:04A1B2C3", "A1")
    admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 3000, "ref": "t0"})
    till = open_till("T1")
    till.daemon.sync_once()
    sale = sell_tray(till.engine, "nfc:04A1B2C3", ["salad", "steak", "tart", "beer"], menu=MENU)
    assert isinstance(sale, Accepted) and sale.ticket is not None
    till.daemon.sync_once()
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    listing = browser.get("/portal/tickets")
    link = f"/portal/tickets/{till.terminal_id}/{sale.seq}"
    assert f'href="{link}"' in listing.text
    page = browser.get(link)
    assert page.status_code == 200
    ticket = sale.ticket
    # The detail: the formula and its parts, the extra item, the subsidy, VAT by rate.
    assert "Formule complète" in page.text and "Bière" in page.text
    assert ticket.subsidy is not None and f'data-cents="{ticket.subsidy.amount}"' in page.text
    assert f'data-cents="{ticket.total}"' in page.text
    rates = re.findall(r'<tr data-rate="(\d+)">', page.text)
    assert rates == [str(int(row.rate)) for row in ticket.vat] and len(rates) == 2
    assert f'data-cents="{sale.balance_after.cents}"' in page.text
    # The receipt: line for line what the till's printer prints for a reprint.
    printer = VirtualPrinter(None, queue.Queue())
    printer.start()
    try:
        service = TillService(till.engine, printer=printer, menu=MENU, site_name="Site S1")
        assert service.print_receipt(sale.seq, duplicate=True).ok
        printed = [line.text.strip() for line in decode(printer.jobs[-1]).lines]
    finally:
        printer.close()
    # The till numbers its reprint under DUPLICATA; the portal's copy says it is one.
    verification = f"{till.terminal_id}:{sale.seq}:"
    till_number = f"du ticket {sale.seq:06d}"
    printed = [line for line in printed if line and not line.startswith(verification)]
    shown = [line for line in receipt_on(page) if line and not line.startswith(verification)]
    assert [line for line in printed if till_number in line] != []
    assert [line for line in printed if till_number not in line] == [
        line for line in shown if line != "Copie du portail convive"
    ]
    assert shown[1] == "DUPLICATA" and shown[2] == "Copie du portail convive"
    assert shown[-2:] == ["DUPLICATA", "Copie du portail convive"]
    # The receipt's QR code names the entry, as the printed one does.
    assert 'class="qr"' in page.text
    # The PDF: the same receipt, marked DUPLICATA, to download.
    pdf = browser.get(link + "/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["content-disposition"]
    text = pdf_text(pdf.content)
    assert text.count("DUPLICATA") == 2 and "Formule complète" in text
    assert text.count("Copie du portail convive") == 2
    assert "Prise en charge employeur" in text and "TOTAL" in text


def test_every_line_has_a_detail_plain_entries_hub_movements_and_cancellations(
    site: str, browser: Browser, mailbox: Mailbox, enrol: EnrolFn, admin: Admin
) -> None:
    till, client = enrol("S1")
    plain = till.sell("A1", 450)
    client.push(till.entries)
    admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 2000, "ref": "t1", "note": "chèque"})
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    # A sale written without a priced ticket: its items and its receipt.
    page = browser.get(f"/portal/tickets/{till.terminal_id}/{plain.seq}")
    assert page.status_code == 200 and "menu" in page.text
    lines = receipt_on(page)
    assert "DUPLICATA" in lines and any("4,50 €" in line for line in lines)
    # A hub movement: its detail, no till receipt and so no PDF.
    listing = browser.get("/portal/tickets")
    hub_links = re.findall(r'href="(/portal/tickets/hub/\d+)"', listing.text)
    assert len(hub_links) == 2  # the opening balance and the top-up
    top_up = browser.get(hub_links[0])
    assert top_up.status_code == 200 and 'data-cents="2000"' in top_up.text
    assert "chèque" in top_up.text and "<pre" not in top_up.text
    assert browser.get(hub_links[0] + "/pdf").status_code == 404
    # In English, the detail's words follow.
    english = browser.get(f"/portal/langue/en?next=/portal/tickets/{till.terminal_id}/{plain.seq}")
    assert "Download the receipt (PDF)" in english.text and "Purchase" in english.text


def test_a_cancellation_links_to_the_ticket_it_reverses(
    site: str, browser: Browser, mailbox: Mailbox, open_till: TillFactory, admin: Admin
) -> None:
    admin.badge("nfc:04A1B2C3", "A1")
    till = open_till("T1")
    till.daemon.sync_once()
    sale = till.sell("nfc:04A1B2C3", 700)
    undo = till.engine.cancel(sale.seq, "C1", "plateau erroné")
    assert isinstance(undo, Accepted)
    till.daemon.sync_once()
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    page = browser.get(f"/portal/tickets/{till.terminal_id}/{undo.seq}")
    assert page.status_code == 200 and "Annulation" in page.text
    assert f'href="/portal/tickets/{till.terminal_id}/{sale.seq}"' in page.text
    assert "plateau erroné" in page.text and 'data-cents="700"' in page.text
    assert any(f"Annule le ticket {sale.seq:06d}" in line for line in receipt_on(page))


def test_tickets_page_through_every_line_and_refuse_a_page_out_of_range(
    site: str, browser: Browser, mailbox: Mailbox, enrol: EnrolFn
) -> None:
    till, client = enrol("S1")
    for i in range(45):
        till.sell("A1", 10 + i)
    client.push(till.entries)
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    seen: list[str] = []
    for page in (1, 2, 3):
        text = browser.get(f"/portal/tickets?page={page}").text
        assert f"Page {page} sur 3" in text
        seen += re.findall(r'href="(/portal/tickets/[^"]+)"', text)
    assert len(seen) == len(set(seen)) == 46  # 45 sales and the opening balance
    assert browser.get("/portal/tickets?page=4").text.count('href="/portal/tickets/') == 0
    assert browser.get("/portal/tickets?page=0").status_code == 422
    assert browser.get("/portal/tickets?page=x").status_code == 422
