"""Tray sales: repriced for the diner who taps, subsidy once a day, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.engine import Accepted, Engine, Refused
from kiosk.engine.pricing import PricedTicket
from kiosk.engine.trays import current_menu, menu_document, sell_tray, subsidised_today
from kiosk.sitefile import load_site_menu
from sync.money import Money
from sync.protocol.catalogue import SiteMenu
from sync.protocol.reasons import RejectReason
from tests.kiosk.engine.test_visits import publish

MENU = load_site_menu(Path(__file__).parents[3] / "config" / "example-site.toml")
TRAY = ["salad", "steak", "tart"]
ALICE = "nfc:04A1B2C3D4E5F6"  # employee, 20,00 EUR
CHLOE = "nfc:55667788"  # manager, postpaid


@pytest.fixture
def menu(engine: Engine) -> SiteMenu:
    publish(engine, {"site": menu_document(MENU)}, kind="catalogue")
    found = current_menu(engine)
    assert found == MENU  # the synced JSON document gives back the same menu
    return found


def test_tray_is_priced_for_the_diner_and_journalled(engine: Engine, menu: SiteMenu) -> None:
    result = sell_tray(engine, ALICE, TRAY, menu=menu)
    assert isinstance(result, Accepted) and isinstance(result.ticket, PricedTicket)
    assert result.amount == Money(740) and result.ticket.subsidy_granted
    assert result.balance_after == Money(2000 - 740)
    entry = engine.store.entry(result.seq)
    assert entry is not None and entry.amount == -740
    assert PricedTicket.model_validate(entry.payload["ticket"]) == result.ticket
    assert entry.payload["items"] == sorted(TRAY)


def test_subsidy_is_granted_once_a_day_and_given_back_on_cancel(
    engine: Engine, menu: SiteMenu
) -> None:
    first = sell_tray(engine, ALICE, TRAY, menu=menu)
    assert isinstance(first, Accepted) and subsidised_today(engine, "A1")
    second = sell_tray(engine, ALICE, TRAY, menu=menu)
    assert isinstance(second, Accepted) and not second.ticket.subsidy_granted
    assert second.amount.cents > first.amount.cents
    assert isinstance(engine.cancel(first.seq, "C1", "wrong tray"), Accepted)
    assert not subsidised_today(engine, "A1")
    third = sell_tray(engine, ALICE, TRAY, menu=menu)
    assert isinstance(third, Accepted) and third.ticket.subsidy_granted


def test_profiles_price_differently(engine: Engine, menu: SiteMenu) -> None:
    employee = sell_tray(engine, ALICE, TRAY, menu=menu)
    manager = sell_tray(engine, CHLOE, TRAY, menu=menu)
    assert isinstance(employee, Accepted) and isinstance(manager, Accepted)
    assert manager.ticket.profile_id == "manager" and employee.ticket.profile_id == "employee"
    assert manager.amount != employee.amount


@pytest.mark.parametrize(
    ("items", "reason"),
    [([], RejectReason.EMPTY_TRAY), (["salad", "caviar"], RejectReason.UNKNOWN_ITEM)],
)
def test_bad_trays_write_nothing(
    engine: Engine, menu: SiteMenu, items: list[str], reason: RejectReason
) -> None:
    result = sell_tray(engine, ALICE, items, menu=menu)
    assert isinstance(result, Refused) and result.reason is reason
    assert engine.store.last_seq() == 0


def test_badge_refusal_comes_before_pricing(engine: Engine, menu: SiteMenu) -> None:
    result = sell_tray(engine, "nfc:DEADBEEF", ["caviar"], menu=menu)
    assert isinstance(result, Refused) and result.reason is RejectReason.LOST_BADGE


def test_sell_needs_exactly_one_of_amount_and_price(engine: Engine) -> None:
    with pytest.raises(ValueError, match="either an amount or a price"):
        engine.sell(ALICE, None)
