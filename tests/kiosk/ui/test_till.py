"""Till mode, driven by synthetic touches and badge taps, checked against the journal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pygame

from kiosk.engine import Engine
from kiosk.presence import Charge
from kiosk.service import Sale, TillService
from kiosk.ui.events import BadgeLifted, BadgeTapped, CodeScanned, DeviceFaulted, DeviceReadied
from kiosk.ui.manager import ScreenId
from kiosk.ui.screens_common import AcceptedScreen, subsidy_of, ticket_rows
from kiosk.ui.status_bar import status_texts
from sync.journal import EntryKind
from sync.protocol.reasons import RejectReason
from tests.kiosk.engine.conftest import FakeClock
from tests.kiosk.ui.conftest import ALICE, BRUNO, MENU, UiFactory
from tests.kiosk.ui.helpers import add, click, drawn_texts, find, key, press_at, tap, touch


def test_compose_tray_and_pay_at_the_diners_tariff(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    assert ui.screen is ScreenId.TILL
    touch(ui, "category", "starter")
    touch(ui, "add", "salad")
    touch(ui, "category", "main")
    touch(ui, "add", "steak")
    click(ui, "category", "dessert")
    click(ui, "add", "tart")
    assert [i.id for i in ui.session.tray] == ["salad", "steak", "tart"]
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED
    sale = engine.store.entries_for_account("A1", 1)[0]
    # The site's pricer, not the catalogue prices (1,80 + 7,20 + 2,20 = 11,20): the full
    # menu 7,90 + 1,50 steak supplement, the admission fee 2,90 less 1,90 paid by the
    # employer, less the 3,00 daily subsidy for a balanced tray.
    assert sale.kind == EntryKind.SALE and sale.amount == -(790 + 150 + 100 - 300)
    ticket = sale.payload["ticket"]
    assert [f["formula_id"] for f in ticket["formulas"]] == ["complete"]
    assert ticket["admission"]["amount"] == 100 and ticket["subsidy_granted"] is True
    assert sale.payload["items"] == ["salad", "steak", "tart"]
    assert sale.payload["vat"] == {"1000": 740}
    assert engine.usable_balance("A1").cents == 2000 - 740
    assert ui.session.tray == []
    shown = ui.manager.current
    assert isinstance(shown, AcceptedScreen)
    rows = ticket_rows(shown.result)
    assert rows[0][0].startswith("Formule complète") and ("Droit d'admission", "1,00 €") in rows
    assert subsidy_of(shown.result) == 300  # shown as "-3,00 €"
    touch(ui, "print")
    assert ui.receipts.printed == [(sale.seq, False)]  # type: ignore[attr-defined]
    touch(ui, "ok")
    assert ui.screen is ScreenId.TILL


def test_scanned_code_adds_item_and_unknown_code_says_so(make_ui: UiFactory) -> None:
    ui = make_ui()
    ui.inputs.put(CodeScanned("3760142001040"))
    ui.inputs.put(CodeScanned("999"))
    ui.settle()
    assert [i.id for i in ui.session.tray] == ["water"]
    assert any("999" in t for t in ui.toasts.texts())
    key(ui, pygame.K_BACKSPACE)
    assert ui.session.tray == []


def test_refused_shows_reason_and_shortfall_and_keeps_tray(
    make_ui: UiFactory, engine: Engine
) -> None:
    ui = make_ui()
    for _ in range(2):
        touch(ui, "category", "service")
        touch(ui, "add", "cake-order")
    before = engine.store.last_seq()
    tap(ui, BRUNO)  # 5,00 + 3,00 overdraft < 48,00
    assert ui.screen is ScreenId.REFUSED
    result = ui.manager.current.params["result"]  # type: ignore[union-attr]
    assert result.reason is RejectReason.INSUFFICIENT_BALANCE
    assert result.shortfall.cents == 4800 - 800
    assert engine.store.last_seq() == before
    assert len(ui.session.tray) == 2
    what, then = ui.tr.reason(result.reason)
    assert what == "Solde insuffisant" and "Rechargez" in then


def test_empty_tray_and_unknown_badge_are_refused(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    tap(ui, ALICE)
    assert ui.manager.current.params["result"].reason is RejectReason.EMPTY_TRAY  # type: ignore[union-attr]
    touch(ui, "ok")
    touch(ui, "add", "salad")
    tap(ui, "nfc:0BADCAFE")
    assert ui.manager.current.params["result"].reason is RejectReason.UNKNOWN_CREDENTIAL  # type: ignore[union-attr]
    assert engine.store.entries_for_account("A1", 5) == []


def test_result_screen_returns_after_timeout(make_ui: UiFactory) -> None:
    ui = make_ui(result_screen_s=1.0)
    touch(ui, "add", "salad")
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
    assert "Printer: out of paper" in status_texts(ui)
    assert engine.store.entries_of_day("2026-11-26")[-1].kind == EntryKind.DEVICE_FAULT
    ui.inputs.put(DeviceReadied("printer"))
    ui.settle()
    assert status_texts(ui) == []
    clock.advance(minutes=25)  # beyond offline_after_s = 600
    ui.step(2.5)
    ui.settle()
    assert "Offline for 25 min" in status_texts(ui)
    # A fault or being offline never blocks a sale.
    touch(ui, "add", "salad")
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED


def test_till_closed_refuses_when_required(make_ui: UiFactory) -> None:
    ui = make_ui(require_open_till=True)
    touch(ui, "add", "salad")
    tap(ui, ALICE)
    assert ui.manager.current.params["result"].reason is RejectReason.TILL_CLOSED  # type: ignore[union-attr]


class BrokenOnce(TillService):
    """A till service whose next sale fails (the store or the pricer broke)."""

    broken = True

    def sell(self, credential: str, items: Sequence[str], **options: Any) -> Sale:
        if self.broken:
            self.broken = False
            charge = options.get("charge")
            if isinstance(charge, Charge):
                self._settle(charge, None)
            raise RuntimeError("pricer broke")
        return super().sell(credential, items, **options)


def test_a_sale_that_fails_leaves_the_till_ready_for_the_next_badge(
    make_ui: UiFactory, engine: Engine
) -> None:
    ui = make_ui()
    touch(ui, "add", "salad")
    ui.till = BrokenOnce(engine, menu=MENU)
    tap(ui, ALICE)
    assert ui.screen is ScreenId.TILL
    assert any("pricer broke" in text for text in ui.toasts.texts())
    assert engine.store.last_seq() == 0  # nothing written
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED


def test_a_badge_back_after_the_holdoff_with_a_new_tray_pays_again(
    make_ui: UiFactory, engine: Engine, clock: FakeClock
) -> None:
    ui = make_ui()
    touch(ui, "add", "salad")
    ui.inputs.put(BadgeTapped(ALICE))  # placed, and left on the reader
    ui.settle()
    assert ui.screen is ScreenId.ACCEPTED
    touch(ui, "ok")
    touch(ui, "add", "salad")  # the next tray, under Alice's card
    ui.inputs.put(BadgeLifted(ALICE))
    ui.inputs.put(BadgeTapped(ALICE))
    ui.settle()
    assert ui.screen is ScreenId.ALREADY_PAID  # a flicker, not a diner
    touch(ui, "ok")
    clock.advance(seconds=engine.settings().repeat_holdoff_s)
    ui.inputs.put(BadgeLifted(ALICE))
    ui.settle()
    touch(ui, "clear")
    add(ui, "coffee")  # a new tray while the card is away
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED
    assert [e.amount for e in engine.store.entries_for_account("A1", 5)] == [-80, -280]


def test_a_press_right_after_a_screen_change_never_hits_the_new_screen(
    make_ui: UiFactory, engine: Engine
) -> None:
    ui = make_ui(press_guard_s=0.5)
    ui.step(1.0)  # the till has been shown for a while
    add(ui, "salad")
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED
    print_spot = find(ui, "print").rect.center
    ui.step(1.0)
    ui.inputs.put(CodeScanned("3760142001040"))  # the next diner's water: back to the till
    ui.settle()
    assert ui.screen is ScreenId.TILL and [item.id for item in ui.session.tray] == ["water"]
    (under,) = [b for b in ui.manager.current.buttons() if b.rect.collidepoint(print_spot)]  # type: ignore[union-attr]
    assert under.enabled and under.action in ("clear", "print_last")
    press_at(ui, print_spot)  # the cashier's late press on "print" lands now
    assert [item.id for item in ui.session.tray] == ["water"]
    assert ui.receipts.printed == []  # type: ignore[attr-defined]
    ui.step(0.6)
    touch(ui, "add", "salad")  # once the screen has been seen, presses count
    assert [item.id for item in ui.session.tray] == ["water", "salad"]


def test_the_last_receipt_stays_requestable_from_the_till_until_the_next_sale(
    make_ui: UiFactory, engine: Engine
) -> None:
    ui = make_ui()
    assert not find(ui, "print_last").enabled  # no sale yet: nothing to print
    add(ui, "salad")
    tap(ui, ALICE)
    first = engine.store.last_seq()
    touch(ui, "ok")
    touch(ui, "print_last")
    touch(ui, "print_last")
    assert ui.receipts.printed == [(first, False), (first, True)]  # type: ignore[attr-defined]
    add(ui, "coffee")
    tap(ui, BRUNO)
    touch(ui, "ok")
    touch(ui, "print_last")
    assert ui.receipts.printed[-1] == (engine.store.last_seq(), False)  # type: ignore[attr-defined]


def test_the_pre_badge_total_says_a_la_carte(make_ui: UiFactory) -> None:
    ui = make_ui()
    for item in ("salad", "steak", "tart"):
        add(ui, item)
    texts = drawn_texts(ui)
    assert "Total à la carte" in texts and "11,20 €" in texts  # not what the diner pays
    touch(ui, "lang")
    assert "À la carte total" in drawn_texts(ui)


def test_a_phone_on_the_nfc_reader_is_told_to_show_its_qr_code(make_ui: UiFactory) -> None:
    ui = make_ui()
    add(ui, "salad")
    tap(ui, "nfc:08A1B2C3")  # a phone's random UID
    assert ui.screen is ScreenId.REFUSED
    texts = drawn_texts(ui)
    assert "Montrez le QR code de votre badge dématérialisé" in texts
    assert "Badge inconnu" not in texts
    touch(ui, "ok")
    tap(ui, "nfc:0BADCAFE")  # an unknown card is still an unknown badge
    assert "Badge inconnu" in drawn_texts(ui)


def test_quantity_buttons_on_tray_lines(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    add(ui, "salad")
    add(ui, "coffee")
    touch(ui, "more", "coffee")
    touch(ui, "more", "coffee")
    touch(ui, "less", "salad")
    assert [item.id for item in ui.session.tray] == ["coffee"] * 3
    assert "3 x Café" in drawn_texts(ui) and "2,40 €" in drawn_texts(ui)
    touch(ui, "less", "coffee")
    tap(ui, ALICE)
    sale = engine.store.entries_for_account("A1", 1)[0]
    assert sale.payload["items"] == ["coffee", "coffee"] and sale.amount == -160
