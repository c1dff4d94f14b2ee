"""Fixtures for the sync suites: a live hub on loopback, its admin API, terminals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.engine import Accepted, Engine, Store
from kiosk.engine.keys import load_or_create_key
from sync.client import HubClient
from sync.daemon import DaemonSettings, SyncDaemon
from sync.journal import Entry, public_key_text
from sync.money import Money
from tests.sync.live import Admin, JournalWriter, LiveHub

EnrolFn = Callable[..., tuple[JournalWriter, HubClient]]


@pytest.fixture
def live_hub(tmp_path: Path, hub_db: Path | str) -> Iterator[LiveHub]:
    live = LiveHub(hub_db, key=tmp_path / "hub.key").start()
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


@dataclass
class Till:
    """A terminal as deployed: the engine selling, and the sync daemon on its own
    connection to the same SQLite file (as the second process would have)."""

    name: str
    engine: Engine
    store: Store
    client: HubClient
    daemon: SyncDaemon

    @property
    def terminal_id(self) -> str:
        return self.engine.terminal_id

    def sell(self, credential: str, cents: int) -> Accepted:
        result = self.engine.sell(credential, Money(cents))
        assert isinstance(result, Accepted), result
        return result

    def entries(self) -> list[Entry]:
        return self.store.journal_after(0, 10**9)

    def usable(self, account: str) -> int:
        return self.engine.usable_balance(account).cents


TillFactory = Callable[..., Till]


@pytest.fixture
def open_till(tmp_path: Path, live_hub: LiveHub, admin: Admin) -> Iterator[TillFactory]:
    tills: list[Till] = []

    def open_one(name: str, site: str = "S1", url: str | None = None, **settings: Any) -> Till:
        key_path = tmp_path / f"{name}.key"
        key = load_or_create_key(key_path)
        with HubClient(live_hub.url) as anonymous:
            reply = anonymous.enrol(
                site, admin.enrolment_token(site), public_key_text(key.public_key()), name
            )
        db = tmp_path / f"{name}.db"
        engine = Engine.open(db, key_path, terminal_id=reply.terminal_id)
        store = Store.open(db)
        client = HubClient(url or live_hub.url, reply.api_token, timeout=10)
        daemon = SyncDaemon(
            store, client, DaemonSettings(**settings), lock_path=tmp_path / f"{name}.lock"
        )
        till = Till(name, engine, store, client, daemon)
        tills.append(till)
        return till

    yield open_one
    for till in tills:
        till.daemon.stop()
        till.client.close()
        till.store.close()
        till.engine.close()
