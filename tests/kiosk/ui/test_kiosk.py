"""Self-service kiosk flows: identify, top up by card, order, logout."""

from __future__ import annotations

import time
from datetime import date

import pygame

from drivers.payment.virtual import VirtualPaymentTerminal
from kiosk.engine import Engine, Refused
from kiosk.ui.manager import ScreenId
from kiosk.ui.model import Mode
from kiosk.ui.shell import Ui
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.order_rules import OrderLine
from sync.protocol.orders import OrderDoc, OrderState, order_code, spoken, terminal_origin
from sync.protocol.reasons import RejectReason
from tests.kiosk.engine.conftest import FakeClock
from tests.kiosk.engine.test_visits import publish
from tests.kiosk.ui.conftest import ALICE, BRUNO, UiFactory
from tests.kiosk.ui.helpers import drawn_texts, find, tap, touch, type_digits


def test_tap_shows_name_balance_and_last_tickets(make_ui: UiFactory, engine: Engine) -> None:
    engine.sell(ALICE, Money(450))
    ui = make_ui(Mode.KIOSK)
    assert ui.screen is ScreenId.IDLE
    tap(ui, ALICE)
    assert ui.screen is ScreenId.HOME
    assert ui.session.diner is not None
    assert ui.session.diner.account.display_name == "Alice Martin"
    assert ui.session.diner.balance.cents == 1550
    assert [e.amount for e in ui.session.recent] == [-450]
    touch(ui, "print")
    assert len(ui.receipts.printed) == 1  # type: ignore[attr-defined]


