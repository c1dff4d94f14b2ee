"""Orders under any interleaving: place, cancel (diner at a kiosk, manager), ready,
collect and sync across two terminals of one site, over real HTTP to a live hub.

Whatever the order of events, once both terminals have synced: every order is in one
state that both terminals and the hub agree on; an order cancelled was refunded
exactly once and any other was paid exactly once (the balance is the opening balance
less the orders not cancelled); and the hub's balance is the sum of the account's
entries and movements.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kiosk.engine import Engine, Refused, Store
from kiosk.engine.keys import load_or_create_key
from kiosk.engine.trays import menu_document
from sync.client import HubClient
from sync.daemon import DaemonSettings, SyncDaemon
from sync.journal import public_key_text
from sync.protocol.order_rules import OrderRules
from sync.protocol.orders import OrderState
from tests.databases import BACKENDS, hub_database
from tests.sync.conftest import Till
from tests.sync.live import Admin, LiveHub
from tests.sync.order_helpers import SLOTS, code_of, exchange, order_menu, service, today

OPENING = 50_000
PRICE = 2400  # the cake, for the employee profile


@pytest.fixture(scope="module", params=BACKENDS)
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveHub, Admin, Path]]:
    root = tmp_path_factory.mktemp("orders-props")
    with hub_database(request.param, root) as db:
        yield from _served(db, root)


def _served(db: Path | str, root: Path) -> Iterator[tuple[LiveHub, Admin, Path]]:
    live = LiveHub(db, key=root / "hub.key").start()
    token = live.service.create_admin_token("tests")
    with httpx.Client(
        base_url=live.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        try:
            yield live, Admin(http), root
        finally:
            live.stop()


_sites = itertools.count(1)


@dataclass
class World:
    live: LiveHub
    admin: Admin
    site: str
    account: str
    badge: str
    tills: list[Till]
    codes: list[str] = field(default_factory=list)

    def close(self) -> None:
        for till in self.tills:
            till.daemon.stop()
            till.client.close()
            till.store.close()
            till.engine.close()


def new_world(live: LiveHub, admin: Admin, root: Path) -> World:
    """A fresh site (its own daily limit), one diner, two enrolled terminals synced."""
    n = next(_sites)
    site, account, badge = f"P{n}", f"P{n}A", f"nfc:{n:08X}"
    admin.site(site, site_name=site, offline_daily_cap=1_000_000)
    admin.accounts(site, {"id": account, "display_name": "Ada", "balance": OPENING})
    admin.badge(badge, account)
    menu = order_menu()
    items = tuple(
        i.model_copy(update={"ordering": OrderRules(slots=SLOTS, daily_limit=3)})
        if i.id == "cake-order"
        else i
        for i in menu.items
    )
    document = menu_document(menu.model_copy(update={"items": items}))
    admin.http.put(f"/v1/admin/sites/{site}/documents/catalogue/site", json=document)
    tills = []
    for name in ("one", "two"):
        folder = root / site / name
        folder.mkdir(parents=True)
        key = load_or_create_key(folder / "key")
        with HubClient(live.url) as anonymous:
            reply = anonymous.enrol(
                site, admin.enrolment_token(site), public_key_text(key.public_key()), name
            )
        engine = Engine.open(folder / "db", folder / "key", terminal_id=reply.terminal_id)
        store = Store.open(folder / "db")
        client = HubClient(live.url, reply.api_token, timeout=10)
        daemon = SyncDaemon(store, client, DaemonSettings(), lock_path=folder / "lock")
        till = Till(name, engine, store, client, daemon)
        exchange(till)
        tills.append(till)
    return World(live, admin, site, account, badge, tills)


OPS = ("place", "place", "cancel", "manager", "ready", "collect", "sync", "sync")
steps = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 1), st.integers(0, 5)), max_size=14)


def run(world: World, op: str, t: int, i: int) -> None:
    till = world.tills[t]
    code = world.codes[i % len(world.codes)] if world.codes else None
    if op == "place":
        result = service(till).order(world.badge, ["cake-order"], pickup_day=today(), slot=SLOTS[0])
        if not isinstance(result, Refused):
            world.codes.append(code_of(till, result))
    elif op == "sync":
        exchange(till)
    elif code is None:
        return
    elif op == "cancel":
        service(till).cancel_order(world.badge, code)
    elif op == "collect":
        service(till).collect_order(code, world.account)
    else:
        path = f"/v1/admin/sites/{world.site}/orders/{code}/{op.replace('manager', 'cancel')}"
        response = world.admin.http.post(path, json={"reason": "test"} if op == "manager" else None)
        # 404: not on the hub yet; 409: a transition its state does not allow
        assert response.status_code in {200, 404, 409}, response.text


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps)
# Handed over at a till that had not heard of the manager's cancellation: it stays
# cancelled (and refunded) everywhere.
@example([("place", 0, 0), ("sync", 0, 0), ("sync", 1, 0), ("manager", 0, 0), ("collect", 1, 0)])
# Cancelled at one kiosk while handed over at the other, neither synced in between.
@example([("place", 0, 0), ("sync", 0, 0), ("sync", 1, 0), ("cancel", 0, 0), ("collect", 1, 0)])
def test_any_interleaving_ends_in_one_state_with_the_money_right(
    hub: tuple[LiveHub, Admin, Path], plan: list[tuple[str, int, int]]
) -> None:
    live, admin, root = hub
    world = new_world(live, admin, root)
    try:
        for op, t, i in plan:
            run(world, op, t, i)
        for till in world.tills * 2:  # every fact reaches the hub, and its answers back
            exchange(till)
        hub_docs = {
            d["code"]: d
            for d in admin.http.get(f"/v1/admin/accounts/{world.account}/orders").json()
        }
        assert set(hub_docs) == set(world.codes)
        for till in world.tills:
            seen = {v.code: v for v in service(till).orders_of(world.account)}
            assert set(seen) == set(world.codes)
            for code, view in seen.items():
                assert not view.pending
                assert view.state.value == hub_docs[code]["state"], (code, view)
        for doc in hub_docs.values():
            assert doc["state"] in {s.value for s in OrderState}
            assert doc["refunded"] == (doc["state"] == "cancelled")
        paid = sum(d["amount"] for d in hub_docs.values() if d["state"] != "cancelled")
        stored, total = live.service.hub_balance_check(world.account)
        assert stored == total == OPENING - paid
        refunds = [
            m
            for m in admin.http.get(f"/v1/admin/accounts/{world.account}/movements").json()
            if m["kind"] == "order_refund"
        ]
        assert len(refunds) == len({m["ref"] for m in refunds})
        for till in world.tills:
            assert till.engine.usable_balance(world.account).cents == OPENING - paid
    finally:
        world.close()
