"""The diner's "Données personnelles" page: what the hub holds (the back office's
export, the diner's own account only), and the request to close the account, which
the back office sees and handles with an erasure."""

from __future__ import annotations

import json

from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin
from tests.sync.portal.conftest import Browser, Mailbox


def test_the_diner_downloads_what_the_back_office_exports(
    site: str, browser: Browser, mailbox: Mailbox, enrol: EnrolFn, admin: Admin
) -> None:
    admin.badge("nfc:04A1B2C3", "A1")
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    till, client = enrol("S1")
    till.sell("A1", 450)
    till.sell("A2", 120)
    client.push(till.entries)
    page = browser.get("/portal/donnees")
    assert page.status_code == 200 and "Données personnelles" in page.text
    assert "6 ans" in page.text  # the fiscal retention period, from the site's settings
    mine = json.loads(browser.get("/portal/donnees.json").text)
    exported = admin.http.get("/v1/admin/accounts/A1/personal-data").json()
    for data in (mine, exported):
        data.pop("exported_at")
        data["portal"].pop("sessions")  # the download itself runs in a live session
    assert mine == exported
    assert mine["details"]["email"] == "ada@example.org"
    assert [e["amount"] for e in mine["entries"]] == [-450]  # not Bob's sale


def test_a_request_to_close_the_account_reaches_the_back_office(
    site: str, browser: Browser, other_browser: Browser, mailbox: Mailbox, admin: Admin
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    # Without the session's CSRF token the request is refused and nothing recorded.
    forged = browser.http.post("/portal/donnees/fermeture", data={"note": "x"})
    assert forged.status_code == 403
    assert admin.http.get("/v1/admin/sites/S1/closure-requests").json() == []
    # Too long a message is refused with the reason, nothing recorded.
    long = browser.post_from("/portal/donnees", "/portal/donnees/fermeture", note="x" * 501)
    assert long.status_code == 400 and "trop long" in long.text
    sent = browser.post_from("/portal/donnees", "/portal/donnees/fermeture", note="je pars")
    assert sent.status_code == 200 and "Votre demande de fermeture a été envoyée" in sent.text
    assert 'action="/portal/donnees/fermeture"' not in sent.text  # asked once
    again = browser.post_from("/portal/parametres", "/portal/donnees/fermeture", note="bis")
    assert again.status_code == 200
    [request] = admin.http.get("/v1/admin/sites/S1/closure-requests").json()
    assert request["account_id"] == "A1" and request["note"] == "je pars"
    # The back office erases: the request is handled, the diner's sign-in is gone.
    admin.post("/v1/admin/accounts/A1/erase", {"reason": "request"})
    assert admin.http.get("/v1/admin/sites/S1/closure-requests").json() == []
    handled = admin.http.get("/v1/admin/sites/S1/closure-requests?every=true").json()
    assert handled[0]["handled_at"] is not None and handled[0]["note"] == ""
    assert browser.get("/portal/donnees").url.path == "/portal/connexion"
    # Another diner's page shows nothing of Ada's.
    other_browser.activate("S1", "A2", mailbox, "bob@example.org")
    theirs = other_browser.get("/portal/donnees").text
    assert "ada@example.org" not in theirs and "je pars" not in theirs
