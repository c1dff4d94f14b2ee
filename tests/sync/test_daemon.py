"""The sync loop: backoff on transient failures, a permanent refusal recorded and not
retried until woken, status kept in the terminal's store."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.daemon import backoff_delay
from tests.sync.conftest import Till, TillFactory
from tests.sync.faultproxy import Fault, FaultProxy
from tests.sync.live import Admin, LiveHub, make_site


@given(
    failures=st.integers(min_value=1, max_value=10_000),
    base=st.floats(min_value=0.01, max_value=10),
    seed=st.integers(),
)
def test_backoff_grows_with_jitter_and_is_capped(failures: int, base: float, seed: int) -> None:
    rng = random.Random(seed)
    delay = backoff_delay(failures, base, 60.0, rng)
    step = min(60.0, base * 2 ** min(failures - 1, 30))
    assert step / 2 <= delay <= step <= 60.0
    assert backoff_delay(failures + 1, base, 60.0, random.Random(seed)) >= step / 2


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


@pytest.fixture
def site(admin: Admin) -> str:
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": 5000})
    admin.badge("nfc:0C0C0C01", "A1")
    return "S1"


@pytest.fixture
def running() -> Iterator[Callable[[Till], None]]:
    threads: list[tuple[Till, threading.Thread]] = []

    def start(till: Till) -> None:
        thread = threading.Thread(target=till.daemon.run, daemon=True)
        thread.start()
        threads.append((till, thread))

    yield start
    for till, thread in threads:
        till.daemon.stop()
        thread.join(timeout=30)
        assert not thread.is_alive()


FAST = {"interval_s": 0.02, "backoff_base_s": 0.01, "backoff_cap_s": 0.05, "idle_check_s": 0.01}


def test_the_loop_rides_out_a_hub_outage(
    site: str, live_hub: LiveHub, open_till: TillFactory, running: Callable[[Till], None]
) -> None:
    till = open_till("T1", **FAST)
    till.daemon.sync_once()
    live_hub.stop()
    till.sell("nfc:0C0C0C01", 450)
    running(till)
    wait_for(lambda: till.daemon.failures >= 3, "three failed attempts")
    status = till.store.sync_status()
    assert status.last_error is not None and not status.error_permanent
    assert status.waiting == 1
    live_hub.start()
    wait_for(lambda: till.store.sync_status().waiting == 0, "the sale reached the hub")
    wait_for(lambda: till.store.sync_status().last_error is None, "the error cleared")
    assert live_hub.service.account("A1").row.balance == 5000 - 450


def test_a_permanent_refusal_is_recorded_and_not_retried(
    site: str,
    admin: Admin,
    live_hub: LiveHub,
    open_till: TillFactory,
    running: Callable[[Till], None],
) -> None:
    proxy = FaultProxy(live_hub.port, lambda method, path: Fault.PASS)
    try:
        till = open_till("T1", url=proxy.url, **FAST)
        till.daemon.sync_once()
        admin.post(f"/v1/admin/terminals/{till.terminal_id}/revoke", expect=204)
        till.sell("nfc:0C0C0C01", 100)
        running(till)
        wait_for(lambda: till.store.sync_status().error_permanent, "a permanent error")
        status = till.store.sync_status()
        assert status.last_error is not None and "revoked" in status.last_error
        seen = proxy.counts[Fault.PASS]
        time.sleep(0.3)  # some thirty idle checks of the loop
        assert proxy.counts[Fault.PASS] == seen
        till.daemon.wake()  # a technician asks to try again: one more attempt
        wait_for(lambda: proxy.counts[Fault.PASS] > seen, "another attempt")
        assert till.store.sync_status().error_permanent
    finally:
        proxy.close()
