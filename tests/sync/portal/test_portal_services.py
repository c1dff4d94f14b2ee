"""The services page: the site's orderable products and services at the diner's own
prices (the till's pricer gives the same), visit requests, and the top-up and orders
pages linked where the hub serves them; the home page's shortcuts and badge link."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, FastAPI

from kiosk.engine.pricing.pricer import price_tray
from kiosk.sitefile import load_site_menu
from sync.protocol.ticket import PricedTicket
from sync.server.portal.services_routes import ORDERS_PATH, route_paths
from tests.sync.live import Admin
from tests.sync.portal.conftest import Browser, Mailbox, import_accounts

MENU = load_site_menu(Path(__file__).parents[3] / "config" / "example-site.toml")
OFFER = re.compile(
    r'<li data-item="([^"]+)"><span>([^<]+)</span> <span class="amount" '
    r'data-cents="(\d+)">'
)


def test_the_site_offers_its_orderable_items_at_the_diners_prices(
    site: str, browser: Browser, mailbox: Mailbox, admin: Admin
) -> None:
    page = None
    admin.accounts(
        "S1", {"id": "X1", "display_name": "Xavier", "balance": 0, "profile": "external"}
    )
    import_accounts(
        admin, "S1", {"id": "X1", "name": "Xavier", "email": "x@example.org", "profile": "external"}
    )
    browser.activate("S1", "X1", mailbox, "x@example.org")
    page = browser.get("/portal/services")
    assert "Aucun produit ni service à commander" in page.text  # no menu published yet
    published = admin.post(
        "/v1/admin/sites/S1/menu", {"menu": MENU.model_dump(mode="json")}, expect=201
    )
    assert published.is_success
    page = browser.get("/portal/services")
    offers = OFFER.findall(page.text)
    orderable = [item for item in MENU.items if item.orderable]
    assert [o[0] for o in offers] == [item.id for item in orderable]
    assert offers[0][1] == "Carte 10 cafés"
    for item_id, _, cents in offers:
        ticket = price_tray(MENU, "external", [item_id], subsidised_today=True)
        assert isinstance(ticket, PricedTicket)
        assert int(cents) == ticket.total  # 1.2 x the catalogue price, as the till prices
    assert int(offers[0][2]) == 840
    # Visit requests are offered, and the orders page the hub serves; top-up is not
    # offered without a payment provider (test_portal_topup.py).
    assert 'href="/portal/visites/nouvelle"' in page.text
    assert f'<a class="button" href="{ORDERS_PATH}">Commander en ligne</a>' in page.text
    assert "Pas encore proposé en ligne" in page.text
    english = browser.get("/portal/langue/en?next=/portal/services")
    assert "10-coffee card" in english.text and "Not offered online yet" in english.text


def test_home_links_the_services_and_shortcuts(
    site: str, browser: Browser, mailbox: Mailbox
) -> None:
    home = browser.activate("S1", "A1", mailbox, "ada@example.org")
    assert 'id="shortcuts-title"' in home.text
    for href in (
        "/portal/visites/nouvelle",
        "/portal/services",
        "/portal/notifications",
        "/portal/commandes",  # the orders page, where the hub serves it
    ):
        assert f'href="{href}"' in home.text
    for href in ("/portal/services", "/portal/visites"):  # the navigation too
        assert f'<a href="{href}">' in home.text


def test_plug_in_pages_are_found_in_included_routers() -> None:
    app = FastAPI()
    orders = APIRouter(prefix="/portal")

    @orders.get("/commandes")
    def commandes() -> str:
        return "orders"

    app.include_router(orders)
    assert ORDERS_PATH in route_paths(app.routes)
    assert "/portal/recharge" not in route_paths(app.routes)
