"""The hub as a trust boundary: a signed entry from an enrolled terminal is applied only
when it keeps its site's rules; every refusal names the entry and the rule, and stores
nothing of the push. Real HTTP against a live hub."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sync.client import HubClient, RefusedError
from sync.journal import GENESIS_HASH, Entry, make_entry
from tests.databases import run_sql
from tests.sync.conftest import EnrolFn, TillFactory
from tests.sync.live import Admin, JournalWriter, LiveHub, make_site

INT64_MAX = 2**63 - 1
TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture
def sites(admin: Admin) -> None:
    for code in ("SA", "SB"):
        make_site(admin, code)
    admin.accounts("SA", {"id": "A1", "display_name": "Ada", "balance": 10_000})
    admin.accounts(
        "SB",
        {"id": "B1", "display_name": "Bea", "balance": 500},
        {"id": "CCB", "display_name": "Cost centre B", "balance": 0, "kind": "postpaid"},
    )
    admin.badge("nfc:0A0A0A01", "A1")
    admin.badge("nfc:0B0B0B01", "B1")


def raw_push(client: HubClient, body: dict[str, Any]) -> httpx.Response:
    """POST /v1/journal with the terminal's token, the body as given (no client checks)."""
    http = client._http
    headers = {"Authorization": http.headers["Authorization"]}
    with httpx.Client(base_url=str(http.base_url), headers=headers, timeout=30) as h:
        return h.post("/v1/journal", json=body)


def push(client: HubClient, entries: list[Entry]) -> httpx.Response:
    return raw_push(client, {"protocol": 1, "entries": [e.to_dict() for e in entries]})


def refused(response: httpx.Response, entry: Entry, rule: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["reason"] == "entry_refused", body
    assert body["entry"] == f"{entry.terminal_id}:{entry.seq}" and body["rule"] == rule, body
    assert entry.id in body["detail"] and rule in body["detail"]
    return body


def applied_seq(live_hub: LiveHub, terminal_id: str) -> int:
    record = live_hub.service.storage.terminal(terminal_id)
    assert record is not None
    return record.applied_seq


def signed(
    term: JournalWriter, kind: str, account: str | None, amount: int, payload: dict[str, Any]
) -> Entry:
    """The next entry of ``term`` with this payload (which may have an ``amount`` key)."""
    entry = make_entry(
        key=term.key,
        terminal_id=term.terminal_id,
        seq=len(term.entries) + 1,
        ts=datetime.now(UTC),
        kind=kind,
        account=account,
        amount=amount,
        payload={"business_day": TODAY, **payload},
        prev_hash=term.entries[-1].hash if term.entries else GENESIS_HASH,
    )
    term.entries.append(entry)
    return entry


# A badge's opaque id that the hub does not know: accepted (the meal was served).
SOME_BADGE = "0a0a0a0a0a0a0a01"


def badge_ref(live_hub: LiveHub, value: str) -> str:
    """The opaque id by which payloads name the hub's credential ``value``."""
    found = live_hub.service.storage.credential(value)
    assert found is not None
    return found[1].ref


def sale(term: JournalWriter, account: str, cents: int, **payload: Any) -> Entry:
    fields = {"credential_id": SOME_BADGE, "items": ["menu"], **payload}
    return term.add("sale", account, -cents, **fields)


# Case 1: cross-site writes --------------------------------------------------------------


def test_a_terminal_cannot_write_about_another_sites_account_badge_or_visit(
    sites: None, enrol: EnrolFn, admin: Admin, live_hub: LiveHub
) -> None:
    term, client = enrol("SA")
    # A guest meal of site A's terminal naming site B's account ...
    b_badge = badge_ref(live_hub, "nfc:0B0B0B01")
    meal = term.add("guest_meal", "B1", -900, credential_id=b_badge, guest=True, vat={"1000": 900})
    refused(push(client, [meal]), meal, "other_site")
    # ... a sale to A's own account with B's badge ...
    term.entries.clear()
    badge = sale(term, "A1", 400, credential_id=b_badge)
    refused(push(client, [badge]), badge, "other_site")
    # ... or a guest meal against a visit of site B.
    visit = admin.post(
        "/v1/admin/sites/SB/visits",
        {"visitor": "V", "day": TODAY, "guests": 2, "host_account_id": "B1"},
        expect=201,
    ).json()
    term.entries.clear()
    served = term.add(
        "guest_meal",
        "A1",
        -900,
        visit_id=visit["id"],
        guests=1,
        billing="host",
        cashier="C1",
        vat={"1000": 900},
    )
    refused(push(client, [served]), served, "other_site")
    # Nothing of B moved or counted; A's terminal applied nothing.
    assert admin.balance("B1") == 500 and admin.balance("A1") == 10_000
    assert admin.account("B1")["account"]["subsidy"] is None  # type: ignore[index]
    assert live_hub.service.storage.entries_of_account("B1") == []
    assert applied_seq(live_hub, term.terminal_id) == 0
    assert admin.http.get("/v1/admin/sites/SB/flags").json() == []


# Case 2: kinds, signs and limits ---------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        ("sale", 10**12, {"credential_id": SOME_BADGE}, "amount_sign"),
        ("sale", -50_001, {"credential_id": SOME_BADGE}, "amount_limit"),
        ("top_up", 10**12, {"means": "cash", "cashier": "C1"}, "amount_limit"),
        ("top_up", -100, {"means": "cash", "cashier": "C1"}, "amount_sign"),
        ("free_money", 5000, {}, "unknown_kind"),
        ("adjustment", 5000, {"note": "gift"}, "kind_not_allowed"),
        ("start", 100, {"mode": "till"}, "amount_sign"),  # no account, no money
        ("sale", -100, {"credential_id": SOME_BADGE, "bonus": 1}, "bad_payload"),
        ("sale", -100, {"credential_id": SOME_BADGE, "balance_after": 2**63}, "bad_payload"),
        ("order", -100, {"credential_id": SOME_BADGE, "means": "gold"}, "bad_payload"),
        ("sale", -100, {"credential_id": SOME_BADGE, "vat": {"1000": 90}}, "vat_total"),
        ("guest_meal", -100, {"visit_id": "00" * 8, "vat": {}}, "vat_total"),
        (
            "payment_pending",
            500,
            {"ref": "T-1", "purpose": "top_up", "amount": 500, "terminal": "tpe"},
            "amount_sign",
        ),
        ("payment_result", 0, {"ref": "T-1", "state": "maybe"}, "bad_payload"),
    ],
)
def test_kinds_signs_limits_and_payloads_are_checked(
    sites: None,
    enrol: EnrolFn,
    admin: Admin,
    live_hub: LiveHub,
    case: tuple[str, int, dict[str, Any], str],
) -> None:
    kind, amount, payload, rule = case
    term, client = enrol("SA")
    account = None if kind in {"start", "payment_pending", "payment_result"} else "A1"
    entry = signed(term, kind, account, amount, payload)
    refused(push(client, [entry]), entry, rule)
    assert admin.balance("A1") == 10_000
    assert applied_seq(live_hub, term.terminal_id) == 0


