"""The signed-in diner's pages: the balance is the hub's after a till's sale has
synced, the tickets list every line of the account, and no diner reaches another's."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.sync.conftest import EnrolFn, TillFactory
from tests.sync.live import Admin, LiveHub
from tests.sync.portal.conftest import Browser, Mailbox, without_tokens

CENTS = re.compile(r'data-cents="(-?\d+)"')


def balance_on(page: httpx.Response) -> int:
    found = re.search(r'id="balance" data-cents="(-?\d+)"', page.text)
    assert found, page.text
    return int(found.group(1))


def test_home_shows_the_hub_balance_after_a_till_sale_synced(
    site: str, browser: Browser, mailbox: Mailbox, enrol: EnrolFn, admin: Admin
) -> None:
    home = browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert balance_on(home) == 1000
    till, client = enrol("S1")
    sale = till.sell("A1", 450)
    client.push(till.entries)
    home = browser.get("/portal/")
    assert balance_on(home) == admin.balance("A1") == 550
    assert "5,50\u00a0€" in home.text
    # The time of the latest entry is the sale's, shown in the site's local time.
    assert f'data-ts="{sale.ts}"' in home.text
    assert "Achat" in home.text and 'data-cents="-450"' in home.text
    english = browser.get("/portal/langue/en?next=/portal/")
    assert "€5.50" in english.text and "Purchase" in english.text


def test_tickets_list_every_line_newest_first_in_pages(
    site: str, browser: Browser, mailbox: Mailbox, enrol: EnrolFn, admin: Admin
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    till_1, client_1 = enrol("S1")
    till_2, client_2 = enrol("S1")
    for i in range(12):
        till_1.sell("A1", 100 + i)
        till_2.sell("A1", 200 + i)
    till_1.sell("A2", 999)  # another diner's sale on the same till
    client_1.push(till_1.entries)
    client_2.push(till_2.entries)
    admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 2000, "ref": "t1"})
    first = browser.get("/portal/tickets")
    second = browser.get("/portal/tickets?page=2")
    amounts = [int(c) for c in CENTS.findall(first.text) + CENTS.findall(second.text)]
    # 24 sales, the opening balance and the top-up; nothing of Bob's.
    assert len(amounts) == 26
    assert -999 not in amounts
    assert amounts[0] == 2000  # the newest
    assert sorted(a for a in amounts if a < 0) == sorted(
        [-(100 + i) for i in range(12)] + [-(200 + i) for i in range(12)]
    )
    assert sum(amounts) == admin.balance("A1")
    times = re.findall(r'<time datetime="([^"]+)"', first.text + second.text)
    assert times == sorted(times, reverse=True)
    assert "Page 1 sur 2" in first.text and "Page 2 sur 2" in second.text
    assert 'rel="next"' in first.text and 'rel="next"' not in second.text
    # A till's line opens on its detail.
    link = re.search(r'href="(/portal/tickets/(?!hub/)[^"]+/\d+)"', first.text)
    assert link
    detail = browser.get(link.group(1))
    assert detail.status_code == 200 and "menu" in detail.text


@pytest.mark.usefixtures("site")
def test_no_diner_sees_another_diners_data(
    live_hub: LiveHub,
    browser: Browser,
    other_browser: Browser,
    mailbox: Mailbox,
    enrol: EnrolFn,
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    other_browser.activate("S1", "A2", mailbox, "bob@example.org")
    till, client = enrol("S1")
    till.sell("A1", 300)
    bob_sale = till.sell("A2", 777)
    client.push(till.entries)
    # Bob's entry by its URL: not found for Ada.
    mine = other_browser.get(f"/portal/tickets/{till.terminal_id}/{bob_sale.seq}")
    assert mine.status_code == 200 and 'data-cents="-777"' in mine.text
    theirs = browser.get(f"/portal/tickets/{till.terminal_id}/{bob_sale.seq}")
    assert theirs.status_code == 404 and "777" not in without_tokens(theirs.text)
    # An account named in the query is ignored: the page is always the session's.
    for path in ("/portal/?account=A2", "/portal/tickets?account=A2", "/portal/tickets?id=A2"):
        page = browser.get(path)
        assert "-777" not in page.text and "Bob" not in without_tokens(page.text)
    # Without a session, or with a made-up one, nothing but the sign-in.
    with httpx.Client(base_url=live_hub.url, cookies={"portal_session": "forged"}) as stranger:
        for path in ("/portal/", "/portal/tickets", f"/portal/tickets/{till.terminal_id}/2"):
            reply = stranger.get(path)
            assert reply.status_code == 303 and reply.headers["location"] == "/portal/connexion"
    # Bob's pages never show Ada's.
    assert "Bonjour Bob" in other_browser.get("/portal/").text
    assert "-300" not in other_browser.get("/portal/tickets").text


def test_a_diner_of_another_site_signs_in_only_there(
    site: str, browser: Browser, mailbox: Mailbox
) -> None:
    browser.activate("S2", "B1", mailbox, "dee@example.org")
    browser.http.post("/portal/deconnexion", data={"csrf": browser.csrf("/portal/")})
    browser.submit("/portal/connexion", site="S1")
    page = browser.submit("/portal/identifiant", identifier="B1")
    assert page.status_code == 400


def test_balance_after_a_real_till_sells_by_badge_and_its_daemon_syncs(
    site: str, browser: Browser, mailbox: Mailbox, open_till: TillFactory, admin: Admin
) -> None:
    admin.badge("nfc:04A1B2C3", "A1")
    till = open_till("T1")
    till.daemon.sync_once()
    till.sell("nfc:04A1B2C3", 385)
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert balance_on(browser.get("/portal/")) == 1000  # not synced yet: the hub's figure
    till.daemon.sync_once()
    home = browser.get("/portal/")
    assert balance_on(home) == admin.balance("A1") == till.usable("A1") == 615
    assert 'data-cents="-385"' in home.text


def test_a_signed_in_diner_cannot_step_into_another_site_or_account(
    site: str, browser: Browser, mailbox: Mailbox
) -> None:
    browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert str(browser.get("/portal/connexion").url).endswith("/portal/")
    csrf = browser.csrf("/portal/")
    for path, fields in (
        ("/portal/connexion", {"site": "S2"}),
        ("/portal/identifiant", {"identifier": "A2"}),
        ("/portal/compte-trouve", {}),
    ):
        page = browser.http.post(path, data={"csrf": csrf, **fields})
        assert "Bonjour Ada" in page.text, path
    assert len(mailbox.messages) == 1
    assert balance_on(browser.get("/portal/")) == 1000
