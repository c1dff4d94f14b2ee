"""Per-token rate limits on enrolment and admin writes: 429 with Retry-After, kept in
the database so that every hub process on it shares them (issue case 9)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.journal import public_key_text
from sync.server import Hub, RateLimits, open_hub
from sync.server.limits import Rate
from sync.server.thread import HubThread

RATES = RateLimits(enrol=Rate(per_minute=60, burst=3), admin_writes=Rate(per_minute=60, burst=3))


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def hubs(tmp_path: Path, hub_db: Path | str) -> Iterator[list[HubThread]]:
    """Two hub processes' worth (two services, two servers) on one database."""
    services = [open_hub(hub_db, key=tmp_path / "hub.key", rates=RATES) for _ in range(2)]
    # One clock that moves only when a test says (a loaded machine never refills an
    # allowance behind its back); both processes read the same time.
    clock = Clock(services[0].clock())
    for service in services:
        service.clock = clock
    threads = [HubThread(s).start() for s in services]
    try:
        yield threads
    finally:
        for thread in threads:
            thread.stop()
        for service in services:
            service.storage.close()


def admin_of(hub: Hub, label: str = "tests") -> dict[str, str]:
    return {"Authorization": f"Bearer {hub.create_admin_token(label)}"}


def write(url: str, headers: dict[str, str], n: int) -> httpx.Response:
    body = {"site_code": f"S{n}"}
    return httpx.post(f"{url}/v1/admin/sites", json=body, headers=headers)


def test_admin_writes_beyond_the_rate_get_429_with_retry_after(hubs: list[HubThread]) -> None:
    a, b = hubs
    headers = admin_of(a.hub)
    assert [write(a.url, headers, n).status_code for n in range(3)] == [201] * 3
    refused = write(a.url, headers, 3)
    assert refused.status_code == 429
    assert refused.json()["reason"] == "rate_limited"
    assert refused.headers["Retry-After"] == "1"
    # The other process refuses it too: the allowance lives in the database.
    assert write(b.url, headers, 4).status_code == 429
    # Reads are not limited, and another admin token has its own allowance.
    assert httpx.get(f"{a.url}/v1/admin/sites", headers=headers).status_code == 200
    assert write(b.url, admin_of(a.hub, "other"), 5).status_code == 201
    # Nothing was written by the refused requests.
    listed = httpx.get(f"{a.url}/v1/admin/sites", headers=headers).json()
    assert sorted(s["site_code"] for s in listed) == ["S0", "S1", "S2", "S5"]
    assert isinstance(a.hub.clock, Clock)
    a.hub.clock.now += timedelta(seconds=1.05)  # one request a second comes back
    assert write(a.url, headers, 6).status_code == 201


def test_enrolment_attempts_per_site_are_limited(hubs: list[HubThread]) -> None:
    a, b = hubs
    headers = admin_of(a.hub)
    for code in ("S1", "S2"):
        assert httpx.post(f"{a.url}/v1/admin/sites", json={"site_code": code}, headers=headers)
    key = public_key_text(Ed25519PrivateKey.generate().public_key())

    def enrol(url: str, site: str) -> httpx.Response:
        body = {"site_code": site, "token": "enr_guess-0123456789", "public_key": key}
        return httpx.post(f"{url}/v1/enrol", json=body)

    assert [enrol(a.url, "S1").status_code for _ in range(3)] == [403] * 3
    refused = enrol(b.url, "S1")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "enrolment" in refused.json()["detail"]
    # Another site is not held up; a good token on it still enrols.
    token, _ = a.hub.create_enrolment_token("S2", ttl=timedelta(hours=1))
    body = {"site_code": "S2", "token": token, "public_key": key}
    assert httpx.post(f"{a.url}/v1/enrol", json=body).status_code == 200
    # Guesses at unknown sites share one allowance (no row per guessed code).
    assert [enrol(a.url, f"X{i}").status_code for i in range(4)] == [403, 403, 403, 429]


def test_a_clock_set_back_does_not_lock_admins_out(tmp_path: Path, hub_db: Path | str) -> None:
    hub = open_hub(hub_db, key=tmp_path / "hub.key", rates=RATES)
    try:
        token = hub.create_admin_token()
        for _ in range(3):
            hub.check_admin(token, write=True)
        base = hub.clock()
        hub.clock = lambda: base - timedelta(minutes=10)  # NTP stepped the clock back
        hub.check_admin(token, write=True)
    finally:
        hub.storage.close()
