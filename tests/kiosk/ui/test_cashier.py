"""Cashier actions behind badge + PIN, checked against the signed journal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.engine import Engine
from kiosk.engine.cashiers import PinAttempt, PinGuard, PinOutcome, check_pin
from kiosk.ui.manager import ScreenId
from kiosk.ui.shell import Ui
from sync.journal import EntryKind
from tests.kiosk.engine.conftest import FakeClock
from tests.kiosk.ui.conftest import ALICE, BRUNO, CASHIER_BADGE, CASHIER_PIN, UiFactory
from tests.kiosk.ui.helpers import add, tap, touch, type_digits


def login(ui: Ui) -> None:
    touch(ui, "cashier")
    if ui.session.cashier_id is not None:  # the session is still open
        assert ui.screen is ScreenId.CASHIER_MENU
        return
    assert ui.screen is ScreenId.CASHIER_LOGIN
    tap(ui, CASHIER_BADGE)
    assert ui.screen is ScreenId.CASHIER_PIN
    type_digits(ui, CASHIER_PIN)
    touch(ui, "keypad", "OK")
    assert ui.screen is ScreenId.CASHIER_MENU


def sell(ui: Ui, credential: str, *items: str) -> None:
    for item in items:
        add(ui, item)
    tap(ui, credential)
    assert ui.screen is ScreenId.ACCEPTED
    touch(ui, "ok")


def test_wrong_pin_and_non_cashier_badge_are_refused(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    touch(ui, "cashier")
    tap(ui, ALICE)
    assert ui.screen is ScreenId.CASHIER_LOGIN
    assert ui.toasts.texts() == ["Ce badge n'est pas un badge caissier"]
    tap(ui, CASHIER_BADGE)
    type_digits(ui, "0000")
    touch(ui, "keypad", "OK")
    assert ui.screen is ScreenId.CASHIER_PIN
    assert "Code PIN incorrect" in ui.toasts.texts()
    assert ui.session.cashier_id is None
    # The PIN is stored hashed: the plain digits appear nowhere in the table.
    record = engine.store.cashier_pin("K1")
    assert record is not None
    assert CASHIER_PIN.encode() not in record.salt + record.hash
    assert check_pin(engine.store, "K1", CASHIER_PIN)


def test_cancel_last_sale(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    sell(ui, ALICE, "steak")  # 7,20 and the admission fee (1,00 for an employee)
    login(ui)
    touch(ui, "cancel_last")
    assert ui.screen is ScreenId.CONFIRM
    assert "Alice Martin" in ui.manager.current.params["text"]  # type: ignore[union-attr]
    touch(ui, "yes")
    assert ui.screen is ScreenId.CASHIER_MENU
    cancel = engine.store.entries_for_account("A1", 1)[0]
    assert cancel.kind == EntryKind.CANCEL and cancel.amount == 820
    assert cancel.payload["cashier"] == "K1"
    assert engine.usable_balance("A1").cents == 2000
    touch(ui, "cancel_last")  # nothing left to cancel
    assert ui.screen is ScreenId.CASHIER_MENU
    assert "Aucune vente à annuler" in ui.toasts.texts()


def test_cash_top_up(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    login(ui)
    touch(ui, "cash_top_up")
    assert ui.screen is ScreenId.BADGE_PROMPT
    tap(ui, BRUNO)
    assert ui.screen is ScreenId.AMOUNT
    type_digits(ui, "15")
    touch(ui, "keypad", "OK")
    assert ui.screen is ScreenId.CONFIRM
    touch(ui, "yes")
    entry = engine.store.entries_for_account("A2", 1)[0]
    assert entry.kind == EntryKind.TOP_UP and entry.amount == 1500
    assert entry.payload["means"] == "cash" and entry.payload["cashier"] == "K1"
    assert engine.usable_balance("A2").cents == 2000


def test_reprint_is_marked_duplicate(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    sell(ui, ALICE, "coffee")
    login(ui)
    touch(ui, "reprint")
    seq = engine.store.entries_for_account("A1", 1)[0].seq
    assert ui.receipts.printed == [(seq, True)]  # type: ignore[attr-defined]


def test_guest_meal_charged_to_host(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui()
    add(ui, "salad")
    login(ui)
    touch(ui, "guest")
    assert ui.screen is ScreenId.BADGE_PROMPT
    tap(ui, ALICE)
    assert ui.screen is ScreenId.ACCEPTED
    entry = engine.store.entries_for_account("A1", 1)[0]
    # the guest tariff: the salad at 120 % (2,16) and the full admission fee (2,90)
    assert entry.kind == EntryKind.GUEST_MEAL and entry.amount == -(216 + 290)
    assert entry.payload["guest"] is True
    assert entry.payload["ticket"]["billed_to"] == {"kind": "host_account", "ref": "A1"}


def test_open_and_close_till_with_summary(make_ui: UiFactory, engine: Engine) -> None:
    ui = make_ui(require_open_till=True)
    login(ui)
    touch(ui, "open")
    assert ui.till_open is True
    touch(ui, "back")
    sell(ui, ALICE, "fish", "water")  # 6,20 + 0,90 + admission 1,00, at 10 %
    sell(ui, BRUNO, "beer")  # 3,00 at 20 %, not a meal: no admission
    login(ui)
    touch(ui, "cancel_last")
    touch(ui, "yes")
    touch(ui, "cash_top_up")
    tap(ui, BRUNO)
    type_digits(ui, "10")
    touch(ui, "keypad", "OK")
    touch(ui, "yes")
    touch(ui, "close")
    assert ui.screen is ScreenId.CLOSURE
    closure = engine.store.entries_of_day("2026-11-26")[-1]
    assert closure.kind == EntryKind.CLOSURE
    p = closure.payload
    assert p["sales_count"] == 2 and p["cancellations_count"] == 1
    assert p["net_sales"] == 810 and p["grand_total"] == 810
    assert p["by_vat"] == {"1000": 810, "2000": 0}
    assert p["by_means"] == {"balance": 810, "cash": 1000}
    assert ui.till_open is False
    assert engine.verify().ok


def try_pin(ui: Ui, pin: str) -> ScreenId | None:
    """Badge in as the cashier and type ``pin``: the screen it leads to."""
    touch(ui, "cashier")
    tap(ui, CASHIER_BADGE)
    assert ui.screen is ScreenId.CASHIER_PIN
    type_digits(ui, pin)
    touch(ui, "keypad", "OK")
    return ui.screen


def test_five_wrong_pins_lock_the_cashier_out_even_across_a_restart(
    make_ui: UiFactory, clock: FakeClock
) -> None:
    ui = make_ui()
    for _ in range(5):
        assert try_pin(ui, "0000") is ScreenId.CASHIER_PIN
        touch(ui, "back")
    # Now even the right PIN is refused until the lock-out ends.
    assert try_pin(ui, CASHIER_PIN) is ScreenId.CASHIER_PIN
    assert any("Trop d'essais" in text for text in ui.toasts.texts())
    assert ui.session.cashier_id is None
    ui.close()
    # the kiosk restarted: still locked; five minutes later, the right PIN opens
    again = make_ui()
    assert try_pin(again, CASHIER_PIN) is ScreenId.CASHIER_PIN
    assert any("Trop d'essais" in text for text in again.toasts.texts())
    touch(again, "back")
    clock.advance(minutes=5)
    assert try_pin(again, CASHIER_PIN) is ScreenId.CASHIER_MENU


def test_pin_guard_unlocks_after_the_delay_and_forgets_after_success(engine: Engine) -> None:
    guard = PinGuard(engine.store, attempts=3, lock_s=60)
    t0 = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    at = [t0 + timedelta(seconds=s) for s in range(70)]
    for now in at[0:2]:
        assert guard.attempt("K1", "0000", now).outcome is PinOutcome.WRONG
    assert guard.attempt("K1", CASHIER_PIN, at[2]).outcome is PinOutcome.OK  # forgets them
    for now in at[3:5]:
        assert guard.attempt("K1", "0000", now).outcome is PinOutcome.WRONG
    assert guard.attempt("K1", "0000", at[5]) == PinAttempt(PinOutcome.LOCKED, 60.0)
    # locked: the right PIN is not even checked
    assert guard.attempt("K1", CASHIER_PIN, at[6]) == PinAttempt(PinOutcome.LOCKED, 59.0)
    assert guard.locked_for("K2", at[6]) == 0.0
    assert PinGuard(engine.store).locked_for("K1", at[6]) == 59.0  # kept in the store
    assert guard.attempt("K1", CASHIER_PIN, at[65]).outcome is PinOutcome.OK


def test_closure_screen_prints_and_exports(
    make_ui: UiFactory, engine: Engine, tmp_path: Path
) -> None:
    ui = make_ui()
    sell(ui, ALICE, "fish", "water")
    login(ui)
    touch(ui, "close")
    assert ui.screen is ScreenId.CLOSURE
    closure = engine.store.entries_of_day("2026-11-26")[-1]
    ui.settle()  # the Z ticket prints as the closure shows
    touch(ui, "print")  # a second copy is a duplicate
    assert ui.receipts.printed == [(closure.seq, False), (closure.seq, True)]  # type: ignore[attr-defined]
    ui.till.exports_dir = tmp_path / "exports"
    touch(ui, "export")
    (exported,) = (tmp_path / "exports").iterdir()
    assert exported.name == f"cloture-T1-2026-11-26-{closure.seq:06d}.csv"
    rows = exported.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "rubrique;taux;HT;TVA;TTC"
    assert "ventes;10%;7,36;0,74;8,10" in rows and "net_sales;;;;8,10" in rows
    assert f"Clôture exportée : {exported.name}" in ui.toasts.texts()