def test_a_refused_entry_refuses_the_whole_push(
    sites: None, enrol: EnrolFn, admin: Admin, live_hub: LiveHub
) -> None:
    term, client = enrol("SA")
    good = sale(term, "A1", 450)
    bad = term.add("top_up", "A1", 10**9, means="cash", cashier="C1")
    refused(push(client, [good, bad]), bad, "amount_limit")
    assert admin.balance("A1") == 10_000 and applied_seq(live_hub, term.terminal_id) == 0
    # The good entry alone is applied; the push is not retried blindly: the same
    # batch is refused the same way.
    assert push(client, [good]).status_code == 200
    refused(push(client, [good, bad]), bad, "amount_limit")
    assert admin.balance("A1") == 9_550 and applied_seq(live_hub, term.terminal_id) == 1


def test_a_cancellation_must_reverse_an_earlier_entry_once(
    sites: None, enrol: EnrolFn, admin: Admin
) -> None:
    term, client = enrol("SA")
    first = sale(term, "A1", 450)
    assert push(client, [first]).status_code == 200
    cancel = {"cancelled_kind": "sale", "cashier": "C1", "reason": "erreur"}
    # Refunding more than the sale was
    greedy = term.add("cancel", "A1", 45_000, cancels=1, **cancel)
    refused(push(client, [greedy]), greedy, "cancel_mismatch")
    term.entries.pop()
    # Cancelling an entry that does not exist (or a later one)
    ghost = term.add("cancel", "A1", 450, cancels=7, **cancel)
    refused(push(client, [ghost]), ghost, "cancel_mismatch")
    term.entries.pop()
    # Cancelling twice in one push
    once = term.add("cancel", "A1", 450, cancels=1, **cancel)
    twice = term.add("cancel", "A1", 450, cancels=1, **cancel)
    refused(push(client, [once, twice]), twice, "cancel_mismatch")
    assert push(client, [once]).status_code == 200
    refused(push(client, [once, twice]), twice, "cancel_mismatch")
    assert admin.balance("A1") == 10_000


# Case 9: timestamps, protocol versions, clock skew ----------------------------------------


@pytest.mark.parametrize("ts", ["2025-13-45T99:99:99.000000Z", "0000-01-01T00:00:00.000000Z"])
def test_impossible_timestamps_are_refused_naming_the_field(
    sites: None, enrol: EnrolFn, live_hub: LiveHub, ts: str
) -> None:
    term, client = enrol("SA")
    entry = sale(term, "A1", 100)
    response = raw_push(client, {"entries": [entry.to_dict() | {"ts": ts}]})
    assert response.status_code == 422, response.text
    assert "entries.0.ts" in response.json()["detail"]
    assert applied_seq(live_hub, term.terminal_id) == 0


