"""A diner's personal data end to end: two tills and a live hub over HTTP, export,
erasure, closure requests and the retention job.

The point of the erasure: the diner's name, e-mail, badges and guests' names go from
the hub and, at their next pull, from the tills, while every signed journal entry and
closure verifies as before and every total is unchanged."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk.engine import Accepted, Engine, Refused
from kiosk.engine import archive as archiving
from kiosk.engine.closure import close_till, summarise
from kiosk.engine.closures_periodic import closures_of
from kiosk.engine.keys import load_or_create_key
from kiosk.engine.visits import HUB_KEY_META
from sync.archive import verify_archive
from sync.client import HubClient
from sync.daemon import SyncDaemon
from sync.journal import public_key_text
from sync.money import Money
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import CredentialStatus
from tests.databases import raw_bytes
from tests.sync.live import Admin, LiveHub, make_site
from tests.sync.portal.conftest import import_accounts

TODAY = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
NAME, EMAIL, GUEST, COMPANY = "Ada Lovelace", "ada.lovelace@example.org", "Élise Fournier", "Acme"
ADA_BADGE, BOB_BADGE = "nfc:0A0A0A01", "nfc:0B0B0B01"


@dataclass
class Till:
    path: Path
    engine: Engine
    client: HubClient
    daemon: SyncDaemon

    def sync(self) -> None:
        self.daemon.sync_once()

    def sell(self, credential: str, cents: int) -> Accepted:
        sold = self.engine.sell(credential, Money(cents))
        assert isinstance(sold, Accepted), sold
        return sold

    def text(self) -> str:
        """Every row of the till's database, as SQL text."""
        with sqlite3.connect(self.path) as db:
            return "\n".join(db.iterdump())


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin, "S1")
    admin.accounts(
        "S1",
        {"id": "A1", "display_name": NAME, "balance": 5000},
        {"id": "A2", "display_name": "Bob", "balance": 5000},
    )
    import_accounts(
        admin,
        "S1",
        {"id": "A1", "name": NAME, "email": EMAIL, "badges": [ADA_BADGE]},
        {"id": "A2", "name": "Bob", "email": "bob@example.org", "badges": [BOB_BADGE]},
    )
    return "S1"


@pytest.fixture
def open_till(
    tmp_path: Path, live_hub: LiveHub, admin: Admin, site: str
) -> Iterator[Callable[[str], Till]]:
    tills: list[Till] = []

    def open_one(name: str) -> Till:
        key_path = tmp_path / f"{name}.key"
        key = load_or_create_key(key_path)
        with HubClient(live_hub.url) as anonymous:
            reply = anonymous.enrol(
                site, admin.enrolment_token(site), public_key_text(key.public_key()), name
            )
        path = tmp_path / f"{name}.db"
        engine = Engine.open(path, key_path, terminal_id=reply.terminal_id)
        engine.store.set_meta(HUB_KEY_META, reply.hub_public_key)
        client = HubClient(live_hub.url, reply.api_token, timeout=10)
        till = Till(path, engine, client, SyncDaemon(engine.store, client))
        tills.append(till)
        till.sync()
        return till

    yield open_one
    for till in tills:
        till.client.close()
        till.engine.close()


def hub_text(live_hub: LiveHub) -> str:
    """Every row of the hub's database, as SQL text (a plain pg_dump on PostgreSQL)."""
    if not isinstance(live_hub.db, Path):
        return raw_bytes(live_hub.db).decode()
    with sqlite3.connect(live_hub.db) as db:
        return "\n".join(db.iterdump())


def approved_visit(admin: Admin) -> str:
    body = {
        "visitor": GUEST,
        "company": COMPANY,
        "day": TODAY.isoformat(),
        "guests": 2,
        "host_account_id": "A1",
    }
    visit = admin.post("/v1/admin/sites/S1/visits", body, expect=201).json()
    admin.post(f"/v1/admin/sites/S1/visits/{visit['id']}/approve", {"note": "ok"})
    return str(visit["id"])


def totals(till: Till) -> dict[str, Any]:
    """The signed closures and what a closure now would record."""
    open_period = summarise(till.engine)
    return {
        "closures": [c.payload for c in closures_of(till.engine, "closure")],
        "open": {
            "net_sales": open_period.net_sales,
            "by_vat": open_period.by_vat,
            "by_means": open_period.by_means,
            "grand_total": open_period.grand_total,
        },
    }


