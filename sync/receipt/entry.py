"""From a journal entry to the printer's ``ReceiptData``.

Receipts are always built from the signed entry (never from what the screen showed,
nor from the account as it is at print time), so a reprint is byte for byte the same
sale, marked DUPLICATA: every figure, the balance after the sale included
(``balance_after`` of the payload, ``sync.protocol.payloads``), comes from the entry,
read through its kind's payload model. The QR code carries
the entry's verification id: terminal id, sequence and the first 16 hex digits of
its hash, enough for the back office to find and check the entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sync.journal import Entry, EntryKind, parse_ts
from sync.money import vat_included
from sync.protocol.catalogue import VatRate
from sync.protocol.closure_payloads import TrainingSalePayload
from sync.protocol.orders import order_code, spoken, terminal_origin
from sync.protocol.payloads import (
    CancelPayload,
    GuestMealPayload,
    OrderPayload,
    SalePayload,
    TopUpPayload,
    read_payload,
)
from sync.protocol.payment_payloads import CardSalePayload
from sync.protocol.ticket import PricedTicket
from sync.receipt.layout import AmountLine, ReceiptData, ReceiptLine, VatRow

MEANS_LABELS = {
    # what was paid and how: the balance line is the amount taken from the account,
    # not the balance (that is "Nouveau solde" below it)
    "balance": "Débité du compte convive",
    "cash": "Espèces",
    "card": "Carte bancaire",
    "cheque": "Chèque",
    "voucher": "Titre-restaurant",
    "online": "Paiement en ligne",
}
KIND_LABELS = {
    EntryKind.SALE: "Repas",
    EntryKind.ORDER: "Commande",
    EntryKind.GUEST_MEAL: "Repas invité",
    EntryKind.TOP_UP: "Rechargement du compte",
    EntryKind.CANCEL: "Annulation",
}
DEFAULT_VAT = 1000  # a plain amount with no ticket: meals on site


def verification_id(entry: Entry) -> str:
    return f"{entry.terminal_id}:{entry.seq}:{entry.hash[:16]}"


def local_time(entry: Entry, timezone: str) -> datetime:
    return parse_ts(entry.ts).astimezone(ZoneInfo(timezone))


def _ticket_lines(ticket: PricedTicket) -> tuple[list[ReceiptLine], list[AmountLine]]:
    lines = [
        ReceiptLine(line.label.fr, line.quantity, line.unit_price, line.total, int(line.vat_rate))
        for line in ticket.lines
    ]
    formulas = []
    for formula in ticket.formulas:
        parts = ", ".join(part.label.fr for part in formula.parts)
        label = (
            formula.label.fr
            if formula.quantity == 1
            else f"{formula.quantity} x {formula.label.fr}"
        )
        rates = tuple(int(part.rate) for part in formula.by_rate)
        formulas.append(AmountLine(f"{label} ({parts})", formula.total, rates))
    return lines, formulas


def receipt_for(
    entry: Entry,
    *,
    site_name: str,
    timezone: str = "Europe/Paris",
    duplicate: bool = False,
    training: bool = False,
) -> ReceiptData:
    """The receipt of a sale, order, guest meal, top-up or cancellation entry.

    Raises PayloadError (a ValueError) when the entry's payload does not fit its kind."""
    kind = EntryKind(entry.kind)
    payload = read_payload(kind, entry.payload)
    if isinstance(payload, TrainingSalePayload):
        return _training_receipt(entry, payload, site_name, timezone, duplicate)
    if not isinstance(
        payload, SalePayload | GuestMealPayload | TopUpPayload | CancelPayload | CardSalePayload
    ):
        raise ValueError(f"a {kind} entry has no receipt")
    card_lines: tuple[str, ...] = ()
    if isinstance(payload, TopUpPayload | CardSalePayload):
        card_lines = tuple(payload.card_ticket or ())
        training = training or bool(payload.test)  # the virtual payment terminal: FACTICE
    ticket = getattr(payload, "ticket", None)
    amount = abs(entry.amount)
    common: dict[str, Any] = {
        "site_name": site_name,
        "terminal_id": entry.terminal_id,
        "local_time": local_time(entry, timezone),
        "ticket_number": f"{entry.seq:06d}",
        "new_balance": getattr(payload, "balance_after", None),
        "verification_id": verification_id(entry),
        "duplicate": duplicate,
        "training": training,
    }
    means_id = "balance" if isinstance(payload, CancelPayload) else payload.means
    means = MEANS_LABELS.get(means_id, means_id)
    if isinstance(payload, OrderPayload):  # the order's code and pickup, for the counter
        code = order_code(terminal_origin(entry.terminal_id, entry.seq))
        card_lines = (f"Commande {spoken(code)}", *_pickup_lines(payload), *card_lines)
    if ticket is not None:
        lines, formulas = _ticket_lines(ticket)
        return ReceiptData(
            lines=tuple(lines),
            formula_lines=tuple(formulas),
            admission_fee=ticket.admission.amount if ticket.admission else 0,
            subsidy=-ticket.subsidy.amount if ticket.subsidy else 0,
            admission_vat_rate=int(ticket.admission.vat_rate) if ticket.admission else None,
            subsidy_vat_rates=tuple(int(p.rate) for p in ticket.subsidy.by_rate)
            if ticket.subsidy
            else (),
            total=ticket.total,
            vat_rows=tuple(
                VatRow(int(row.rate), row.base, row.vat, row.total) for row in ticket.vat
            ),
            payments=(AmountLine(means, ticket.total),),
            extra_lines=card_lines,
            **common,
        )
    label = KIND_LABELS.get(kind, kind.value)
    extra: tuple[str, ...] = ()
    if isinstance(payload, CancelPayload):
        extra = (f"Annule le ticket {payload.cancels:06d}",)
        if payload.reason:
            extra += (f"Motif : {payload.reason}",)
    if kind is EntryKind.TOP_UP:
        return ReceiptData(
            lines=(ReceiptLine(label, 1, amount, amount, 0),),
            total=amount,
            payments=(AmountLine(means, amount),),
            extra_lines=extra + card_lines,
            **common,
        )
    signed = -amount if kind is EntryKind.CANCEL else amount  # a cancellation refunds
    vat = vat_included(signed, VatRate(DEFAULT_VAT))
    return ReceiptData(
        lines=(ReceiptLine(label, 1, signed, signed, DEFAULT_VAT),),
        total=signed,
        vat_rows=(VatRow(DEFAULT_VAT, signed - vat, vat, signed),),
        payments=(AmountLine(means, signed),),
        extra_lines=extra,
        **common,
    )


