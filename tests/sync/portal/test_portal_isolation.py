"""No diner sees or changes another's data: every page and form of tickets, receipts,
PDFs, visits, services and notifications is tried with another diner's ids (same site,
other site, an approver of another site), without a session, and without the CSRF
token. Every route of those families must be in this test (the last check)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from sync.server import open_hub
from sync.server.app import create_app
from sync.server.portal.services_routes import route_paths
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin, LiveHub
from tests.sync.portal.conftest import Browser, Mailbox, without_tokens

MY_FAMILIES = (
    "/portal/tickets",
    "/portal/visites",
    "/portal/services",
    "/portal/notifications",
    "/portal/recharge",
)
TRIED = {
    "/portal/tickets",
    "/portal/tickets/{source}/{ref}",
    "/portal/tickets/{source}/{ref}/pdf",
    "/portal/visites",
    "/portal/visites/nouvelle",
    "/portal/visites/{visit_id}",
    "/portal/visites/{visit_id}/supprimer",
    "/portal/visites/{visit_id}/valider",
    "/portal/visites/{visit_id}/refuser",
    "/portal/services",
    "/portal/notifications",
    "/portal/recharge",  # test_portal_topup.py
    "/portal/recharge/retour",  # test_portal_topup.py
}


def tomorrow() -> str:
    return (datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=1)).isoformat()


def declare(browser: Browser, visitor: str) -> str:
    page = browser.submit(
        "/portal/visites/nouvelle",
        day=tomorrow(),
        visitor=visitor,
        guests="1",
        meal="yes",
        billing="host",
    )
    found = re.search(r"/portal/visites/([0-9a-f]{16})$", str(page.url))
    assert found, page.text
    return found.group(1)


@pytest.mark.usefixtures("site")
def test_another_diners_tickets_receipts_visits_and_alerts_stay_theirs(  # noqa: PLR0917
    live_hub: LiveHub,
    browser: Browser,
    other_browser: Browser,
    mailbox: Mailbox,
    enrol: EnrolFn,
    admin: Admin,
) -> None:
    # Bob (A2) approves S1's visits; Dee (B1) approves S2's.
    for site, approver in (("S1", "A2"), ("S2", "B1")):
        rules = {"approvers": [approver]}
        assert admin.http.put(f"/v1/admin/sites/{site}/portal/visit-rules", json=rules).is_success
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    other_browser.activate("S1", "A2", mailbox, "bob@example.org")
    till, client = enrol("S1")
    bob_sale = till.sell("A2", 777)
    client.push(till.entries)
    s2_till, s2_client = enrol("S2")
    dee_sale = s2_till.sell("B1", 333)
    s2_client.push(s2_till.entries)
    admin.post("/v1/admin/accounts/A2/top-ups", {"amount": 4242, "ref": "bob"})
    bob_hub = re.findall(
        r'href="/portal/tickets/hub/(\d+)"', other_browser.get("/portal/tickets").text
    )
    assert bob_hub
    bob_visit = declare(other_browser, "Invité de Bob")

    # Ada, a diner of the same site, by every URL of Bob's and Dee's data: not found.
    for path in (
        f"/portal/tickets/{till.terminal_id}/{bob_sale.seq}",
        f"/portal/tickets/{till.terminal_id}/{bob_sale.seq}/pdf",
        f"/portal/tickets/{s2_till.terminal_id}/{dee_sale.seq}",
        f"/portal/tickets/{s2_till.terminal_id}/{dee_sale.seq}/pdf",
        *(f"/portal/tickets/hub/{ref}" for ref in bob_hub),
        *(f"/portal/tickets/hub/{ref}/pdf" for ref in bob_hub),
        f"/portal/visites/{bob_visit}",
    ):
        page = browser.get(path)
        assert page.status_code == 404, path
        shown = without_tokens(page.text)
        assert "777" not in shown and "42,42" not in shown and "Bob" not in shown
    for action in ("supprimer", "valider", "refuser"):
        page = browser.post_from("/portal/visites", f"/portal/visites/{bob_visit}/{action}")
        assert page.status_code == 404, action
    assert admin.http.get(f"/v1/admin/sites/S1/visits/{bob_visit}").json()["state"] == "requested"
    assert "Invité de Bob" not in browser.get("/portal/visites").text
    for path in ("/portal/tickets", "/portal/", "/portal/services", "/portal/notifications"):
        assert "-7,77" not in browser.get(path).text and "42,42" not in browser.get(path).text
    # An account named in a form or a query changes nothing but the session's own.
    browser.submit("/portal/notifications", alert="on", threshold="3", account="A2")
    assert "Aucune alerte" in other_browser.get("/portal/notifications").text
    forged = browser.submit(
        "/portal/visites/nouvelle",
        day=tomorrow(),
        visitor="Usurpé",
        guests="1",
        billing="host",
        host_account_id="A2",
    )
    assert 'data-state="requested"' in forged.text
    stored = admin.http.get("/v1/admin/sites/S1/visits").json()
    assert {v["visitor"]: v["host_account_id"] for v in stored}["Usurpé"] == "A1"

    # Dee approves visits, but of S2: S1's request is not hers to see or decide.
    with Browser(live_hub.url) as dee:
        dee.activate("S2", "B1", mailbox, "dee@example.org")
        assert dee.get(f"/portal/visites/{bob_visit}").status_code == 404
        tried = dee.post_from("/portal/visites", f"/portal/visites/{bob_visit}/valider")
        assert tried.status_code == 404
        assert "Invité de Bob" not in dee.get("/portal/visites").text
        assert dee.get(f"/portal/tickets/{till.terminal_id}/{bob_sale.seq}").status_code == 404
    assert admin.http.get(f"/v1/admin/sites/S1/visits/{bob_visit}").json()["state"] == "requested"

    # Without a session: the sign-in for pages, 403 for forms; nothing changes.
    with httpx.Client(base_url=live_hub.url, cookies={"portal_session": "forged"}) as stranger:
        for path in (
            "/portal/tickets",
            f"/portal/tickets/{till.terminal_id}/{bob_sale.seq}",
            f"/portal/tickets/{till.terminal_id}/{bob_sale.seq}/pdf",
            "/portal/visites",
            "/portal/visites/nouvelle",
            f"/portal/visites/{bob_visit}",
            "/portal/services",
            "/portal/notifications",
        ):
            reply = stranger.get(path)
            assert reply.status_code == 303 and reply.headers["location"] == "/portal/connexion"
        for action in ("supprimer", "valider", "refuser"):
            reply = stranger.post(f"/portal/visites/{bob_visit}/{action}", data={"csrf": "x"})
            assert reply.status_code == 403
        assert stranger.post("/portal/notifications", data={"threshold": "1"}).status_code == 403
    # Signed in, but without the session's CSRF token (a forged cross-site form).
    for path, fields in (
        (f"/portal/visites/{bob_visit}/valider", {}),
        ("/portal/visites/nouvelle", {"day": tomorrow(), "visitor": "x", "guests": "1"}),
        ("/portal/notifications", {"alert": "on", "threshold": "2"}),
    ):
        reply = other_browser.http.post(path, data={"csrf": "not-the-token", **fields})
        assert reply.status_code == 403, path
    assert admin.http.get(f"/v1/admin/sites/S1/visits/{bob_visit}").json()["state"] == "requested"
    assert "Aucune alerte" in other_browser.get("/portal/notifications").text


def test_every_route_of_these_pages_is_tried(tmp_path: Path) -> None:
    hub = open_hub(tmp_path / "routes.db")
    try:
        app = create_app(hub)
        mine = {path for path in route_paths(app.routes) if path.startswith(MY_FAMILIES)}
    finally:
        hub.storage.close()
    assert mine == TRIED
