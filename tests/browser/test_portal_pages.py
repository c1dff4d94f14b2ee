"""The account's pages in the browser, at phone and desktop size, each checked by
axe-core: a visit request declared by a diner then validated by an approver (the
guest's code then shown to the host), and the tickets of a tray sold at a real till
(its detail, the receipt as the till prints it, the PDF downloaded). With
``PORTAL_SCREENSHOTS=DIR`` the phone-size run writes ``DIR/portal-visits.png``,
``portal-tickets.png`` and ``portal-services.png``."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

# The browser fixtures (Playwright on Debian's chromium, axe-core) live in this
# package's conftest; without them there is nothing to drive.
pytest.importorskip("playwright.sync_api")
pytest.importorskip("tests.browser.conftest")

from playwright.sync_api import Page, expect

from kiosk.engine import Accepted
from kiosk.engine.trays import sell_tray
from kiosk.sitefile import load_site_menu
from sync.server import visits
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Diner, NewPage
from tests.sync.conftest import TillFactory
from tests.sync.live import Admin, LiveHub

OUT = os.environ.get("PORTAL_SCREENSHOTS")
MENU = load_site_menu(Path(__file__).parents[2] / "config" / "example-site.toml")


def shoot(page: Page, name: str, viewport: str, full: bool = False) -> None:
    assert_accessible(page)
    if OUT and viewport == "mobile":
        Path(OUT).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(OUT) / f"portal-{name}.png"), full_page=full)


def tomorrow() -> str:
    return (datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
@pytest.mark.usefixtures("site")
def test_a_visit_declared_then_validated_by_an_approver(
    diner: Diner,
    new_page: NewPage,
    admin: Admin,
    live_hub: LiveHub,
    viewport: str,
) -> None:
    admin.accounts("S1", {"id": "CC1", "display_name": "Marketing", "balance": 0})
    rules = {"approvers": ["A2"], "cost_centres": [{"account_id": "CC1", "label": "Marketing"}]}
    assert admin.http.put("/v1/admin/sites/S1/portal/visit-rules", json=rules).is_success
    page = diner.page
    diner.activate("S1", "A1", "ada@example.org")
    page.get_by_role("link", name="Déclarer une visite").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclarer une visite")
    page.get_by_label("Jour de la visite").fill(tomorrow())
    page.get_by_label("Nom de l'invité ou des invités").fill("M. Paul Girard")
    page.get_by_label("Société").fill("Cabinet Girard")
    page.get_by_label("Nombre d'invités").fill("3")
    page.get_by_label("Centre de coût : Marketing").check()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator("#state")).to_have_text("En attente de validation")
    visit_id = re.search(r"/portal/visites/([0-9a-f]{16})$", page.url)
    assert visit_id
    assert_accessible(page)

    # Bob approves the site's requests, on a device of his own.
    approver = Diner(new_page(viewport), diner.mailbox)
    approver.activate("S1", "A2", "bob@example.org")
    approver.page.get_by_role("link", name="Visites").first.click()
    waiting = approver.page.locator("#to-decide")
    expect(waiting).to_contain_text("M. Paul Girard")
    assert_accessible(approver.page)
    waiting.get_by_role("link").first.click()
    approver.page.get_by_label("Message pour l'hôte (facultatif)").fill("Bienvenue")
    assert_accessible(approver.page)
    with approver.page.expect_navigation():
        approver.page.get_by_role("button", name="Valider").click()
    expect(approver.page.locator("#to-decide")).not_to_contain_text("M. Paul Girard")
    stored = visits.get(live_hub.service, "S1", visit_id.group(1))
    assert stored.state == "approved" and stored.cost_centre == "CC1" and stored.code

    # Ada's list says validated; the request shows the guest's code.
    page.goto("/portal/visites")
    expect(page.locator(f'[data-visit="{visit_id.group(1)}"]')).to_contain_text("Validée")
    assert_accessible(page)
    page.goto(f"/portal/visites/{visit_id.group(1)}")
    expect(page.locator("#visit-code svg")).to_be_visible()
    assert page.locator("#visit-code").get_attribute("data-code") == stored.code
    shoot(page, "visits", viewport, full=True)


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
@pytest.mark.usefixtures("site")
def test_the_tickets_of_a_till_sale_with_the_receipt_and_its_pdf(
    diner: Diner, open_till: TillFactory, admin: Admin, viewport: str, tmp_path: Path
) -> None:
    admin.badge("nfc:04A1B2C3", "A1")
    admin.post("/v1/admin/accounts/A1/top-ups", {"amount": 2000, "ref": "browser-1"})
    till = open_till("T1")
    till.daemon.sync_once()
    sale = sell_tray(till.engine, "nfc:04A1B2C3", ["salad", "steak", "tart", "beer"], menu=MENU)
    assert isinstance(sale, Accepted)
    till.daemon.sync_once()
    page = diner.page
    diner.activate("S1", "A1", "ada@example.org")
    page.get_by_role("link", name="Tickets", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tickets")
    assert_accessible(page)
    page.locator(f'a[href="/portal/tickets/{till.terminal_id}/{sale.seq}"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Achat")
    expect(page.locator("#formulas")).to_contain_text("Formule complète")
    expect(page.locator("#vat tbody tr")).to_have_count(2)
    expect(page.locator("#receipt")).to_contain_text("DUPLICATA")
    shoot(page, "tickets", viewport, full=True)
    with page.expect_download() as download:
        page.locator("#pdf").click()
    saved = tmp_path / "ticket.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert download.value.suggested_filename == f"ticket-{till.terminal_id}-{sale.seq:06d}.pdf"
    menu = {"menu": MENU.model_dump(mode="json")}
    assert admin.http.post("/v1/admin/sites/S1/menu", json=menu).status_code == 201
    page.get_by_role("link", name="Services").first.click()
    expect(page.locator("#offers li")).to_have_count(sum(i.orderable for i in MENU.items))
    expect(page.get_by_role("heading", level=1)).to_have_text("Services")
    shoot(page, "services", viewport)
