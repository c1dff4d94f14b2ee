"""The hub's subsidy mark of an account: the last subsidised sale, from any terminal.

The daily employer subsidy is granted at most once per diner and business day. A
terminal knows its own sales; the hub tells it of the others' through
``AccountRow.subsidy``, kept here as journals are applied: a sale whose ticket used the
subsidy sets the mark (its business day, terminal and sequence) unless the mark is of a
later day; the cancellation of that very sale clears it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sync.journal import Entry, EntryKind
from sync.protocol.rows import SubsidyMark


def follow(mark: SubsidyMark | None, entries: Iterable[Entry]) -> SubsidyMark | None:
    """The mark after ``entries`` (one account's, in each terminal's order)."""
    for entry in entries:
        payload = entry.payload
        if entry.kind == EntryKind.SALE:
            ticket = payload.get("ticket")
            day = payload.get("business_day")
            used = isinstance(ticket, Mapping) and ticket.get("subsidy_granted") is True
            if used and isinstance(day, str) and (mark is None or day >= mark.day):
                mark = SubsidyMark(day=day, terminal_id=entry.terminal_id, seq=entry.seq)
        elif (
            entry.kind == EntryKind.CANCEL
            and mark is not None
            and (entry.terminal_id, payload.get("cancels")) == (mark.terminal_id, mark.seq)
        ):
            mark = None
    return mark
