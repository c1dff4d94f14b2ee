"""Closures that cannot be skipped: daily, monthly and yearly, each a signed entry.

- **Daily** (kind ``closure``): at the till's close by a cashier (``close_day``), or
  automatically once the business day is over and nobody closed it (``catch_up``,
  run at start, at every tick of the UI and before a cashier's closure). A daily
  closure covers the journal from the end of the previous one: every entry up to now
  for a cashier's closure, the entries of the days up to the one closed for an
  automatic one (one closure per business day with entries; a day without any entry
  has nothing to close).
- **Monthly** (``closure_month``): once a calendar month is over, the sum of the daily
  closures of its days. Every month from the terminal's first entry on gets one, an
  empty one when the till was off for the whole month, so that the monthly chain has
  no hole an auditor would have to explain.
- **Yearly** (``closure_year``): once a fiscal year is over (its first month is the
  site's ``fiscal_year_start_month``), the sum of its monthly closures.

A till that was off catches up on start: the days, then the months, then the fiscal
years it missed, in that order, each closure in its own ``BEGIN IMMEDIATE``
transaction that checks again that it is still missing (the sync daemon and the UI
may both call ``catch_up``).

Each closure holds the period's totals (``Totals``): counts of sales, cancellations,
duplicates and training tickets, net sales (sales minus cancellations), absolute
sales (sales plus cancellations in absolute value), top-ups, and amounts by VAT
rate and by means of payment; and the perpetual grand totals, net and absolute, at
its end: the previous daily closure's plus this period's, never reset. Training
tickets count only in ``training_count``; a sale's VAT split comes from its payload
(``vat``, written by the pricer); one without it counts under ``unknown``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kiosk.engine import store_closures as sql
from kiosk.engine.ledger import Engine
from kiosk.engine.store_tx import Tx
from sync.closure_totals import (
    CLOSURE_KINDS,
    SALE_KINDS,
    UNKNOWN_RATE,
    Totals,
    count,
)
from sync.journal import Entry, EntryKind
from sync.protocol.closure_payloads import (
    CLOSURE_MONTH,
    CLOSURE_YEAR,
    MonthClosurePayload,
    SummedClosures,
    YearClosurePayload,
)
from sync.protocol.payloads import ClosurePayload, parse_payload, read_payload

log = logging.getLogger(__name__)

_PAGE = 1000


@dataclass(slots=True)
class ClosureSummary(Totals):
    """What a daily closure records: its totals, the journal range it covers and the
    perpetual grand totals at its end."""

    business_day: str = ""
    first_seq: int = 0
    last_seq: int = 0
    grand_total: int = 0
    grand_total_abs: int = 0
    automatic: bool = False

    def payload(self, cashier: str) -> dict[str, Any]:
        return {
            "business_day": self.business_day,
            "cashier": cashier,
            "period": {"first_seq": self.first_seq, "last_seq": self.last_seq},
            **self.fields(),
            "grand_total": self.grand_total,
            "grand_total_abs": self.grand_total_abs,
            "automatic": self.automatic,
        }


# Daily closures ----------------------------------------------------------------------


def _one(db: Tx, seq: int) -> Entry | None:
    rows = sql.between(db, seq, seq)
    return rows[0] if rows else None


def _open_entries(db: Tx, since: int) -> Iterator[Entry]:
    """The entries after ``since``, closures left out (they close, they are not closed)."""
    after = since
    while batch := sql.after(db, after, _PAGE):
        for entry in batch:
            if entry.kind not in CLOSURE_KINDS:
                yield entry
        after = batch[-1].seq


def _previous_daily(db: Tx) -> ClosurePayload | None:
    last = sql.last_of(db, (EntryKind.CLOSURE,))
    return None if last is None else parse_payload(ClosurePayload, last.payload)


def summarise_day(engine: Engine, db: Tx, *, through_day: str | None = None) -> ClosureSummary:
    """The totals of the open period: the entries after the previous daily closure
    (those of days up to ``through_day`` when given), and the grand totals after it."""
    closed = _previous_daily(db)
    # Start where the previous period ended, not at the closure entry itself, so an
    # entry committed between that summary and its closure entry is never lost.
    since = closed.period.last_seq if closed is not None else 0
    summary = ClosureSummary(
        business_day=through_day or engine.business_day(),
        first_seq=since + 1,
        last_seq=since,
        grand_total=closed.grand_total if closed is not None else 0,
        grand_total_abs=(closed.grand_total_abs or 0) if closed is not None else 0,
    )
    for entry in _open_entries(db, since):
        if through_day is not None and str(entry.payload.get("business_day")) > through_day:
            break
        count(summary, entry, lambda seq: _one(db, seq))
        summary.last_seq = entry.seq
    summary.grand_total += summary.net_sales
    summary.grand_total_abs += summary.absolute_sales
    return summary


def preview_day(engine: Engine) -> ClosureSummary:
    """What a cashier's closure now would record (nothing is written)."""
    with engine.store.reading() as db:
        return summarise_day(engine, db)