def _pickup_lines(payload: OrderPayload) -> tuple[str, ...]:
    if payload.pickup_day is None:
        return ()
    day = payload.pickup_day
    shown = f"{day[8:10]}/{day[5:7]}/{day[:4]}"
    return (f"Retrait le {shown}" + (f", {payload.slot}" if payload.slot else ""),)


def _training_receipt(
    entry: Entry, payload: TrainingSalePayload, site_name: str, timezone: str, duplicate: bool
) -> ReceiptData:
    """A ticket of training mode: the tray as it would have been sold, FORMATION, no
    payment and no balance (nobody was charged)."""
    lines: list[ReceiptLine] = []
    formulas: list[AmountLine] = []
    vat_rows: tuple[VatRow, ...] = ()
    ticket = payload.ticket
    if ticket is not None:
        lines, formulas = _ticket_lines(ticket)
        vat_rows = tuple(VatRow(int(row.rate), row.base, row.vat, row.total) for row in ticket.vat)
    return ReceiptData(
        site_name=site_name,
        terminal_id=entry.terminal_id,
        local_time=local_time(entry, timezone),
        ticket_number=f"{entry.seq:06d}",
        lines=tuple(lines),
        formula_lines=tuple(formulas),
        admission_fee=ticket.admission.amount if ticket and ticket.admission else 0,
        subsidy=-ticket.subsidy.amount if ticket and ticket.subsidy else 0,
        admission_vat_rate=int(ticket.admission.vat_rate) if ticket and ticket.admission else None,
        subsidy_vat_rates=tuple(int(p.rate) for p in ticket.subsidy.by_rate)
        if ticket and ticket.subsidy
        else (),
        total=payload.total,
        vat_rows=vat_rows,
        payments=(AmountLine("Non encaissé (formation)", payload.total),),
        verification_id=verification_id(entry),
        duplicate=duplicate,
        training=True,
        training_mark="FORMATION",
        extra_lines=("Mode formation : hors de tout total",),
    )
