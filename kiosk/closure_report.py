"""Closures (daily, monthly, yearly: the Z report) as a printed ticket and as a CSV
file, both read from the signed closure entry alone, so that a reprint or a later
export gives the same figures.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from typing import Any

from kiosk.engine.pricing.vat import vat_included
from sync.journal import Entry, EntryKind
from sync.money import Money
from sync.protocol.catalogue import VatRate
from sync.receipt.entry import MEANS_LABELS, local_time, verification_id
from sync.receipt.layout import AmountLine, ReceiptData, ReceiptLine, VatRow

CLOSURE_KINDS = frozenset({EntryKind.CLOSURE, EntryKind.CLOSURE_MONTH, EntryKind.CLOSURE_YEAR})


class NotAClosure(ValueError):
    """The entry given is not a closure (daily, monthly or yearly)."""


def _payload(entry: Entry) -> Mapping[str, Any]:
    if entry.kind not in CLOSURE_KINDS:
        raise NotAClosure(f"entry {entry.seq} is a {entry.kind}, not a closure")
    return entry.payload


def _rates(payload: Mapping[str, Any]) -> list[tuple[int, int]]:
    """(rate in basis points, cents incl. VAT) of the rates the closure names."""
    return sorted(
        (int(rate), int(cents))
        for rate, cents in dict(payload.get("by_vat", {})).items()
        if str(rate).isdigit()
    )


def _day(payload: Mapping[str, Any]) -> str:
    day = str(payload.get("business_day", ""))
    try:
        return date.fromisoformat(day).strftime("%d/%m/%Y")
    except ValueError:
        return day


def closure_receipt(
    entry: Entry,
    *,
    site_name: str,
    timezone: str = "Europe/Paris",
    duplicate: bool = False,
    training: bool = False,
) -> ReceiptData:
    """The Z report of a CLOSURE entry: sales by VAT rate, payments by means, counts,
    the period's tickets and the perpetual grand total."""
    payload = _payload(entry)
    rates = _rates(payload)
    extra = summary_lines(entry)
    return ReceiptData(
        site_name=site_name,
        terminal_id=entry.terminal_id,
        local_time=local_time(entry, timezone),
        ticket_number=f"{entry.seq:06d}",
        lines=tuple(ReceiptLine("Ventes nettes", 1, cents, cents, rate) for rate, cents in rates),
        total=int(payload.get("net_sales", 0)),
        vat_rows=tuple(
            VatRow(rate, cents - (vat := vat_included(cents, VatRate(rate))), vat, cents)
            for rate, cents in rates
        ),
        payments=tuple(
            AmountLine(MEANS_LABELS.get(str(means), str(means)), int(cents))
            for means, cents in sorted(dict(payload.get("by_means", {})).items())
        ),
        verification_id=verification_id(entry),
        duplicate=duplicate,
        training=training,
        footer="",
        extra_lines=extra,
    )


def _title(entry: Entry) -> str:
    payload = entry.payload
    if entry.kind == EntryKind.CLOSURE_MONTH:
        month = str(payload.get("month", ""))
        return f"CLÔTURE MENSUELLE {month[5:]}/{month[:4]}"
    if entry.kind == EntryKind.CLOSURE_YEAR:
        first = _day({"business_day": payload.get("first_day", "")})
        last = _day({"business_day": payload.get("last_day", "")})
        return f"CLÔTURE ANNUELLE (exercice du {first} au {last})"
    return f"CLÔTURE DU {_day(payload)}"


def summary_lines(entry: Entry) -> tuple[str, ...]:
    """The Z report's lines after its title: counts, totals, grand totals, who."""
    payload = _payload(entry)
    money = Money.format

    def cents(name: str) -> str:
        return money(Money(int(payload.get(name, 0) or 0)))

    def number(name: str) -> int:
        return int(payload.get(name, 0) or 0)

    lines = [
        _title(entry),
        f"Ventes : {number('sales_count')}",
        f"Annulations : {number('cancellations_count')}",
        f"Rechargements : {cents('top_ups')}",
        f"Duplicatas : {number('duplicates_count')}",
        f"Tickets de formation (hors totaux) : {number('training_count')}",
    ]
    if entry.kind == EntryKind.CLOSURE:
        period = dict(payload.get("period", {}))
        first, last = int(period.get("first_seq", 0)), int(period.get("last_seq", 0))
        lines.append(f"Tickets {first:06d} à {last:06d}")
    else:
        lines.append(
            f"Clôtures : {number('closures')} "
            f"({number('first_closure'):06d} à {number('last_closure'):06d})"
        )
    lines += [
        f"Total net de la période : {cents('net_sales')}",
        f"Total absolu de la période : {cents('absolute_sales')}",
        f"Grand total perpétuel : {cents('grand_total')}",
        f"Grand total perpétuel absolu : {cents('grand_total_abs')}",
    ]
    if payload.get("automatic"):
        lines.append("Clôture automatique (fin de période)")
    if payload.get("cashier"):
        lines.append(f"Caissier : {payload['cashier']}")
    return tuple(lines)


def closure_csv(entry: Entry) -> str:
    """The closure as CSV for the accountant (``;``-separated, amounts in euros with a
    decimal comma, as French spreadsheets read them)."""
    payload = _payload(entry)

    def euros(cents: int) -> str:
        sign = "-" if cents < 0 else ""
        whole, rest = divmod(abs(cents), 100)
        return f"{sign}{whole},{rest:02d}"

    out = io.StringIO()
    rows = csv.writer(out, delimiter=";", lineterminator="\r\n")
    period = dict(payload.get("period", {}))
    rows.writerow(["rubrique", "taux", "HT", "TVA", "TTC"])
    for rate, cents in _rates(payload):
        vat = vat_included(cents, VatRate(rate))
        rows.writerow(["ventes", f"{rate / 100:g}%", euros(cents - vat), euros(vat), euros(cents)])
    for means, cents in sorted(dict(payload.get("by_means", {})).items()):
        rows.writerow([f"encaissement {means}", "", "", "", euros(int(cents))])
    for key in ("net_sales", "absolute_sales", "top_ups", "grand_total", "grand_total_abs"):
        rows.writerow([key, "", "", "", euros(int(payload.get(key, 0) or 0))])
    for key in ("sales_count", "cancellations_count", "duplicates_count", "training_count"):
        rows.writerow([key, "", "", "", int(payload.get(key, 0) or 0)])
    rows.writerow(["business_day", "", "", "", payload.get("business_day", "")])
    rows.writerow(["first_seq", "", "", "", period.get("first_seq", "")])
    rows.writerow(["last_seq", "", "", "", period.get("last_seq", "")])
    rows.writerow(["terminal", "", "", "", entry.terminal_id])
    rows.writerow(["verification", "", "", "", verification_id(entry)])
    return out.getvalue()