def test_top_up_through_virtual_card_terminal(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(Mode.KIOSK)
    tap(ui, BRUNO)
    touch(ui, "top_up")
    touch(ui, "amount", 2000)
    assert ui.screen is ScreenId.HOME
    entry = engine.store.entries_for_account("A2", 1)[0]
    assert entry.kind == EntryKind.TOP_UP and entry.amount == 2000
    assert entry.payload["means"] == "card"
    assert entry.payload["test"] is True  # the virtual terminal: FACTICE
    assert ui.session.diner is not None and ui.session.diner.balance.cents == 2500


def test_declined_card_credits_nothing(
    make_ui: UiFactory, engine: Engine, payment: VirtualPaymentTerminal
) -> None:
    ui = make_ui(Mode.KIOSK)
    payment.approve = False
    tap(ui, BRUNO)
    touch(ui, "top_up")
    touch(ui, "amount", 1000)
    assert ui.screen is ScreenId.REFUSED
    assert ui.manager.current is not None
    assert ui.manager.current.params["result"].reason is RejectReason.PAYMENT_DECLINED
    assert engine.store.entries_for_account("A2", 5) == []
    assert engine.usable_balance("A2") == Money(500)


def test_no_payment_terminal_no_card_top_up(make_ui: UiFactory, engine: Engine) -> None:
    """Issue: with no payment device, card top-ups were credited through a terminal
    that approves everything. Now the button is off and nothing is written."""
    ui = make_ui(Mode.KIOSK, card_terminal=False)
    tap(ui, BRUNO)
    assert not find(ui, "top_up").enabled
    touch(ui, "top_up")
    assert ui.screen is ScreenId.HOME
    ui.manager.request(ScreenId.TOP_UP)  # even if reached some other way
    ui.settle()
    assert ui.screen is ScreenId.HOME
    assert any("indisponible" in t for t in ui.toasts.texts())
    assert engine.store.entries_for_account("A2", 5) == []


def test_a_terminal_that_stops_answering_is_no_longer_offered(
    make_ui: UiFactory, engine: Engine, payment: VirtualPaymentTerminal
) -> None:
    ui = make_ui(Mode.KIOSK)
    tap(ui, BRUNO)
    touch(ui, "top_up")
    payment.answering = False
    touch(ui, "amount", 1000)
    assert ui.screen is ScreenId.REFUSED
    result = ui.manager.current.params["result"]  # type: ignore[union-attr]
    assert result.reason is RejectReason.PAYMENT_UNAVAILABLE
    assert engine.usable_balance("A2") == Money(500)
    touch(ui, "ok")
    deadline = time.monotonic() + 10
    while payment.available and time.monotonic() < deadline:
        time.sleep(0.01)
    ui.settle()
    assert not find(ui, "top_up").enabled


def test_other_amount_within_the_site_limits(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(Mode.KIOSK)
    tap(ui, BRUNO)
    touch(ui, "top_up")
    touch(ui, "other")
    assert ui.screen is ScreenId.AMOUNT
    type_digits(ui, "200")  # 200 EUR: above the 150 EUR maximum
    touch(ui, "keypad", "OK")
    assert ui.screen is ScreenId.AMOUNT
    assert any("150,00" in t for t in ui.toasts.texts())
    touch(ui, "keypad", "C")
    type_digits(ui, "35")
    touch(ui, "keypad", "OK")
    assert ui.screen is ScreenId.HOME
    assert engine.usable_balance("A2") == Money(4000)


def order_services(ui: Ui, *items: str) -> None:
    """Alice badges in, opens the order screen and puts services in her cart."""
    tap(ui, ALICE)
    touch(ui, "order")
    touch(ui, "category", "service")
    for item in items:
        touch(ui, "add", item)


def test_order_from_catalogue(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(Mode.KIOSK)
    order_services(ui, "coffee-card", "packed-lunch")
    touch(ui, "pay")
    # The packed lunch is ordered the day before: its day and slot first. The clock says
    # Thursday 26/11 12:30, before Thursday's 14:00 cut-off: Friday is the first day.
    assert ui.screen is ScreenId.PICKUP
    assert [b.value for b in ui.manager.current.buttons() if b.action == "day"][:2] == [  # type: ignore[union-attr]
        "2026-11-27",
        "2026-11-30",  # Monday: not on weekends
    ]
    touch(ui, "slot", "12:00-12:30")
    touch(ui, "notify")  # an e-mail when it is ready
    touch(ui, "pay")
    assert ui.screen is ScreenId.ORDER_DONE
    entry = engine.store.entries_for_account("A1", 1)[0]
    assert entry.payload["notify"] is True
    # priced by the site's pricer: products, not a meal, so no admission fee
    assert entry.kind == EntryKind.ORDER and entry.amount == -(700 + 650)
    assert entry.payload["vat"] == {"1000": 1350}
    assert entry.payload["ticket"]["admission"] is None
    assert (entry.payload["pickup_day"], entry.payload["slot"]) == ("2026-11-27", "12:00-12:30")
    code = order_code(terminal_origin(entry.terminal_id, entry.seq))
    assert f"Commande n° {spoken(code)} confirmée" in drawn_texts(ui)
    assert "Retrait ven. 27/11, 12:00-12:30" in drawn_texts(ui)
    touch(ui, "ok")
    assert ui.screen is ScreenId.HOME
    assert ui.session.recent[0].seq == entry.seq
    # "Commandes en cours" on the home screen, with state and pickup
    assert any(spoken(code) in t and "Retrait ven. 27/11" in t for t in drawn_texts(ui))


def test_an_item_for_now_needs_no_pickup_day(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(Mode.KIOSK)
    order_services(ui, "coffee-card")
    touch(ui, "pay")
    assert ui.screen is ScreenId.ORDER_DONE
    entry = engine.store.entries_for_account("A1", 1)[0]
    assert "pickup_day" not in entry.payload and entry.payload["lines"] == [
        {"item": "coffee-card", "qty": 1, "options": []}
    ]


def test_past_the_cut_off_the_next_day_is_not_offered(
    make_ui: UiFactory, engine: Engine, clock: FakeClock
) -> None:
    clock.advance(hours=2)  # Thursday 14:30 in Paris: Friday's packed lunches are closed
    ui = make_ui(Mode.KIOSK)
    order_services(ui, "packed-lunch")
    touch(ui, "pay")
    days = [b.value for b in ui.manager.current.buttons() if b.action == "day"]  # type: ignore[union-attr]
    assert days[0] == "2026-11-30"
    refused = ui.till.order(
        ALICE, ["packed-lunch"], pickup_day=date(2026, 11, 27), slot="11:30-12:00"
    )
    assert isinstance(refused, Refused) and refused.reason is RejectReason.ORDER_CLOSED
    assert engine.store.entries_for_account("A1", 5) == []


def test_current_orders_and_cancel_before_the_cut_off(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(Mode.KIOSK)
    order_services(ui, "packed-lunch")
    touch(ui, "pay")
    touch(ui, "pay")
    entry = engine.store.entries_for_account("A1", 1)[0]
    code = order_code(terminal_origin(entry.terminal_id, entry.seq))
    touch(ui, "ok")
    touch(ui, "my_orders")
    assert ui.screen is ScreenId.MY_ORDERS
    touch(ui, "cancel_order", code)
    assert ui.screen is ScreenId.HOME
    assert any("annulée" in t for t in ui.toasts.texts())
    step = engine.store.journal_after(entry.seq, 5)
    assert [(e.kind, e.account, e.payload["order"]) for e in step] == [
        (EntryKind.ORDER_CANCEL, None, code)
    ]
    assert [v.state for v in ui.session.orders] == [OrderState.CANCELLED]
    touch(ui, "my_orders")
    assert [b for b in ui.manager.current.buttons() if b.action == "cancel_order"] == []  # type: ignore[union-attr]
    texts = drawn_texts(ui)
    assert "Commandes passées" in texts and any(spoken(code) in t and "annulée" in t for t in texts)


def test_logout_after_inactivity_and_on_next_tap(make_ui: UiFactory) -> None:
    ui = make_ui(Mode.KIOSK, idle_logout_s=20.0)
    tap(ui, ALICE)
    ui.step(15.0)
    assert ui.screen is ScreenId.HOME
    ui.step(6.0)
    assert ui.screen is ScreenId.IDLE and ui.session.diner is None
    tap(ui, ALICE)
    tap(ui, ALICE)  # the same badge again logs out
    assert ui.screen is ScreenId.IDLE
    tap(ui, ALICE)
    tap(ui, BRUNO)  # another badge: log out, then that diner
    assert ui.screen is ScreenId.HOME
    assert ui.session.diner is not None and ui.session.diner.account.id == "A2"


def test_pay_pressed_twice_charges_once(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(Mode.KIOSK)
    order_services(ui, "coffee-card")
    x, y = find(ui, "pay").rect.center
    for _ in range(2):  # two presses in the same frame, before the first sale is back
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))
    ui.settle()
    assert ui.screen is ScreenId.ORDER_DONE
    assert [e.kind for e in engine.store.entries_for_account("A1", 5)] == [EntryKind.ORDER]


def test_print_last_ticket_is_disabled_without_a_ticket(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(Mode.KIOSK)
    tap(ui, BRUNO)  # no ticket yet
    assert ui.screen is ScreenId.HOME and not find(ui, "print").enabled
    touch(ui, "print")
    assert ui.receipts.printed == []  # type: ignore[attr-defined]
    touch(ui, "done")
    engine.sell(ALICE, Money(450))
    tap(ui, ALICE)
    assert find(ui, "print").enabled


def test_a_phone_tapped_on_the_reader_is_told_to_show_its_qr_code(make_ui: UiFactory) -> None:
    ui = make_ui(Mode.KIOSK)
    tap(ui, "nfc:08C0FFEE")
    assert ui.screen is ScreenId.REFUSED
    assert "Montrez le QR code de votre badge dématérialisé" in drawn_texts(ui)


def test_quantity_buttons_on_cart_lines(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(Mode.KIOSK)
    order_services(ui, "coffee-card")
    touch(ui, "more", "coffee-card")
    assert "2 x Carte 10 cafés" in drawn_texts(ui)
    touch(ui, "pay")
    entry = engine.store.entries_for_account("A1", 1)[0]
    assert entry.kind == EntryKind.ORDER and entry.amount == -1400


def test_portrait_is_laid_out_for_portrait(make_ui: UiFactory) -> None:
    ui = make_ui(Mode.KIOSK, width=1080, height=1920)
    layout = ui.layout
    tap(ui, ALICE)
    home = ui.manager.current.buttons()  # type: ignore[union-attr]
    # one column of tall buttons, full width, under the balance
    assert {b.rect.width for b in home} == {layout.body.width}
    assert all(b.rect.height > layout.button_h for b in home)
    assert min(b.rect.top for b in home) > layout.body.centery
    touch(ui, "order")
    touch(ui, "category", "service")
    touch(ui, "add", "coffee-card")
    buttons = ui.manager.current.buttons()  # type: ignore[union-attr]
    items = [b for b in buttons if b.action == "add"]
    cart = [b for b in buttons if b.action in ("pay", "less", "more")]
    assert all(b.rect.height > layout.button_h for b in items)  # for a thumb
    assert max(b.rect.bottom for b in items) < min(b.rect.top for b in cart)  # cart below


def test_an_order_the_hub_refused_is_told_at_the_next_tap_once(
    make_ui: UiFactory, engine: Engine
) -> None:
    refused = OrderDoc(
        code=order_code("K2:7"),
        origin="K2:7",
        account="A1",
        lines=(OrderLine(item="packed-lunch"),),
        pickup_day="2026-11-27",
        slot="12:00-12:30",
        place="Comptoir",
        amount=650,
        state=OrderState.CANCELLED,
        placed_at="2026-11-26T10:00:00.000000Z",
        note="sold_out: packed-lunch: 0 left for that day, 1 asked",
        refunded=True,
    )
    publish(engine, {refused.code: refused.model_dump(mode="json")}, kind="order")
    ui = make_ui(Mode.KIOSK)
    tap(ui, ALICE)
    told = f"Commande {spoken(refused.code)} annulée (quantité du jour atteinte) et remboursée"
    assert told in ui.toasts.texts()
    touch(ui, "done")
    ui.step(5.0)
    tap(ui, ALICE)
    assert told not in ui.toasts.texts()
