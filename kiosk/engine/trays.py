"""Selling a tray: reprice it for the diner who taps, then debit, in one transaction.

The menu comes from the hub (document ``catalogue``/``site``, synced like the rest)
or, on a till that has none yet, from a site file. The daily employer subsidy is
granted at most once per diner and business day: this terminal knows the sales it
made itself, so the check reads its own journal (a sale whose ticket used the
subsidy and that was not cancelled), and learns the other terminals' from the hub's
mark on the account (``AccountRow.subsidy``: the day and the sale that used it). A
mark of its own sale is left to its journal, which also knows a cancellation the hub
has not seen yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from kiosk.engine.ledger import Engine
from kiosk.engine.pricing import PricedTicket, PricingRefused, price_tray
from kiosk.engine.results import Identified, Refused, Result
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.catalogue import SiteMenu
from sync.protocol.rows import SubsidyMark
from sync.protocol.ticket import BillingKind, BillTo
from sync.subsidy import mark_of

MENU_KIND, MENU_ID = "catalogue", "site"


def current_menu(engine: Engine) -> SiteMenu | None:
    """The menu last synced from the hub, or None.

    Parsed once per stored version: the pricer caches its compiled tables on the
    menu object, so a new object at every sale would redo that work each time."""
    text = engine.store.document_text(MENU_KIND, MENU_ID)
    return None if text is None else _parse_menu(text)


@lru_cache(maxsize=4)
def _parse_menu(text: str) -> SiteMenu:
    return SiteMenu.model_validate_json(text)


def menu_document(menu: SiteMenu) -> dict[str, Any]:
    """The JSON form in which the hub sends a menu (integers and strings only)."""
    return menu.model_dump(mode="json")


def subsidised_today(engine: Engine, account_id: str) -> bool:
    """Did this diner already get the employer subsidy today, here or elsewhere?"""
    state = engine.store.account(account_id)
    return _subsidised(engine, account_id, None if state is None else state.row.subsidy)


def _subsidised(engine: Engine, account_id: str, mark: SubsidyMark | None) -> bool:
    today = engine.business_day()
    if mark is not None and mark.day == today and mark.terminal_id != engine.terminal_id:
        return True
    return mark_of(engine.store.entries_of_account_on(account_id, today)) is not None


def price_for(
    engine: Engine, menu: SiteMenu, who: Identified, items: Sequence[str], take_away: bool
) -> PricedTicket | PricingRefused:
    profile = next((p for p in menu.profiles if p.id == who.account.profile), None)
    # the journal is read only for a profile that has a subsidy; the account row was just
    # read for this sale, and the hub's mark comes with it
    subsidised = (
        profile is not None
        and profile.subsidy is not None
        and _subsidised(engine, who.account.id, who.account.subsidy)
    )
    return price_tray(
        menu, who.account.profile, items, subsidised_today=subsidised, take_away=take_away
    )


def tray_payload(ticket: PricedTicket, items: Sequence[str]) -> dict[str, Any]:
    """What a tray sale keeps in its journal payload: the whole priced ticket, the
    items, and the amounts by VAT rate (basis points -> cents) that closures add up."""
    return {
        "ticket": ticket.model_dump(mode="json"),
        "items": sorted(items),
        "vat": {str(rate): total for rate, total in ticket.totals_by_rate().items()},
    }


def sell_tray(
    engine: Engine,
    credential: str | bytes,
    items: Sequence[str],
    *,
    menu: SiteMenu,
    take_away: bool = False,
    kind: EntryKind = EntryKind.SALE,
    details: Mapping[str, Any] | None = None,
    guest_profile: str | None = None,
) -> Result:
    """Price ``items`` (catalogue ids) for the diner behind ``credential`` and debit.

    With ``guest_profile`` the tray is a guest's, priced at that tariff (no employer
    subsidy) and billed to the diner who badges, the host. ``details`` go into the
    journal payload beside the ticket. The accepted result carries the
    ``PricedTicket``; the journal payload keeps it whole, so a reprint or the daily
    closure never reprices.
    """

    def price(who: Identified) -> tuple[Money, dict[str, Any], Any] | Refused:
        if guest_profile is None:
            ticket = price_for(engine, menu, who, items, take_away)
        else:
            host = BillTo(kind=BillingKind.HOST_ACCOUNT, ref=who.account.id)
            ticket = price_tray(menu, guest_profile, items, subsidised_today=True, bill_to=host)
        if isinstance(ticket, PricingRefused):
            return Refused(ticket.reason, ticket.detail, account_id=who.account.id)
        return Money(ticket.total), tray_payload(ticket, items), ticket

    return engine.sell(credential, None, kind=kind, details=details, price=price)


def serve_visit(
    engine: Engine,
    visit_ref: str | bytes,
    items: Sequence[str],
    guests: int,
    *,
    menu: SiteMenu,
    guest_profile: str = "guest",
    cashier: str = "",
) -> Result:
    """Serve ``guests`` meals of a visit, each tray ``items`` at the guest tariff, billed
    as the visit says (host account or cost centre)."""
    from kiosk.engine import visits
    from sync.protocol.visits import Billing

    visit_id = visits.visit_id_of(engine, visit_ref)
    if isinstance(visit_id, Refused):
        return visit_id
    doc = visits.servable_today(engine, visit_id)
    if doc is None:  # consume() words the refusal (unknown, cancelled, another day ...)
        return engine.consume_visit(visit_id, guests, Money(0), vat={}, cashier=cashier)
    kind = (
        BillingKind.COST_CENTRE
        if doc.billing is Billing.COST_CENTRE
        else (BillingKind.HOST_ACCOUNT)
    )
    ticket = price_tray(
        menu,
        guest_profile,
        items,
        subsidised_today=True,  # no employer subsidy for guests
        bill_to=BillTo(kind=kind, ref=doc.bill_to),
    )
    if isinstance(ticket, PricingRefused):
        return Refused(ticket.reason, ticket.detail)
    vat = {str(rate): total * guests for rate, total in ticket.totals_by_rate().items()}
    return engine.consume_visit(
        visit_id, guests, Money(ticket.total * guests), vat=vat, items=items, cashier=cashier
    )
