#!/usr/bin/env python3
"""Screenshots of the touch UI: ``scripts/screenshots.py [--out docs/screenshots]``.

Drives the real UI headless (``SDL_VIDEODRIVER=dummy``) with the same synthetic
touches and badge taps as the tests (``tests/kiosk/ui/helpers.py``), against a fresh
temporary store seeded like the tests (``apply_snapshot``), and saves each screen of
the till and of the self-service kiosk at 1280x800 and 800x480 (with the card top-up
screens, on the virtual payment terminal), plus the kiosk's idle and home screens, and
the order screen, in portrait at 1080x1920. The kiosk's idle screen shows the example
site's name, logo and menu of the day (photos, allergens), and is also taken with the
badge reader unplugged (phone badges still work) and with both readers down (out of
order). The clock is fixed, so a rerun gives the same pictures unless the UI changed.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the tests' helpers and seed live under tests/
    sys.path.insert(0, str(ROOT))

import pygame  # noqa: E402

from drivers.payment.base import PaymentOutcome  # noqa: E402
from drivers.payment.virtual import VirtualPaymentTerminal  # noqa: E402
from kiosk.cardpay import CardDesk  # noqa: E402
from kiosk.engine import Engine  # noqa: E402
from kiosk.engine.cashiers import add_cashier  # noqa: E402
from kiosk.engine.payments import Payments  # noqa: E402
from kiosk.service import TillService  # noqa: E402
from kiosk.sitefile import load_site_file  # noqa: E402
from kiosk.ui.events import DeviceFaulted, DeviceReadied  # noqa: E402
from kiosk.ui.model import (  # noqa: E402
    MemoryReceipts,
    Mode,
    UiConfig,
)
from kiosk.ui.shell import Ui  # noqa: E402
from sync.money import Money  # noqa: E402
from sync.protocol.order_rules import OrderLine  # noqa: E402
from sync.protocol.orders import OrderDoc, OrderState, order_code  # noqa: E402
from sync.protocol.payment_payloads import PaymentPurpose  # noqa: E402
from tests.kiosk.engine.conftest import ACCOUNTS, CREDENTIALS, SETTINGS, FakeClock  # noqa: E402
from tests.kiosk.test_app import publish_menu, tomorrows_menu  # noqa: E402
from tests.kiosk.ui.conftest import (  # noqa: E402
    ALICE,
    BRUNO,
    CASHIER_BADGE,
    CASHIER_PIN,
    monotonic_of,
)
from tests.kiosk.ui.helpers import add, find, tap, touch, type_digits  # noqa: E402

LANDSCAPE = ((1280, 800), (800, 480))
PORTRAIT = (1080, 1920)
SITE = load_site_file(ROOT / "config" / "example-site.toml")
MENU = SITE.menu


class GatedTerminal(VirtualPaymentTerminal):
    """The virtual terminal, holding each payment until ``gate`` is set: the screen
    the diner sees while paying can be shot."""

    def __init__(self) -> None:
        super().__init__(None, queue.Queue())
        self.gate = threading.Event()

    def _exchange_pay(self, reference: str, amount: int) -> PaymentOutcome:
        self.gate.wait(30)
        self.gate.clear()
        return super()._exchange_pay(reference, amount)


@contextmanager
def seeded_ui(mode: Mode, size: tuple[int, int]) -> Iterator[tuple[Ui, Engine, FakeClock]]:
    """A UI on a fresh store with the tests' diners and cashier."""
    with tempfile.TemporaryDirectory(prefix="kiosk-shots-") as tmp:
        folder = Path(tmp)
        clock = FakeClock()
        engine = Engine.open(
            folder / "kiosk.db", folder / "terminal.key", terminal_id="T1", clock=clock
        )
        # The tests' diners, under the example site's name.
        assert SITE.site is not None
        settings = SETTINGS.model_copy(update={"site_name": SITE.site.site_name})
        engine.store.apply_snapshot(
            accounts=ACCOUNTS, credentials=CREDENTIALS, settings=settings, applied_seq=0, cursor=1
        )
        engine.store.record_sync_result(ok=True, at=clock())
        add_cashier(engine.store, "K1", "Karim Caissier", CASHIER_BADGE, CASHIER_PIN)
        config = UiConfig(mode=mode, width=size[0], height=size[1], sound=False, press_guard_s=0.0)
        terminal = GatedTerminal().start()
        ui = Ui(
            config,
            TillService(engine, menu=MENU, clock=monotonic_of(clock)),
            receipts=MemoryReceipts(),
            cards=CardDesk(engine, terminal),
            clock=clock,
        )
        try:
            while not terminal.available:
                time.sleep(0.01)
            ui.settle()
            yield ui, engine, clock
        finally:
            terminal.gate.set()
            ui.close()
            terminal.close()
            engine.close()


