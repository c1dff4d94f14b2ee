"""A ticket of the diner's history in detail: what the signed entry says (items,
formulas, admission, subsidy, VAT by rate, means of payment, balance after) and its
receipt as the till prints it, marked DUPLICATA (``sync.receipt``), read through the
entry's payload model. A movement made on the hub (opening balance, online top-up,
adjustment) has its detail but no till receipt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from sync.journal import Entry, EntryKind
from sync.protocol.payloads import (
    CancelPayload,
    GuestMealPayload,
    PayloadError,
    SaleFields,
    TopUpPayload,
    read_payload,
)
from sync.protocol.ticket import PricedTicket
from sync.receipt.entry import receipt_for
from sync.receipt.layout import layout
from sync.receipt.text import PaperLine, paper_lines
from sync.server.portal.pages_store import PagesStore
from sync.server.portal.service import Portal, Session

log = logging.getLogger(__name__)

COLUMNS = 48  # the till's printer profile's default
HUB = "hub"  # the source of a movement made on the hub
PORTAL_COPY = "Copie du portail convive"  # under DUPLICATA, where a till prints its number


@dataclass(frozen=True, slots=True)
class Ticket:
    """One entry of the account, in detail. ``ticket`` is the priced tray when the
    entry carries one; ``receipt`` the printed lines when the entry has a receipt."""

    source: str  # terminal id, or "hub"
    ref: int  # sequence number, or the hub movement's id
    ts: str
    kind: str
    amount: int
    ticket: PricedTicket | None = None
    items: tuple[str, ...] = ()  # item ids of a tray sold without a priced ticket
    means: str | None = None
    balance_after: int | None = None
    cancels: int | None = None  # the ticket number a cancellation reverses
    reason: str = ""  # a cancellation's reason, a hub movement's note
    visit_id: str | None = None
    guests: int | None = None
    receipt: tuple[PaperLine, ...] = field(default=())

    @property
    def number(self) -> str:
        return f"{self.ref:06d}"


def _fields(entry: Entry) -> dict[str, Any]:
    """The detail that the entry's payload model gives; nothing for a payload that
    does not fit (an entry the hub kept from before payloads were checked)."""
    try:
        payload = read_payload(EntryKind(entry.kind), entry.payload)
    except (PayloadError, ValueError):
        return {}
    found: dict[str, Any] = {}
    if isinstance(payload, SaleFields):
        found.update(
            ticket=payload.ticket,
            items=tuple(payload.items or ()),
            means=payload.means,
            balance_after=payload.balance_after,
        )
    if isinstance(payload, GuestMealPayload):
        found.update(visit_id=payload.visit_id, guests=payload.guests)
    if isinstance(payload, TopUpPayload):
        found.update(means=payload.means, balance_after=payload.balance_after)
    if isinstance(payload, CancelPayload):
        found.update(
            cancels=payload.cancels, reason=payload.reason, balance_after=payload.balance_after
        )
    means = getattr(payload, "means", None)
    if isinstance(means, str):
        found["means"] = means
    return found


def receipt_lines(entry: Entry, site_name: str, timezone: str) -> tuple[PaperLine, ...]:
    """The entry's receipt as the till prints a reprint of it; empty if it has none."""
    try:
        data = receipt_for(entry, site_name=site_name, timezone=timezone, duplicate=True)
    except ValueError:  # a kind without a receipt, or a payload that does not fit it
        return ()
    # A till numbers its reprints in its own journal ("n° 2 du ticket ..."); the hub
    # writes in no till's journal, so its copy says where it comes from instead.
    data = replace(data, duplicate_note=PORTAL_COPY)
    return tuple(paper_lines(layout(data, COLUMNS), COLUMNS))


def of_entry(entry: Entry, site_name: str, timezone: str) -> Ticket:
    return Ticket(
        source=entry.terminal_id,
        ref=entry.seq,
        ts=entry.ts,
        kind=entry.kind,
        amount=entry.amount,
        receipt=receipt_lines(entry, site_name, timezone),
        **_fields(entry),
    )


def of_movement(ref: int, ts: str, kind: str, amount: int, note: str) -> Ticket:
    return Ticket(source="hub", ref=ref, ts=ts, kind=kind, amount=amount, reason=note)


class Tickets:
    """The signed-in diner's tickets: only the session's account, in its site."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.store = PagesStore(portal.store.storage)

    def _site(self, site: str) -> tuple[str, str]:
        settings = self.portal.hub.storage.site_settings(site)
        if settings is None:
            return site, "Europe/Paris"
        return settings.site_name or site, settings.timezone

    def ticket(self, session: Session, source: str, ref: int) -> Ticket | None:
        """The entry (or hub movement) ``source``/``ref`` if it is the diner's."""
        site, account = session.row.site, session.row.account_id
        assert site is not None and account is not None
        if source == HUB:
            movement = self.store.movement_of(site, account, ref)
            if movement is None:
                return None
            m = movement
            return of_movement(m.id, m.ts, m.kind, m.amount, m.note)
        entry = self.store.entry_of(site, account, source, ref)
        if entry is None:
            return None
        name, timezone = self._site(site)
        return of_entry(entry, name, timezone)
