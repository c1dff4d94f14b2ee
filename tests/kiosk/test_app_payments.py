"""``kiosk run``'s wiring of ``[devices.payment]``: card top-ups only with a payment
terminal configured and answering (issue: without one, the kiosk credited card top-ups
through a terminal that approved everything)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.errors import ConfigurationError
from drivers.payment.caisse_ap_ip import CaisseApTerminal
from drivers.payment.virtual import VirtualPaymentTerminal
from kiosk.app import App
from kiosk.config import load_config
from kiosk.engine import Engine
from kiosk.sitefile import load_site_menu
from kiosk.ui.manager import ScreenId
from kiosk.ui.shell import Ui
from sync.money import Money
from tests.drivers.conftest import wait_until
from tests.drivers.sims.caisse_ap import CaisseApSim
from tests.kiosk.ui.helpers import find, tap, touch

MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")
BRUNO = "nfc:11223344"


@pytest.fixture
def opened(engine: Engine) -> Iterator[Any]:
    apps: list[tuple[App, Ui]] = []

    def open_app(payment: dict[str, Any] | None) -> tuple[App, Ui]:
        overrides: dict[str, Any] = {
            "terminal": {"mode": "kiosk"},
            "ui": {"width": 800, "height": 480, "sound": False, "press_guard_s": 0.0},
        }
        if payment is not None:
            overrides["devices"] = {"payment": payment}
        app = App(engine, load_config(None, environ={}, overrides=overrides), MENU)
        app.open_devices()
        ui = app.build_ui()
        apps.append((app, ui))
        return app, ui

    yield open_app
    for app, ui in apps:
        ui.close()
        app.close()


def test_no_payment_device_no_card_top_up(opened: Any, engine: Engine) -> None:
    app, ui = opened(None)
    assert app.payment is None
    tap(ui, BRUNO)
    assert ui.screen is ScreenId.HOME
    assert not find(ui, "top_up").enabled
    assert engine.store.journal_after(0, 10) == []


def test_the_virtual_terminal_is_chosen_explicitly(opened: Any, engine: Engine) -> None:
    app, ui = opened({"backend": "virtual"})
    assert isinstance(app.payment, VirtualPaymentTerminal)
    wait_until(lambda: app.payment is not None and app.payment.available)
    tap(ui, BRUNO)
    touch(ui, "top_up")
    touch(ui, "amount", 1000)
    assert engine.usable_balance("A2") == Money(1500)
    [credit] = [e for e in engine.store.journal_after(0, 10) if e.kind == "top_up"]
    assert credit.payload["test"] is True


def test_a_configured_terminal_that_does_not_answer(opened: Any, engine: Engine) -> None:
    app, ui = opened(
        {"backend": "caisse-ap", "host": "127.0.0.1", "port": 9, "retry_initial": 0.05}
    )
    assert isinstance(app.payment, CaisseApTerminal)
    tap(ui, BRUNO)
    assert not find(ui, "top_up").enabled
    assert engine.store.journal_after(0, 10) == []


def test_a_caisse_ap_terminal_that_answers(opened: Any, engine: Engine) -> None:
    with CaisseApSim() as sim:
        app, ui = opened({"backend": "caisse-ap", "host": "127.0.0.1", "port": sim.port})
        wait_until(lambda: app.payment is not None and app.payment.available)
        tap(ui, BRUNO)
        touch(ui, "top_up")
        touch(ui, "amount", 2000)
        assert engine.usable_balance("A2") == Money(2500)
        assert sim.debited == {next(iter(sim.debited)): 2000}


def test_a_misspelt_payment_option_is_an_error_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text('[devices.payment]\nbackend = "caisse-ap"\nhost = "10.0.0.9"\nprot = 8888\n')
    loaded = load_config(config, environ={})
    with pytest.raises(ConfigurationError, match=r"payment\.prot: unknown option"):
        App(None, loaded, MENU).open_devices()  # type: ignore[arg-type]
