"""Starvation: slow clients never stop the hub from answering others (issue case 8).

``kiosk hub`` runs in its own process under the open-file limit the old unit left it
(1,024), with a header deadline far longer than the test, so that only the connection
bound can explain that the control request is answered. The latency figure lives in
``scripts/bench.py hubload``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.sync.slowclients import (
    HubProcess,
    control_latency,
    control_under_load,
    ensure_open_files,
)

SLOW = 2000


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[HubProcess]:
    ensure_open_files(SLOW + 512)
    hub = HubProcess(tmp_path / "hub.db", open_files=1024, options=["--header-timeout", "120"])
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


@pytest.mark.slow
def test_two_thousand_slow_connections_leave_the_hub_answering(hub_process: HubProcess) -> None:
    # In a thread of its own: the browser tests' Playwright (sync API) keeps an event
    # loop running in this process's main thread for the whole session.
    with ThreadPoolExecutor(1) as apart:
        _, latencies, load = apart.submit(
            asyncio.run,
            control_under_load(hub_process.url, hub_process.port, SLOW, samples=3, settle_s=0.5),
        ).result()
    assert len(latencies) == 3  # each (and the first) answered 200 within a generous 30 s
    assert load.opened + load.failed == SLOW
    # The hub stayed under its open-file limit and dropped the oldest slow clients.
    assert load.cut >= SLOW - 1024
    assert hub_process.open_descriptors() < 1024
    # Once the flood is over, the hub counts its connections right: new ones stay.
    time.sleep(0.5)
    idle = [socket.create_connection(("127.0.0.1", hub_process.port)) for _ in range(10)]
    try:
        time.sleep(0.3)
        control_latency(hub_process.url)
        for sock in idle:
            sock.settimeout(0.1)
            with pytest.raises(TimeoutError):
                sock.recv(1)  # still open: nothing was pushed out
    finally:
        for sock in idle:
            sock.close()
    log = hub_process.log()
    assert "Traceback" not in log
    assert "Too many open files" not in log
    assert "accept failures" not in log  # never out of descriptors, even for a moment
    assert len(log) < 20_000, log[-2000:]  # a summary line, not a line per connection
