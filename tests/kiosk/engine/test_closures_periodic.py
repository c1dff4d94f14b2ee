"""Daily, monthly and yearly closures at their edges: a fiscal year that is not the
calendar's, a sale made before the day's automatic closure, an idle month, two
processes catching up at once; reprints and training mode refused where they must."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.engine import Accepted, Engine, duplicates, training
from kiosk.engine.cashiers import Cashier
from kiosk.engine.closures_periodic import catch_up, close_day, closures_of, fiscal_year_of
from kiosk.sitefile import load_site_menu
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.rows import SiteSettings
from tests.kiosk.engine.conftest import SETTINGS, FakeClock, seed

MENU = load_site_menu(Path(__file__).parents[3] / "config" / "example-site.toml")
ALICE = "nfc:04A1B2C3D4E5F6"
POSTPAID = "nfc:55667788"


def at(clock: FakeClock, day: str, hour: int = 11) -> None:
    clock.now = datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def sell(engine: Engine, cents: int, rate: str = "1000") -> Accepted:
    result = engine.sell(POSTPAID, Money(cents), details={"vat": {rate: cents}})
    assert isinstance(result, Accepted), result
    return result


def with_settings(engine: Engine, settings: SiteSettings) -> None:
    engine.store.apply_snapshot(
        accounts=[], credentials=[], settings=settings, applied_seq=0, cursor=2
    )


def test_a_fiscal_year_from_july_sums_the_months_the_till_traded(
    engine: Engine, clock: FakeClock
) -> None:
    with_settings(engine, SETTINGS.model_copy(update={"fiscal_year_start_month": 7}))
    for day, cents in (("2026-03-10", 500), ("2026-04-15", 700), ("2026-06-30", 900)):
        at(clock, day)
        sell(engine, cents)
    at(clock, "2026-07-02", 7)
    written = catch_up(engine)
    assert [e.kind for e in written] == [
        *[EntryKind.CLOSURE] * 3,  # the three days, nobody closed them
        *[EntryKind.CLOSURE_MONTH] * 4,  # March to June
        EntryKind.CLOSURE_YEAR,
    ]
    year = written[-1].payload
    assert (year["year"], year["first_day"], year["last_day"]) == (2025, "2025-07-01", "2026-06-30")
    assert year["closures"] == 4 and year["net_sales"] == year["grand_total"] == 2100
    assert fiscal_year_of(datetime(2026, 6, 30).date(), 7)[0].isoformat() == "2025-07-01"
    assert catch_up(engine) == []


def test_a_sale_before_the_days_automatic_closure_goes_to_its_own_day(
    engine: Engine, clock: FakeClock
) -> None:
    at(clock, "2026-11-26")
    sell(engine, 450)
    at(clock, "2026-11-27", 0)  # 01:00 in Paris: the next business day
    early = sell(engine, 300)
    (day,) = catch_up(engine)  # the tick comes after the sale
    assert day.payload["business_day"] == "2026-11-26" and day.payload["net_sales"] == 450
    assert day.payload["period"]["last_seq"] == early.seq - 1
    _entry, today = close_day(engine, "K1")
    assert today.net_sales == 300 and today.first_seq == early.seq
    assert today.grand_total == 750


def test_today_is_not_closed_automatically_and_idle_days_have_no_closure(
    engine: Engine, clock: FakeClock
) -> None:
    at(clock, "2026-11-02")
    sell(engine, 100)
    at(clock, "2026-11-02", 15)
    assert catch_up(engine) == []  # the day is not over
    at(clock, "2026-11-09", 7)  # a week later, nothing sold in between
    assert [e.payload["business_day"] for e in catch_up(engine)] == ["2026-11-02"]


def test_a_month_the_till_was_off_gets_an_empty_closure(engine: Engine, clock: FakeClock) -> None:
    at(clock, "2026-09-28")
    sell(engine, 800)
    at(clock, "2026-11-03", 7)  # off for the whole of October
    catch_up(engine)
    months = {e.payload["month"]: e.payload for e in closures_of(engine, EntryKind.CLOSURE_MONTH)}
    assert sorted(months) == ["2026-09", "2026-10"]
    assert months["2026-10"]["closures"] == 0 and months["2026-10"]["net_sales"] == 0
    assert months["2026-10"]["grand_total"] == 800  # the perpetual total carries on


def test_two_processes_catching_up_at_once_write_each_closure_once(
    engine: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    for day in ("2026-08-03", "2026-08-04", "2026-09-01"):
        at(clock, day)
        sell(engine, 250)
    at(clock, "2026-10-05", 7)
    other = Engine.open(
        tmp_path / "kiosk.db", tmp_path / "terminal.key", terminal_id="T1", clock=clock
    )
    written: list[int] = []
    errors: list[BaseException] = []

    def run(eng: Engine) -> None:
        try:
            written.extend(e.seq for e in catch_up(eng))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in (engine, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    other.close()
    assert not errors
    assert len(written) == len(set(written)) == 3 + 2  # three days, August and September
    assert [e.payload["business_day"] for e in closures_of(engine, EntryKind.CLOSURE)] == [
        "2026-08-03",
        "2026-08-04",
        "2026-09-01",
    ]
    assert engine.verify().ok


def test_reprints_are_numbered_per_ticket_and_refused_without_a_ticket(engine: Engine) -> None:
    one, two = sell(engine, 100), sell(engine, 200)
    assert [duplicates.record(engine, one.seq).number for _ in range(2)] == [1, 2]
    assert duplicates.record(engine, two.seq, "K1").mark == f"n° 1 du ticket {two.seq:06d}"
    start = engine.store.last_seq()
    with pytest.raises(duplicates.NotReprintable, match="no ticket 999"):
        duplicates.record(engine, 999)
    start_entry = engine.store.entry(start)
    assert start_entry is not None
    with pytest.raises(duplicates.NotReprintable, match="has no ticket"):
        duplicates.record(engine, start)  # a duplicate is not reprinted itself
    assert engine.store.last_seq() == start and duplicates.count(engine, one.seq) == 2


def test_training_needs_a_manager_and_training_tickets_need_the_mode(engine: Engine) -> None:
    cashier = Cashier("K1", "Karim", "nfc:C0FFEE01", "cashier")
    with pytest.raises(training.TrainingError, match="not a manager"):
        training.switch(engine, True, cashier)
    with pytest.raises(training.TrainingError, match="training mode is off"):
        training.sell(engine, ALICE, ["salad"], menu=MENU)
    assert engine.store.last_seq() == 0
    manager = Cashier("M1", "Nadia", "nfc:0B0B0B0B", "manager")
    assert training.switch(engine, True, manager) is not None
    assert training.switch(engine, True, manager) is None  # already on: nothing written
    refused = training.sell(engine, "nfc:DEADBEEF", ["salad"], menu=MENU)  # a lost badge
    assert not isinstance(refused, Accepted)
    ticket = training.sell(engine, ALICE, ["salad", "steak", "tart"], menu=MENU)
    assert isinstance(ticket, Accepted) and ticket.entry.account is None
    assert ticket.balance_after == engine.usable_balance("A1")
    assert training.is_on(engine)
    training.switch(engine, False, manager)
    assert not training.is_on(engine)
    _entry, summary = close_day(engine, "M1")
    assert (summary.training_count, summary.sales_count, summary.net_sales) == (1, 0, 0)


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    """The seeded engine, with sales checked against no offline cap (the fake clock
    runs for months without a sync)."""
    eng = Engine.open(
        tmp_path / "kiosk.db", tmp_path / "terminal.key", terminal_id="T1", clock=clock
    )
    seed(eng)
    with_settings(eng, SETTINGS.model_copy(update={"offline_daily_cap": 10**6}))
    yield eng
    eng.close()
