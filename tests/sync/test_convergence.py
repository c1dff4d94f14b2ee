"""Three tills sell offline to one account, then sync in every order, with lost replies
and pushes repeated: the hub applies each entry once and every till converges."""

from __future__ import annotations

import itertools

import pytest

from kiosk.engine import Accepted
from sync.client import SyncError
from sync.money import Money
from tests.sync.conftest import Till, TillFactory
from tests.sync.faultproxy import Fault, FaultProxy
from tests.sync.live import Admin, LiveHub, make_site

OPENING = 2000


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": OPENING})
    admin.badge("nfc:0A0A0A01", "A1")
    return "S1"


def hub_sum(tills: list[Till], account: str) -> int:
    """What the hub balance must be: the opening balance plus every till's entries."""
    return OPENING + sum(e.amount for t in tills for e in t.entries() if e.account == account)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_three_tills_converge_in_any_order(
    order: tuple[int, ...],
    site: str,
    admin: Admin,
    live_hub: LiveHub,
    open_till: TillFactory,
) -> None:
    lose_next: set[str] = set()

    def plan(method: str, path: str) -> Fault:
        # The first push of each till is applied by the hub but its reply is lost.
        if path == "/v1/journal" and lose_next:
            lose_next.pop()
            return Fault.LOSE_REPLY
        return Fault.PASS

    proxy = FaultProxy(live_hub.port, plan)
    try:
        tills = [open_till(f"T{i}", url=proxy.url) for i in range(3)]
        for till in tills:
            till.daemon.sync_once()
            assert till.usable("A1") == OPENING
        # Offline: each sells as if alone, so together they overspend.
        for till in tills:
            till.sell("nfc:0A0A0A01", 800)
            till.sell("nfc:0A0A0A01", 700)
        cancelled = tills[1].engine.cancel(tills[1].entries()[-1].seq, "cashier", "mistake")
        assert isinstance(cancelled, Accepted)
        topped = tills[2].engine.top_up("A1", Money(300), "cash", "cashier")
        assert isinstance(topped, Accepted)

        for index in order:
            till = tills[index]
            lose_next.add(till.name)
            with pytest.raises(SyncError):
                till.daemon.sync_once()  # applied on the hub, reply lost
            till.daemon.sync_once()  # pushes the same entries again
            till.daemon.sync_once()  # and once more: nothing new
        for till in tills:
            till.daemon.sync_once()  # everyone pulls the others' entries
    finally:
        proxy.close()

    expected = hub_sum(tills, "A1")
    assert expected == OPENING - 3 * 1500 + 700 + 300
    assert admin.balance("A1") == expected
    stored, summed = live_hub.service.hub_balance_check("A1")
    assert stored == summed == expected
    for till in tills:
        assert till.usable("A1") == expected
        status = till.store.sync_status()
        assert status.waiting == 0
        assert status.hub_applied_seq == till.store.last_seq()
    assert admin.account("A1")["flagged"] is True
    assert proxy.counts[Fault.LOSE_REPLY] == 3
