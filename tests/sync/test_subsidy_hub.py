"""The daily employer subsidy across tills: the hub marks the diner's subsidised sale,
the other tills learn it when they pull, and a cancellation gives it back. Real hub
over HTTP, real engines and sync daemons, the example site's menu."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.engine import Accepted
from kiosk.engine.trays import current_menu, menu_document, sell_tray, subsidised_today
from kiosk.sitefile import load_site_menu
from sync.client import SyncError
from sync.journal import Entry, EntryKind
from sync.protocol.catalogue import SiteMenu
from sync.protocol.rows import SubsidyMark
from sync.subsidy import follow, mark_of
from tests.sync.conftest import Till, TillFactory
from tests.sync.live import Admin, make_site

MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")
TRAY = ["salad", "steak", "tart"]  # a balanced tray: it qualifies for the subsidy
BADGE = "nfc:0A0A0A01"


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 10_000})
    admin.badge(BADGE, "A1")
    response = admin.http.put(
        "/v1/admin/sites/S1/documents/catalogue/site", json=menu_document(MENU)
    )
    assert response.status_code in {200, 204}, response.text
    return "S1"


def menu_of(till: Till) -> SiteMenu:
    menu = current_menu(till.engine)
    assert menu is not None, "the till has not pulled the menu"
    return menu


def exchange(till: Till) -> None:
    """One push and pull, recorded (a till that never synced sells under the offline cap)."""
    outcome = till.daemon.attempt()
    assert not isinstance(outcome, SyncError), outcome


def buy(till: Till) -> Accepted:
    result = sell_tray(till.engine, BADGE, TRAY, menu=menu_of(till))
    assert isinstance(result, Accepted), result
    return result


def test_subsidy_once_a_day_across_tills(site: str, admin: Admin, open_till: TillFactory) -> None:
    one, two = open_till("one"), open_till("two")
    for till in (one, two):
        exchange(till)

    lunch = buy(one)
    assert lunch.ticket.subsidy_granted
    # before the exchange, the second till cannot know (offline: accepted risk)
    assert not subsidised_today(two.engine, "A1")
    exchange(one)
    mark = admin.account("A1")["account"]
    assert isinstance(mark, dict)
    assert mark["subsidy"] == {
        "day": one.engine.business_day(),
        "terminal_id": one.terminal_id,
        "seq": lunch.seq,
    }
    exchange(two)
    assert subsidised_today(two.engine, "A1")
    second = buy(two)
    assert not second.ticket.subsidy_granted
    assert second.amount.cents > lunch.amount.cents

    # the first lunch is cancelled at its till: once the hub knows, the subsidy is free again
    assert isinstance(one.engine.cancel(lunch.seq, "C1", "wrong badge"), Accepted)
    exchange(one)
    exchange(two)
    assert admin.account("A1")["account"]["subsidy"] is None  # type: ignore[index]
    assert not subsidised_today(two.engine, "A1")
    assert buy(two).ticket.subsidy_granted


def test_a_till_trusts_its_own_journal_over_the_hubs_mark(
    site: str, open_till: TillFactory
) -> None:
    till = open_till("one")
    exchange(till)
    lunch = buy(till)
    exchange(till)  # the hub marks this till's own sale
    state = till.engine.store.account("A1")
    assert state is not None and state.row.subsidy is not None
    assert state.row.subsidy.terminal_id == till.terminal_id
    # cancelled here and not yet pushed: the journal knows better than the mark
    assert isinstance(till.engine.cancel(lunch.seq, "C1", "wrong tray"), Accepted)
    assert not subsidised_today(till.engine, "A1")
    assert buy(till).ticket.subsidy_granted


def _sale(terminal: str, seq: int, day: str, *, granted: bool) -> Entry:
    payload = {"business_day": day, "ticket": {"subsidy_granted": granted}}
    return _entry(terminal, seq, EntryKind.SALE, payload)


def _entry(terminal: str, seq: int, kind: EntryKind, payload: dict[str, object]) -> Entry:
    return Entry(
        seq=seq,
        terminal_id=terminal,
        ts="2026-11-26T11:30:00.000000Z",
        kind=kind,
        account="A1",
        amount=-500,
        payload=payload,
        prev_hash="0" * 64,
        hash="0" * 64,
        sig="",
    )


def test_the_mark_follows_subsidised_sales_and_their_cancellation() -> None:
    monday = _sale("T1", 4, "2026-11-23", granted=True)
    tuesday = _sale("T2", 9, "2026-11-24", granted=True)
    assert follow(None, [_sale("T1", 1, "2026-11-23", granted=False)]) is None
    assert follow(None, [monday]) == SubsidyMark(day="2026-11-23", terminal_id="T1", seq=4)
    later = follow(None, [tuesday])
    assert follow(later, [monday]) == later  # an older day never replaces a newer one
    # worked out again from all the entries: a cancellation names its own terminal's sale
    cancel_other = _entry("T1", 5, EntryKind.CANCEL, {"cancels": 9})
    assert mark_of([monday, tuesday, cancel_other]) == later
    cancel_tuesday = _entry("T2", 10, EntryKind.CANCEL, {"cancels": 9})
    assert mark_of([monday, tuesday, cancel_tuesday]) == follow(None, [monday])
    # two tills offline both granted it on Tuesday: one cancelled, the other still counts
    also_tuesday = _sale("T3", 2, "2026-11-24", granted=True)
    assert mark_of([tuesday, also_tuesday, cancel_tuesday]) == follow(None, [also_tuesday])
    assert mark_of([tuesday, cancel_tuesday]) is None
