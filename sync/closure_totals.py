"""A closure's figures from journal entries, pure, shared by the terminal that writes
closures (``kiosk.engine.closures_periodic``) and whoever checks them from an archive
(``sync.archive``): both count alike.

A period's ``Totals``: counts of sales, cancellations, duplicates and training
tickets; net sales (sales minus cancellations), absolute sales (sales plus
cancellations in absolute value), top-ups, and amounts by VAT rate (a sale's
``vat`` payload, ``unknown`` without it) and by means of payment. A cancellation
counts as the opposite of the entry it cancels; training tickets count only in
``training_count``; technical entries and closures count in nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.journal import Entry, EntryKind
from sync.protocol.closure_payloads import SummedClosures
from sync.protocol.payloads import (
    CancelPayload,
    ClosurePayload,
    GuestMealPayload,
    PayloadError,
    SalePayload,
    TopUpPayload,
    parse_payload,
    read_payload,
)
from sync.protocol.payment_payloads import CardSalePayload

SALE_KINDS = frozenset({EntryKind.SALE, EntryKind.ORDER, EntryKind.GUEST_MEAL})
CLOSURE_KINDS = frozenset({EntryKind.CLOSURE, EntryKind.CLOSURE_MONTH, EntryKind.CLOSURE_YEAR})
UNKNOWN_RATE = "unknown"
Lookup = Callable[[int], Entry | None]


def _add(table: dict[str, int], key: str, cents: int) -> None:
    table[key] = table.get(key, 0) + cents


@dataclass(slots=True)
class Totals:
    """A period's figures (cents; sales positive)."""

    sales_count: int = 0
    cancellations_count: int = 0
    duplicates_count: int = 0
    training_count: int = 0
    net_sales: int = 0
    absolute_sales: int = 0
    top_ups: int = 0
    by_vat: dict[str, int] = field(default_factory=dict)
    by_means: dict[str, int] = field(default_factory=dict)

    def merge(self, other: Totals) -> None:
        """Add ``other``'s figures to these (a month adds up its days)."""
        self.sales_count += other.sales_count
        self.cancellations_count += other.cancellations_count
        self.duplicates_count += other.duplicates_count
        self.training_count += other.training_count
        self.net_sales += other.net_sales
        self.absolute_sales += other.absolute_sales
        self.top_ups += other.top_ups
        for rate, cents in other.by_vat.items():
            _add(self.by_vat, rate, cents)
        for means, cents in other.by_means.items():
            _add(self.by_means, means, cents)

    def fields(self) -> dict[str, Any]:
        return {
            "sales_count": self.sales_count,
            "cancellations_count": self.cancellations_count,
            "duplicates_count": self.duplicates_count,
            "training_count": self.training_count,
            "net_sales": self.net_sales,
            "absolute_sales": self.absolute_sales,
            "top_ups": self.top_ups,
            "by_vat": dict(sorted(self.by_vat.items())),
            "by_means": dict(sorted(self.by_means.items())),
        }

    @classmethod
    def of_payload(cls, payload: ClosurePayload | SummedClosures) -> Totals:
        return cls(
            sales_count=payload.sales_count,
            cancellations_count=payload.cancellations_count,
            duplicates_count=payload.duplicates_count or 0,
            training_count=payload.training_count or 0,
            net_sales=payload.net_sales,
            absolute_sales=payload.absolute_sales or 0,
            top_ups=payload.top_ups,
            by_vat=dict(payload.by_vat),
            by_means=dict(payload.by_means),
        )


# Counting entries ----------------------------------------------------------------------


def _count_sale(totals: Totals, entry: Entry, sign: int) -> None:
    cents = -entry.amount  # a sale's amount is negative on the account
    totals.net_sales += cents * sign
    totals.absolute_sales += abs(cents)
    payload = read_payload(entry.kind, entry.payload)
    assert isinstance(payload, SalePayload | GuestMealPayload)
    _add(totals.by_means, payload.means, cents * sign)
    if payload.vat:
        for rate, part in payload.vat.items():
            _add(totals.by_vat, rate, part * sign)
    else:
        _add(totals.by_vat, UNKNOWN_RATE, cents * sign)


def _count_top_up(totals: Totals, entry: Entry, sign: int) -> None:
    cents = entry.amount * sign
    totals.top_ups += cents
    payload = parse_payload(TopUpPayload, entry.payload)
    # Payments through the virtual payment terminal (demo, tests) apart: no money moved.
    _add(totals.by_means, f"{payload.means}_test" if payload.test else payload.means, cents)


