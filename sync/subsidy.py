"""The subsidy mark of an account: its last subsidised sale that was not cancelled.

Shared by the hub and the terminals, like the journal's canonical form.

The daily employer subsidy is granted at most once per diner and business day. A
terminal knows its own sales; the hub tells it of the others' through
``AccountRow.subsidy``, kept here as journals are applied: a sale whose ticket used the
subsidy sets the mark (its business day, terminal and sequence) unless the mark is of a
later day. A cancellation makes the hub work the mark out again from all the account's
entries: the latest subsidised sale that was not cancelled (two tills offline may both
have granted it the same day), or none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sync.journal import Entry, EntryKind, cancelled_ids
from sync.protocol.rows import SubsidyMark


def _subsidised_day(entry: Entry) -> str | None:
    """The business day of a sale whose ticket used the subsidy, else None."""
    if entry.kind != EntryKind.SALE:
        return None
    ticket = entry.payload.get("ticket")
    day = entry.payload.get("business_day")
    used = isinstance(ticket, Mapping) and ticket.get("subsidy_granted") is True
    return day if used and isinstance(day, str) else None


def follow(mark: SubsidyMark | None, sales: Iterable[Entry]) -> SubsidyMark | None:
    """The mark after new entries without cancellations (one account's, in order)."""
    for entry in sales:
        day = _subsidised_day(entry)
        if day is not None and (mark is None or day >= mark.day):
            mark = SubsidyMark(day=day, terminal_id=entry.terminal_id, seq=entry.seq)
    return mark


def mark_of(entries: Iterable[Entry]) -> SubsidyMark | None:
    """The mark from all of an account's entries (each terminal's in order)."""
    entries = list(entries)
    cancelled = cancelled_ids(entries)
    return follow(None, (e for e in entries if (e.terminal_id, e.seq) not in cancelled))


def has_cancellation(entries: Iterable[Entry]) -> bool:
    return any(e.kind == EntryKind.CANCEL for e in entries)
