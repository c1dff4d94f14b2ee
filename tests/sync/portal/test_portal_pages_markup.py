"""The account's pages (tickets, a ticket, services, visits, notifications, top-up) in
both languages: labelled fields, one main heading, a CSRF token in every form of the
portal, and, in English, none of the French words (the language holds on every page)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from sync.server.portal.i18n import TEXT
from tests.sync.conftest import EnrolFn
from tests.sync.live import Admin
from tests.sync.portal.conftest import Browser, Mailbox
from tests.sync.portal.test_portal_markup import check

# French words that English shares or that name things (not translated on purpose).
SHARED = {"Services", "Notifications", "Tickets", "Total", "Date", "Note", "TVA", "Visites"}


def french_only() -> set[str]:
    words = set()
    for key, fr in TEXT["fr"].items():
        if fr != TEXT["en"].get(key) and "{" not in fr and len(fr) >= 8 and fr not in SHARED:
            words.add(fr)
    return words


def visible_text(page: httpx.Response) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.text, flags=re.S)
    body = re.sub(r'<[^>]*lang="fr"[^>]*>.*?</[^>]+>', " ", body, flags=re.S)  # "Français"
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.usefixtures("site")
def test_the_account_pages_are_labelled_and_speak_one_language(
    browser: Browser, mailbox: Mailbox, enrol: EnrolFn, admin: Admin
) -> None:
    assert admin.http.put(
        "/v1/admin/sites/S1/portal/visit-rules", json={"approvers": ["A1"]}
    ).is_success
    till, client = enrol("S1")
    sale = till.sell("A1", 450)
    client.push(till.entries)
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    day = (datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=2)).isoformat()
    visit = browser.submit(
        "/portal/visites/nouvelle", day=day, visitor="Invité", guests="1", billing="host"
    )
    hub_line = re.search(r'href="(/portal/tickets/hub/\d+)"', browser.get("/portal/tickets").text)
    assert hub_line
    paths = [
        "/portal/",
        "/portal/tickets",
        f"/portal/tickets/{till.terminal_id}/{sale.seq}",
        hub_line.group(1),
        "/portal/services",
        "/portal/visites",
        "/portal/visites/nouvelle",
        visit.url.path,
        "/portal/notifications",
        "/portal/recharge",
    ]
    for path in paths:
        check(browser.get(path))
    browser.get("/portal/langue/en?next=/portal/")
    french = french_only()
    for path in paths:
        page = browser.get(path)
        check(page)
        assert '<html lang="en">' in page.text
        shown = visible_text(page)
        leaks = sorted(w for w in french if w in shown)
        assert not leaks, (path, leaks)
