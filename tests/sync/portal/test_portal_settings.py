"""The diner's personal data (page and JSON download) and settings (language,
password change), over real HTTP against a live hub."""

from __future__ import annotations

import html
import json

from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin
from tests.sync.portal.conftest import PASSWORD, Browser, Mailbox

NEW_PASSWORD = "another long passphrase"


def test_personal_data_page_and_json_download(
    site: str, browser: Browser, mailbox: Mailbox, enrol: EnrolFn, admin: Admin
) -> None:
    admin.badge("nfc:04A1B2C3", "A1")
    admin.badge("nfc:0B0B0B0B", "A2")
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    till, client = enrol("S1")
    till.sell("A1", 450)
    till.sell("A2", 120)
    client.push(till.entries)
    page = browser.get("/portal/donnees")
    assert page.status_code == 200
    assert "ada@example.org" in page.text and "nfc:04A1B2C3" in page.text
    assert "nfc:0B0B0B0B" not in page.text and "bob@example.org" not in page.text
    download = browser.get("/portal/donnees.json")
    assert download.headers["content-type"] == "application/json"
    assert download.headers["content-disposition"] == 'attachment; filename="donnees-A1.json"'
    data = json.loads(download.text)
    assert data["site"] == "S1" and data["details"]["email"] == "ada@example.org"
    assert data["account"]["id"] == "A1" and data["account"]["display_name"] == "Ada"
    assert data["account"]["balance"] == admin.balance("A1") == 550
    assert [b["value"] for b in data["badges"]] == ["nfc:04A1B2C3"]
    assert data["portal"]["login"]["activated_at"]
    assert [e["amount"] for e in data["entries"]] == [-450]  # the sale; not Bob's
    assert [m["amount"] for m in data["hub_movements"]] == [1000]  # the opening balance
    sale = next(e for e in data["entries"] if e["kind"] == "sale")
    assert sale["terminal_id"] == till.terminal_id and sale["payload"]["items"] == ["menu"]


def test_language_setting_needs_the_csrf_token(
    site: str, browser: Browser, mailbox: Mailbox
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    refused = browser.http.post("/portal/parametres/langue", data={"lang": "en"})
    assert refused.status_code == 403
    assert '<html lang="fr">' in browser.get("/portal/").text
    page = browser.post_from("/portal/parametres", "/portal/parametres/langue", lang="en")
    assert str(page.url).endswith("/portal/parametres")
    assert '<html lang="en">' in page.text and "Change the password" in page.text
    assert "Hello Ada" in browser.get("/portal/").text


def test_password_change_ends_the_other_sessions(
    site: str, browser: Browser, other_browser: Browser, mailbox: Mailbox
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    other_browser.sign_in("S1", "A1")
    wrong = browser.post_from(
        "/portal/parametres",
        "/portal/parametres/mot-de-passe",
        current="not the password",
        password=NEW_PASSWORD,
        again=NEW_PASSWORD,
    )
    assert wrong.status_code == 400 and "Mot de passe incorrect." in wrong.text
    weak = browser.post_from(
        "/portal/parametres",
        "/portal/parametres/mot-de-passe",
        current=PASSWORD,
        password="short",
        again="short",
    )
    assert weak.status_code == 400
    done = browser.post_from(
        "/portal/parametres",
        "/portal/parametres/mot-de-passe",
        current=PASSWORD,
        password=NEW_PASSWORD,
        again=NEW_PASSWORD,
    )
    assert done.status_code == 200
    assert "autres sessions sont fermées" in html.unescape(done.text)
    # This session stays; the other one is signed out; the new password works.
    assert "Bonjour Ada" in browser.get("/portal/").text
    assert str(other_browser.get("/portal/").url).endswith("/portal/connexion")
    assert other_browser.sign_in("S1", "A1", PASSWORD).status_code == 400
    assert "Bonjour Ada" in other_browser.sign_in("S1", "A1", NEW_PASSWORD).text


def test_account_pages_need_a_signed_in_session(site: str, browser: Browser) -> None:
    browser.submit("/portal/connexion", site="S1")
    browser.submit("/portal/identifiant", identifier="A1")  # found, not signed in
    for path in ("/portal/donnees", "/portal/donnees.json", "/portal/parametres"):
        assert str(browser.get(path).url).endswith("/portal/connexion"), path
    refused = browser.submit("/portal/connexion", site="S1")
    assert refused.status_code == 200
    csrf = browser.csrf("/portal/connexion")
    posted = browser.http.post(
        "/portal/parametres/mot-de-passe",
        data={"csrf": csrf, "current": "x", "password": NEW_PASSWORD, "again": NEW_PASSWORD},
    )
    assert str(posted.url).endswith("/portal/connexion")
