"""Receipts built from signed entries, encoded to ESC/POS and read back."""

from __future__ import annotations

import io
import queue
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from drivers.printer.decode import decode
from drivers.printer.escpos import Encoder
from drivers.printer.preview import render_png
from drivers.printer.virtual import VirtualPrinter
from kiosk.engine import Accepted, Engine
from kiosk.engine.trays import sell_tray
from kiosk.service import TillService
from kiosk.sitefile import load_site_menu
from sync.money import Money
from sync.protocol.orders import order_code, spoken, terminal_origin
from sync.receipt.entry import receipt_for, verification_id
from sync.receipt.layout import layout

MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")
SITE = "Restaurant d'entreprise ACME"


def euros(amount: Money) -> str:
    """How the printer shows an amount (the code page has no no-break space)."""
    return amount.format().replace("\u00a0", " ").replace("\u202f", " ")


def printed(data: object) -> tuple[str, bytes]:
    raw = Encoder().encode(layout(data, 48))  # type: ignore[arg-type]
    return decode(raw).text(), raw


def test_tray_receipt_reads_back_with_vat_and_qr(engine: Engine) -> None:
    sale = sell_tray(engine, "nfc:04A1B2C3D4E5F6", ["salad", "steak", "tart", "beer"], menu=MENU)
    assert isinstance(sale, Accepted)
    entry = engine.store.entry(sale.seq)
    assert entry is not None
    data = receipt_for(entry, site_name=SITE)  # the balance after comes from the entry
    text, raw = printed(data)
    assert SITE in text and "Formule complète" in text and "boeuf, frites" in text
    assert "Prise en charge employeur" in text and "-3,00 €" in text
    assert "TOTAL" in text and euros(sale.amount) in text
    assert "20 %" in text and "10 %" in text  # beer at 20 %, the meal at 10 %
    assert f"Ticket {sale.seq:06d}" in text and "Nouveau solde" in text
    assert euros(sale.balance_after) in text and "DUPLICATA" not in text
    # The VAT rows add up to the total, to the cent.
    assert sum(row.total for row in data.vat_rows) == data.total == sale.amount.cents
    image = Image.open(io.BytesIO(render_png(raw)))
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes] == [verification_id(entry)]


def test_reprint_is_marked_duplicate_and_training_factice(engine: Engine) -> None:
    sale = engine.sell("nfc:04A1B2C3D4E5F6", Money(450))
    assert isinstance(sale, Accepted)
    entry = engine.store.entry(sale.seq)
    assert entry is not None
    first, _ = printed(receipt_for(entry, site_name=SITE))
    again, _ = printed(receipt_for(entry, site_name=SITE, duplicate=True, training=True))
    assert "DUPLICATA" not in first and again.count("DUPLICATA") == 2
    assert "FACTICE" in again and "4,50 €" in again


def test_top_up_and_cancellation_receipts(engine: Engine) -> None:
    top = engine.top_up("A1", Money(2000), "cash", "C1")
    sale = engine.sell("nfc:04A1B2C3D4E5F6", Money(700))
    assert isinstance(top, Accepted) and isinstance(sale, Accepted)
    undo = engine.cancel(sale.seq, "C1", "plateau erroné")
    assert isinstance(undo, Accepted)
    top_entry, undo_entry = engine.store.entry(top.seq), engine.store.entry(undo.seq)
    assert top_entry is not None and undo_entry is not None
    top_text, _ = printed(receipt_for(top_entry, site_name=SITE))
    assert "Rechargement du compte" in top_text and "Espèces" in top_text
    undo_text, _ = printed(receipt_for(undo_entry, site_name=SITE))
    assert f"Annule le ticket {sale.seq:06d}" in undo_text and "plateau erroné" in undo_text
    assert "-7,00 €" in undo_text


@pytest.fixture
def till(engine: Engine) -> Iterator[tuple[TillService, VirtualPrinter]]:
    printer = VirtualPrinter(None, queue.Queue())
    printer.start()
    try:
        yield TillService(engine, printer=printer, menu=MENU, site_name=SITE), printer
    finally:
        printer.close()


def test_a_receipt_printed_later_shows_the_balance_after_its_own_sale(
    engine: Engine, till: tuple[TillService, VirtualPrinter]
) -> None:
    service, printer = till
    first = engine.sell("nfc:04A1B2C3D4E5F6", Money(450))
    second = engine.sell("nfc:04A1B2C3D4E5F6", Money(300))
    assert isinstance(first, Accepted) and isinstance(second, Accepted)
    assert service.print_receipt(first.seq).ok
    text = decode(printer.jobs[-1]).text()
    assert f"Ticket {first.seq:06d}" in text and euros(first.balance_after) in text
    assert euros(second.balance_after) not in text
    # A sync lands: the hub applied both sales and an online top-up of 50 euros.
    hub_balance = second.balance_after.cents + 5000
    row = engine.store.account("A1")
    assert row is not None
    engine.store.apply_snapshot(
        accounts=[row.row.model_copy(update={"balance": hub_balance})],
        credentials=[],
        settings=None,
        applied_seq=second.seq,
        cursor=2,
    )
    assert engine.usable_balance("A1").cents == hub_balance
    assert service.print_receipt(first.seq, duplicate=True).ok
    again = decode(printer.jobs[-1]).text()
    assert "DUPLICATA" in again and euros(first.balance_after) in again
    # Every figure is the same sale's: only the DUPLICATA marks differ, numbered.
    mark = f"n° 1 du ticket {first.seq:06d}"
    assert mark in again
    assert again.replace("DUPLICATA", "").replace(mark, "").split() == text.split()
    assert service.print_receipt(first.seq, duplicate=True).ok
    assert f"n° 2 du ticket {first.seq:06d}" in decode(printer.jobs[-1]).text()
    reprints = [e for e in engine.store.journal_after(second.seq, 10) if e.kind == "duplicate"]
    assert [(e.payload["ticket"], e.payload["number"]) for e in reprints] == [
        (first.seq, 1),
        (first.seq, 2),
    ]
    entry = engine.store.entry(first.seq)
    assert entry is not None and entry.payload["balance_after"] == first.balance_after.cents


def test_top_up_and_cancellation_receipts_show_the_balance_after_them(
    engine: Engine, till: tuple[TillService, VirtualPrinter]
) -> None:
    service, printer = till
    top = engine.top_up("A1", Money(2000), "cash", "C1")
    sale = engine.sell("nfc:04A1B2C3D4E5F6", Money(700))
    assert isinstance(top, Accepted) and isinstance(sale, Accepted)
    undo = engine.cancel(sale.seq, "C1", "erreur")
    assert isinstance(undo, Accepted)
    for result in (top, undo):
        assert service.print_receipt(result.seq).ok
        text = decode(printer.jobs[-1]).text()
        assert "Nouveau solde" in text and euros(result.balance_after) in text


def test_an_orders_receipt_names_its_code_and_pickup(engine: Engine) -> None:
    till = TillService(engine, menu=MENU)
    # The tests' clock: Thursday 26/11/2026 12:30, before the packed lunch's 14:00 cut-off.
    order = till.order(
        "nfc:04A1B2C3D4E5F6", ["packed-lunch"], pickup_day=date(2026, 11, 27), slot="12:00-12:30"
    )
    assert isinstance(order, Accepted), order
    entry = engine.store.entry(order.seq)
    assert entry is not None
    text, _raw = printed(receipt_for(entry, site_name=SITE))
    code = spoken(order_code(terminal_origin(entry.terminal_id, entry.seq)))
    assert f"Commande {code}" in text and "Retrait le 27/11/2026, 12:00-12:30" in text