def test_an_entry_dated_beyond_the_clock_skew_window_is_refused(
    sites: None, enrol: EnrolFn, live_hub: LiveHub
) -> None:
    term, client = enrol("SA")
    future = term.add(
        "sale", "A1", -100, ts=datetime.now(UTC) + timedelta(days=1), credential_id=SOME_BADGE
    )
    refused(push(client, [future]), future, "clock_skew")
    term.entries.clear()
    past = term.add(
        "sale", "A1", -100, ts=datetime(2001, 1, 1, tzinfo=UTC), credential_id=SOME_BADGE
    )
    refused(push(client, [past]), past, "clock_skew")
    assert applied_seq(live_hub, term.terminal_id) == 0


def test_an_unsupported_protocol_version_is_refused(
    sites: None, enrol: EnrolFn, admin: Admin, live_hub: LiveHub
) -> None:
    term, client = enrol("SA")
    entry = sale(term, "A1", 100)
    response = raw_push(client, {"protocol": 99, "entries": [entry.to_dict()]})
    assert response.status_code == 422 and "protocol" in response.json()["detail"]
    assert applied_seq(live_hub, term.terminal_id) == 0
    enrol_body = {
        "protocol": 99,
        "site_code": "SA",
        "token": admin.enrolment_token("SA"),
        "public_key": term.public_key,
    }
    answer = admin.http.post("/v1/enrol", json=enrol_body)
    assert answer.status_code == 422 and "protocol" in answer.json()["detail"]


# Case 3: 64 bits everywhere --------------------------------------------------------------


def balance_types(live_hub: LiveHub) -> set[str]:
    """The storage types of the balances: SQLite's per value (a sum past 64 bits would
    be REAL), PostgreSQL's of the column (BIGINT, which never turns into another)."""
    if isinstance(live_hub.db, str):
        rows = run_sql(
            live_hub.db, "SELECT DISTINCT CAST(pg_typeof(balance) AS TEXT) FROM accounts"
        )
        return {"integer" if row[0] == "bigint" else str(row[0]) for row in rows}
    rows = run_sql(live_hub.db, "SELECT DISTINCT typeof(balance) FROM accounts")
    return {str(row[0]) for row in rows}


def test_balances_stay_within_64_bits_and_the_site_stays_readable(
    sites: None, enrol: EnrolFn, admin: Admin, live_hub: LiveHub
) -> None:
    too_big = {"id": "R1", "display_name": "Rich", "balance": 2**63}
    response = admin.http.post("/v1/admin/sites/SA/accounts", json={"accounts": [too_big]})
    assert response.status_code == 422 and "balance" in response.json()["detail"]
    near = INT64_MAX - 100
    admin.accounts("SA", {"id": "R1", "display_name": "Rich", "balance": near})
    admin.badge("nfc:0A0A0A0A", "R1")
    term, client = enrol("SA")
    # A till's top-up that would pass 2^63 - 1
    top = term.add("top_up", "R1", 200, means="cash", cashier="C1")
    refused(push(client, [top]), top, "balance_overflow")
    assert applied_seq(live_hub, term.terminal_id) == 0
    # An online top-up there
    online = admin.http.post("/v1/admin/accounts/R1/top-ups", json={"amount": 200})
    assert online.status_code == 422 and "amount" in online.json()["detail"]
    # Everything that reads the account still answers, with an integer balance.
    assert admin.balance("R1") == near
    assert admin.http.get("/v1/admin/sites/SA/accounts").status_code == 200
    page = client.changes(0, 100)
    assert {a.id: a.balance for a in page.accounts}["R1"] == near
    assert balance_types(live_hub) == {"integer"}
    # A sale there still applies.
    term.entries.clear()
    assert (
        push(client, [sale(term, "R1", 100, credential_id="0a0a0a0a0a0a0a0a")]).status_code == 200
    )
    assert admin.balance("R1") == near - 100


def test_the_hub_database_never_holds_a_real_balance(sites: None, live_hub: LiveHub) -> None:
    refused: type[Exception] = sqlite3.IntegrityError
    if isinstance(live_hub.db, str):
        import psycopg

        refused = psycopg.errors.NumericValueOutOfRange
    with pytest.raises(refused):
        run_sql(
            live_hub.db, "UPDATE accounts SET balance = balance + ? WHERE id = 'A1'", [INT64_MAX]
        )
    assert balance_types(live_hub) == {"integer"}


