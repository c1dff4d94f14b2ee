"""Offline means "cannot sync now": the offline cap applies from the first failed sync,
not only once the last success is older than the site's threshold."""

from __future__ import annotations

from pathlib import Path

from kiosk.engine import Accepted, Engine, Refused
from sync.money import Money
from sync.protocol.reasons import RejectReason
from tests.kiosk.engine.conftest import FakeClock, seed

ALICE = "nfc:04A1B2C3D4E5F6"  # 20,00 EUR; the offline cap is 15,00 EUR a day


def test_a_failed_sync_caps_sales_at_once(engine: Engine, clock: FakeClock) -> None:
    assert not engine.is_offline()  # synced a moment ago
    clock.advance(minutes=1)
    engine.store.record_sync_result(ok=False, error="hub unreachable", at=clock())
    assert engine.is_offline()  # one minute, far below offline_after_s = 600
    assert isinstance(engine.sell(ALICE, Money(1000)), Accepted)
    refused = engine.sell(ALICE, Money(1000))  # the balance would allow it; the cap not
    assert isinstance(refused, Refused) and refused.reason is RejectReason.OFFLINE_CAP_REACHED
    status = engine.store.sync_status()
    assert status.failing_since is not None and status.failing_since <= clock()

    engine.store.record_sync_result(ok=True, at=clock())  # back in sync
    assert not engine.is_offline()
    assert engine.store.sync_status().failing_since is None
    assert isinstance(engine.sell(ALICE, Money(1000)), Accepted)


def test_the_first_failure_is_kept_while_failures_go_on(engine: Engine, clock: FakeClock) -> None:
    clock.advance(minutes=1)
    first = clock()
    engine.store.record_sync_result(ok=False, error="down", at=first)
    clock.advance(minutes=1)
    engine.store.record_sync_result(ok=False, error="still down", at=clock())
    assert engine.store.sync_status().failing_since == first


def test_three_tills_cannot_take_an_account_below_zero_in_an_outage(
    tmp_path: Path, clock: FakeClock
) -> None:
    """The reported case: three tills, a 20 EUR account, the hub gone a minute ago."""
    spent = 0
    for name in ("one", "two", "three"):
        folder = tmp_path / name
        engine = Engine.open(folder / "k.db", folder / "k.key", terminal_id=name, clock=clock)
        try:
            seed(engine)
            engine.store.record_sync_result(ok=False, error="hub down", at=clock())
            for _ in range(4):  # each would sell its full 20 EUR without the cap
                if isinstance(engine.sell(ALICE, Money(500)), Accepted):
                    spent += 500
        finally:
            engine.close()
    assert spent == 3 * 1500  # at most the cap on each till, not 3 x 20 EUR