def _count_card_sale(totals: Totals, entry: Entry) -> None:
    """A visitor's tray paid by card: no account, the price in ``total``."""
    payload = parse_payload(CardSalePayload, entry.payload)
    totals.sales_count += 1
    totals.net_sales += payload.total
    totals.absolute_sales += abs(payload.total)
    _add(totals.by_means, "card_test" if payload.test else "card", payload.total)
    for rate, part in payload.vat.items():
        _add(totals.by_vat, rate, part)


def count(totals: Totals, entry: Entry, original: Lookup) -> None:
    """Add one entry to a period's totals (a cancellation counts as the opposite of
    the entry it cancels, found by ``original``)."""
    kind = entry.kind
    if kind in SALE_KINDS:
        totals.sales_count += 1
        _count_sale(totals, entry, 1)
    elif kind == EntryKind.TOP_UP:
        _count_top_up(totals, entry, 1)
    elif kind == EntryKind.CARD_SALE:
        _count_card_sale(totals, entry)
    elif kind == EntryKind.CANCEL:
        totals.cancellations_count += 1
        cancels = parse_payload(CancelPayload, entry.payload).cancels
        cancelled = original(cancels)
        if cancelled is not None and cancelled.kind in SALE_KINDS:
            _count_sale(totals, cancelled, -1)
        elif cancelled is not None and cancelled.kind == EntryKind.TOP_UP:
            _count_top_up(totals, cancelled, -1)
    elif kind == EntryKind.DUPLICATE:
        totals.duplicates_count += 1
    elif kind == EntryKind.TRAINING_SALE:
        totals.training_count += 1


_COMPARED = (
    "sales_count",
    "cancellations_count",
    "duplicates_count",
    "training_count",
    "net_sales",
    "absolute_sales",
    "top_ups",
    "by_vat",
    "by_means",
)


def _differs(recorded: Totals, recounted: Totals) -> str | None:
    mine, theirs = recorded.fields(), recounted.fields()
    for name in _COMPARED:
        if mine[name] != theirs[name]:
            return f"{name} is {mine[name]} but its entries add up to {theirs[name]}"
    return None


def closure_mismatch(
    closure: Entry, entries: Mapping[int, Entry], previous: Entry | None
) -> str | None:
    """Why a closure disagrees with the entries it sums (when ``entries`` holds them
    all) or with ``previous`` (the closure of the same level before it): its grand
    totals must be the previous ones plus its period's. None: it agrees."""
    try:
        payload = read_payload(closure.kind, closure.payload)
        assert isinstance(payload, ClosurePayload | SummedClosures)
        recorded = Totals.of_payload(payload)
        recounted = _recount(closure, payload, entries)
    except PayloadError as exc:
        return f"cannot be read: {exc}"
    if recounted is not None:
        problem = _differs(recorded, recounted)
        if problem is not None:
            return problem
    if previous is not None:
        before = read_payload(previous.kind, previous.payload)
        assert isinstance(before, ClosurePayload | SummedClosures)
        if payload.grand_total != before.grand_total + payload.net_sales:
            return (
                f"grand total {payload.grand_total} is not the previous one "
                f"({before.grand_total}) plus the period's {payload.net_sales}"
            )
        absolute = (payload.grand_total_abs, before.grand_total_abs)
        if None not in absolute and payload.grand_total_abs != (before.grand_total_abs or 0) + (
            payload.absolute_sales or 0
        ):
            return "absolute grand total is not the previous one plus the period's"
    return None


def _recount(
    closure: Entry, payload: ClosurePayload | SummedClosures, entries: Mapping[int, Entry]
) -> Totals | None:
    """The totals recounted from ``entries``, or None when some are not there."""
    totals = Totals()
    if isinstance(payload, ClosurePayload):
        seqs = range(payload.period.first_seq, payload.period.last_seq + 1)
        if not all(seq in entries for seq in seqs):
            return None
        for seq in seqs:
            entry = entries[seq]
            if entry.kind in CLOSURE_KINDS:
                continue
            if (
                entry.kind == EntryKind.CANCEL
                and entries.get(int(entry.payload.get("cancels", 0))) is None
            ):
                return None  # it cancels an entry of an earlier archive
            count(totals, entry, entries.get)
        return totals
    below = (
        EntryKind.CLOSURE if closure.kind == EntryKind.CLOSURE_MONTH else EntryKind.CLOSURE_MONTH
    )
    summed = [
        e
        for e in entries.values()
        if e.kind == below
        and payload.first_day <= str(e.payload.get("business_day")) <= payload.last_day
    ]
    if len(summed) != payload.closures:
        return None
    for entry in summed:
        part = read_payload(entry.kind, entry.payload)
        assert isinstance(part, ClosurePayload | SummedClosures)
        totals.merge(Totals.of_payload(part))
    return totals
