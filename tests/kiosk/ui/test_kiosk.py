"""Self-service kiosk flows: identify, top up by card, order, logout."""

from __future__ import annotations

import pygame

from kiosk.engine import Engine
from kiosk.ui.manager import ScreenId
from kiosk.ui.model import Mode, VirtualPaymentTerminal
from kiosk.ui.shell import Ui
from sync.journal import EntryKind
from sync.money import Money
from tests.kiosk.ui.conftest import ALICE, BRUNO, UiFactory
from tests.kiosk.ui.helpers import find, tap, touch


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
    assert ui.session.diner is not None and ui.session.diner.balance.cents == 2500


def test_declined_card_credits_nothing(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(Mode.KIOSK)
    assert isinstance(ui.payment, VirtualPaymentTerminal)
    ui.payment.approve = False
    tap(ui, BRUNO)
    touch(ui, "top_up")
    touch(ui, "amount", 1000)
    assert ui.screen is ScreenId.HOME
    assert engine.store.entries_for_account("A2", 5) == []
    assert any("refusé" in t for t in ui.toasts.texts())


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
    assert ui.screen is ScreenId.ORDER_DONE
    entry = engine.store.entries_for_account("A1", 1)[0]
    # priced by the site's pricer: products, not a meal, so no admission fee
    assert entry.kind == EntryKind.ORDER and entry.amount == -(700 + 650)
    assert entry.payload["vat"] == {"1000": 1350}
    assert entry.payload["ticket"]["admission"] is None
    touch(ui, "ok")
    assert ui.screen is ScreenId.HOME
    assert ui.session.recent[0].seq == entry.seq


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
