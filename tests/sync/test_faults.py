"""Fault injection through a TCP proxy on loopback: dropped connections, lost and cut
replies, 500s before and after the hub applied, delays, and hub restarts mid-run.
Nothing is lost and nothing is applied twice."""

from __future__ import annotations

import random

import pytest

from sync.client import SyncError
from tests.sync.conftest import TillFactory
from tests.sync.faultproxy import FAULTS, Fault, FaultProxy
from tests.sync.live import Admin, LiveHub, make_site

ACCOUNTS = {"A1": 50_000, "A2": 50_000, "A3": 0}
MIN_FAULTS = 220


def badge(account: str) -> str:
    return f"nfc:0B0000{account}"


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin)
    admin.accounts("S1", *({"id": a, "display_name": a, "balance": b} for a, b in ACCOUNTS.items()))
    for account in ACCOUNTS:
        admin.badge(badge(account), account)
    return "S1"


def test_nothing_lost_nothing_applied_twice_under_faults(
    site: str, admin: Admin, live_hub: LiveHub, open_till: TillFactory
) -> None:
    rng = random.Random(5)
    faulty = True

    def plan(method: str, path: str) -> Fault:
        if faulty and rng.random() < 0.55:
            return rng.choice(FAULTS)
        return Fault.PASS

    proxy = FaultProxy(live_hub.port, plan, delay_s=0.02)
    try:
        tills = [open_till(f"T{i}", url=proxy.url, batch=4, page=3) for i in range(3)]
        for till in tills:
            while True:  # the first snapshot, however many tries it takes
                try:
                    till.daemon.sync_once()
                    break
                except SyncError:
                    pass
        rounds = failures = 0
        while proxy.injected < MIN_FAULTS or rounds < 20:
            rounds += 1
            for i, till in enumerate(tills):
                till.sell(badge("A1"), 10 + i)
                till.sell(badge("A2"), 7)
                if rounds % 3 == i:
                    till.engine.cancel(till.entries()[-1].seq, "cashier", "oops")
                try:
                    till.daemon.sync_once()
                except SyncError:
                    failures += 1
            if rounds % 8 == 0:
                live_hub.restart()  # the hub goes away under the tills' feet
            # Changes made on the hub while the tills sync through the faults.
            admin.post("/v1/admin/accounts/A3/top-ups", {"amount": 5, "ref": f"r{rounds}"})
        faulty = False
        for _ in range(2):
            for till in tills:
                till.daemon.sync_once()
    finally:
        proxy.close()

    assert proxy.injected >= MIN_FAULTS
    assert failures > 0
    assert {f for f in FAULTS if proxy.counts[f] == 0} == set()
    hub = live_hub.service
    for till in tills:
        entries = till.entries()
        record = hub.storage.terminal(till.terminal_id)
        assert record is not None and record.applied_seq == entries[-1].seq
        assert record.last_hash == entries[-1].hash
    for account, opening in ACCOUNTS.items():
        top_ups = 5 * rounds if account == "A3" else 0
        expected = opening + top_ups
        expected += sum(e.amount for t in tills for e in t.entries() if e.account == account)
        stored, summed = hub.hub_balance_check(account)
        assert stored == summed == expected
        applied = hub.storage.entries_of_account(account)
        assert len(applied) == len({(e.terminal_id, e.seq) for e in applied})
        assert len(applied) == sum(1 for t in tills for e in t.entries() if e.account == account)
        for till in tills:
            assert till.usable(account) == expected
