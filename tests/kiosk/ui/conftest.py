"""Fixtures for UI tests: a seeded engine, a cashier, and a headless UI in each mode,
selling through the real till service with the site's pricer on the example site."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.engine import Engine
from kiosk.engine.cashiers import add_cashier
from kiosk.service import TillService
from kiosk.sitefile import load_site_menu
from kiosk.ui.model import MemoryReceipts, Mode, UiConfig, VirtualPaymentTerminal
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
def make_ui(engine: Engine, clock: FakeClock) -> Iterator[UiFactory]:
    made: list[Ui] = []

    def factory(mode: Mode = Mode.TILL, **overrides: object) -> Ui:
        config = UiConfig(mode=mode, width=800, height=480, sound=False, **overrides)  # type: ignore[arg-type]
        ui = Ui(
            config,
            TillService(engine, menu=MENU, clock=monotonic_of(clock)),
            receipts=MemoryReceipts(),
            payment=VirtualPaymentTerminal(),
            clock=clock,
        )
        made.append(ui)
        ui.settle()
        return ui

    yield factory
    for ui in made:
        ui.close()
