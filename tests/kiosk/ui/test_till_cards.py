"""Card payments at the till: a card top-up from the cashier's menu, and the payments
left pending shown to the cashier, asked of the terminal again or decided."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.config import CaisseApPaymentConfig
from drivers.payment.caisse_ap_ip import CaisseApTerminal
from kiosk.cardpay import CardDesk
from kiosk.engine import Engine
from kiosk.engine.closure import summarise
from kiosk.engine.results import Refused
from kiosk.sitefile import load_site_menu
from kiosk.ui.manager import ScreenId
from kiosk.ui.status_bar import status_texts
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.payment_payloads import PaymentPurpose
from sync.protocol.reasons import RejectReason
from sync.receipt.entry import receipt_for
from tests.drivers.conftest import wait_until
from tests.drivers.sims.caisse_ap import Behaviour, CaisseApSim
from tests.kiosk.ui.conftest import ALICE, UiFactory
from tests.kiosk.ui.helpers import add, find, tap, touch, type_digits
from tests.kiosk.ui.test_cashier import login

MENU = load_site_menu(Path(__file__).resolve().parents[3] / "config" / "example-site.toml")


@pytest.fixture
def sim() -> Iterator[CaisseApSim]:
    with CaisseApSim(hold=0.3) as simulator:
        yield simulator


@pytest.fixture
def terminal(sim: CaisseApSim) -> Iterator[CaisseApTerminal]:
    config = CaisseApPaymentConfig(
        host="127.0.0.1", port=sim.port, timeout=0.3, probe_interval=0.1, retry_initial=0.05
    )
    with CaisseApTerminal(config, queue.Queue()) as device:
        wait_until(lambda: device.available)
        yield device


def card_top_up(ui_factory: UiFactory, engine: Engine, cards: CardDesk | None) -> object:
    ui = ui_factory()
    if cards is not None:
        ui.cards = cards
    login(ui)
    touch(ui, "card_top_up")
    tap(ui, ALICE)
    type_digits(ui, "20")
    touch(ui, "keypad", "OK")
    return ui


def test_card_top_up_at_the_till_prints_its_receipt(make_ui: UiFactory, engine: Engine) -> None:
    ui = card_top_up(make_ui, engine, None)
    assert ui.screen is ScreenId.CASHIER_MENU  # type: ignore[attr-defined]
    assert engine.usable_balance("A1") == Money(4000)
    credit = engine.store.entries_for_account("A1", 1)[0]
    assert credit.kind == EntryKind.TOP_UP and credit.payload["cashier"] == "K1"
    assert (credit.seq, False) in ui.receipts.printed  # type: ignore[attr-defined]


def test_no_terminal_no_card_top_up_at_the_till(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(card_terminal=False)
    login(ui)
    touch(ui, "card_top_up")
    assert ui.screen is ScreenId.REFUSED
    assert ui.manager.current.params["result"].reason is RejectReason.PAYMENT_UNAVAILABLE  # type: ignore[union-attr]
    assert engine.store.journal_after(0, 10) == []


def test_lost_answer_is_pending_then_asked_again(
    make_ui: UiFactory, engine: Engine, sim: CaisseApSim, terminal: CaisseApTerminal
) -> None:
    sim.then(Behaviour.LOST_REPLY)
    ui = card_top_up(make_ui, engine, CardDesk(engine, terminal))
    assert ui.screen is ScreenId.REFUSED  # type: ignore[attr-defined]
    assert engine.usable_balance("A1") == Money(2000)
    touch(ui, "ok")  # type: ignore[arg-type]
    touch(ui, "card_pending")  # type: ignore[arg-type]
    assert ui.screen is ScreenId.CARD_PENDING  # type: ignore[attr-defined]
    wait_until(lambda: terminal.available)
    ui.settle()  # type: ignore[attr-defined]
    touch(ui, "ask")  # type: ignore[arg-type]
    assert engine.usable_balance("A1") == Money(4000)
    assert not find(ui, "approved").enabled  # type: ignore[arg-type]


def test_cashier_decides_what_the_terminal_cannot_say(
    make_ui: UiFactory, engine: Engine, sim: CaisseApSim, terminal: CaisseApTerminal
) -> None:
    sim.then(Behaviour.CUT)
    ui = card_top_up(make_ui, engine, CardDesk(engine, terminal))
    sim.close()  # the terminal is gone
    touch(ui, "ok")  # type: ignore[arg-type]
    touch(ui, "card_pending")  # type: ignore[arg-type]
    touch(ui, "not_debited")  # type: ignore[arg-type]
    assert ui.screen is ScreenId.CONFIRM  # type: ignore[attr-defined]
    touch(ui, "yes")  # type: ignore[arg-type]
    assert ui.screen is ScreenId.CARD_PENDING  # type: ignore[attr-defined]
    [result] = [e for e in engine.store.journal_after(0, 50) if e.kind == "payment_result"]
    assert result.payload["decided_by"] == "cashier" and result.payload["cashier"] == "K1"
    assert result.payload["state"] == "failed"
    assert engine.usable_balance("A1") == Money(2000)


def test_visitor_tray_paid_by_card(make_ui: UiFactory, engine: Engine) -> None:
    """A visitor without an account: the tray at the contractors' tariff, paid by card,
    journalled as a sale with its card ticket, counted under the card in the closure."""
    ui = make_ui()
    for item in ("salad", "steak", "tart"):
        add(ui, item)
    login(ui)
    touch(ui, "card_visitor")
    assert ui.screen is ScreenId.TILL
    assert ui.session.tray == []
    [sale] = [e for e in engine.store.journal_after(0, 50) if e.kind == EntryKind.CARD_SALE]
    assert sale.account is None and sale.amount == 0
    assert sale.payload["means"] == "card" and sale.payload["profile"] == "external"
    assert sale.payload["total"] == sale.payload["ticket"]["total"] > 0
    assert (sale.seq, False) in ui.receipts.printed  # type: ignore[attr-defined]
    receipt = receipt_for(sale, site_name="Cantine")
    assert receipt.total == sale.payload["total"] and receipt.training
    summary = summarise(engine)
    assert summary.by_means == {"card_test": sale.payload["total"]}  # the virtual terminal
    assert summary.sales_count == 1 and summary.net_sales == sale.payload["total"]


def test_a_pending_payment_is_on_the_status_bar(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    assert not any("Paiement carte" in t for t in status_texts(ui))
    assert ui.cards is not None
    begun = ui.cards.payments.begin(
        PaymentPurpose.TOP_UP, Money(2000), terminal="tpe", test=False, account="A1"
    )
    assert not isinstance(begun, Refused)
    ui.step(3.0)  # past the status poll interval
    ui.settle()
    assert "Paiement carte à vérifier : 1" in status_texts(ui)
    ui.cards.decide(begun.ref, approved=False, cashier="K1")
    ui.step(3.0)
    ui.settle()
    assert not any("Paiement carte" in t for t in status_texts(ui))