def test_an_erasure_keeps_every_journal_verifying_and_every_total(
    live_hub: LiveHub, admin: Admin, open_till: Callable[[str], Till]
) -> None:
    till_1, till_2 = open_till("T1"), open_till("T2")
    visit_id = approved_visit(admin)
    for till in (till_1, till_2):
        till.sync()
    till_1.sell(ADA_BADGE, 450)
    till_2.sell(ADA_BADGE, 320)
    till_2.sell(BOB_BADGE, 610)
    meal = till_1.engine.consume_visit(
        visit_id, 2, Money(1800), vat={"1000": 1600, "2000": 200}, cashier="C1"
    )
    assert isinstance(meal, Accepted)
    assert isinstance(till_1.engine.top_up("A1", Money(1000), "cash", "C1"), Accepted)
    close_till(till_1.engine, "C1")
    for till in (till_1, till_2, till_1):  # T1 again: it learns T2's sales
        till.sync()
    # The signed journal never held the diner's name, e-mail, badge or guest's name.
    for till in (till_1, till_2):
        for entry in till.engine.store.journal_after(0, 1000):
            text = str(entry.payload)
            assert [w for w in (NAME, EMAIL, ADA_BADGE, GUEST, COMPANY) if w in text] == []
    # The guest meal's VAT lines are in the closure like a sale's (20 % only there).
    [closure] = totals(till_1)["closures"]
    assert closure["by_vat"]["2000"] == 200
    archive = archiving.write(till_1.engine, TODAY.isoformat(), till_1.path.parent).path
    data = archive.read_bytes()
    assert verify_archive(data).ok
    assert [w for w in (NAME, EMAIL, ADA_BADGE, GUEST, COMPANY) if w.encode() in data] == []
    before = {
        "balance": admin.balance("A1"),
        "report": admin.http.get("/v1/admin/sites/S1/reports/day").json(),
        "totals": [totals(till_1), totals(till_2)],
        "usable": till_1.engine.usable_balance("A1"),
    }
    held = admin.http.get("/v1/admin/accounts/A1/personal-data").json()
    assert held["account"]["display_name"] == NAME and held["details"]["email"] == EMAIL
    assert [b["value"] for b in held["badges"]] == [ADA_BADGE]
    assert held["visits"][0]["visitor"] == GUEST
    assert len(held["entries"]) == 4  # two sales, the guest meal, the top-up

    erased = admin.post("/v1/admin/accounts/A1/erase", {"reason": "left the company"}).json()
    assert erased["credentials"] == 1 and erased["visits"] == 1
    for till in (till_1, till_2):
        till.sync()

    # Every journal and every chain as the hub holds it verifies; the totals are the same.
    for till in (till_1, till_2):
        report = till.engine.verify()
        assert report.ok and report.checked == till.engine.store.last_seq(), report
        assert live_hub.service.verify_terminal(till.engine.terminal_id).ok
    assert admin.balance("A1") == before["balance"]
    assert admin.http.get("/v1/admin/sites/S1/reports/day").json() == before["report"]
    assert [totals(till_1), totals(till_2)] == before["totals"]
    assert till_1.engine.usable_balance("A1") == before["usable"]
    # The archive written before the erasure still verifies, and the hub takes it: it
    # agrees with the entries the hub holds.
    assert verify_archive(data).ok
    assert till_1.client.upload_archive(data) is not None
    assert (
        live_hub.service.hub_balance_check("A1")[0] == live_hub.service.hub_balance_check("A1")[1]
    )
    # The personal data is gone from the hub and from both tills' databases.
    for text in (hub_text(live_hub), till_1.text(), till_2.text()):
        for word in (NAME, EMAIL, GUEST, COMPANY):
            assert word not in text
        assert "Bob" in text  # the other diner is untouched
    # The badge is refused at the tills, the account is closed.
    refused = till_2.engine.sell(ADA_BADGE, 100)
    assert isinstance(refused, Refused) and refused.reason is RejectReason.BLOCKED_BADGE
    badge = till_1.engine.store.credential(ADA_BADGE)
    assert badge is not None and badge.status is CredentialStatus.REVOKED
    after = admin.http.get("/v1/admin/accounts/A1/personal-data").json()
    assert after["account"]["display_name"] == "" and after["details"] is None
    assert after["erasure"]["reason"] == "left the company"
    assert len(after["entries"]) == 4 and after["entries"] == held["entries"]


