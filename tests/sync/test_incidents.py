"""Overdrafts and double subsidies surface: the hub records each incident in the push's
transaction (account, terminals, entries, amount), keeps a list the back office reads
and clears with a reason, and sends the site's incidents to the tills through the
changes feed. Real hub over HTTP, real engines and sync daemons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.doctor import incident_line
from kiosk.engine import Accepted
from kiosk.engine.trays import current_menu, menu_document, sell_tray
from kiosk.sitefile import load_site_menu
from sync.client import SyncError
from sync.protocol.incidents import IncidentKind
from tests.sync.conftest import Till, TillFactory
from tests.sync.live import Admin, make_site

MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")
TRAY = ["salad", "steak", "tart"]  # a balanced tray: it qualifies for the subsidy
BADGE = "nfc:0D1D0D01"


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin, offline_daily_cap=50_000)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 2000})
    admin.badge(BADGE, "A1")
    response = admin.http.put(
        "/v1/admin/sites/S1/documents/catalogue/site", json=menu_document(MENU)
    )
    assert response.status_code in {200, 204}, response.text
    return "S1"


def exchange(till: Till) -> None:
    outcome = till.daemon.attempt()
    assert not isinstance(outcome, SyncError), outcome


def incidents(admin: Admin, **query: str) -> list[dict[str, Any]]:
    response = admin.http.get("/v1/admin/sites/S1/incidents", params=query)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def test_each_overdraft_is_recorded_with_its_tills_and_cleared_with_a_reason(
    site: str, admin: Admin, open_till: TillFactory
) -> None:
    one, two, three = (open_till(name) for name in ("one", "two", "three"))
    for till in (one, two, three):
        exchange(till)
    # Each till knows only its own sales: together they take 20 EUR to -20 EUR.
    one.sell(BADGE, 1500)
    second = two.sell(BADGE, 1500)
    third = three.sell(BADGE, 1000)
    for till in (one, two, three):
        exchange(till)

    [incident] = incidents(admin)
    assert incident["kind"] == "overdraft" and incident["account_id"] == "A1"
    assert incident["terminals"] == sorted([two.terminal_id, three.terminal_id])
    assert incident["entries"] == [second.entry.id, third.entry.id]
    assert incident["amount"] == 2000  # how far below its floor the account went
    assert admin.balance("A1") == 2000 - 4000

    for till in (one, two, three):
        exchange(till)
        [seen] = till.store.incidents()
        assert seen.id == incident["id"] and seen.kind is IncidentKind.OVERDRAFT
    assert "overdraft on A1" in incident_line(seen)

    cleared = admin.http.post(
        f"/v1/admin/incidents/{incident['id']}/clear", json={"reason": "diner paid cash"}
    )
    assert cleared.status_code == 200 and cleared.json()["cleared_reason"] == "diner paid cash"
    assert incidents(admin) == []
    assert [i["id"] for i in incidents(admin, state="all")] == [incident["id"]]
    again = admin.http.post(f"/v1/admin/incidents/{incident['id']}/clear", json={"reason": "x"})
    assert again.status_code == 409
    assert admin.http.post("/v1/admin/incidents/999/clear", json={"reason": "x"}).status_code == 404
    no_reason = admin.http.post(f"/v1/admin/incidents/{incident['id']}/clear", json={})
    assert no_reason.status_code == 422
    exchange(one)
    assert one.store.incidents() == []

    # A further overdraft after the clearing is a new incident, not silence.
    admin.post("/v1/admin/accounts/A1/adjustments", {"amount": 2100, "note": "settled"})
    for till in (two, three):
        exchange(till)
    three.sell(BADGE, 100)
    two.sell(BADGE, 100)  # each till sees 1 EUR: together they spend 2
    exchange(three)
    exchange(two)
    [new] = incidents(admin, kind="overdraft")
    assert new["id"] != incident["id"] and new["terminals"] == [two.terminal_id]
    assert new["amount"] == 100


def test_two_tills_granting_the_daily_subsidy_are_flagged(
    site: str, admin: Admin, open_till: TillFactory
) -> None:
    one, two = open_till("one"), open_till("two")
    admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 8000, "ref": "t1"})
    for till in (one, two):
        exchange(till)
    menu = current_menu(one.engine)
    assert menu is not None
    first = sell_tray(one.engine, BADGE, TRAY, menu=menu)
    second = sell_tray(two.engine, BADGE, TRAY, menu=menu)  # it could not know
    assert isinstance(first, Accepted) and isinstance(second, Accepted)
    assert first.ticket.subsidy_granted and second.ticket.subsidy_granted
    exchange(one)
    assert incidents(admin) == []
    exchange(two)

    [incident] = incidents(admin, kind="double_subsidy")
    assert incident["account_id"] == "A1"
    assert incident["terminals"] == sorted([one.terminal_id, two.terminal_id])
    assert incident["entries"] == [first.entry.id, second.entry.id]
    assert second.ticket.subsidy is not None
    assert incident["amount"] == -second.ticket.subsidy.amount > 0
    exchange(one)
    assert [i.kind for i in one.store.incidents()] == [IncidentKind.DOUBLE_SUBSIDY]
