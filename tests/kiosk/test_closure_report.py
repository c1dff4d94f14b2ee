"""The closure as a Z report and a CSV file, from its signed entry alone."""

from __future__ import annotations

import pytest

from kiosk.closure_report import NotAClosure, closure_csv, closure_receipt
from kiosk.engine import Accepted, Engine
from kiosk.engine.closure import close_till
from kiosk.service import TillService
from sync.money import Money
from sync.receipt.entry import MEANS_LABELS
from tests.kiosk.ui.conftest import ALICE, MENU


def test_a_closure_reads_as_a_report_and_a_csv(engine: Engine) -> None:
    sale = TillService(engine, menu=MENU).sell(ALICE, ["salad", "steak", "tart"])
    assert isinstance(sale, Accepted)
    topped = engine.top_up("A1", Money(1000), "cash", "K1")
    assert isinstance(topped, Accepted)
    entry, _summary = close_till(engine, "K1")
    report = closure_receipt(entry, site_name="ACME")
    assert report.extra_lines[0] == "CLÔTURE DU 26/11/2026"
    assert report.total == 740 and [row.total for row in report.vat_rows] == [740]
    assert [(p.label, p.amount) for p in report.payments] == [
        (MEANS_LABELS["balance"], 740),
        (MEANS_LABELS["cash"], 1000),
    ]
    lines = [line.replace("\u202f", "\u00a0") for line in report.extra_lines]
    assert "Rechargements : 10,00\u00a0€" in lines
    assert "Grand total perpétuel : 7,40\u00a0€" in lines
    assert "Grand total perpétuel absolu : 7,40\u00a0€" in lines
    text = closure_csv(entry)
    assert "ventes;10%;6,73;0,67;7,40\r\n" in text
    assert "encaissement cash;;;;10,00\r\n" in text and "sales_count;;;;1\r\n" in text
    with pytest.raises(NotAClosure, match="not a closure"):
        closure_csv(sale.entry)


def test_export_needs_a_folder_and_a_closure(engine: Engine) -> None:
    till = TillService(engine, menu=MENU)
    entry, _summary = close_till(engine, "K1")
    with pytest.raises(OSError, match="no export folder"):
        till.export_closure(entry.seq)
    with pytest.raises(LookupError, match="no closure 99"):
        till.export_closure(99)
