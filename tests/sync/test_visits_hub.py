"""Visit requests and phone badges end to end: admin API on a live hub over HTTP,
terminals with the real engine and sync daemon."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine import Accepted, Engine, Refused
from kiosk.engine.keys import load_or_create_key
from kiosk.engine.visits import HUB_KEY_META
from sync.client import HubClient
from sync.daemon import SyncDaemon
from sync.journal import public_key_text
from sync.money import Money
from sync.protocol.reasons import RejectReason
from tests.sync.live import Admin, LiveHub, make_site

TODAY = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()


@dataclass
class Till:
    engine: Engine
    client: HubClient
    daemon: SyncDaemon
    token: str

    def sync(self) -> None:
        self.daemon.sync_once()

    def serve(self, visit: str, guests: int, cents: int) -> Accepted | Refused:
        return self.engine.consume_visit(
            visit, guests, Money(cents), vat={"1000": cents}, cashier="C1"
        )


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin, "S1")
    admin.accounts(
        "S1",
        {"id": "A1", "display_name": "Ada", "balance": 5000},
        {"id": "CC1", "display_name": "Marketing", "balance": 0, "kind": "postpaid"},
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
        engine = Engine.open(tmp_path / f"{name}.db", key_path, terminal_id=reply.terminal_id)
        # What enrolment keeps: the hub's key, to check visit codes offline.
        engine.store.set_meta(HUB_KEY_META, reply.hub_public_key)
        client = HubClient(live_hub.url, reply.api_token, timeout=10)
        till = Till(engine, client, SyncDaemon(engine.store, client), reply.api_token)
        tills.append(till)
        till.sync()
        return till

    yield open_one
    for till in tills:
        till.client.close()
        till.engine.close()


def declare(admin: Admin, guests: int = 3, **fields: Any) -> dict[str, Any]:
    body = {
        "visitor": "Élise Fournier",
        "company": "Acme",
        "day": TODAY.isoformat(),
        "guests": guests,
        "host_account_id": "A1",
        **fields,
    }
    visit: dict[str, Any] = admin.post("/v1/admin/sites/S1/visits", body, expect=201).json()
    assert visit["state"] == "requested" and visit["code"] is None
    return visit


def decide(admin: Admin, visit_id: str, action: str, expect: int = 200) -> dict[str, Any]:
    result: dict[str, Any] = admin.post(
        f"/v1/admin/sites/S1/visits/{visit_id}/{action}", {"note": action}, expect=expect
    ).json()
    return result


def hub_visit(admin: Admin, visit_id: str) -> dict[str, Any]:
    response = admin.http.get(f"/v1/admin/sites/S1/visits/{visit_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_declare_approve_sync_consume_over_consume(
    admin: Admin, open_till: Callable[[str], Till]
) -> None:
    one, two = open_till("T1"), open_till("T2")
    visit = declare(admin)
    one.sync()
    waiting = one.serve(visit["id"], 1, 900)
    assert isinstance(waiting, Refused) and waiting.reason is RejectReason.VISIT_NOT_APPROVED

    approved = decide(admin, visit["id"], "approve")
    assert approved["state"] == "approved" and approved["code"].startswith("MV1.")
    decide(admin, visit["id"], "approve", expect=409)
    for till in (one, two):
        till.sync()
    # The visitor shows the hub-signed code at T1; T2's cashier picks from the list.
    first = one.serve(approved["code"], 2, 1800)
    assert isinstance(first, Accepted) and first.account_id == "A1"
    assert [v.remaining for v in two.engine.visits_today()] == [3]
    one.sync()
    assert hub_visit(admin, visit["id"])["consumed_by"] == {one.engine.terminal_id: 2}
    two.sync()
    assert [v.remaining for v in two.engine.visits_today()] == [1]
    over = two.serve(visit["id"], 2, 1800)
    assert isinstance(over, Refused) and over.reason is RejectReason.VISIT_CONSUMED
    assert isinstance(two.serve(visit["id"], 1, 900), Accepted)
    two.sync()
    on_hub = hub_visit(admin, visit["id"])
    assert on_hub["state"] == "consumed" and sum(on_hub["consumed_by"].values()) == 3
    assert admin.balance("A1") == 5000 - 2700
    one.sync()
    done = one.serve(visit["id"], 1, 900)
    assert isinstance(done, Refused) and done.reason is RejectReason.VISIT_CONSUMED
    # A push again (nothing new) or a cancelled meal recounts from the entries.
    assert isinstance(one.engine.cancel(first.seq, "C1", "mistake"), Accepted)
    one.sync()
    reopened = hub_visit(admin, visit["id"])
    assert reopened["state"] == "approved"
    assert reopened["consumed_by"] == {two.engine.terminal_id: 1}
    assert admin.balance("A1") == 5000 - 900


def test_cancelled_refused_deleted_and_cost_centre(
    admin: Admin, open_till: Callable[[str], Till]
) -> None:
    till = open_till("T1")
    cancelled = declare(admin)
    decide(admin, cancelled["id"], "approve")
    refused = declare(admin)
    decide(admin, refused["id"], "refuse")
    deleted = declare(admin)
    billed = declare(admin, 5, billing="cost_centre", cost_centre="CC1")
    decide(admin, billed["id"], "approve")
    till.sync()
    decide(admin, cancelled["id"], "cancel")
    decide(admin, cancelled["id"], "approve", expect=409)
    response = admin.http.delete(f"/v1/admin/sites/S1/visits/{deleted['id']}")
    assert response.status_code == 204
    till.sync()
    for visit_id, reason in [
        (cancelled["id"], RejectReason.VISIT_CANCELLED),
        (refused["id"], RejectReason.VISIT_NOT_APPROVED),
        (deleted["id"], RejectReason.VISIT_UNKNOWN),
    ]:
        outcome = till.serve(visit_id, 1, 900)
        assert isinstance(outcome, Refused) and outcome.reason is reason
    assert till.engine.store.last_seq() == 0
    served = till.serve(billed["id"], 5, 4500)
    assert isinstance(served, Accepted) and served.account_id == "CC1"
    till.sync()
    assert admin.balance("CC1") == -4500
    listed = admin.http.get("/v1/admin/sites/S1/visits", params={"state": "consumed"}).json()
    assert [v["id"] for v in listed] == [billed["id"]]
    everything = admin.http.get("/v1/admin/sites/S1/visits", params={"day": TODAY.isoformat()})
    assert len(everything.json()) == 3  # the deleted one is gone


def test_declaration_is_checked(admin: Admin, site: str, open_till: Callable[[str], Till]) -> None:
    base = {"visitor": "X", "day": TODAY.isoformat(), "guests": 1, "host_account_id": "A1"}
    for bad in [
        {**base, "host_account_id": "NOPE"},
        {**base, "day": (TODAY - timedelta(days=2)).isoformat()},
        {**base, "guests": 0},
        {**base, "billing": "cost_centre"},
        {**base, "surprise": 1},
    ]:
        admin.post("/v1/admin/sites/S1/visits", bad, expect=422)
    assert admin.http.get("/v1/admin/sites/S1/visits/0123456789abcdef").status_code == 404
    till = open_till("T1")
    terminal = {"Authorization": f"Bearer {till.token}"}
    sneaky = admin.http.post("/v1/admin/sites/S1/visits", json=base, headers=terminal)
    assert sneaky.status_code == 403


def test_phone_badge_registered_minted_and_sold(
    admin: Admin, open_till: Callable[[str], Till]
) -> None:
    till = open_till("T1")
    phone = admin.post("/v1/admin/accounts/A1/phones", {}, expect=201).json()
    value = phone["credential"]["value"]
    assert phone["held_by_hub"] and value.startswith("phone:")
    till.sync()
    code = admin.http.get(f"/v1/admin/phones/{value}/code").json()
    assert len(code["code"]) <= 120
    sold = till.engine.sell(code["code"], Money(450))
    assert isinstance(sold, Accepted) and sold.account_id == "A1"
    replay = till.engine.sell(code["code"], Money(450))
    assert isinstance(replay, Refused) and replay.reason is RejectReason.QR_REPLAYED
    # The app's own key: the hub keeps only the public half and cannot mint.
    app_key = Ed25519PrivateKey.generate()
    own = admin.post(
        "/v1/admin/accounts/A1/phones",
        {"public_key": public_key_text(app_key.public_key())},
        expect=201,
    ).json()
    assert not own["held_by_hub"]
    assert admin.http.get(f"/v1/admin/phones/{own['credential']['value']}/code").status_code == 409
    # Reported lost on the hub: refused at the till after the next sync.
    admin.post(f"/v1/admin/credentials/{value}/status", {"status": "lost"})
    till.sync()
    fresh = admin.http.get(f"/v1/admin/phones/{value}/code").json()["code"]
    lost = till.engine.sell(fresh, Money(450))
    assert isinstance(lost, Refused) and lost.reason is RejectReason.LOST_BADGE
