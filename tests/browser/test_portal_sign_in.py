"""The portal in a real browser: first connection with the e-mailed code, sign-in,
and the balance equal to the hub's after a till's sale has synced; axe-core checks
every page passed through."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Diner, NewPage
from tests.sync.conftest import TillFactory
from tests.sync.live import Admin
from tests.sync.portal.conftest import Mailbox


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_activation_with_the_emailed_code_then_sign_in(
    site: str, diner: Diner, mailbox: Mailbox, new_page: NewPage, viewport: str
) -> None:
    diner.activate("S1", "A1", "ada@example.org")
    assert diner.page.get_by_role("heading", level=1).inner_text() == "Bonjour Ada"
    assert diner.balance_cents() == 1000
    assert [m["To"] for m in mailbox.messages] == ["ada@example.org"]
    diner.sign_out()
    assert diner.page.url.endswith("/portal/connexion")
    # Later, on another device: identifier and password, no code.
    again = Diner(new_page(viewport), mailbox)
    again.sign_in("S1", "A1")
    assert again.page.url.endswith("/portal/")
    assert again.balance_cents() == 1000
    assert len(mailbox.messages) == 1


def test_a_wrong_password_is_refused_plainly(site: str, diner: Diner, page: Page) -> None:
    diner.activate("S1", "A1", "ada@example.org")
    diner.sign_out()
    diner.identify("S1", "A1")
    diner.fill_and_send({"Mot de passe": "not the password"})
    assert page.get_by_role("alert").is_visible()
    assert not page.url.endswith("/portal/")
    assert_accessible(page)


def test_balance_is_the_hubs_after_a_till_sale_synced(
    site: str, diner: Diner, page: Page, open_till: TillFactory, admin: Admin
) -> None:
    admin.badge("nfc:04A1B2C3", "A1")
    till = open_till("T1")
    till.daemon.sync_once()
    diner.activate("S1", "A1", "ada@example.org")
    assert diner.balance_cents() == 1000
    till.sell("nfc:04A1B2C3", 385)
    page.reload()
    assert diner.balance_cents() == 1000  # not synced yet: the hub's figure
    till.daemon.sync_once()
    page.reload()
    assert diner.balance_cents() == admin.balance("A1") == till.usable("A1") == 615
    assert page.locator("#balance").inner_text() == "6,15\u00a0€"
    assert page.locator('[data-cents="-385"]').count() == 1
    assert_accessible(page)
