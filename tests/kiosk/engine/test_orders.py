"""Orders at the terminal (``kiosk.engine.orders`` through ``TillService``): the daily
limit as far as this kiosk knows, what it shows before and after the hub confirms,
and a cancellation journalled once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kiosk.engine import Accepted, Engine, Refused
from kiosk.service import TillService
from kiosk.sitefile import load_site_menu
from sync.journal import EntryKind
from sync.protocol.order_rules import Cutoff, OrderRules
from sync.protocol.orders import OrderState, order_code, terminal_origin
from sync.protocol.reasons import RejectReason
from tests.kiosk.engine.test_visits import publish

ALICE = "nfc:04A1B2C3D4E5F6"  # A1, 20,00 EUR
FRIDAY = date(2026, 11, 27)  # the tests' clock: Thursday 26/11/2026 12:30 in Paris
SLOT = "12:00-12:30"


def till(engine: Engine) -> TillService:
    menu = load_site_menu(Path(__file__).parents[3] / "config" / "example-site.toml")
    rules = OrderRules(cutoff=Cutoff(days_before=1, at="14:00"), slots=(SLOT,), daily_limit=2)
    items = tuple(
        i.model_copy(update={"ordering": rules}) if i.id == "packed-lunch" else i
        for i in menu.items
    )
    return TillService(engine, menu=menu.model_copy(update={"items": items}))


def test_the_limit_counts_this_kiosks_orders_not_yet_on_the_hub(engine: Engine) -> None:
    service = till(engine)
    for _ in range(2):
        placed = service.order(ALICE, ["packed-lunch"], pickup_day=FRIDAY, slot=SLOT)
        assert isinstance(placed, Accepted), placed
    third = service.order(ALICE, ["packed-lunch"], pickup_day=FRIDAY, slot=SLOT)
    assert isinstance(third, Refused) and third.reason is RejectReason.ORDER_SOLD_OUT
    assert len(engine.store.entries_for_account("A1", 10)) == 2
    # Another day has its own two.
    monday = service.order(ALICE, ["packed-lunch"], pickup_day=date(2026, 11, 30), slot=SLOT)
    assert isinstance(monday, Accepted)


def test_pending_until_the_hub_sends_it_then_as_the_hub_says(engine: Engine) -> None:
    service = till(engine)
    placed = service.order(ALICE, ["packed-lunch"], pickup_day=FRIDAY, slot=SLOT)
    assert isinstance(placed, Accepted)
    origin = terminal_origin(engine.terminal_id, placed.seq)
    [view] = service.orders_of("A1")
    assert view.pending and view.state is OrderState.PLACED and view.code == order_code(origin)
    assert view.doc.cancel_until == "2026-11-26T13:00:00.000000Z"  # Thursday 14:00 in Paris
    ready = view.doc.model_copy(update={"state": OrderState.READY})
    publish(engine, {view.code: ready.model_dump(mode="json")}, kind="order")
    [view] = service.orders_of("A1")
    assert not view.pending and view.state is OrderState.READY
    # Being prepared: the diner can no longer cancel it here.
    refused = service.cancel_order(ALICE, view.code)
    assert isinstance(refused, Refused) and refused.reason is RejectReason.ORDER_CLOSED


def test_a_cancellation_is_journalled_once(engine: Engine) -> None:
    service = till(engine)
    placed = service.order(ALICE, ["packed-lunch"], pickup_day=FRIDAY, slot=SLOT)
    assert isinstance(placed, Accepted)
    code = order_code(terminal_origin(engine.terminal_id, placed.seq))
    done = service.cancel_order(ALICE, code)
    assert not isinstance(done, Refused) and done.refund_pending
    again = service.cancel_order(ALICE, code)
    assert isinstance(again, Refused) and again.reason is RejectReason.ORDER_CANCELLED
    steps = [e for e in engine.store.journal_after(0, 10) if e.kind == EntryKind.ORDER_CANCEL]
    assert [(s.account, s.amount, s.payload["order"]) for s in steps] == [(None, 0, code)]
    # The cancelled order's quantity is free again for that day.
    for _ in range(2):
        assert isinstance(
            service.order(ALICE, ["packed-lunch"], pickup_day=FRIDAY, slot=SLOT), Accepted
        )
    unknown = service.cancel_order(ALICE, "ZZZZZZ")
    assert isinstance(unknown, Refused) and unknown.reason is RejectReason.ORDER_UNKNOWN