def test_a_terminal_enrolled_as_a_kiosk_writes_only_what_a_kiosk_does(
    sites: None, admin: Admin, live_hub: LiveHub
) -> None:
    token = admin.post("/v1/admin/sites/SA/enrolment-tokens", {"mode": "kiosk"}, expect=201)
    term = JournalWriter("")
    with HubClient(live_hub.url) as anonymous:
        reply = anonymous.enrol("SA", token.json()["token"], term.public_key, "borne 1")
    term.terminal_id = reply.terminal_id
    with HubClient(live_hub.url, reply.api_token) as client:
        top = {"cashier": "kiosk", "balance_after": 10_500}
        for kind, amount, payload in [
            ("sale", -450, {"credential_id": SOME_BADGE}),
            ("guest_meal", -450, {"credential_id": SOME_BADGE, "vat": {"1000": 450}}),
            ("top_up", 500, {"means": "cash", **top}),
        ]:
            entry = term.add(kind, "A1", amount, **payload)
            refused(push(client, [entry]), entry, "kind_not_allowed")
            term.entries.pop()
        order = term.add("order", "A1", -450, credential_id=SOME_BADGE, mode="kiosk")
        card = term.add("top_up", "A1", 500, means="card", **top)
        assert push(client, [order, card]).status_code == 200
        cancel = term.add(
            "cancel", "A1", 450, cancels=1, cancelled_kind="order", cashier="kiosk", reason="x"
        )
        refused(push(client, [cancel]), cancel, "kind_not_allowed")
    assert admin.balance("A1") == 10_050


def test_a_visits_guest_meal_is_billed_to_the_visits_account(
    sites: None, enrol: EnrolFn, admin: Admin
) -> None:
    admin.accounts("SA", {"id": "A2", "display_name": "Ana", "balance": 3_000})
    visit = admin.post(
        "/v1/admin/sites/SA/visits",
        {"visitor": "V", "day": TODAY, "guests": 2, "host_account_id": "A1"},
        expect=201,
    ).json()
    term, client = enrol("SA")
    meal = {
        "visit_id": visit["id"],
        "guests": 1,
        "billing": "host",
        "cashier": "C1",
        "vat": {"1000": 900},
    }
    wrong = term.add("guest_meal", "A2", -900, means="visit", **meal)
    refused(push(client, [wrong]), wrong, "visit_account")
    term.entries.pop()
    unknown = term.add("guest_meal", "A1", -900, **(meal | {"visit_id": "00" * 8}))
    refused(push(client, [unknown]), unknown, "other_site")
    term.entries.pop()
    right = term.add("guest_meal", "A1", -900, means="visit", **meal)
    assert push(client, [right]).status_code == 200
    assert admin.balance("A1") == 9_100 and admin.balance("A2") == 3_000


def test_a_till_whose_entry_is_refused_reports_the_entry_and_the_rule(
    sites: None, open_till: TillFactory, admin: Admin, live_hub: LiveHub
) -> None:
    till = open_till("T1", site="SA")
    assert not isinstance(till.daemon.attempt(), Exception)
    sold = till.sell("nfc:0A0A0A01", 4_000)
    # The site's largest amount is lowered before the till pushes that sale.
    admin.http.put("/v1/admin/sites/SA", json={"site_code": "SA", "max_amount": 3_000})
    outcome = till.daemon.attempt()
    assert isinstance(outcome, RefusedError) and outcome.status == 422
    status = till.store.sync_status()
    assert status.error_permanent and status.last_error is not None
    assert f"{till.terminal_id}:{sold.seq}" in status.last_error
    assert "amount_limit" in status.last_error
    assert applied_seq(live_hub, till.terminal_id) == 0 and admin.balance("A1") == 10_000


def test_entries_written_by_the_previous_version_are_still_accepted(
    sites: None, enrol: EnrolFn, admin: Admin
) -> None:
    """A till upgraded with entries not yet pushed must not be blocked by the hub."""
    term, client = enrol("SA")
    fault = signed(
        term, "device_fault", None, 0, {"device": "tm-t20", "fault": "paper out", "ticket": 1}
    )
    meal = signed(
        term,
        "guest_meal",
        "A1",
        -900,
        {"credential_id": SOME_BADGE, "guest": True, "vat": {"1000": 900}},
    )
    assert push(client, [fault, meal]).status_code == 200
    assert admin.balance("A1") == 9_100
    # A guest's name in a signed payload could never be erased: refused.
    named = signed(
        term,
        "guest_meal",
        "A1",
        -900,
        {"credential_id": SOME_BADGE, "vat": {"1000": 900}, "visitor": "Élise Fournier"},
    )
    refused(push(client, [named]), named, "bad_payload")
    term.entries.pop()
    both = signed(
        term, "device_fault", None, 0, {"device": "a", "source": "b", "fault": "paper_out"}
    )
    refused(push(client, [both]), both, "bad_payload")
