"""The canteen receipt: ``ReceiptData`` (a plain model, amounts in integer cents)
and ``layout`` that turns it into a ``Document`` for 42 or 48 columns.

``sync.receipt.entry`` maps a journal entry onto ``ReceiptData``; nothing here knows
the engine or the printer.
VAT rates are in basis points (550 = 5,5 %). Every amount line carries the
letter of its VAT rate (A = lowest), formula, admission and subsidy lines too, as the
breakdown under the total names them. A reprint sets ``duplicate`` ("DUPLICATA" at
the top and bottom); training mode sets ``training`` ("FACTICE").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sync.money import Money
from sync.receipt.document import (
    Align,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    QrCode,
    Rule,
    Text,
    two_columns,
)


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    label: str
    qty: int
    unit: int
    total: int
    vat_rate: int


@dataclass(frozen=True, slots=True)
class AmountLine:
    """A labelled amount: a formula or a means of payment. A formula names the VAT
    rates its amount is split over (its items' rates); a payment names none."""

    label: str
    amount: int
    vat_rates: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class VatRow:
    rate: int
    base: int
    vat: int
    total: int


@dataclass(frozen=True, slots=True)
class ReceiptData:
    site_name: str
    terminal_id: str
    local_time: datetime
    ticket_number: str
    lines: tuple[ReceiptLine, ...]
    total: int
    vat_rows: tuple[VatRow, ...] = ()
    formula_lines: tuple[AmountLine, ...] = ()
    admission_fee: int = 0
    subsidy: int = 0  # what the employer pays, a positive amount shown as a deduction
    subsidy_label: str = "Prise en charge employeur"
    admission_vat_rate: int | None = None
    subsidy_vat_rates: tuple[int, ...] = ()
    payments: tuple[AmountLine, ...] = ()
    new_balance: int | None = None
    verification_id: str | None = None
    duplicate: bool = False
    duplicate_note: str = ""  # e.g. "n° 2 du ticket 000123", under DUPLICATA
    training: bool = False
    training_mark: str = "FACTICE"  # FORMATION for a ticket of training mode
    logo: Image | None = None
    footer: str = "Merci et bon appétit !"
    extra_lines: tuple[str, ...] = field(default=())


def money(cents: int) -> str:
    return Money(cents).format()


def rate_text(basis_points: int) -> str:
    whole, rest = divmod(basis_points, 100)
    return f"{whole},{rest:02d}".rstrip("0").rstrip(",") + " %"


def vat_codes(data: ReceiptData) -> dict[int, str]:
    """A letter per VAT rate (lowest rate = A), shared by the lines and the breakdown."""
    rates = {line.vat_rate for line in data.lines} | {row.rate for row in data.vat_rows}
    rates |= {rate for line in data.formula_lines for rate in line.vat_rates}
    rates |= set(data.subsidy_vat_rates)
    if data.admission_vat_rate is not None:
        rates.add(data.admission_vat_rate)
    return {rate: chr(ord("A") + i) for i, rate in enumerate(sorted(rates))}


def _lettered(amount: int, rates: tuple[int, ...], codes: dict[int, str]) -> str:
    """``"9,40 € A"``; an amount split over two rates shows both (``"AB"``)."""
    letters = "".join(sorted({codes[rate] for rate in rates}))
    return f"{money(amount)} {letters}" if letters else f"{money(amount)}  "


def layout(data: ReceiptData, columns: int = 48) -> Document:
    if columns not in (42, 48):
        raise ValueError("receipts are laid out for 42 or 48 columns")
    codes = vat_codes(data)
    blocks: list[Block] = []
    add = blocks.append

    def marks() -> None:
        if data.duplicate:
            add(Text("DUPLICATA", bold=True, width=2, height=2, align=Align.CENTER))
            if data.duplicate_note:
                add(Text(data.duplicate_note, bold=True, align=Align.CENTER))
        if data.training:
            add(Text(data.training_mark, bold=True, width=2, height=2, align=Align.CENTER))
            add(Text("Ticket sans valeur (formation)", align=Align.CENTER))

    if data.logo is not None:
        add(data.logo)
    add(Text(data.site_name, bold=True, height=2, align=Align.CENTER))
    marks()
    add(Columns(f"Terminal {data.terminal_id}", f"Ticket {data.ticket_number}"))
    add(Text(data.local_time.strftime("%d/%m/%Y %H:%M")))
    add(Rule())
    for line in data.lines:
        label = line.label if line.qty == 1 else f"{line.qty} x {line.label}"
        add(Columns(label, f"{money(line.total)} {codes[line.vat_rate]}"))
        if line.qty != 1:
            add(Text(f"  {line.qty} x {money(line.unit)}"))
    for adjustment in data.formula_lines:
        add(Columns(adjustment.label, _lettered(adjustment.amount, adjustment.vat_rates, codes)))
    if data.admission_fee:
        admission = () if data.admission_vat_rate is None else (data.admission_vat_rate,)
        add(Columns("Droit d'admission", _lettered(data.admission_fee, admission, codes)))
    if data.subsidy:
        add(Columns(data.subsidy_label, _lettered(-data.subsidy, data.subsidy_vat_rates, codes)))
    add(Rule())
    add(Text(two_columns("TOTAL", money(data.total), columns)[-1], bold=True, height=2))
    if data.vat_rows:
        add(Rule())
        add(Text(_vat_line("TVA", "HT", "TVA", "TTC", columns)))
        for row in data.vat_rows:
            head = f"{codes[row.rate]} {rate_text(row.rate)}"
            add(Text(_vat_line(head, money(row.base), money(row.vat), money(row.total), columns)))
    if data.payments:
        add(Rule())
        for payment in data.payments:
            add(Columns(payment.label, f"{money(payment.amount)}  "))
    if data.new_balance is not None:
        add(Columns("Nouveau solde", f"{money(data.new_balance)}  ", bold=True))
    for extra in data.extra_lines:
        add(Text(extra))
    if data.verification_id:
        add(Feed(1))
        add(QrCode(data.verification_id))
        add(Text(data.verification_id, align=Align.CENTER))
    if data.footer:
        add(Text(data.footer, align=Align.CENTER))
    marks()
    add(Cut())
    return Document(tuple(blocks))


def _vat_line(head: str, base: str, vat: str, total: str, columns: int) -> str:
    # head column, then three right-aligned amount columns sharing the rest
    amount = (columns - 10) // 3
    return head.ljust(10)[:10] + base.rjust(amount) + vat.rjust(amount) + total.rjust(amount)