def _oldest_open_day(db: Tx) -> str | None:
    """The business day of the first entry that no daily closure covers yet."""
    closed = _previous_daily(db)
    since = closed.period.last_seq if closed is not None else 0
    # The `day` column copies the signed payload's business day (verify checks it).
    return sql.first_day_after(db, since, sorted(CLOSURE_KINDS))


def close_day(engine: Engine, cashier: str) -> tuple[Entry, ClosureSummary]:
    """A cashier closes the till: the days left open before today are closed first
    (automatically), then everything up to now, in a signed daily closure."""
    catch_up(engine)
    with engine.store.atomic() as db:
        summary = summarise_day(engine, db)
        entry = engine.post(db, EntryKind.CLOSURE, None, 0, summary.payload(cashier))
    log.info("daily closure %s of %s by %s", entry.seq, summary.business_day, cashier)
    return entry, summary


def _close_past_day(engine: Engine, today: str) -> Entry | None:
    """The automatic closure of the oldest open day before ``today`` (None: none open)."""
    with engine.store.reading() as db:  # most calls find nothing: no write transaction
        day = _oldest_open_day(db)
    if day is None or day >= today:
        return None
    with engine.store.atomic() as db:
        day = _oldest_open_day(db)
        if day is None or day >= today:
            return None
        summary = summarise_day(engine, db, through_day=day)
        summary.automatic = True
        entry = engine.post(db, EntryKind.CLOSURE, None, 0, summary.payload(""))
    log.info("automatic daily closure %s of %s", entry.seq, day)
    return entry


