"""Signing a new device in with the single-use code a signed-in device shows: over
HTTP, one use only, two minutes only, spent only by the confirming POST."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx

from tests.sync.live import LiveHub
from tests.sync.portal.conftest import Browser, Mailbox


def show_link(browser: Browser) -> str:
    """Ask for a sign-in code; the address its QR code carries (path and query)."""
    page = browser.post_from("/portal/appareils", "/portal/appareils/lien")
    assert page.status_code == 200, page.text
    assert "<svg" in page.text and 'role="img"' in page.text
    found = re.search(r'data-address="([^"]+)"', page.text)
    assert found
    address = html.unescape(found.group(1))
    assert address.startswith(str(browser.http.base_url).rstrip("/") + "/portal/lien?jeton=")
    return address.removeprefix(str(browser.http.base_url).rstrip("/"))


def use_link(browser: Browser, path: str) -> httpx.Response:
    page = browser.get(path)
    token = re.search(r'name="jeton" value="([^"]*)"', page.text)
    assert token, page.text
    return browser.post_from(path, "/portal/lien", jeton=token.group(1))


def test_a_new_device_signs_in_once_with_the_code_of_a_signed_in_one(
    site: str, browser: Browser, mailbox: Mailbox, live_hub: LiveHub
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    path = show_link(browser)
    with Browser(live_hub.url) as phone, Browser(live_hub.url) as thief:
        assert phone.get(path).status_code == 200  # opening it spends nothing
        home = use_link(phone, path)
        assert str(home.url).endswith("/portal/") and "Bonjour Ada" in home.text
        late = use_link(thief, path)
        assert late.status_code == 400 and "déjà utilisé" in html.unescape(late.text)
        assert str(thief.get("/portal/").url).endswith("/portal/connexion")
    assert len(mailbox.messages) == 1  # no new code, no password


def test_a_code_lives_two_minutes(
    site: str, browser: Browser, mailbox: Mailbox, live_hub: LiveHub
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    path = show_link(browser)
    hub = live_hub.service
    real = hub.clock
    hub.clock = lambda: real() + timedelta(seconds=121)
    try:
        with Browser(live_hub.url) as phone:
            page = use_link(phone, path)
            assert page.status_code == 400
            assert str(phone.get("/portal/").url).endswith("/portal/connexion")
    finally:
        hub.clock = real


def test_a_code_needs_the_csrf_token_and_a_session_to_make(
    site: str, browser: Browser, mailbox: Mailbox, live_hub: LiveHub
) -> None:
    with Browser(live_hub.url) as stranger:
        made = stranger.http.post("/portal/appareils/lien", follow_redirects=False)
        assert made.headers["location"] == "/portal/connexion"
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    path = show_link(browser)
    with Browser(live_hub.url) as phone:
        phone.get(path)
        token = path.split("jeton=")[1]
        forged = phone.http.post("/portal/lien", data={"jeton": token})
        assert forged.status_code == 403
        # Still unspent: the real confirmation works.
        assert "Bonjour Ada" in use_link(phone, path).text


def test_an_unknown_code_is_refused(site: str, live_hub: LiveHub) -> None:
    with Browser(live_hub.url) as phone:
        page = use_link(phone, "/portal/lien?jeton=" + "x" * 32)
        assert page.status_code == 400 and "inconnu" in page.text
        assert str(phone.get("/portal/").url).endswith("/portal/connexion")