def test_export_and_erase_refuse_an_unknown_account_and_a_bad_reason(
    admin: Admin, site: str
) -> None:
    assert admin.http.get("/v1/admin/accounts/ZZ/personal-data").status_code == 404
    assert admin.http.post("/v1/admin/accounts/ZZ/erase", json={}).status_code == 404
    bad = admin.http.post("/v1/admin/accounts/A1/erase", json={"reason": ""})
    assert bad.status_code == 422
    assert admin.account("A1")["account"]["display_name"] == NAME  # type: ignore[index]


def test_retention_erases_idle_closed_accounts_and_old_guests_names(
    live_hub: LiveHub, admin: Admin, site: str
) -> None:
    old_day = (TODAY - timedelta(days=400)).isoformat()
    old = {"visitor": GUEST, "company": COMPANY, "day": old_day, "guests": 1}
    service = live_hub.service
    service.put_document(
        "S1",
        "visit",
        "00000000000000a1",
        {**old, "id": "00000000000000a1", "state": "consumed", "host_account_id": "A2"},
    )
    recent = approved_visit(admin)
    admin.http.patch("/v1/admin/accounts/A2", json={"status": "closed"})
    # Nothing is old enough yet for the accounts: A2 was just created and closed.
    first = admin.post("/v1/admin/sites/S1/retention").json()
    assert first["accounts_erased"] == [] and first["visits_forgotten"] == 1
    assert first["fiscal_entries_past_retention"] == 0
    assert admin.http.get(f"/v1/admin/sites/S1/visits/{recent}").json()["visitor"] == GUEST
    # A year and a day later (the site's period), the closed, idle account is erased.
    service.clock = lambda: datetime.now(UTC) + timedelta(days=366)
    second = admin.post("/v1/admin/sites/S1/retention").json()
    assert second["accounts_erased"] == ["A2"]
    assert admin.account("A2")["account"]["display_name"] == ""  # type: ignore[index]
    assert admin.account("A1")["account"]["display_name"] == NAME  # type: ignore[index]
    # The retention period of fiscal records cannot be set below 6 years.
    low = admin.http.put(
        "/v1/admin/sites/S1", json={"site_code": "S1", "retention_fiscal_years": 5}
    )
    assert low.status_code == 422 and "retention_fiscal_years" in low.text


def test_an_erased_name_is_nowhere_in_the_files_of_the_hub_and_the_till(
    live_hub: LiveHub, admin: Admin, open_till: Callable[[str], Till]
) -> None:
    """Not only out of the tables: out of the free space of the pages (secure_delete)
    and out of the WAL (a checkpoint after the erasure), at both ends."""
    till = open_till("T1")
    till.sell(ADA_BADGE, 450)
    till.sync()

    def hub_and_till() -> dict[str, bytes]:
        # the hub's files (all its database keeps, on PostgreSQL), the till's files
        return {"hub": raw_bytes(live_hub.db), "till": raw_bytes(till.path)}

    assert all(NAME.encode() in found for found in hub_and_till().values())
    admin.post("/v1/admin/accounts/A1/erase", {"reason": "request"})
    till.sync()
    for where, found in hub_and_till().items():
        assert NAME.encode() not in found and EMAIL.encode() not in found, where
        assert b"Bob" in found


def test_a_badge_keeps_its_opaque_id_until_it_changes_hands(
    live_hub: LiveHub, admin: Admin, site: str
) -> None:
    def ref(value: str) -> tuple[str, str]:
        found = live_hub.service.storage.credential(value)
        assert found is not None
        return found[1].account_id, found[1].ref

    owner, first = ref(ADA_BADGE)
    assert owner == "A1" and len(first) == 16
    # The same import again, a status change: the same id (entries naming it still do).
    import_accounts(admin, "S1", {"id": "A1", "name": NAME, "badges": [ADA_BADGE]})
    admin.post(f"/v1/admin/credentials/{ADA_BADGE}/status", {"status": "lost"})
    assert ref(ADA_BADGE) == ("A1", first)
    # Given to another diner: a new id, so that Ada's entries do not name Bob's badge.
    admin.badge(ADA_BADGE, "A1")
    assert ref(ADA_BADGE) == ("A1", first)
    given = admin.post("/v1/admin/credentials", {"value": ADA_BADGE, "kind": "nfc",
                                                 "account_id": "A2"}).json()  # fmt: skip
    owner, second = ref(ADA_BADGE)
    assert given["ref"] == second
    assert owner == "A2" and second != first
