"""Fixtures for the portal: a local SMTP server that keeps what it receives, a live
hub whose portal sends through it, and a diner's browser (httpx with cookies)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.sync.live import Admin, LiveHub, free_port, make_site

PASSWORD = "correct horse battery"


@dataclass
class Mailbox:
    """What the SMTP server received, in order."""

    port: int = 0
    controller: Any = None
    messages: list[Message] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content))
            self.arrived.notify_all()
        return "250 OK"

    def restart(self) -> None:
        """A new server on the same port (a stopped controller cannot start again)."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def last_code(self, to: str) -> str:
        for message in reversed(self.messages):
            if message["To"] == to:
                body = message.get_payload(decode=True)
                assert isinstance(body, bytes)
                found = re.search(r"\b(\d{6})\b", body.decode())
                assert found, body
                return found.group(1)
        raise AssertionError(f"no mail to {to}")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port, box.controller = controller.port, controller
    try:
        yield box
    finally:
        box.controller.stop()


@pytest.fixture
def live_hub(
    tmp_path: Path, hub_db: Path | str, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveHub]:
    monkeypatch.setenv("KIOSK_PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KIOSK_PORTAL_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("KIOSK_PORTAL_SMTP_SENDER", "cantine@example.org")
    # The least cost the settings allow: the same argon2id code path, faster tests.
    monkeypatch.setenv("KIOSK_PORTAL_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("KIOSK_PORTAL_ARGON2_MEMORY_KIB", "8192")
    live = LiveHub(hub_db, key=tmp_path / "hub.key").start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def site(admin: Admin, live_hub: LiveHub) -> str:
    """Site S1 with Ada (A1) and Bob (A2), both with an e-mail, and Cy (A3) without;
    site S2 with Dee (B1)."""
    make_site(admin, "S1")
    admin.accounts(
        "S1",
        {"id": "A1", "display_name": "Ada", "balance": 1000},
        {"id": "A2", "display_name": "Bob", "balance": 500},
        {"id": "A3", "display_name": "Cy", "balance": 0},
    )
    make_site(admin, "S2")
    admin.accounts("S2", {"id": "B1", "display_name": "Dee", "balance": 700})
    # The e-mails come with the site's import of its HR export, as the back office runs it.
    import_accounts(
        admin,
        "S1",
        {"id": "A1", "name": "Ada", "email": "ada@example.org"},
        {"id": "A2", "name": "Bob", "email": "bob@example.org"},
        {"id": "A3", "name": "Cy"},
    )
    import_accounts(admin, "S2", {"id": "B1", "name": "Dee", "email": "dee@example.org"})
    return "S1"


_TOKENS = re.compile(r'name="csrf" value="[^"]*"|[0-9a-f]{16,}')


def without_tokens(html: str) -> str:
    """A page without its random tokens (the form's CSRF value, long hex ids in links),
    so that a check that another diner's amount or name is absent cannot be fooled by
    a token that happens to contain "777"."""
    return _TOKENS.sub("", html)


def import_accounts(admin: Admin, site: str, *rows: dict[str, object]) -> None:
    started = admin.post(f"/v1/admin/sites/{site}/imports", {"total": len(rows)}, expect=201)
    batch = started.json()["import_id"]
    lines = [{"line": i, **row} for i, row in enumerate(rows, 1)]
    admin.post(f"/v1/admin/sites/{site}/imports/{batch}/rows", {"rows": lines})
    result = admin.post(f"/v1/admin/sites/{site}/imports/{batch}/commit").json()
    assert result["errors"] == [], result


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """A diner's browser: keeps cookies, follows redirects, fills the pages' forms."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, follow_redirects=True, timeout=30)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def csrf(self, path: str) -> str:
        page = self.get(path)
        found = CSRF.search(page.text)
        assert found, page.text
        return found.group(1)

    def submit(self, path: str, **fields: str) -> httpx.Response:
        """Load the form's page, then post it with its CSRF token."""
        return self.http.post(path, data={"csrf": self.csrf(path), **fields})

    def post_from(self, page: str, path: str, **fields: str) -> httpx.Response:
        """Post to ``path`` a form found on ``page``, with the page's CSRF token."""
        return self.http.post(path, data={"csrf": self.csrf(page), **fields})

    def identify(self, site: str, account: str) -> httpx.Response:
        self.submit("/portal/connexion", site=site)
        return self.submit("/portal/identifiant", identifier=account)

    def activate(self, site: str, account: str, mailbox: Mailbox, email: str) -> httpx.Response:
        found = self.identify(site, account)
        assert "Votre compte a été trouvé" in found.text, found.text
        sent = self.submit("/portal/compte-trouve")
        assert sent.status_code == 200 and 'name="code"' in sent.text, sent.text
        self.submit("/portal/activation/code", code=mailbox.last_code(email))
        return self.submit("/portal/activation/mot-de-passe", password=PASSWORD, again=PASSWORD)

    def sign_in(self, site: str, account: str, password: str = PASSWORD) -> httpx.Response:
        page = self.identify(site, account)
        assert 'name="password"' in page.text, page.text
        return self.submit("/portal/mot-de-passe", password=password)


@pytest.fixture
def browser(live_hub: LiveHub) -> Iterator[Browser]:
    b = Browser(live_hub.url)
    yield b
    b.close()


@pytest.fixture
def other_browser(live_hub: LiveHub) -> Iterator[Browser]:
    b = Browser(live_hub.url)
    yield b
    b.close()
