"""Receipt wording: every amount line carries its VAT letter (formula, admission and
subsidy lines too), and the payment line says the account was debited (it is not
the balance)."""

from __future__ import annotations

import re

from kiosk.engine import Accepted, Engine
from kiosk.engine.trays import sell_tray
from sync.receipt.entry import receipt_for

from .test_receipt import MENU, SITE, euros, printed

AMOUNT = re.compile(r"-?\d[\d ]*,\d\d €")


def test_every_amount_line_names_its_vat_rate(engine: Engine) -> None:
    sale = sell_tray(engine, "nfc:04A1B2C3D4E5F6", ["salad", "steak", "tart", "beer"], menu=MENU)
    assert isinstance(sale, Accepted)
    entry = engine.store.entry(sale.seq)
    assert entry is not None
    data = receipt_for(entry, site_name=SITE)
    assert data.formula_lines and data.admission_fee and data.subsidy
    text, _ = printed(data)
    lines = text.splitlines()
    body = lines[lines.index(next(x for x in lines if x.startswith("-"))) + 1 :]
    body = body[: next(i for i, x in enumerate(body) if x.startswith("-"))]
    letters = {"A": "10 %", "B": "20 %"}
    for line in body:
        if AMOUNT.search(line):
            assert re.search(r"€ [AB]+$", line), line
    for letter, rate in letters.items():  # the breakdown names the same letters
        assert any(x.startswith(f"{letter} {rate}") for x in lines), (letter, text)
    start = next(i for i, x in enumerate(body) if "Formule complète" in x)
    formula = next(x for x in body[start:] if AMOUNT.search(x))  # the label may wrap
    assert formula.endswith("9,40 € A"), body
    assert any("Droit d'admission" in x and x.endswith("€ A") for x in body), body
    assert any("Prise en charge employeur" in x and x.endswith("€ A") for x in body), body


def test_the_payment_line_is_the_debit_not_the_balance(engine: Engine) -> None:
    sale = sell_tray(engine, "nfc:04A1B2C3D4E5F6", ["salad", "steak", "tart"], menu=MENU)
    assert isinstance(sale, Accepted)
    entry = engine.store.entry(sale.seq)
    assert entry is not None
    text, _ = printed(receipt_for(entry, site_name=SITE))
    debit = next(x for x in text.splitlines() if x.startswith("Débité du compte convive"))
    assert debit.rstrip().endswith(euros(sale.amount))
    assert "Solde convive" not in text
    balance = next(x for x in text.splitlines() if x.startswith("Nouveau solde"))
    assert euros(sale.balance_after) in balance