# Months and fiscal years -----------------------------------------------------------------


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``."""
    first = date.fromisoformat(f"{month}-01")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _next_month(month: str) -> str:
    _, last = month_bounds(month)
    return (last + timedelta(days=1)).isoformat()[:7]


def fiscal_year_of(day: date, start_month: int) -> tuple[date, date]:
    """First and last day of the fiscal year holding ``day``."""
    year = day.year if day.month >= start_month else day.year - 1
    first = date(year, start_month, 1)
    return first, date(year + 1, start_month, 1) - timedelta(days=1)


def _summed(db: Tx, kind: str, first: date, last: date) -> tuple[Totals, list[Entry], int, int]:
    """The totals of the closures of ``kind`` within the days, those closures, and the
    grand totals (net, absolute) of the last daily closure up to ``last``."""
    closures = sql.of_kind_between(db, kind, first.isoformat(), last.isoformat())
    totals = Totals()
    for entry in closures:
        payload = read_payload(kind, entry.payload)
        assert isinstance(payload, ClosurePayload | SummedClosures)
        totals.merge(Totals.of_payload(payload))
    end = sql.last_of_kind_through(db, EntryKind.CLOSURE, last.isoformat())
    grand = None if end is None else parse_payload(ClosurePayload, end.payload)
    if grand is None:
        return totals, closures, 0, 0
    return totals, closures, grand.grand_total, grand.grand_total_abs or 0


def _summed_payload(
    totals: Totals, closures: list[Entry], first: date, last: date, grand: tuple[int, int]
) -> dict[str, Any]:
    return {
        "business_day": last.isoformat(),
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "closures": len(closures),
        "first_closure": closures[0].seq if closures else 0,
        "last_closure": closures[-1].seq if closures else 0,
        **totals.fields(),
        "grand_total": grand[0],
        "grand_total_abs": grand[1],
        "automatic": True,
    }


def _close_month(engine: Engine, month: str) -> Entry | None:
    """The monthly closure of ``month`` unless it exists (checked in the transaction)."""
    first, last = month_bounds(month)
    with engine.store.atomic() as db:
        if sql.of_kind_between(db, CLOSURE_MONTH, last.isoformat(), last.isoformat()):
            return None
        totals, closures, *grand = _summed(db, EntryKind.CLOSURE, first, last)
        payload = _summed_payload(totals, closures, first, last, (grand[0], grand[1]))
        entry = engine.post(db, CLOSURE_MONTH, None, 0, {**payload, "month": month})
    log.info("monthly closure %s of %s", entry.seq, month)
    return entry


def _close_year(engine: Engine, first: date, last: date) -> Entry | None:
    with engine.store.atomic() as db:
        if sql.of_kind_between(db, CLOSURE_YEAR, last.isoformat(), last.isoformat()):
            return None
        totals, closures, *grand = _summed(db, CLOSURE_MONTH, first, last)
        payload = _summed_payload(totals, closures, first, last, (grand[0], grand[1]))
        entry = engine.post(db, CLOSURE_YEAR, None, 0, {**payload, "year": first.year})
    log.info("yearly closure %s of %s .. %s", entry.seq, first, last)
    return entry


def catch_up(engine: Engine) -> list[Entry]:
    """Write every closure that is due and missing: the past days left open, then the
    months and fiscal years that are over. Returns the closures written (in order);
    quick when nothing is due (a few indexed reads)."""
    written: list[Entry] = []
    today = engine.business_day()
    while (entry := _close_past_day(engine, today)) is not None:
        written.append(entry)
    with engine.store.reading() as db:
        first_day = sql.first_day(db)
        last_month = sql.last_of(db, (CLOSURE_MONTH,))
        last_year = sql.last_of(db, (CLOSURE_YEAR,))
    if first_day is None:
        return written
    this_month = today[:7]
    # From the month after the last monthly closure (each is checked again when written).
    month = first_day[:7] if last_month is None else _next_month(last_month.payload["month"])
    while month < this_month:
        done = _close_month(engine, month)
        if done is not None:
            written.append(done)
        month = _next_month(month)
    start_month = engine.settings().fiscal_year_start_month
    since = first_day if last_year is None else str(last_year.payload["last_day"])
    first, last = fiscal_year_of(date.fromisoformat(since), start_month)
    while last.isoformat() < today:
        done = _close_year(engine, first, last)
        if done is not None:
            written.append(done)
        first, last = fiscal_year_of(last + timedelta(days=1), start_month)
    return written


def closures_of(engine: Engine, kind: str) -> list[Entry]:
    """Every closure of ``kind`` (``closure``, ``closure_month``, ``closure_year``)."""
    with engine.store.reading() as db:
        return sql.of_kind(db, kind)


__all__ = [
    "CLOSURE_KINDS",
    "SALE_KINDS",
    "UNKNOWN_RATE",
    "ClosureSummary",
    "MonthClosurePayload",
    "Totals",
    "YearClosurePayload",
    "catch_up",
    "close_day",
    "closures_of",
    "count",
    "fiscal_year_of",
    "month_bounds",
    "preview_day",
    "summarise_day",
]
