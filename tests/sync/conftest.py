"""Fixtures for the sync suites: a live hub on loopback, its admin API, terminals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.client import HubClient
from sync.journal import public_key_text
from tests.sync.live import Admin, JournalWriter, LiveHub

EnrolFn = Callable[..., tuple[JournalWriter, HubClient]]


@pytest.fixture
def live_hub(tmp_path: Path) -> Iterator[LiveHub]:
    live = LiveHub(tmp_path / "hub.db").start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def admin_token(live_hub: LiveHub) -> str:
    return live_hub.service.create_admin_token("tests")


@pytest.fixture
def admin(live_hub: LiveHub, admin_token: str) -> Iterator[Admin]:
    headers = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=live_hub.url, headers=headers, timeout=30) as http:
        yield Admin(http)


@pytest.fixture
def enrol(live_hub: LiveHub, admin: Admin) -> Iterator[EnrolFn]:
    clients: list[HubClient] = []

    def enrol_one(
        site: str = "S1", url: str | None = None, **options: object
    ) -> tuple[JournalWriter, HubClient]:
        key = Ed25519PrivateKey.generate()
        with HubClient(live_hub.url) as anonymous:
            reply = anonymous.enrol(
                site, admin.enrolment_token(site), public_key_text(key.public_key())
            )
        client = HubClient(url or live_hub.url, reply.api_token, **options)  # type: ignore[arg-type]
        clients.append(client)
        return JournalWriter(reply.terminal_id, key), client

    yield enrol_one
    for client in clients:
        client.close()