class Shooter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.saved: list[Path] = []

    def __call__(self, ui: Ui, name: str) -> None:
        w, h = ui.surface.get_size()
        path = self.out / f"{ui.config.mode.value}-{w}x{h}-{name}.png"
        pygame.image.save(ui.surface, str(path))
        self.saved.append(path)


def faults_and_offline(ui: Ui, clock: FakeClock, source: str, kind: str) -> None:
    """A device fault and 25 minutes without a sync (offline after 10 min)."""
    ui.inputs.put(DeviceFaulted(source, kind, kind))
    clock.advance(minutes=25)
    ui.step(3.0)  # past the status poll interval
    ui.settle()


def till(ui: Ui, engine: Engine, clock: FakeClock, shot: Shooter) -> None:
    shot(ui, "empty")
    for item in ("salad", "steak", "tart", "water", "coffee"):
        add(ui, item)
    shot(ui, "tray")
    tap(ui, ALICE)
    shot(ui, "accepted")
    touch(ui, "ok")
    add(ui, "coffee")  # the next diner's first item
    tap(ui, ALICE)  # Alice's badge again, a second later: nothing is charged
    shot(ui, "already-paid")
    touch(ui, "ok")
    touch(ui, "clear")
    for _ in range(2):
        add(ui, "cake-order")
    tap(ui, BRUNO)  # 5,00 + 3,00 overdraft: 48,00 is refused with its shortfall
    shot(ui, "refused")
    touch(ui, "ok")
    touch(ui, "clear")
    touch(ui, "cashier")
    shot(ui, "cashier-login")
    tap(ui, CASHIER_BADGE)
    type_digits(ui, CASHIER_PIN[:2])
    shot(ui, "cashier-pin")
    type_digits(ui, CASHIER_PIN[2:])
    touch(ui, "keypad", "OK")
    shot(ui, "cashier-menu")
    # A card payment whose answer was lost: journalled as pending, shown to the cashier.
    Payments(engine).begin(
        PaymentPurpose.TOP_UP, Money(2000), terminal="tpe-1", test=False, account="A2"
    )
    touch(ui, "card_pending")
    shot(ui, "card-pending")
    touch(ui, "not_debited")  # the cashier read the terminal's ticket: nothing taken
    touch(ui, "yes")
    touch(ui, "back")
    todays_orders(engine)
    touch(ui, "orders")
    tap(ui, ALICE)  # the diner's badge: today's orders to hand over
    shot(ui, "orders")
    touch(ui, "hand_over", find(ui, "hand_over").value)
    shot(ui, "orders-handed")
    touch(ui, "back")
    touch(ui, "close")
    shot(ui, "closure")
    touch(ui, "ok")
    touch(ui, "back")
    publish_menu(engine, tomorrows_menu())
    ui.step(3.0)  # the status poll finds it; shown at once, nobody is being served
    ui.settle()
    shot(ui, "menu-updated")
    touch(ui, "lang")
    for item in ("gazpacho", "steak", "tart"):
        add(ui, item)
    ui.step(4.0)  # the toast has gone
    ui.settle()
    shot(ui, "tray-english")
    touch(ui, "clear")
    touch(ui, "lang")
    add(ui, "veggie")
    add(ui, "coffee")
    faults_and_offline(ui, clock, "printer", "paper_out")
    shot(ui, "status-offline-fault")


def idle_with_readers_down(ui: Ui, shot: Shooter) -> None:
    """The idle screen with the badge reader unplugged (the QR scanner still takes
    phone badges), then with both down (out of order); then both back."""
    ui.inputs.put(DeviceReadied("scanner"))
    ui.inputs.put(DeviceFaulted("reader", "disconnected", "unplugged"))
    ui.settle()
    shot(ui, "idle-reader-unplugged")
    ui.inputs.put(DeviceFaulted("scanner", "disconnected", "unplugged"))
    ui.settle()
    shot(ui, "idle-out-of-order")
    ui.inputs.put(DeviceReadied("reader"))
    ui.inputs.put(DeviceReadied("scanner"))
    ui.settle()


