"""Fixtures for UI tests: a seeded engine, a cashier, and a headless UI in each mode,
selling through the real till service with the site's pricer on the example site."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.payment.virtual import VirtualPaymentTerminal
from kiosk.cardpay import CardDesk
from kiosk.engine import Engine
from kiosk.engine.cashiers import add_cashier
from kiosk.service import TillService
from kiosk.sitefile import load_site_menu
from kiosk.ui.model import MemoryReceipts, Mode, UiConfig
from kiosk.ui.shell import Ui
from tests.kiosk.engine.conftest import FakeClock

SITE_FILE = Path(__file__).parents[3] / "config" / "example-site.toml"
MENU = load_site_menu(SITE_FILE)
CASHIER_BADGE = "nfc:C0FFEE01"
CASHIER_PIN = "4321"
ALICE = "nfc:04A1B2C3D4E5F6"  # A1, 20,00 EUR prepaid, employee
BRUNO = "nfc:11223344"  # A2, 5,00 EUR with 3,00 EUR overdraft, employee

UiFactory = Callable[..., Ui]


@pytest.fixture
def engine(engine: Engine) -> Engine:
    """The seeded engine of every kiosk suite, with a cashier."""
    add_cashier(engine.store, "K1", "Karim Caissier", CASHIER_BADGE, CASHIER_PIN)
    return engine


def monotonic_of(clock: FakeClock) -> Callable[[], float]:
    """The till service's monotonic clock, moved by the test's ``clock.advance``."""

    def seconds() -> float:
        return clock.now.timestamp()

    return seconds


@pytest.fixture
def payment(engine: Engine) -> Iterator[VirtualPaymentTerminal]:
    """The demo's payment terminal, chosen explicitly as the tests' one."""
    with VirtualPaymentTerminal(None, queue.Queue()) as terminal:
        deadline = time.monotonic() + 10
        while not terminal.available and time.monotonic() < deadline:
            time.sleep(0.005)
        yield terminal


@pytest.fixture
def make_ui(
    engine: Engine, clock: FakeClock, payment: VirtualPaymentTerminal
) -> Iterator[UiFactory]:
    made: list[Ui] = []

    def factory(mode: Mode = Mode.TILL, *, card_terminal: bool = True, **overrides: object) -> Ui:
        # No guard against presses right after a screen change unless a test asks:
        # synthetic touches come within microseconds of the change.
        options: dict[str, object] = {
            "width": 800,
            "height": 480,
            "sound": False,
            "press_guard_s": 0.0,
            **overrides,
        }
        config = UiConfig(mode=mode, **options)  # type: ignore[arg-type]
        ui = Ui(
            config,
            TillService(engine, menu=MENU, clock=monotonic_of(clock)),
            receipts=MemoryReceipts(),
            cards=CardDesk(engine, payment if card_terminal else None),
            clock=clock,
        )
        made.append(ui)
        ui.settle()
        return ui

    yield factory
    for ui in made:
        ui.close()
