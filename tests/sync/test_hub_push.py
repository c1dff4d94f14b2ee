"""Journal push and changes pull against a live hub over HTTP."""

from __future__ import annotations

import pytest

from sync.client import HubClient, RefusedError, SequenceGapError
from sync.protocol.messages import ErrorCode
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, LiveHub, make_site


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin, "S1")
    admin.accounts(
        "S1",
        {"id": "A1", "display_name": "Ada", "balance": 1000, "overdraft": 200},
        {"id": "A2", "display_name": "Bob", "balance": 0, "kind": "postpaid"},
    )
    admin.badge("nfc:04A1B2C3", "A1")
    return "S1"


def test_entries_apply_once_and_balances_follow(site: str, enrol: EnrolFn, admin: Admin) -> None:
    term, client = enrol(site)
    term.sell("A1", 450)
    term.add("start", None, 0, mode="till")
    term.sell("A2", 300)
    reply = client.push(term.entries)
    assert (reply.applied_seq, reply.applied, reply.duplicates) == (3, 3, 0)
    again = client.push(term.entries)
    assert (again.applied_seq, again.applied, again.duplicates) == (3, 0, 3)
    assert admin.balance("A1") == 550
    assert admin.balance("A2") == -300
    term.add("cancel", "A1", 450, cancels=1, cancelled_kind="sale", cashier="C1", reason="erreur")
    overlap = client.push(term.entries[1:])
    assert (overlap.applied_seq, overlap.applied, overlap.duplicates) == (4, 1, 2)
    assert admin.balance("A1") == 1000


def test_a_gap_gets_409_with_the_expected_sequence(site: str, enrol: EnrolFn) -> None:
    term, client = enrol(site)
    for _ in range(4):
        term.sell("A1", 10)
    client.push(term.entries[:2])
    with pytest.raises(SequenceGapError) as caught:
        client.push(term.entries[3:])
    assert caught.value.expected_seq == 3
    assert client.push(term.entries[2:]).applied_seq == 4


def test_a_sale_below_the_floor_is_accepted_and_flagged(
    site: str, enrol: EnrolFn, admin: Admin
) -> None:
    term, client = enrol(site)
    term.sell("A1", 1100)  # 1000 - 1100 = -100, within the 200 overdraft
    client.push(term.entries)
    assert admin.account("A1")["flagged"] is False
    term.sell("A1", 500)  # -600: below the floor of -200
    term.sell("A2", 5000)  # postpaid: no floor
    assert client.push(term.entries).applied_seq == 3
    assert admin.balance("A1") == -600
    assert admin.account("A1")["flagged"] is True
    assert admin.account("A2")["flagged"] is False
    flags = admin.http.get("/v1/admin/sites/S1/flags").json()
    assert [(f["account_id"], f["reason"], f["seq"], f["balance"]) for f in flags] == [
        ("A1", "below_floor", 2, -600)
    ]


def test_an_entry_for_an_unknown_account_is_kept_and_flagged(
    site: str, enrol: EnrolFn, admin: Admin
) -> None:
    term, client = enrol(site)
    term.sell("GHOST", 100)
    assert client.push(term.entries).applied_seq == 1
    flags = admin.http.get("/v1/admin/sites/S1/flags").json()
    assert [(f["account_id"], f["reason"]) for f in flags] == [("GHOST", "unknown_account")]


def test_changes_page_through_a_snapshot_then_deltas(
    site: str, enrol: EnrolFn, admin: Admin
) -> None:
    admin.accounts(
        "S1", *({"id": f"B{i:03}", "display_name": f"n{i}", "balance": i} for i in range(25))
    )
    admin.http.put("/v1/admin/sites/S1/documents/catalogue/site", json={"items": [1, 2]})
    term, client = enrol(site)
    cursor, accounts, pages = 0, {}, 0
    while True:
        page = client.changes(cursor, 10)
        pages += 1
        accounts.update({a.id: a.balance for a in page.accounts})
        assert page.cursor >= cursor
        cursor = page.cursor
        if page.documents:
            assert page.documents == {"catalogue": {"site": {"items": [1, 2]}}}
        if not page.more:
            break
    assert pages >= 3
    assert accounts == {"A1": 1000, "A2": 0} | {f"B{i:03}": i for i in range(25)}
    assert client.changes(cursor, 10).accounts == []
    # A sale changes the balance and moves the account past the cursor.
    term.sell("B003", 3)
    client.push(term.entries)
    admin.post("/v1/admin/credentials/nfc:04A1B2C3/status", {"status": "lost"})
    admin.http.delete("/v1/admin/sites/S1/documents/catalogue/site")
    page = client.changes(cursor, 10)
    assert [(a.id, a.balance) for a in page.accounts] == [("B003", 0)]
    assert page.applied_seq == 1
    assert [(c.value, c.status) for c in page.credentials] == [("nfc:04A1B2C3", "lost")]
    assert page.documents == {"catalogue": {"site": None}}
    assert not page.more


def test_replacing_a_badge_keeps_the_balance(site: str, admin: Admin, enrol: EnrolFn) -> None:
    admin.post("/v1/admin/credentials/nfc:04A1B2C3/replace", {"new_value": "nfc:0AFFFF01"})
    view = admin.account("A1")
    assert view["account"]["balance"] == 1000  # type: ignore[index]
    assert {c["value"]: c["status"] for c in view["credentials"]} == {  # type: ignore[attr-defined]
        "nfc:04A1B2C3": "lost",
        "nfc:0AFFFF01": "active",
    }


def test_online_top_up_is_idempotent_per_ref(site: str, admin: Admin) -> None:
    for _ in range(2):
        reply = admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 500, "ref": "app-1"})
        assert reply.json() == {"account_id": "A1", "balance": 1500}
    admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 250})
    assert admin.balance("A1") == 1750


def test_hub_balance_is_the_sum_of_its_ledger(
    site: str, enrol: EnrolFn, admin: Admin, live_hub: LiveHub
) -> None:
    term, client = enrol(site)
    for cents in (120, 330, 75):
        term.sell("A1", cents)
    client.push(term.entries)
    admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 1000})
    stored, summed = live_hub.service.hub_balance_check("A1")
    assert stored == summed == 1000 - 120 - 330 - 75 + 1000


def test_enrolment_token_is_single_use(site: str, admin: Admin, live_hub: LiveHub) -> None:
    token = admin.enrolment_token(site)
    with HubClient(live_hub.url) as anonymous:
        anonymous.enrol(site, token, "A" * 43 + "=")
        with pytest.raises(RefusedError) as caught:
            anonymous.enrol(site, token, "A" * 43 + "=")
    assert caught.value.status == 403
    assert caught.value.reason == ErrorCode.ENROLMENT_REFUSED
