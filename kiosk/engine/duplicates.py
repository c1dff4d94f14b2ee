"""Reprints as journal entries: every duplicate of a ticket is a signed ``duplicate``
entry, numbered per ticket (DUPLICATA n° k of ticket X), written before it prints.

The number comes from the ``duplicates`` index (migration ``0012_closures``), written
in the transaction of its entry, whose unique (ticket, number) pair makes two
reprints with one number impossible.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.engine import store_closures as sql
from kiosk.engine.ledger import Engine
from sync.journal import Entry, EntryKind

# What can be printed again: tickets of money moved, training tickets and closures.
REPRINTABLE = frozenset(
    {
        EntryKind.SALE,
        EntryKind.ORDER,
        EntryKind.GUEST_MEAL,
        EntryKind.TOP_UP,
        EntryKind.CANCEL,
        EntryKind.CARD_SALE,
        EntryKind.TRAINING_SALE,
        EntryKind.CLOSURE,
        EntryKind.CLOSURE_MONTH,
        EntryKind.CLOSURE_YEAR,
    }
)


class NotReprintable(ValueError):
    """No such ticket, or an entry that has no ticket to print again."""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A reprint recorded: its entry, the ticket it reprints and its number."""

    entry: Entry
    ticket: Entry
    number: int

    @property
    def mark(self) -> str:
        """The line printed under DUPLICATA."""
        return f"n° {self.number} du ticket {self.ticket.seq:06d}"


def record(engine: Engine, ticket_seq: int, cashier: str | None = None) -> Duplicate:
    """Journal the next reprint of ticket ``ticket_seq`` (committed before printing)."""
    with engine.store.atomic() as db:
        found = sql.between(db, ticket_seq, ticket_seq)
        if not found:
            raise NotReprintable(f"no ticket {ticket_seq}")
        ticket = found[0]
        if ticket.kind not in REPRINTABLE:
            raise NotReprintable(f"entry {ticket_seq} is a {ticket.kind}: it has no ticket")
        number = sql.duplicates_of(db, ticket_seq) + 1
        payload: dict[str, object] = {
            "ticket": ticket_seq,
            "number": number,
            "ticket_kind": ticket.kind,
        }
        if cashier:
            payload["cashier"] = cashier
        entry = engine.post(db, EntryKind.DUPLICATE, None, 0, payload)
        sql.add_duplicate(db, ticket_seq, number, entry.seq)
    return Duplicate(entry, ticket, number)


def count(engine: Engine, ticket_seq: int) -> int:
    """How many times ticket ``ticket_seq`` was reprinted."""
    with engine.store.reading() as db:
        return sql.duplicates_of(db, ticket_seq)
