"""Shared by the order tests: a menu with order rules, badges, a kiosk's service, and
the order's code of an accepted order entry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.engine import Accepted
from kiosk.service import TillService
from kiosk.sitefile import load_site_menu
from sync.daemon import SyncError
from sync.protocol.catalogue import SiteMenu
from sync.protocol.order_rules import Cutoff, OrderOption, OrderRules
from sync.protocol.orders import order_code, terminal_origin
from tests.sync.conftest import Till

ZONE = ZoneInfo("Europe/Paris")
ADA, BOB = "nfc:0A0A0A01", "nfc:0B0B0B02"
SLOTS = ("11:30-12:00", "12:00-12:30")


def order_menu() -> SiteMenu:
    """The example menu, with the packed lunch ordered the day before 14:00 (two a day)
    and the cake ordered for any day, options, no cut-off."""
    menu = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")
    rules = {
        "packed-lunch": OrderRules(
            cutoff=Cutoff(days_before=1, at="14:00"), slots=SLOTS, daily_limit=2
        ),
        "cake-order": OrderRules(
            slots=SLOTS,
            daily_limit=5,
            options=(OrderOption(id="candles", fr="Bougies", en="Candles"),),
        ),
    }
    items = tuple(
        i.model_copy(update={"ordering": rules[i.id]}) if i.id in rules else i for i in menu.items
    )
    return menu.model_copy(update={"items": items})


def today() -> date:
    return datetime.now(UTC).astimezone(ZONE).date()


def exchange(till: Till) -> None:
    outcome = till.daemon.attempt()
    assert not isinstance(outcome, SyncError), outcome


def service(till: Till) -> TillService:
    return TillService(till.engine, cashier="K1")


def code_of(till: Till, result: Accepted) -> str:
    return order_code(terminal_origin(till.terminal_id, result.seq))


def placed(result: object) -> Accepted:
    assert isinstance(result, Accepted), result
    return result
