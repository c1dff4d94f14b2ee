"""The back office on a live hub over HTTP (``sync.admin_client``), with real tills
(engine and sync daemon) where the result must reach them: account imports, menu
versions, cashiers synced with their PIN hash, badge replacement, the day's report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.engine import Accepted, Refused, Store
from kiosk.engine.cashiers import PinGuard, PinOutcome, add_cashier, cashier_for, check_pin
from kiosk.engine.closure import close_till
from kiosk.engine.trays import MENU_ID, MENU_KIND, menu_document
from kiosk.sitefile import load_site_menu
from sync.accounts_csv import parse_accounts
from sync.admin_client import AdminClient, AdminError
from sync.money import Money
from sync.protocol.admin import MAX_IMPORT, CashierAdd, CashierRole, ImportRow
from sync.protocol.rows import CredentialStatus, SiteSettings
from tests.sync.conftest import TillFactory
from tests.sync.live import Admin, LiveHub, make_site

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example-site.toml"
MENU = menu_document(load_site_menu(EXAMPLE))
CSV = """id,name,profile,badges,email,overdraft,postpaid,cost_centre
E1,Alice Martin,employee,04A1B2C3,alice@acme.example,5,no,CC-RD
E2,Bruno Petit,manager,04:a1:b2:c4 04A1B2C5,bruno@acme.example,,yes,CC-RD
E3,Chloé Durand,intern,,,"0,00",no,
"""


@pytest.fixture
def client(live_hub: LiveHub, admin_token: str, admin: Admin) -> Iterator[AdminClient]:
    make_site(admin, "S1")
    with AdminClient(live_hub.url, admin_token) as found:
        yield found


def first_price(store: Store) -> int:
    text = store.document_text(MENU_KIND, MENU_ID)
    assert text is not None
    return int(json.loads(text)["items"][0]["price"])


def rows_of(text: str) -> list[ImportRow]:
    rows, errors = parse_accounts(text)
    assert errors == []
    return rows


# Account imports ---------------------------------------------------------------------------


def test_import_creates_then_changes_nothing_the_second_time(client: AdminClient) -> None:
    client.publish_menu("S1", MENU)
    first = client.import_rows("S1", rows_of(CSV))
    assert (first.created, first.updated, first.badges_assigned, first.errors) == (3, 0, 3, [])
    again = client.import_rows("S1", rows_of(CSV))
    assert (again.created, again.updated, again.unchanged, again.badges_assigned) == (0, 0, 3, 0)
    exported = {r.id: r for r in client.export_accounts("S1")}
    assert exported["E2"].badges == ["nfc:04A1B2C4", "nfc:04A1B2C5"]
    assert exported["E2"].postpaid and exported["E1"].overdraft == 500
    assert exported["E1"].email == "alice@acme.example" and exported["E3"].cost_centre == ""
    changed = client.import_rows("S1", rows_of(CSV.replace("Alice Martin", "Alice Dupont")))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert client.account("E1")["account"]["display_name"] == "Alice Dupont"


def test_a_refused_line_applies_nothing_and_names_its_line(client: AdminClient) -> None:
    client.publish_menu("S1", MENU)
    bad = CSV + "E4,Dan,chef,,,,no,\nE5,Eve,employee,04A1B2C3,,,no,\n"
    result = client.import_rows("S1", rows_of(bad))
    problems = {e.line: e.problem for e in result.errors}
    assert set(problems) == {5, 6}
    assert "profile 'chef'" in problems[5]
    assert "already on line 2" in problems[6]
    assert client.export_accounts("S1") == []


def test_a_badge_of_another_account_is_refused_with_the_fix(client: AdminClient) -> None:
    client.import_rows("S1", rows_of(CSV))
    moved = "id,name,badges\nE9,Zoé,04A1B2C3\n"
    result = client.import_rows("S1", rows_of(moved))
    assert [e.line for e in result.errors] == [2]
    assert "account E1" in result.errors[0].problem
    assert "badges replace" in result.errors[0].problem
    # Moved within the same file (E1 no longer lists it): allowed.
    swapped = "id,name,badges\nE1,Alice Martin,\nE9,Zoé,04A1B2C3\n"
    assert client.import_rows("S1", rows_of(swapped)).errors == []
    assert client.account("E9")["credentials"][0]["value"] == "nfc:04A1B2C3"


def test_an_import_in_several_chunks_is_applied_whole_or_not_at_all(
    client: AdminClient,
) -> None:
    rows = [ImportRow(line=i + 2, id=f"A{i:05d}", name=f"n{i}") for i in range(MAX_IMPORT + 2)]
    last = rows[-1]
    rows[-1] = last.model_copy(update={"id": rows[0].id})  # duplicate in the second chunk
    result = client.import_rows("S1", rows)
    assert [e.line for e in result.errors] == [last.line]
    assert client.export_accounts("S1") == []
    rows[-1] = last
    assert client.import_rows("S1", rows).created == MAX_IMPORT + 2


def test_dry_run_reports_and_changes_nothing(client: AdminClient) -> None:
    result = client.import_rows("S1", rows_of(CSV), dry_run=True)
    assert result.dry_run and result.created == 3
    assert client.export_accounts("S1") == []


def test_csv_problems_are_reported_by_line() -> None:
    text = "id;name;overdraft;postpaid;badges\nE1;A;12,5;oui;\nE2;B;douze;no;\nE3;C;;peut-être;\n"
    text += "E4;D;;;XYZ\nE5;E\n"
    rows, errors = parse_accounts(text)
    assert [r.id for r in rows] == ["E1"] and rows[0].overdraft == 1250 and rows[0].postpaid
    assert [e.line for e in errors] == [3, 4, 5, 6]
    assert "douze" in errors[0].problem and "card UID" in errors[2].problem
    assert parse_accounts("id,name,salary\n")[1][0].problem.startswith("unknown column 'salary'")


# Menus ------------------------------------------------------------------------------------


def test_menu_versions_scheduled_live_and_rolled_back(
    client: AdminClient, live_hub: LiveHub
) -> None:
    first = client.publish_menu("S1", MENU, note="opening")
    assert (first.version, first.state) == (1, "active")
    cheaper = {**MENU, "items": [{**MENU["items"][0], "price": 99}, *MENU["items"][1:]]}
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
    later = client.publish_menu("S1", cheaper, effective=today + timedelta(days=2))
    assert later.state == "scheduled"
    assert client.live_menu("S1") == MENU
    now = client.publish_menu("S1", cheaper)
    assert now.state == "active" and client.live_menu("S1") == cheaper
    back = client.rollback_menu("S1")
    assert back.version == 4 and client.live_menu("S1") == MENU
    states = [v.state for v in client.menu_versions("S1")]
    assert states == ["past", "scheduled", "past", "active"]
    with pytest.raises(AdminError, match=r"menu\.items"):
        client.publish_menu("S1", {**MENU, "items": []})
    with pytest.raises(AdminError, match="in the past"):
        client.publish_menu("S1", MENU, effective=today - timedelta(days=1))


def test_a_scheduled_menu_goes_live_at_the_first_pull_of_its_day(
    client: AdminClient, live_hub: LiveHub, open_till: TillFactory
) -> None:
    client.publish_menu("S1", MENU)
    cheaper = {**MENU, "items": [{**MENU["items"][0], "price": 99}, *MENU["items"][1:]]}
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
    client.publish_menu("S1", cheaper, effective=today + timedelta(days=1))
    till = open_till("T1")
    till.daemon.sync_once()
    assert first_price(till.store) == MENU["items"][0]["price"]
    live_hub.service.clock = lambda: datetime.now(UTC) + timedelta(days=1)
    till.daemon.sync_once()
    assert first_price(till.store) == 99


# Cashiers and badges reach the tills ------------------------------------------------------------


def test_a_cashier_added_on_the_hub_logs_in_at_the_till_after_a_sync(
    client: AdminClient, open_till: TillFactory
) -> None:
    till = open_till("T1")
    client.add_cashier(
        "S1", CashierAdd(id="K1", name="Karim", badge="nfc:CA5E0001", role=CashierRole.MANAGER)
    )
    till.daemon.sync_once()
    assert cashier_for(till.store, "nfc:CA5E0001") is None  # no PIN yet: not usable
    view = client.cashier_pin("S1", "K1", "2468")
    # The PIN itself is never a value the admin API gives back (a salt or hash may
    # contain the digits by chance, so values are compared whole, not searched).
    assert view.has_pin and "2468" not in _values(client.cashiers("S1"))
    till.daemon.sync_once()
    found = cashier_for(till.store, "nfc:ca5e0001")
    assert found is not None and (found.id, found.role) == ("K1", "manager")
    assert check_pin(till.store, "K1", "2468") and not check_pin(till.store, "K1", "1357")
    guard = PinGuard(till.store, attempts=2)
    now = datetime.now(UTC)
    assert guard.attempt("K1", "0000", now).outcome is PinOutcome.WRONG
    assert guard.attempt("K1", "2468", now).outcome is PinOutcome.OK
    stored = till.store.document_text("cashier", "K1")
    assert stored is not None and '"hash"' in stored
    assert "2468" not in _values(json.loads(stored))
    client.cashier_active("S1", "K1", False)
    till.daemon.sync_once()
    assert cashier_for(till.store, "nfc:CA5E0001") is None
    assert not check_pin(till.store, "K1", "2468")


def test_a_local_cashier_wins_over_a_synced_one(
    client: AdminClient, open_till: TillFactory
) -> None:
    till = open_till("T1")
    client.add_cashier("S1", CashierAdd(id="K1", name="Hub", badge="nfc:CA5E0001"))
    client.cashier_pin("S1", "K1", "1111")
    till.daemon.sync_once()
    add_cashier(till.store, "K1", "Local", "nfc:CA5E0001", "2222")
    found = cashier_for(till.store, "nfc:CA5E0001")
    assert found is not None and found.name == "Local"
    assert check_pin(till.store, "K1", "2222") and not check_pin(till.store, "K1", "1111")


def test_cashier_badges_are_unique_and_pins_are_digits(client: AdminClient) -> None:
    client.add_cashier("S1", CashierAdd(id="K1", name="A", badge="nfc:CA5E0001"))
    with pytest.raises(AdminError, match="already cashier K1"):
        client.add_cashier("S1", CashierAdd(id="K2", name="B", badge="nfc:CA5E0001"))
    with pytest.raises(AdminError) as refused:
        client.cashier_pin("S1", "K1", "12ab")
    assert refused.value.status == 422
    with pytest.raises(AdminError) as missing:
        client.cashier_pin("S1", "K9", "1234")
    assert missing.value.status == 404


def test_a_replaced_badge_is_refused_and_the_new_one_sells(
    client: AdminClient, open_till: TillFactory
) -> None:
    client.import_rows("S1", rows_of(CSV))
    client.adjust("E1", 2000, "opening credit")
    till = open_till("T1")
    client.replace_badge("nfc:04A1B2C3", "nfc:04FFEE01")
    till.daemon.sync_once()
    old = till.engine.sell("nfc:04A1B2C3", Money(300))
    assert isinstance(old, Refused)
    assert isinstance(till.engine.sell("nfc:04FFEE01", Money(300)), Accepted)
    statuses = {c["value"]: c["status"] for c in client.account("E1")["credentials"]}
    assert statuses == {"nfc:04A1B2C3": CredentialStatus.LOST.value, "nfc:04FFEE01": "active"}


# Terminals and reports --------------------------------------------------------------------------


def test_day_report_per_till_with_closures_received_and_missing(
    client: AdminClient, open_till: TillFactory
) -> None:
    client.import_rows("S1", rows_of(CSV))
    client.adjust("E1", 5000, "credit")
    one, two = open_till("T1"), open_till("T2")
    one.daemon.sync_once()
    two.daemon.sync_once()
    one.sell("nfc:04A1B2C3", 450)
    one.sell("nfc:04A1B2C3", 300)
    two.sell("nfc:04A1B2C3", 200)
    close_till(one.engine, "K1")
    one.daemon.sync_once()
    two.daemon.sync_once()
    client.rename_terminal(two.terminal_id, "caisse 2")
    report = client.day_report("S1")
    tills = {t.terminal_id: t for t in report.tills}
    assert (tills[one.terminal_id].sales_count, tills[one.terminal_id].net_sales) == (2, 750)
    assert tills[two.terminal_id].name == "caisse 2"
    assert report.net_sales == 950 and sum(report.by_vat.values()) == 950
    assert report.by_means == {"balance": 950}
    assert report.closures_received == [one.terminal_id]
    assert report.closures_missing == [two.terminal_id]
    yesterday = datetime.now(UTC).date() - timedelta(days=3)
    assert client.day_report("S1", yesterday).net_sales == 0

    env = {"KIOSK_ADMIN_URL": str(client.http.base_url).rstrip("/"),
           "KIOSK_ADMIN_TOKEN": client.http.headers["Authorization"].split()[1],
           "KIOSK_ADMIN_CONFIG": "/nonexistent/admin.toml", "COLUMNS": "200"}  # fmt: skip
    csv = CliRunner().invoke(main, ["admin", "reports", "day", "--site", "S1", "--csv"], env=env)
    assert csv.exit_code == 0, csv.output
    lines = csv.output.splitlines()
    assert lines[0] == "day,section,key,name,sales_count,cancellations,amount"
    assert f"{report.day},till,{one.terminal_id},T1,2,0,7.50" in lines
    assert f"{report.day},closure_missing,{two.terminal_id},,,," in lines
    shown = CliRunner().invoke(main, ["admin", "reports", "day", "--site", "S1"], env=env)
    assert "net sales 9,50 €" in shown.output and two.terminal_id in shown.output


def test_adjustment_is_kept_in_the_hubs_ledger_with_its_reason(
    client: AdminClient, live_hub: LiveHub
) -> None:
    client.import_rows("S1", rows_of(CSV))
    assert client.adjust("E1", -150, "meal charged twice") == -150
    moves = live_hub.service.storage.movements("E1")
    assert [(m.kind, m.amount, m.note) for m in moves] == [
        ("adjustment", -150, "meal charged twice")
    ]


def test_back_office_routes_need_an_admin_token(live_hub: LiveHub, admin: Admin) -> None:
    make_site(admin, "S1")
    for method, path in [
        ("POST", "/v1/admin/sites/S1/imports"),
        ("GET", "/v1/admin/sites/S1/accounts/export"),
        ("POST", "/v1/admin/sites/S1/menu"),
        ("GET", "/v1/admin/sites/S1/menu/versions"),
        ("GET", "/v1/admin/sites/S1/cashiers"),
        ("POST", "/v1/admin/sites/S1/cashiers/K1/pin"),
        ("POST", "/v1/admin/terminals/T1/rename"),
        ("GET", "/v1/admin/sites/S1/reports/day"),
    ]:
        with (
            AdminClient(live_hub.url, "adm_forged") as forged,
            pytest.raises(AdminError) as refused,
        ):
            forged._call(method, path, {})
        assert refused.value.status == 401, path


def test_an_import_left_unapplied_is_dropped_after_a_day(
    client: AdminClient, live_hub: LiveHub
) -> None:
    storage = live_hub.service.storage
    started = client._call("POST", "/v1/admin/sites/S1/imports", {"total": 3})["import_id"]
    client._call(
        "POST",
        f"/v1/admin/sites/S1/imports/{started}/rows",
        {"rows": [r.model_dump(mode="json") for r in rows_of(CSV)]},
    )
    assert storage.import_site(started) is not None  # type: ignore[attr-defined]
    live_hub.service.clock = lambda: datetime.now(UTC) + timedelta(days=2)
    client.import_rows("S1", rows_of(CSV))
    assert storage.import_site(started) is None  # type: ignore[attr-defined]
    with pytest.raises(AdminError) as gone:
        client._call("POST", f"/v1/admin/sites/S1/imports/{started}/commit")
    assert gone.value.status == 404


def test_flags_are_the_hubs_incidents_with_their_entries(
    client: AdminClient,
    *,
    live_hub: LiveHub,
    admin_token: str,
    open_till: TillFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    client.import_rows("S1", rows_of(CSV))
    client.adjust("E1", 1000, "credit")
    till = open_till("T1")
    till.daemon.sync_once()
    client.adjust("E1", -800, "refund of a cancelled order")  # the till does not know yet
    sale = till.sell("nfc:04A1B2C3", 800)  # 200 - 800 is below the 5 € overdraft
    till.daemon.sync_once()
    [incident] = client.incidents("S1")
    assert (incident.kind.value, incident.account_id) == ("overdraft", "E1")
    assert incident.entries == [f"{till.terminal_id}:{sale.entry.seq}"]
    behind = client.entry(till.terminal_id, sale.entry.seq)
    assert (behind.kind, behind.amount, behind.account_id) == ("sale", -800, "E1")
    with pytest.raises(AdminError) as missing:
        client.entry(till.terminal_id, 99)
    assert missing.value.status == 404

    monkeypatch.setenv("KIOSK_ADMIN_URL", live_hub.url)
    monkeypatch.setenv("KIOSK_ADMIN_TOKEN", admin_token)
    monkeypatch.setenv("KIOSK_ADMIN_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COLUMNS", "200")
    listed = CliRunner().invoke(main, ["admin", "flags", "list", "--site", "S1"])
    assert listed.exit_code == 0 and f"{till.terminal_id}:{sale.entry.seq}" in listed.output
    shown = CliRunner().invoke(main, ["admin", "flags", "show", str(incident.id)])
    assert shown.exit_code == 0, shown.output
    assert "overdraft on account E1" in shown.output and "-8,00 €" in shown.output
    dry = CliRunner().invoke(main, ["admin", "flags", "clear", str(incident.id), "--reason",
                                    "topped up", "--dry-run"])  # fmt: skip
    assert "would clear" in dry.output and len(client.incidents("S1")) == 1
    cleared = CliRunner().invoke(
        main, ["admin", "flags", "clear", str(incident.id), "--reason", "topped up"]
    )
    assert cleared.exit_code == 0 and client.incidents("S1") == []
    [done] = client.incidents("S1", state="cleared")
    assert done.cleared_reason == "topped up"


def test_a_rate_limited_import_waits_its_turn(tmp_path: Path, hub_db: Path | str) -> None:
    from sync.server import open_hub
    from sync.server.limits import Rate, RateLimits
    from sync.server.thread import HubThread

    rates = RateLimits(admin_writes=Rate(120, burst=2))
    hub = open_hub(hub_db, key=tmp_path / "hub.key", rates=rates)
    server = HubThread(hub).start()
    try:
        with AdminClient(server.url, hub.create_admin_token("t")) as limited:
            limited._call("POST", "/v1/admin/sites", {"site_code": "S1"})
            result = limited.import_rows("S1", rows_of(CSV))  # 3 writes: one waits
        assert result.created == 3 and result.errors == []
    finally:
        server.stop()
        hub.storage.close()


def test_a_reimport_keeps_balances_and_closed_accounts(client: AdminClient) -> None:
    client.import_rows("S1", rows_of(CSV))
    client.adjust("E1", 1234, "credit")
    client.update_account("E2", status="closed")
    again = client.import_rows("S1", rows_of(CSV.replace("Bruno Petit", "Bruno P.")))
    assert (again.updated, again.unchanged) == (1, 2)
    assert client.balance("E1") == 1234
    e2 = client.account("E2")["account"]
    assert (e2["display_name"], e2["status"]) == ("Bruno P.", "closed")


def test_an_unknown_time_zone_stored_by_an_older_hub_never_stops_a_pull(
    client: AdminClient, live_hub: LiveHub, open_till: TillFactory
) -> None:
    client.publish_menu("S1", MENU)
    till = open_till("T1")
    till.daemon.sync_once()
    bad = SiteSettings(site_code="S1", site_name="Site S1", timezone="Europe/Pariss")
    live_hub.service.storage.update_site_settings(bad)  # as an older hub let it be
    till.daemon.sync_once()  # would be a 500 if the menu's day could not be told
    assert [v.state for v in client.menu_versions("S1")] == ["active"]
    assert client.day_report("S1").net_sales == 0


def _values(tree: object) -> set[str]:
    """Every scalar of a JSON-like tree (or pydantic models), as text."""
    if hasattr(tree, "model_dump"):
        tree = tree.model_dump(mode="json")
    if isinstance(tree, dict):
        return set().union(*(_values(v) for v in tree.values())) if tree else set()
    if isinstance(tree, list | tuple):
        return set().union(*(_values(v) for v in tree)) if tree else set()
    return {str(tree)}
