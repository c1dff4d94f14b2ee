"""First connection, sign-in, lock-out and CSRF of the diner portal, over real HTTP
against a live hub whose activation codes go through a local SMTP server."""

from __future__ import annotations

import html
from datetime import timedelta

import httpx

from sync.server.portal.settings import PortalSettings
from sync.server.portal.store import PortalStore
from tests.databases import raw_bytes
from tests.sync.live import Admin, LiveHub
from tests.sync.portal.conftest import PASSWORD, Browser, Mailbox


def test_first_connection_by_emailed_code_then_sign_in(
    site: str, browser: Browser, mailbox: Mailbox, other_browser: Browser
) -> None:
    home = browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert home.status_code == 200
    assert str(home.url).endswith("/portal/")
    assert "Bonjour Ada" in home.text
    mail = mailbox.messages[-1]
    assert mail["From"] == "cantine@example.org" and mail["To"] == "ada@example.org"
    assert mail["Subject"] == "Votre code d'activation"
    out = browser.http.post("/portal/deconnexion", data={"csrf": browser.csrf("/portal/")})
    assert str(out.url).endswith("/portal/connexion")
    assert str(browser.get("/portal/").url).endswith("/portal/connexion")
    # Later sign-ins: identifier and password, no code.
    again = other_browser.sign_in("S1", "A1")
    assert "Bonjour Ada" in again.text
    assert len(mailbox.messages) == 1


def test_session_cookie_is_httponly_samesite_and_renewed_at_sign_in(
    site: str, live_hub: LiveHub, browser: Browser, mailbox: Mailbox
) -> None:
    first = browser.get("/portal/connexion")
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/portal" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback
    assert first.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in first.headers["content-security-policy"]
    anonymous = browser.http.cookies["portal_session"]
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert browser.http.cookies["portal_session"] != anonymous
    # The pre-sign-in token opens nothing (no session fixation).
    with httpx.Client(base_url=live_hub.url, cookies={"portal_session": anonymous}) as old:
        assert old.get("/portal/").headers["location"] == "/portal/connexion"


def test_unknown_site_and_unknown_identifier_are_refused(site: str, browser: Browser) -> None:
    page = browser.submit("/portal/connexion", site="NOPE")
    assert page.status_code == 400 and "Ce code solution est inconnu." in page.text
    browser.submit("/portal/connexion", site="S1")
    page = browser.submit("/portal/identifiant", identifier="B1")  # another site's diner
    assert page.status_code == 400 and "Aucun compte ne porte cet identifiant" in page.text


def test_an_account_without_email_cannot_be_activated(
    site: str, browser: Browser, mailbox: Mailbox
) -> None:
    browser.identify("S1", "A3")
    page = browser.submit("/portal/compte-trouve")
    assert page.status_code == 400 and "Aucune adresse e-mail" in page.text
    assert mailbox.messages == []


