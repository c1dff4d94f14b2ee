"""Test helpers: a real hub served by uvicorn on loopback, and a journal writer.

``LiveHub`` runs the hub in a thread on a fixed loopback port so that it can be
stopped and started again on the same port (the fault proxy keeps pointing at it), over
a SQLite file or a PostgreSQL URL (``tests.databases``).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.journal import GENESIS_HASH, Entry, make_entry, public_key_text
from sync.protocol.rows import SiteSettings
from sync.server import Hub, RateLimits, open_hub
from sync.server.thread import HubThread


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveHub:
    """A hub over ``db`` (a SQLite file or a PostgreSQL URL, which needs ``key``) served
    on a fixed loopback port; ``restart()`` keeps the port."""

    def __init__(
        self,
        db: Path | str,
        port: int | None = None,
        rates: RateLimits | None = None,
        key: Path | None = None,
    ) -> None:
        self.db = db
        self.rates = rates
        self.key = key
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.hub: Hub | None = None
        self._thread: HubThread | None = None

    def start(self) -> LiveHub:
        self.hub = open_hub(self.db, key=self.key, rates=self.rates)
        self._thread = HubThread(self.hub, port=self.port).start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop()
        if self.hub is not None:
            self.hub.storage.close()
        self._thread, self.hub = None, None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def service(self) -> Hub:
        assert self.hub is not None
        return self.hub


@dataclass
class Admin:
    """The admin API over HTTP, as the back office would use it."""

    http: httpx.Client

    def post(self, path: str, json: object = None, expect: int = 200) -> httpx.Response:
        response = self.http.post(path, json=json)
        assert response.status_code == expect, response.text
        return response

    def site(self, code: str, **settings: object) -> None:
        self.post("/v1/admin/sites", {"site_code": code, **settings}, expect=201)

    def accounts(self, site: str, *rows: dict[str, object]) -> None:
        self.post(f"/v1/admin/sites/{site}/accounts", {"accounts": list(rows)}, expect=204)

    def badge(self, value: str, account: str) -> None:
        self.post("/v1/admin/credentials", {"value": value, "kind": "nfc", "account_id": account})

    def enrolment_token(self, site: str) -> str:
        response = self.post(f"/v1/admin/sites/{site}/enrolment-tokens", {}, expect=201)
        return str(response.json()["token"])

    def account(self, account_id: str) -> dict[str, object]:
        response = self.http.get(f"/v1/admin/accounts/{account_id}")
        assert response.status_code == 200, response.text
        data: dict[str, object] = response.json()
        return data

    def balance(self, account_id: str) -> int:
        account = self.account(account_id)["account"]
        assert isinstance(account, dict)
        return int(account["balance"])


def make_site(admin: Admin, code: str = "S1", **settings: object) -> SiteSettings:
    admin.site(code, site_name=f"Site {code}", **settings)
    return SiteSettings(site_code=code, site_name=f"Site {code}")


@dataclass
class JournalWriter:
    """A terminal's journal made with ``sync.journal.make_entry`` (no engine)."""

    terminal_id: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    entries: list[Entry] = field(default_factory=list)

    @property
    def public_key(self) -> str:
        return public_key_text(self.key.public_key())

    def add(
        self,
        kind: str,
        account: str | None,
        amount: int,
        ts: datetime | None = None,
        **payload: object,
    ) -> Entry:
        """Sign the next entry; the payload gets today's ``business_day`` unless given."""
        prev = self.entries[-1].hash if self.entries else GENESIS_HASH
        moment = ts or datetime.now(UTC)
        payload = {"business_day": moment.date().isoformat(), **payload}
        entry = make_entry(
            key=self.key,
            terminal_id=self.terminal_id,
            seq=len(self.entries) + 1,
            ts=moment,
            kind=kind,
            account=account,
            amount=amount,
            payload=payload,
            prev_hash=prev,
        )
        self.entries.append(entry)
        return entry

    def sell(self, account: str, cents: int) -> Entry:
        return self.add("sale", account, -cents, credential_id="0a0a0a0a0a0a0a0a", items=["menu"])
