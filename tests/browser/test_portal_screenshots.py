"""The portal's pages at phone size (390x844), each checked by axe-core; with
``PORTAL_SCREENSHOTS=DIR`` the run also writes them as ``DIR/portal-<page>.png``
(how ``docs/screenshots/portal-*.png`` are made)::

    PORTAL_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest -q \\
        tests/browser/test_portal_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.badge import turn_on_badge
from tests.browser.conftest import Diner, NewPage
from tests.sync.conftest import TillFactory
from tests.sync.live import Admin

OUT = os.environ.get("PORTAL_SCREENSHOTS")


def shoot(page: Page, name: str) -> None:
    assert_accessible(page)
    if OUT:
        Path(OUT).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(OUT) / f"portal-{name}.png"))


@pytest.mark.usefixtures("site")
def test_every_page_at_phone_size(
    diner: Diner, open_till: TillFactory, admin: Admin, new_page: NewPage
) -> None:
    page, mailbox = diner.page, diner.mailbox
    admin.badge("nfc:04A1B2C3", "A1")
    till = open_till("T1")
    till.daemon.sync_once()
    for cents in (385, 420, 90):
        till.sell("nfc:04A1B2C3", cents)
    till.daemon.sync_once()
    admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 2000, "ref": "shot-1"})

    page.goto("/portal/")
    shoot(page, "sign-in")
    diner.fill_and_send({"Code solution": "S1"})
    diner.fill_and_send({"Identifiant convive": "A1"})
    diner.fill_and_send({})
    expect(page.get_by_label("Code reçu par e-mail")).to_be_visible()
    shoot(page, "activation")
    diner.fill_and_send({"Code reçu par e-mail": mailbox.last_code("ada@example.org")})
    diner.fill_and_send(
        {
            "Choisissez un mot de passe": "horse battery 42",
            "Confirmez le mot de passe": "horse battery 42",
        }
    )
    expect(page.locator("#balance")).to_have_attribute("data-cents", "2105")
    shoot(page, "home")

    # An old phone, lost and revoked, beside this one.
    old = Diner(new_page(), mailbox, check=False)
    old.sign_in("S1", "A1", "horse battery 42")
    turn_on_badge(old.page, "Ancien téléphone")
    turn_on_badge(page, "Téléphone d'Ada")
    shoot(page, "badge")
    page.goto("/portal/appareils")
    page.get_by_role("button", name="Retirer Ancien téléphone").click()
    expect(page.locator("#done")).to_be_visible()
    shoot(page, "devices")


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize("viewport", ["desktop"])
def test_the_device_pages_at_desktop_size(diner: Diner, viewport: str) -> None:
    page = diner.page
    diner.activate("S1", "A1", "ada@example.org")
    turn_on_badge(page, "Ordinateur")
    assert_accessible(page)
    for path in ("/portal/", "/portal/appareils", "/portal/scanner"):
        if path == "/portal/scanner":
            diner.sign_out()
        page.goto(path)
        assert_accessible(page)
    assert page.viewport_size == {"width": 1280, "height": 800}
