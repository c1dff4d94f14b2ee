"""A push the hub refuses for good is shown as blocked, with the hub's reason, and is
not retried blindly: real hub over HTTP, a till whose unpushed sale is above the
limit the site has just lowered."""

from __future__ import annotations

from sync.client import RefusedError
from tests.sync.conftest import TillFactory
from tests.sync.live import Admin, make_site

BADGE = "nfc:0B1B0B01"


def test_a_refused_push_is_recorded_as_blocked_with_the_rule(
    admin: Admin, open_till: TillFactory
) -> None:
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 5000})
    admin.badge(BADGE, "A1")
    till = open_till("one")
    assert not isinstance(till.daemon.attempt(), Exception)
    till.sell(BADGE, 1200)
    settings = admin.http.get("/v1/admin/sites/S1").json()
    settings["max_amount"] = 1000
    assert admin.http.put("/v1/admin/sites/S1", json=settings).status_code == 200

    outcome = till.daemon.attempt()
    assert isinstance(outcome, RefusedError) and outcome.status == 422, outcome
    state = till.store.sync_status()
    assert state.error_permanent and state.waiting == 1
    assert state.last_error is not None and "amount_limit" in state.last_error
    assert till.engine.is_offline()  # it cannot sync now: the offline cap applies

    settings["max_amount"] = 50_000  # raised again: the next cycle goes through
    assert admin.http.put("/v1/admin/sites/S1", json=settings).status_code == 200
    assert not isinstance(till.daemon.attempt(), Exception)
    assert till.store.sync_status().waiting == 0 and admin.balance("A1") == 3800
