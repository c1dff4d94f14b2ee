"""Opening and closing the till: signed TILL_OPEN and CLOSURE entries.

A closure covers every entry since the previous closure (normally one business day)
and records, signed in the journal as NF525 asks: the totals by VAT rate and by means
of payment, the count of sales and of cancellations, the net sales of the period and
the perpetual grand total (previous closure's grand total + this period's net sales).

VAT: a sale's payload carries ``vat`` as ``{rate in basis points: cents incl. VAT}``
(written by the pricer); a sale without it is counted under ``"unknown"``. A
cancellation counts as the opposite of the entry it cancels. Every payload is read
through its kind's model (``sync.protocol.payloads``), and the closure is written
through ``ClosurePayload``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from kiosk.engine.ledger import Engine
from sync.journal import Entry, EntryKind
from sync.protocol.payloads import (
    CancelPayload,
    ClosurePayload,
    GuestMealPayload,
    SalePayload,
    TopUpPayload,
    parse_payload,
    read_payload,
)
from sync.protocol.payment_payloads import CardSalePayload

SALE_KINDS = frozenset({EntryKind.SALE, EntryKind.ORDER, EntryKind.GUEST_MEAL})
UNKNOWN_RATE = "unknown"


@dataclass(slots=True)
class ClosureSummary:
    """What a closure records (amounts in cents, sales positive)."""

    business_day: str
    first_seq: int
    last_seq: int
    sales_count: int = 0
    cancellations_count: int = 0
    net_sales: int = 0
    top_ups: int = 0
    by_vat: dict[str, int] = field(default_factory=dict)
    by_means: dict[str, int] = field(default_factory=dict)
    grand_total: int = 0

    def payload(self, cashier: str) -> dict[str, Any]:
        return {
            "cashier": cashier,
            "period": {"first_seq": self.first_seq, "last_seq": self.last_seq},
            "sales_count": self.sales_count,
            "cancellations_count": self.cancellations_count,
            "net_sales": self.net_sales,
            "top_ups": self.top_ups,
            "by_vat": dict(sorted(self.by_vat.items())),
            "by_means": dict(sorted(self.by_means.items())),
            "grand_total": self.grand_total,
        }


def _last_of(
    engine: Engine, kinds: Collection[EntryKind], *, uncancelled: bool = False
) -> Entry | None:
    """The latest entry of ``kinds`` (optionally one that no entry cancels)."""
    return engine.store.last_entry_of(kinds, uncancelled=uncancelled)


def last_closure(engine: Engine) -> Entry | None:
    return _last_of(engine, (EntryKind.CLOSURE,))


def till_is_open(engine: Engine) -> bool:
    """True when the latest of TILL_OPEN / CLOSURE is an opening."""
    last = _last_of(engine, (EntryKind.TILL_OPEN, EntryKind.CLOSURE))
    return last is not None and last.kind == EntryKind.TILL_OPEN


def open_till(engine: Engine, cashier: str, cash_float: int = 0) -> Entry:
    if cash_float < 0:
        raise ValueError("the cash float cannot be negative")
    return engine.record_event(EntryKind.TILL_OPEN, {"cashier": cashier, "cash_float": cash_float})


def _add(table: dict[str, int], key: str, cents: int) -> None:
    table[key] = table.get(key, 0) + cents


def _count_sale(summary: ClosureSummary, entry: Entry, sign: int) -> None:
    cents = -entry.amount * sign  # a sale's amount is negative on the account
    summary.net_sales += cents
    payload = read_payload(entry.kind, entry.payload)
    assert isinstance(payload, SalePayload | GuestMealPayload)
    _add(summary.by_means, payload.means, cents)
    if payload.vat:
        for rate, part in payload.vat.items():
            _add(summary.by_vat, rate, part * sign)
    else:
        _add(summary.by_vat, UNKNOWN_RATE, cents)


def _count_top_up(summary: ClosureSummary, entry: Entry, sign: int) -> None:
    cents = entry.amount * sign
    summary.top_ups += cents
    payload = parse_payload(TopUpPayload, entry.payload)
    # Payments through the virtual payment terminal (demo, tests) apart: no money moved.
    _add(summary.by_means, f"{payload.means}_test" if payload.test else payload.means, cents)


def _count_card_sale(summary: ClosureSummary, entry: Entry) -> None:
    """A visitor's tray paid by card: no account, the price in ``total``."""
    payload = parse_payload(CardSalePayload, entry.payload)
    summary.sales_count += 1
    summary.net_sales += payload.total
    _add(summary.by_means, "card_test" if payload.test else "card", payload.total)
    for rate, part in payload.vat.items():
        _add(summary.by_vat, rate, part)


def summarise(engine: Engine, *, since_seq: int | None = None) -> ClosureSummary:
    """Totals of the entries after ``since_seq`` (default: after the last closure)."""
    previous = last_closure(engine)
    closed = None if previous is None else parse_payload(ClosurePayload, previous.payload)
    if since_seq is None:
        # Start where the previous period ended, not at the closure entry itself, so a
        # sale committed between that summary and its closure entry is never lost.
        since_seq = closed.period.last_seq if closed is not None else 0
    grand = closed.grand_total if closed is not None else 0
    summary = ClosureSummary(engine.business_day(), since_seq + 1, since_seq)
    kinds: Counter[str] = Counter()
    after = since_seq
    while batch := engine.store.journal_after(after, 1000):
        for entry in batch:
            kinds[entry.kind] += 1
            if entry.kind in SALE_KINDS:
                summary.sales_count += 1
                _count_sale(summary, entry, 1)
            elif entry.kind == EntryKind.TOP_UP:
                _count_top_up(summary, entry, 1)
            elif entry.kind == EntryKind.CARD_SALE:
                _count_card_sale(summary, entry)
            elif entry.kind == EntryKind.CANCEL:
                summary.cancellations_count += 1
                cancels = parse_payload(CancelPayload, entry.payload).cancels
                original = engine.store.entry(cancels)
                if original is not None and original.kind in SALE_KINDS:
                    _count_sale(summary, original, -1)
                elif original is not None and original.kind == EntryKind.TOP_UP:
                    _count_top_up(summary, original, -1)
            summary.last_seq = entry.seq
        after = batch[-1].seq
    summary.grand_total = grand + summary.net_sales
    return summary


def close_till(engine: Engine, cashier: str) -> tuple[Entry, ClosureSummary]:
    """Write the signed CLOSURE entry of the period since the previous closure."""
    summary = summarise(engine)
    entry = engine.record_event(EntryKind.CLOSURE, summary.payload(cashier))
    return entry, summary


def last_sale(engine: Engine, *, uncancelled: bool = False) -> Entry | None:
    """This terminal's latest sale, order or guest meal (optionally not yet cancelled)."""
    return _last_of(engine, SALE_KINDS, uncancelled=uncancelled)
