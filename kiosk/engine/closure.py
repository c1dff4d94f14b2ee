"""Opening and closing the till: signed TILL_OPEN and CLOSURE entries.

The daily closure itself, and the monthly and yearly ones that sum it, live in
``kiosk.engine.closures_periodic``; ``close_till`` and ``summarise`` are the till's
names for its cashier's closure and its preview.
"""

from __future__ import annotations

from collections.abc import Collection

from kiosk.engine.closures_periodic import (
    SALE_KINDS,
    UNKNOWN_RATE,
    ClosureSummary,
    close_day,
    preview_day,
)
from kiosk.engine.ledger import Engine
from sync.journal import Entry, EntryKind

__all__ = ["SALE_KINDS", "UNKNOWN_RATE", "ClosureSummary", "close_till", "summarise"]


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


def summarise(engine: Engine) -> ClosureSummary:
    """Totals of the entries after the last daily closure (nothing is written)."""
    return preview_day(engine)


def close_till(engine: Engine, cashier: str) -> tuple[Entry, ClosureSummary]:
    """Write the signed daily closure of the period since the previous closure (the
    past days left open are closed first: ``kiosk.engine.closures_periodic``)."""
    return close_day(engine, cashier)


def last_sale(engine: Engine, *, uncancelled: bool = False) -> Entry | None:
    """This terminal's latest sale, order or guest meal (optionally not yet cancelled)."""
    return _last_of(engine, SALE_KINDS, uncancelled=uncancelled)
