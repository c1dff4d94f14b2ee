"""Edges of the portal: cookies behind a TLS proxy, guessing identifiers, session
expiry, an SMTP server that is down, and the settings read from the environment."""

from __future__ import annotations

import html
from datetime import timedelta

import httpx
import pytest

from sync.server.portal.errors import PortalConfigError
from sync.server.portal.settings import PortalSettings
from tests.sync.live import LiveHub
from tests.sync.portal.conftest import Browser, Mailbox


def test_the_cookie_is_secure_when_the_request_came_over_https(
    site: str, live_hub: LiveHub
) -> None:
    # A TLS proxy on this machine forwards the scheme; uvicorn trusts loopback's header.
    with httpx.Client(base_url=live_hub.url, headers={"X-Forwarded-Proto": "https"}) as tls:
        cookie = tls.get("/portal/connexion").headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_guessing_identifiers_locks_the_client_out(site: str, browser: Browser) -> None:
    browser.submit("/portal/connexion", site="S1")
    statuses = [
        browser.submit("/portal/identifiant", identifier=f"X{i}").status_code for i in range(5)
    ]
    assert statuses == [400] * 5
    # Locked: even a real identifier is not looked up, from a new session too.
    assert browser.submit("/portal/identifiant", identifier="A1").status_code == 429
    with Browser(str(browser.http.base_url)) as fresh:
        fresh.submit("/portal/connexion", site="S1")
        assert fresh.submit("/portal/identifiant", identifier="A1").status_code == 429


def test_a_signed_in_session_expires(
    site: str, live_hub: LiveHub, browser: Browser, mailbox: Mailbox
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    hub = live_hub.service
    real = hub.clock
    hub.clock = lambda: real() + timedelta(hours=8, minutes=1)
    try:
        assert str(browser.get("/portal/").url).endswith("/portal/connexion")
    finally:
        hub.clock = real


def test_an_smtp_server_down_is_said_and_leaves_no_live_code(
    site: str, browser: Browser, mailbox: Mailbox
) -> None:
    browser.identify("S1", "A1")
    mailbox.controller.stop()
    try:
        page = browser.submit("/portal/compte-trouve")
    finally:
        mailbox.restart()
    assert page.status_code == 503
    assert "L'e-mail n'a pas pu partir" in html.unescape(page.text)
    assert mailbox.messages == []
    sent = browser.submit("/portal/compte-trouve")
    assert sent.status_code == 200
    done = browser.submit("/portal/activation/code", code=mailbox.last_code("ada@example.org"))
    assert str(done.url).endswith("/activation/mot-de-passe")


def test_settings_from_the_environment() -> None:
    env = {
        "KIOSK_PORTAL_SMTP_HOST": "smtp.example.org",
        "KIOSK_PORTAL_SMTP_PORT": "587",
        "KIOSK_PORTAL_SMTP_STARTTLS": "true",
        "PATH": "/usr/bin",
    }
    settings = PortalSettings.from_env(env)
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "smtp.example.org",
        587,
        True,
    )
    assert PortalSettings.from_env({}) == PortalSettings()
    with pytest.raises(PortalConfigError, match="KIOSK_PORTAL_SMTP_PROT"):
        PortalSettings.from_env({"KIOSK_PORTAL_SMTP_PROT": "25"})
    with pytest.raises(PortalConfigError, match="KIOSK_PORTAL_SMTP_PORT"):
        PortalSettings.from_env({"KIOSK_PORTAL_SMTP_PORT": "70000"})
    with pytest.raises(PortalConfigError, match="KIOSK_PORTAL_CODE_TTL_S"):
        PortalSettings.from_env({"KIOSK_PORTAL_CODE_TTL_S": "5"})
