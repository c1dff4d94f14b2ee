"""Values checked where they are written (settings, ids, badges), unusable synced
settings refused by the terminal, and state derived from a push kept in its
transaction. Real HTTP against a live hub."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sync.journal import EntryKind
from sync.protocol.rows import SiteSettings
from tests.sync.conftest import EnrolFn, TillFactory
from tests.sync.live import Admin, LiveHub, make_site
from tests.sync.test_hub_trust import applied_seq, push

TODAY = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date().isoformat()


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin, "S1")
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 10_000})
    admin.badge("nfc:0A0A0A01", "A1")
    return "S1"


def detail(response: Any, status: int = 422) -> str:
    assert response.status_code == status, response.text
    text: str = response.json()["detail"]
    return text


# Case 7: one typo must not brick a site ---------------------------------------------------


def test_site_settings_are_checked_where_they_are_written(site: str, admin: Admin) -> None:
    http = admin.http
    typo = {"site_code": "S1", "timezone": "Europe/Pariss"}
    assert "timezone" in detail(http.put("/v1/admin/sites/S1", json=typo))
    assert "timezone" in detail(http.post("/v1/admin/sites", json={**typo, "site_code": "S2"}))
    for field, value in [
        ("max_amount", -1),
        ("max_amount", 10**15),
        ("offline_daily_cap", -5),
        ("offline_daily_cap", 2**63),
        ("offline_after_s", -1),
        ("qr_window_steps", 1000),
        ("timezone", "../../etc/passwd"),
    ]:
        body = {"site_code": "S1", field: value}
        assert field in detail(http.put("/v1/admin/sites/S1", json=body)), field
    stored = http.get("/v1/admin/sites/S1").json()
    assert stored["timezone"] == "Europe/Paris" and stored["max_amount"] == 50_000
    assert http.get("/v1/admin/sites/S2").status_code == 404


def test_a_terminal_refuses_unusable_settings_and_keeps_the_last_good_ones(
    site: str, open_till: TillFactory, live_hub: LiveHub
) -> None:
    till = open_till("T1")
    till.daemon.sync_once()
    assert till.engine.settings().timezone == "Europe/Paris"
    assert till.engine.settings_problem() is None
    # Settings stored by a hub that did not check them (an older version).
    live_hub.service.storage.update_site_settings(
        SiteSettings(site_code="S1", site_name="Site S1", timezone="Europe/Pariss", max_amount=900)
    )
    till.daemon.sync_once()  # the sync itself goes on
    assert till.store.sync_status().last_error is None
    problem = till.engine.settings_problem()
    assert problem is not None and "timezone" in problem and "Europe/Pariss" in problem
    kept = till.engine.settings()
    assert kept.timezone == "Europe/Paris" and kept.max_amount == 50_000
    assert till.sell("nfc:0A0A0A01", 450).balance_after.cents == 9_550
    # Good settings again: taken, and the problem is gone.
    live_hub.service.update_settings(SiteSettings(site_code="S1", timezone="Europe/Brussels"))
    till.daemon.sync_once()
    assert till.engine.settings_problem() is None
    assert till.engine.settings().timezone == "Europe/Brussels"


def test_settings_stored_unusable_by_an_older_version_do_not_stop_sales(
    site: str, open_till: TillFactory
) -> None:
    till = open_till("T1")
    till.daemon.sync_once()
    bad = SiteSettings(site_code="S1", timezone="Europe/Pariss").model_dump_json()
    with sqlite3.connect(till.store.path) as db:
        db.execute("UPDATE site_settings SET data = ? WHERE id = 1", (bad,))
    problem = till.engine.settings_problem()
    assert problem is not None and "timezone" in problem
    assert till.engine.settings().timezone == "Europe/Paris"  # the default, while reported
    assert till.sell("nfc:0A0A0A01", 100).entry.payload["business_day"] == TODAY


# Case 9: ids and badges that could never be used ------------------------------------------


@pytest.mark.parametrize("code", ["S A", "S/A", "Sité", "-S", "S" * 65, "S?x"])
def test_site_codes_must_be_addressable(admin: Admin, code: str) -> None:
    answer = admin.http.post("/v1/admin/sites", json={"site_code": code})
    assert "site_code" in detail(answer)
    assert admin.http.get("/v1/admin/sites").json() == []


@pytest.mark.parametrize("account_id", ["A 1", "A/1", "Zoé", ".A", "A#1"])
def test_account_ids_must_be_addressable(site: str, admin: Admin, account_id: str) -> None:
    row = {"id": account_id, "display_name": "X", "balance": 0}
    answer = admin.http.post("/v1/admin/sites/S1/accounts", json={"accounts": [row]})
    assert "accounts" in detail(answer) and ".id" in detail(answer)
    assert [a["id"] for a in admin.http.get("/v1/admin/sites/S1/accounts").json()] == ["A1"]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("nfc:04a1b2c3", "nfc"),  # tills normalise to upper case: never found
        ("nfc:0102", "nfc"),  # 2 bytes
        ("nfc:0A0B0C", "nfc"),  # 3 bytes
        ("nfc:04A1B2C3D4", "nfc"),  # 5 bytes
        ("nfc:04A1B2C3D4E5F6A", "nfc"),  # odd digits
        ("rfid:04A1B2C3", "nfc"),
        ("phone:XYZ", "phone"),
        ("nfc:04A1B2C3", "phone"),
    ],
)
def test_badges_the_tills_cannot_read_are_refused(
    site: str, admin: Admin, value: str, kind: str
) -> None:
    body = {"value": value, "kind": kind, "account_id": "A1", "public_key": "A" * 43 + "="}
    assert "value" in detail(admin.http.post("/v1/admin/credentials", json=body))
    if kind == "nfc":  # a replacement badge keeps the kind of the one it replaces
        replaced = admin.http.post(
            "/v1/admin/credentials/nfc:0A0A0A01/replace", json={"new_value": value}
        )
        assert "new_value" in detail(replaced)
    credentials = admin.account("A1")["credentials"]
    assert [(c["value"], c["status"]) for c in credentials] == [("nfc:0A0A0A01", "active")]  # type: ignore[index, union-attr]


def test_badges_of_every_length_the_tills_read_are_accepted(site: str, admin: Admin) -> None:
    for uid in ("04A1B2C3", "04A1B2C3D4E5F6", "0011223344556677", "04A1B2C3D4E5F6071829"):
        admin.badge(f"nfc:{uid}", "A1")


# Case 11: what a push derives is computed in its transaction -------------------------------


def test_a_failed_visit_recount_fails_the_push_and_a_retry_counts_it(
    site: str, admin: Admin, enrol: EnrolFn, live_hub: LiveHub
) -> None:
    visit = admin.post(
        "/v1/admin/sites/S1/visits",
        {"visitor": "V", "day": TODAY, "guests": 2, "host_account_id": "A1"},
        expect=201,
    ).json()
    admin.post(f"/v1/admin/sites/S1/visits/{visit['id']}/approve", {})
    term, client = enrol("S1")
    meal = term.add(
        EntryKind.GUEST_MEAL,
        "A1",
        -900,
        visit_id=visit["id"],
        guests=1,
        billing="host",
        cashier="C1",
        means="visit",
        vat={"1000": 900},
    )
    # The disk refuses the visit's update while the push is applied.
    visit_fault(live_hub.db, on=True)
    failed = push(client, [meal])
    assert failed.status_code == 503, failed.text
    assert applied_seq(live_hub, term.terminal_id) == 0 and admin.balance("A1") == 10_000
    visit_fault(live_hub.db, on=False)
    assert push(client, [meal]).status_code == 200
    counted = admin.http.get(f"/v1/admin/sites/S1/visits/{visit['id']}").json()
    assert counted["consumed_by"] == {term.terminal_id: 1} and counted["state"] == "approved"
    assert admin.balance("A1") == 9_100


def visit_fault(db: Path | str, *, on: bool) -> None:
    """Make the database refuse (or accept again) any write of a visit document."""
    if isinstance(db, str):
        statements = (
            [
                "CREATE FUNCTION visit_fault() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'disk fault'; END $$",
                "CREATE TRIGGER visit_fault BEFORE INSERT OR UPDATE ON documents "
                "FOR EACH ROW WHEN (NEW.kind = 'visit') EXECUTE FUNCTION visit_fault()",
            ]
            if on
            else ["DROP TRIGGER visit_fault ON documents", "DROP FUNCTION visit_fault()"]
        )
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql.encode())
        return
    with sqlite3.connect(db) as conn:
        for event in ("INSERT", "UPDATE"):
            if on:
                conn.execute(
                    f"CREATE TRIGGER visit_fault_{event} BEFORE {event} ON documents "
                    "WHEN NEW.kind = 'visit' BEGIN SELECT RAISE(ABORT, 'disk fault'); END"
                )
            else:
                conn.execute(f"DROP TRIGGER visit_fault_{event}")


def test_a_site_stored_with_an_unknown_time_zone_refuses_a_visit_cleanly(
    site: str, admin: Admin, live_hub: LiveHub
) -> None:
    # Settings stored by a hub that did not check them (an older version).
    live_hub.service.storage.update_site_settings(
        SiteSettings(site_code="S1", timezone="Europe/Pariss")
    )
    body = {"visitor": "V", "day": TODAY, "guests": 1, "host_account_id": "A1"}
    answer = admin.http.post("/v1/admin/sites/S1/visits", json=body)
    assert "timezone" in detail(answer, 409)
    # Correcting the settings is the way out.
    admin.http.put("/v1/admin/sites/S1", json={"site_code": "S1"}).raise_for_status()
    admin.post("/v1/admin/sites/S1/visits", body, expect=201)