def kiosk(ui: Ui, engine: Engine, clock: FakeClock, shot: Shooter) -> None:
    shot(ui, "idle")
    idle_with_readers_down(ui, shot)
    tap(ui, ALICE)
    shot(ui, "home")
    touch(ui, "top_up")
    shot(ui, "top-up")
    card_top_up(ui, shot)
    touch(ui, "order")
    touch(ui, "add", "coffee-card")
    touch(ui, "add", "packed-lunch")
    shot(ui, "order")
    touch(ui, "pay")  # the packed lunch is ordered ahead: its pickup day and slot
    touch(ui, "slot", "12:00-12:30")
    shot(ui, "order-pickup")
    touch(ui, "pay")
    shot(ui, "order-done")
    touch(ui, "ok")
    ui.step(4.0)  # the toast has gone
    ui.settle()
    shot(ui, "home-orders")  # "Commandes en cours" after the tap
    touch(ui, "my_orders")
    shot(ui, "my-orders")
    touch(ui, "back")
    touch(ui, "done")
    faults_and_offline(ui, clock, "reader", "disconnected")
    shot(ui, "status-offline-fault")


def card_top_up(ui: Ui, shot: Shooter) -> None:
    """The card top-up screens: another amount, paying on the terminal, the result."""
    touch(ui, "other")
    type_digits(ui, "35")
    shot(ui, "top-up-other-amount")
    terminal = ui.cards.device if ui.cards is not None else None
    assert isinstance(terminal, GatedTerminal)
    pos = find(ui, "keypad", "OK").rect.center
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False))
    for _ in range(3):
        ui.step(0.0)  # not settle(): the payment is waiting on the terminal
    shot(ui, "card-payment")
    terminal.gate.set()
    ui.settle()
    shot(ui, "card-approved")
    ui.step(4.0)  # the toast has gone
    ui.settle()
    terminal.approve = False
    touch(ui, "top_up")
    terminal.gate.set()
    touch(ui, "amount", 2000)
    shot(ui, "card-declined")
    touch(ui, "ok")
    terminal.approve = True


def kiosk_portrait(ui: Ui, engine: Engine, clock: FakeClock, shot: Shooter) -> None:
    shot(ui, "idle")
    idle_with_readers_down(ui, shot)
    tap(ui, ALICE)
    shot(ui, "home")
    touch(ui, "order")
    touch(ui, "category", "service")
    touch(ui, "add", "coffee-card")
    touch(ui, "more", "coffee-card")
    touch(ui, "add", "packed-lunch")
    shot(ui, "order")
    touch(ui, "pay")
    touch(ui, "slot", "12:00-12:30")
    shot(ui, "order-pickup")


def todays_orders(engine: Engine) -> None:
    """Two of Alice's orders to collect today, as the hub sends them to the till."""
    docs = [
        OrderDoc(
            code=order_code(origin),
            origin=origin,
            account="A1",
            lines=lines,
            pickup_day="2026-11-26",
            slot=slot,
            place="Comptoir traiteur",
            amount=amount,
            state=state,
            placed_at="2026-11-24T09:00:00.000000Z",
        )
        for origin, lines, slot, amount, state in (
            ("K2:41", (OrderLine(item="packed-lunch", qty=2),), "12:00-12:30", 1300,
             OrderState.READY),
            ("K2:57", (OrderLine(item="cake-order", options=("candles",)),), "16:00-16:30", 2400,
             OrderState.PLACED),
        )
    ]  # fmt: skip
    engine.store.apply_snapshot(
        accounts=[], credentials=[], settings=None, applied_seq=0, cursor=2,
        documents={"order": {d.code: d.model_dump(mode="json") for d in docs}},
    )  # fmt: skip


def history(engine: Engine) -> None:
    """A few past tickets for the kiosk's home screen."""
    engine.sell(ALICE, Money(645), details={"mode": "till"})
    engine.top_up("A1", Money(2000), "cash", "K1")
    engine.sell(ALICE, Money(520), details={"mode": "till"})


Scenario = Callable[[Ui, Engine, FakeClock, Shooter], None]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="screenshots.py", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    shot = Shooter(args.out)
    runs: list[tuple[Mode, tuple[int, int], Scenario]] = [
        *((Mode.TILL, size, till) for size in LANDSCAPE),
        *((Mode.KIOSK, size, kiosk) for size in LANDSCAPE),
        (Mode.KIOSK, PORTRAIT, kiosk_portrait),
    ]
    for mode, size, scenario in runs:
        with seeded_ui(mode, size) as (ui, engine, clock):
            if mode is Mode.KIOSK:
                history(engine)
            scenario(ui, engine, clock, shot)
    for path in shot.saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