def test_wrong_expired_and_reused_codes_are_refused(
    site: str, live_hub: LiveHub, browser: Browser, mailbox: Mailbox, other_browser: Browser
) -> None:
    browser.identify("S1", "A1")
    browser.submit("/portal/compte-trouve")
    code = mailbox.last_code("ada@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page = browser.submit("/portal/activation/code", code=wrong)
    assert page.status_code == 400 and "faux, expiré ou déjà utilisé" in page.text
    assert str(browser.get("/portal/activation/mot-de-passe").url).endswith("/connexion")
    # Expired: the hub's clock moves past the code's ten minutes.
    hub = live_hub.service
    real = hub.clock
    hub.clock = lambda: real() + timedelta(minutes=11)
    try:
        page = browser.submit("/portal/activation/code", code=code)
        assert page.status_code == 400
    finally:
        hub.clock = real
    # A new code works once; the same code again is refused, even from another session.
    browser.submit("/portal/compte-trouve")
    code = mailbox.last_code("ada@example.org")
    assert browser.submit("/portal/activation/code", code=code).url.path.endswith(
        "/activation/mot-de-passe"
    )
    other_browser.identify("S1", "A1")
    page = other_browser.submit("/portal/activation/code", code=code)
    assert page.status_code == 400
    done = browser.submit("/portal/activation/mot-de-passe", password=PASSWORD, again=PASSWORD)
    assert "Bonjour Ada" in done.text


def test_a_new_code_replaces_the_previous_one(
    site: str, browser: Browser, mailbox: Mailbox
) -> None:
    browser.identify("S1", "A1")
    browser.submit("/portal/compte-trouve")
    first = mailbox.last_code("ada@example.org")
    browser.submit("/portal/compte-trouve")
    second = mailbox.last_code("ada@example.org")
    if first != second:
        assert browser.submit("/portal/activation/code", code=first).status_code == 400
    assert browser.submit("/portal/activation/code", code=second).status_code == 200


def test_password_rules_at_activation(site: str, browser: Browser, mailbox: Mailbox) -> None:
    browser.identify("S1", "A1")
    browser.submit("/portal/compte-trouve")
    browser.submit("/portal/activation/code", code=mailbox.last_code("ada@example.org"))
    short = browser.submit("/portal/activation/mot-de-passe", password="short", again="short")
    assert short.status_code == 400 and "de 10 à 256 caractères" in short.text
    differ = browser.submit(
        "/portal/activation/mot-de-passe", password=PASSWORD, again=PASSWORD + "x"
    )
    assert differ.status_code == 400 and "diffèrent" in differ.text
    assert str(browser.get("/portal/").url).endswith("/connexion")


def test_sign_in_locks_out_after_repeated_failures(
    site: str, browser: Browser, mailbox: Mailbox, other_browser: Browser
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    for _ in range(4):
        page = other_browser.sign_in("S1", "A1", password="not the password")
        assert page.status_code == 400 and "Mot de passe incorrect." in page.text
    page = other_browser.sign_in("S1", "A1", password="not the password")
    assert page.status_code == 429 and "Trop d'essais" in html.unescape(page.text)
    # Locked: even the right password is refused until the lock-out ends.
    page = other_browser.sign_in("S1", "A1")
    assert page.status_code == 429


def test_activation_codes_lock_out_after_repeated_failures(
    site: str, browser: Browser, mailbox: Mailbox
) -> None:
    browser.identify("S1", "A1")
    browser.submit("/portal/compte-trouve")
    code = mailbox.last_code("ada@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = [browser.submit("/portal/activation/code", code=wrong).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 400]
    assert browser.submit("/portal/activation/code", code=code).status_code == 429
    assert browser.submit("/portal/compte-trouve").status_code == 429  # no new code either


def test_codes_sent_are_limited(site: str, browser: Browser, mailbox: Mailbox) -> None:
    browser.identify("S1", "A1")
    assert [browser.submit("/portal/compte-trouve").status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
    assert len(mailbox.messages) == 3


def test_a_post_without_the_session_csrf_token_changes_nothing(
    site: str, browser: Browser, mailbox: Mailbox, other_browser: Browser
) -> None:
    browser.get("/portal/connexion")
    refused = browser.http.post("/portal/connexion", data={"site": "S1"})
    assert refused.status_code == 403 and "Le formulaire a expiré" in refused.text
    # Another session's token does not do either.
    foreign = other_browser.csrf("/portal/connexion")
    refused = browser.http.post("/portal/connexion", data={"site": "S1", "csrf": foreign})
    assert refused.status_code == 403
    assert str(browser.get("/portal/identifiant").url).endswith("/connexion")
    # Signed in, a sign-out without the token leaves the session alive.
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert browser.http.post("/portal/deconnexion", data={}).status_code == 403
    assert "Bonjour Ada" in browser.get("/portal/").text


def test_english_pages(site: str, browser: Browser) -> None:
    page = browser.get("/portal/langue/en?next=/portal/connexion")
    assert '<html lang="en">' in page.text and "Site code" in page.text
    page = browser.submit("/portal/connexion", site="NOPE")
    assert "This site code is unknown." in page.text
    # The language switch never leaves the portal.
    away = browser.http.get("/portal/langue/fr?next=https://evil.example/", follow_redirects=False)
    assert away.headers["location"] == "/portal/"


def test_a_closed_account_can_neither_activate_nor_sign_in(
    site: str, browser: Browser, mailbox: Mailbox, other_browser: Browser, admin: Admin
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    admin.http.patch("/v1/admin/accounts/A1", json={"status": "closed"}).raise_for_status()
    page = other_browser.identify("S1", "A1")
    assert page.status_code == 400 and "Ce compte est fermé" in page.text
    admin.http.patch("/v1/admin/accounts/A2", json={"status": "closed"}).raise_for_status()
    page = other_browser.identify("S1", "A2")
    assert page.status_code == 400 and mailbox.messages[-1]["To"] == "ada@example.org"


def test_passwords_are_kept_as_argon2id_hashes_only(
    site: str, live_hub: LiveHub, browser: Browser, mailbox: Mailbox
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    stored = PortalStore(live_hub.service.storage).password_hash("A1")  # type: ignore[arg-type]
    assert stored is not None and PASSWORD not in stored
    assert stored.startswith("$argon2id$v=19$m=8192,t=1,")  # the tests' settings
    assert (PortalSettings().argon2_memory_kib, PortalSettings().argon2_time_cost) == (65536, 3)
    assert PASSWORD.encode() not in raw_bytes(live_hub.db)
