"""Training mode: chosen by a manager, its tickets marked FORMATION, in no total.

The mode is journalled: a manager switches it on or off with a signed
``training_mode`` entry naming them, and the state is the latest such entry, so it
survives a restart and an auditor sees who trained when. While it is on, a tray is
priced for the diner who badges exactly as a sale would be, and written as a
``training_sale`` entry: no account, amount 0, counted only in the closures'
``training_count`` (``kiosk.engine.closures_periodic``); nobody's balance moves.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.engine import store_closures as sql
from kiosk.engine.cashiers import Cashier
from kiosk.engine.ledger import Engine
from kiosk.engine.pricing import PricingRefused
from kiosk.engine.results import Accepted, Identified, Refused, Result
from kiosk.engine.trays import price_for, tray_payload
from sync.journal import Entry, EntryKind
from sync.money import Money
from sync.protocol.catalogue import SiteMenu

MANAGER = "manager"


class TrainingError(ValueError):
    """Training mode asked of someone who may not choose it, or a training ticket
    asked while the mode is off."""


def is_on(engine: Engine) -> bool:
    """Whether training mode is on (the latest ``training_mode`` entry says so)."""
    with engine.store.reading() as db:
        last = sql.last_of(db, (EntryKind.TRAINING_MODE,))
    return last is not None and last.payload.get("on") is True


def switch(engine: Engine, on: bool, manager: Cashier) -> Entry | None:
    """A manager switches training mode on or off; None when it already was so."""
    if manager.role != MANAGER:
        raise TrainingError(f"{manager.name or manager.id} is not a manager: training mode refused")
    with engine.store.atomic() as db:
        last = sql.last_of(db, (EntryKind.TRAINING_MODE,))
        if (last is not None and last.payload.get("on") is True) == on:
            return None
        return engine.post(db, EntryKind.TRAINING_MODE, None, 0, {"on": on, "cashier": manager.id})


def sell(
    engine: Engine,
    credential: str | bytes,
    items: Sequence[str],
    *,
    menu: SiteMenu,
    take_away: bool = False,
    cashier: str | None = None,
) -> Result:
    """A training ticket: ``items`` priced for the diner behind ``credential``, written
    as a ``training_sale`` (nobody is charged). The result's balance is the diner's,
    unchanged."""
    if not is_on(engine):
        raise TrainingError(
            "training mode is off: a training ticket needs a manager to switch it on"
        )
    who = engine.present(credential)
    if isinstance(who, Refused):
        return who
    return _write(engine, who, items, menu=menu, take_away=take_away, cashier=cashier)


def _write(
    engine: Engine,
    who: Identified,
    items: Sequence[str],
    *,
    menu: SiteMenu,
    take_away: bool,
    cashier: str | None,
) -> Result:
    ticket = price_for(engine, menu, who, items, take_away)
    if isinstance(ticket, PricingRefused):
        return Refused(ticket.reason, ticket.detail, account_id=who.account.id)
    payload = {
        **tray_payload(ticket, items),
        "total": ticket.total,
        "profile": who.account.profile,
        "mode": "till",
    }
    if cashier:
        payload["cashier"] = cashier
    with engine.store.atomic() as db:
        entry = engine.post(db, EntryKind.TRAINING_SALE, None, 0, payload)
    return Accepted(
        entry, who.account.id, who.account.display_name, Money(ticket.total), who.balance, ticket
    )
