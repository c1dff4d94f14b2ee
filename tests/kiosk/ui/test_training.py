"""Training mode at the till: chosen by a manager only, its tickets charged to nobody,
marked FORMATION, in no total, and a band on every screen while it lasts; and the
day closed by the UI's tick when nobody closed it."""

from __future__ import annotations

import hashlib
import os

import pygame

from kiosk.engine import Engine
from kiosk.engine.closure import close_till
from kiosk.engine.closures_periodic import closures_of
from kiosk.ui.manager import ScreenId
from kiosk.ui.shell import Ui
from sync.journal import EntryKind
from sync.protocol.admin import CashierDoc, CashierRole, PinHash
from tests.kiosk.engine.conftest import FakeClock
from tests.kiosk.ui.conftest import ALICE, CASHIER_BADGE, CASHIER_PIN, UiFactory
from tests.kiosk.ui.helpers import add, drawn_texts, tap, touch, type_digits

MANAGER_BADGE, MANAGER_PIN = "nfc:BEEF0001", "2468"


def add_manager(engine: Engine) -> None:
    """A manager as the back office sends one: a synced cashier document."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(MANAGER_PIN.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    doc = CashierDoc(
        id="M1",
        name="Nadia Responsable",
        credential=MANAGER_BADGE,
        role=CashierRole.MANAGER,
        active=True,
        pin=PinHash(n=2**14, r=8, p=1, salt=salt.hex(), hash=digest.hex()),
    )
    engine.store.apply_snapshot(
        accounts=[],
        credentials=[],
        settings=None,
        applied_seq=0,
        cursor=2,
        documents={"cashier": {"M1": doc.model_dump(mode="json")}},
    )


def log_in(ui: Ui, badge: str, pin: str) -> None:
    touch(ui, "cashier")
    tap(ui, badge)
    type_digits(ui, pin)
    touch(ui, "keypad", "OK")
    assert ui.screen is ScreenId.CASHIER_MENU


def band_shown(ui: Ui) -> bool:
    ui.step(0)
    w, h = ui.surface.get_size()
    return tuple(ui.surface.get_at((w // 2, h - 3)))[:3] == ui.theme.warning


def test_a_manager_trains_and_the_tickets_count_in_no_total(
    make_ui: UiFactory, engine: Engine
) -> None:
    add_manager(engine)
    ui = make_ui(width=1280, height=800)
    balance = engine.usable_balance("A1")
    assert not band_shown(ui)
    log_in(ui, MANAGER_BADGE, MANAGER_PIN)
    touch(ui, "training")
    assert ui.training and "Mode formation activé" in ui.toasts.texts()
    touch(ui, "back")
    for item in ("salad", "steak", "tart"):
        add(ui, item)
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED
    assert band_shown(ui)
    assert any("MODE FORMATION" in text for text in drawn_texts(ui))
    assert "Ticket de formation : rien n'est débité" in drawn_texts(ui)
    touch(ui, "ok")
    last = engine.store.entry(engine.store.last_seq())
    assert last is not None and last.kind == EntryKind.TRAINING_SALE and last.account is None
    assert last.payload["total"] > 0
    assert engine.usable_balance("A1") == balance  # nobody was charged
    switched = [e for e in engine.store.entries_of_day("2026-11-26") if e.kind == "training_mode"]
    assert [(e.payload["on"], e.payload["cashier"]) for e in switched] == [(True, "M1")]
    # no money moves in training mode: a cash top-up is refused before it starts
    touch(ui, "cashier")
    before = engine.store.last_seq()
    touch(ui, "cash_top_up")
    assert ui.screen is ScreenId.CASHIER_MENU
    assert "Impossible en mode formation : aucun argent ne bouge" in ui.toasts.texts()
    assert engine.store.last_seq() == before
    _entry, summary = close_till(engine, "M1")
    assert summary.training_count == 1 and summary.sales_count == 0 and summary.net_sales == 0


def test_a_cashier_cannot_choose_training_mode(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    log_in(ui, CASHIER_BADGE, CASHIER_PIN)
    touch(ui, "training")
    assert not ui.training
    assert "Le mode formation est choisi par un responsable" in ui.toasts.texts()
    assert all(e.kind != "training_mode" for e in engine.store.entries_of_day("2026-11-26"))
    assert pygame.display.get_init()


def test_the_day_is_closed_at_its_end_when_nobody_closed_it(
    make_ui: UiFactory, engine: Engine, clock: FakeClock
) -> None:
    """The UI's status tick writes the automatic closure once the business day is over."""
    ui = make_ui(require_open_till=True)
    log_in(ui, CASHIER_BADGE, CASHIER_PIN)
    touch(ui, "open")
    touch(ui, "back")
    for item in ("fish", "water"):
        add(ui, item)
    tap(ui, ALICE)
    touch(ui, "ok")
    assert closures_of(engine, EntryKind.CLOSURE) == []
    clock.advance(hours=14)  # 01:30 in Paris: the 27th
    ui.step(3.0)  # past the status poll
    ui.settle()
    (closure,) = closures_of(engine, EntryKind.CLOSURE)
    assert closure.payload["business_day"] == "2026-11-26" and closure.payload["automatic"]
    assert ui.till_open is False  # the closed day's till must be opened again
