"""Till mode, driven by synthetic touches and badge taps, checked against the journal."""

from __future__ import annotations

import pygame

from kiosk.engine import Engine
from kiosk.ui.events import CodeScanned, DeviceFaulted, DeviceReadied
from kiosk.ui.manager import ScreenId
from kiosk.ui.model import PriceResult
from sync.journal import EntryKind
from sync.protocol.reasons import RejectReason
from tests.kiosk.engine.conftest import FakeClock
from tests.kiosk.ui.conftest import ALICE, BRUNO, UiFactory
from tests.kiosk.ui.helpers import click, key, tap, touch


def test_compose_tray_and_pay(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    assert ui.screen is ScreenId.TILL
    touch(ui, "category", "Plats")
    touch(ui, "add", "main-fish")
    click(ui, "category", "Desserts")
    click(ui, "add", "dessert-tart")
    assert [i.id for i in ui.session.tray] == ["main-fish", "dessert-tart"]
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED
    sale = engine.store.entries_for_account("A1", 1)[0]
    assert sale.kind == EntryKind.SALE and sale.amount == -(520 + 180)
    assert sale.payload["items"] == ["main-fish", "dessert-tart"]
    assert sale.payload["vat"] == {"1000": 700}
    assert engine.usable_balance("A1").cents == 2000 - 700
    assert ui.session.tray == []
    touch(ui, "print")
    assert ui.receipts.printed == [(sale.seq, False)]  # type: ignore[attr-defined]
    touch(ui, "ok")
    assert ui.screen is ScreenId.TILL


def test_scanned_code_adds_item_and_unknown_code_says_so(make_ui: UiFactory) -> None:
    ui = make_ui()
    ui.inputs.put(CodeScanned("3760001000035"))
    ui.inputs.put(CodeScanned("999"))
    ui.settle()
    assert [i.id for i in ui.session.tray] == ["drink-water"]
    assert any("999" in t for t in ui.toasts.texts())
    key(ui, pygame.K_BACKSPACE)
    assert ui.session.tray == []


def test_refused_shows_reason_and_shortfall_and_keeps_tray(
    make_ui: UiFactory, engine: Engine
) -> None:
    ui = make_ui()
    for _ in range(2):
        touch(ui, "category", "Services")
        touch(ui, "add", "service-cake")
    before = engine.store.last_seq()
    tap(ui, BRUNO)  # 5,00 + 3,00 overdraft < 36,00
    assert ui.screen is ScreenId.REFUSED
    result = ui.manager.current.params["result"]  # type: ignore[union-attr]
    assert result.reason is RejectReason.INSUFFICIENT_BALANCE
    assert result.shortfall.cents == 3600 - 800
    assert engine.store.last_seq() == before
    assert len(ui.session.tray) == 2
    what, then = ui.tr.reason(result.reason)
    assert what == "Solde insuffisant" and "Rechargez" in then


def test_empty_tray_and_unknown_badge_are_refused(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    tap(ui, ALICE)
    assert ui.manager.current.params["result"].reason is RejectReason.EMPTY_TRAY  # type: ignore[union-attr]
    touch(ui, "ok")
    touch(ui, "add", "starter-salad")
    tap(ui, "nfc:0BADCAFE")
    assert ui.manager.current.params["result"].reason is RejectReason.UNKNOWN_CREDENTIAL  # type: ignore[union-attr]
    assert engine.store.entries_for_account("A1", 5) == []


def test_result_screen_returns_after_timeout(make_ui: UiFactory) -> None:
    ui = make_ui(result_screen_s=1.0)
    touch(ui, "add", "starter-salad")
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED
    ui.step(0.6)
    assert ui.screen is ScreenId.ACCEPTED
    ui.step(0.6)
    assert ui.screen is ScreenId.TILL


def test_language_button_and_status_bar(
    make_ui: UiFactory, engine: Engine, clock: FakeClock
) -> None:
    ui = make_ui()
    assert ui.tr.t("till.tray") == "Plateau"
    touch(ui, "lang")
    assert ui.tr.t("till.tray") == "Tray"
    ui.inputs.put(DeviceFaulted("printer", "paper_out", "paper end"))
    ui.settle()
    assert "Printer: out of paper" in ui.status_texts()
    assert engine.store.entries_of_day("2026-11-26")[-1].kind == EntryKind.DEVICE_FAULT
    ui.inputs.put(DeviceReadied("printer"))
    ui.settle()
    assert ui.status_texts() == []
    clock.advance(minutes=25)  # beyond offline_after_s = 600
    ui.step(2.5)
    ui.settle()
    assert "Offline for 25 min" in ui.status_texts()
    # A fault or being offline never blocks a sale.
    touch(ui, "add", "starter-salad")
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED


def test_till_closed_refuses_when_required(make_ui: UiFactory) -> None:
    ui = make_ui(require_open_till=True)
    touch(ui, "add", "starter-salad")
    tap(ui, ALICE)
    assert ui.manager.current.params["result"].reason is RejectReason.TILL_CLOSED  # type: ignore[union-attr]


def test_a_sale_that_fails_leaves_the_till_ready_for_the_next_badge(
    make_ui: UiFactory, engine: Engine
) -> None:
    ui = make_ui()
    touch(ui, "add", "starter-salad")
    working = ui.pricer

    def broken(items: object, diner: object) -> PriceResult:
        raise RuntimeError("pricer broke")

    ui.pricer = broken
    tap(ui, ALICE)
    assert ui.screen is ScreenId.TILL
    assert any("pricer broke" in text for text in ui.toasts.texts())
    assert engine.store.last_seq() == 0  # nothing written
    ui.pricer = working
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED
