"""A year of trading on two tills, one of them off for more than a week: the daily,
monthly and yearly closures that result, their grand totals against the sales, and
the journal that still verifies. Driven through the engine with a fake clock."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.engine import Accepted, Engine, duplicates, training
from kiosk.engine import archive as archiving
from kiosk.engine.cashiers import Cashier
from kiosk.engine.closures_periodic import catch_up, close_day, closures_of
from kiosk.engine.trays import sell_tray
from kiosk.sitefile import load_site_menu
from sync.archive import entries_of, verify_archive
from sync.journal import GENESIS_HASH, Entry, EntryKind
from sync.protocol.rows import (
    AccountKind,
    AccountRow,
    CredentialKind,
    CredentialRow,
    SiteSettings,
)

MENU = load_site_menu(Path(__file__).parents[3] / "config" / "example-site.toml")
MANAGER = Cashier("M1", "Nadia Responsable", "nfc:0A0B0C0D", "manager")
TRAYS = [["salad", "steak", "tart"], ["soup", "fish"], ["pasta", "beer"], ["sandwich"]]
OFF = (date(2025, 5, 24), date(2025, 6, 3))  # till T2 off (inclusive), across a month end


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, 7, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Till:
    engine: Engine
    clock: Clock
    trading_days: list[str] = field(default_factory=list)
    net_by_month: Counter[str] = field(default_factory=Counter)
    absolute: int = 0
    sales: int = 0
    cancellations: int = 0
    duplicates: int = 0
    trainings: int = 0
    unclosed: set[str] = field(default_factory=set)


def open_till(tmp_path: Path, name: str, settings: SiteSettings) -> Till:
    clock = Clock()
    engine = Engine.open(
        tmp_path / name / "kiosk.db",
        tmp_path / name / "terminal.key",
        terminal_id=name,
        clock=clock,
    )
    engine.store.apply_snapshot(
        accounts=[
            AccountRow(
                id=f"E{i}",
                display_name=f"Diner {i}",
                balance=0,
                kind=AccountKind.POSTPAID,
                profile="employee",
            )
            for i in range(3)
        ],
        credentials=[
            CredentialRow(value=f"nfc:0000000{i}", kind=CredentialKind.NFC, account_id=f"E{i}")
            for i in range(3)
        ],
        settings=settings,
        applied_seq=0,
        cursor=1,
    )
    return Till(engine, clock)


def trading_days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def trade(till: Till, day: date, n: int) -> None:
    """One day of a till: catch up at start, sales, a cancellation every 7th day, a
    reprint every 5th, a training session each March Wednesday; the cashier closes,
    except on Fridays (the day is closed automatically at the next start)."""
    engine, clock = till.engine, till.clock
    clock.now = datetime.combine(day, datetime.min.time(), UTC).replace(hour=7)
    catch_up(engine)
    till.unclosed.clear()
    clock.now = clock.now.replace(hour=11)
    sold: list[Accepted] = []
    for i in range(2 if n % 7 == 0 or n % 5 == 0 else 1):
        result = sell_tray(engine, f"nfc:0000000{(n + i) % 3}", TRAYS[(n + i) % 4], menu=MENU)
        assert isinstance(result, Accepted), result
        sold.append(result)
        till.net_by_month[day.isoformat()[:7]] += result.amount.cents
        till.absolute += result.amount.cents
        till.sales += 1
        clock.now += timedelta(minutes=3)
    if n % 7 == 0:
        undo = engine.cancel(sold[0].seq, "K1", "plateau erroné")
        assert isinstance(undo, Accepted)
        till.net_by_month[day.isoformat()[:7]] -= sold[0].amount.cents
        till.absolute += sold[0].amount.cents
        till.cancellations += 1
    if n % 5 == 0:
        duplicates.record(engine, sold[1].seq, "K1")
        duplicates.record(engine, sold[1].seq, "K1")
        till.duplicates += 2
    if day.month == 3 and day.weekday() == 2:
        training.switch(engine, True, MANAGER)
        ticket = training.sell(engine, "nfc:00000001", TRAYS[0], menu=MENU)
        assert isinstance(ticket, Accepted)
        training.switch(engine, False, MANAGER)
        till.trainings += 1
    till.trading_days.append(day.isoformat())
    if day.weekday() == 4:
        till.unclosed.add(day.isoformat())
        return
    clock.now = clock.now.replace(hour=15)
    close_day(engine, "K1")


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Till, Till]]:
    """The year is traded once for the module's tests (they only read it), in memory
    where the machine has it: a year is thousands of durable commits, and what this
    test checks is what they hold, not the disk's fsync."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        tmp_path = Path(tempfile.mkdtemp(prefix="closures-year-", dir=shm))
    else:
        tmp_path = tmp_path_factory.mktemp("year")
    # Sales are checked against no offline cap: the fake clock runs for a year unsynced.
    settings = SiteSettings(site_code="DEMO", offline_daily_cap=10**9)
    one, two = open_till(tmp_path, "T1", settings), open_till(tmp_path, "T2", settings)
    for n, day in enumerate(trading_days(date(2025, 1, 2), date(2025, 12, 31))):
        trade(one, day, n)
        if not OFF[0] <= day <= OFF[1]:
            trade(two, day, n)
    for till in (one, two):  # the first start of the next year
        till.clock.now = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
        catch_up(till.engine)
    yield one, two
    one.engine.close()
    two.engine.close()
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_year_on_two_tills_gives_every_closure_and_grand_totals_equal_to_the_sales(
    year: tuple[Till, Till],
) -> None:
    for till in year:
        engine = till.engine
        days = closures_of(engine, EntryKind.CLOSURE)
        # one daily closure per trading day, none for a day without any entry
        assert [d.payload["business_day"] for d in days] == till.trading_days
        automatic = {d.payload["business_day"] for d in days if d.payload["automatic"]}
        assert automatic == {d for d in till.trading_days if date.fromisoformat(d).weekday() == 4}
        # every period follows the previous one, without a gap or an overlap
        for before, after in itertools.pairwise(days):
            assert after.payload["period"]["first_seq"] == before.payload["period"]["last_seq"] + 1
        grand = 0
        for d in days:
            grand += d.payload["net_sales"]
            assert d.payload["grand_total"] == grand
            assert "unknown" not in d.payload["by_vat"]
            assert sum(d.payload["by_vat"].values()) == d.payload["net_sales"]

        months = closures_of(engine, EntryKind.CLOSURE_MONTH)
        assert [m.payload["month"] for m in months] == [f"2025-{m:02d}" for m in range(1, 13)]
        running = 0
        for m in months:
            running += till.net_by_month[m.payload["month"]]
            assert m.payload["net_sales"] == till.net_by_month[m.payload["month"]]
            assert m.payload["grand_total"] == running
            assert m.payload["closures"] == sum(
                1 for d in till.trading_days if d.startswith(m.payload["month"])
            )

        (fiscal,) = closures_of(engine, EntryKind.CLOSURE_YEAR)
        payload = fiscal.payload
        assert (payload["year"], payload["first_day"], payload["last_day"]) == (
            2025,
            "2025-01-01",
            "2025-12-31",
        )
        total = sum(till.net_by_month.values())
        assert payload["net_sales"] == payload["grand_total"] == days[-1].payload["grand_total"]
        assert payload["net_sales"] == total
        assert payload["absolute_sales"] == payload["grand_total_abs"] == till.absolute
        assert payload["sales_count"] == till.sales
        assert payload["cancellations_count"] == till.cancellations
        assert payload["duplicates_count"] == till.duplicates
        assert payload["training_count"] == till.trainings
        assert payload["closures"] == 12
        assert engine.verify().ok

    one, two = year
    assert len(two.trading_days) == len(one.trading_days) - 7
    # the till that was off closed its last day and May when it came back, in June
    may = next(
        m
        for m in closures_of(two.engine, EntryKind.CLOSURE_MONTH)
        if m.payload["month"] == "2025-05"
    )
    assert may.ts.startswith("2025-06-04")
    friday = next(
        d
        for d in closures_of(two.engine, EntryKind.CLOSURE)
        if d.payload["business_day"] == "2025-05-23"
    )
    assert friday.payload["automatic"] and friday.ts.startswith("2025-06-04")


def test_closures_are_written_once_whoever_catches_up(year: tuple[Till, Till]) -> None:
    one, _two = year
    counts = Counter(e.kind for e in _all(one.engine))
    assert catch_up(one.engine) == []
    assert Counter(e.kind for e in _all(one.engine)) == counts


def _all(engine: Engine) -> list[object]:
    out: list[object] = []
    after = 0
    while batch := engine.store.journal_after(after, 1000):
        out.extend(batch)
        after = batch[-1].seq
    return out


def test_by_month_and_means_add_up(year: tuple[Till, Till]) -> None:
    one, _ = year
    months = closures_of(one.engine, EntryKind.CLOSURE_MONTH)
    by_means: defaultdict[str, int] = defaultdict(int)
    for m in months:
        for means, cents in m.payload["by_means"].items():
            by_means[means] += cents
    (fiscal,) = closures_of(one.engine, EntryKind.CLOSURE_YEAR)
    assert dict(by_means) == fiscal.payload["by_means"] == {"balance": fiscal.payload["net_sales"]}


def test_the_year_archives_month_by_month_and_as_a_fiscal_year(
    year: tuple[Till, Till], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("archives")
    for till in year:
        previous_last: Entry | None = None
        for month in range(1, 13):
            written = archiving.write(till.engine, f"2025-{month:02d}", folder)
            data = written.path.read_bytes()
            report = verify_archive(data)
            assert report.ok, (till.engine.terminal_id, month, report.problems[:3])
            entries = list(entries_of(data))
            # month after month, the archives join up: no entry of the journal left out
            if previous_last is not None:
                assert entries[0].seq <= previous_last.seq + 1
            assert report.header["prev_hash"] == (
                GENESIS_HASH if entries[0].seq == 1 else _hash_of(till.engine, entries[0].seq - 1)
            )
            previous_last = entries[-1]
        fiscal = archiving.write(till.engine, "2025", folder)
        report = verify_archive(fiscal.path.read_bytes())
        assert report.ok, report.problems[:3]
        assert report.header["period"] == "FY2025"
        # every daily, the monthly and the yearly closures, each recounted
        assert report.closures == len(till.trading_days) + 12 + 1
        assert till.engine.verify().ok


def _hash_of(engine: Engine, seq: int) -> str:
    entry = engine.store.entry(seq)
    assert entry is not None
    return entry.hash
