"""What the site offers the diner, under ``/portal/services``: the products and
services to order (the orderable items of the site's published menu, at the diner's
tariff profile's prices), visit requests, and top-up.

The orders and online top-up pages plug in here: a service links to its page when the
hub's app serves it (``ORDERS_PATH``, ``TOP_UP_PATH``), and says it is not offered
online otherwise. Prices follow the pricer's rule for one item: the profile's own
price, else the catalogue's times the profile's coefficient, rounded half up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import Request, Response
from pydantic import ValidationError

from sync.money import scale
from sync.protocol.catalogue import SiteMenu
from sync.server.portal.kit import Kit, SignedIn
from sync.server.portal.service import Portal, Session
from sync.server.portal.topup_routes import online

log = logging.getLogger(__name__)

MENU_KIND, MENU_ID = "catalogue", "site"  # the published menu (sync.server.backoffice)
ORDERS_PATH = "/portal/commandes"
TOP_UP_PATH = "/portal/recharge"
BADGE_PATH = "/portal/badge"
MAX_OFFERS = 200


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    label: str
    category: str
    price: int  # cents, at the diner's profile


def offers(portal: Portal, session: Session, lang: str) -> list[Offer]:
    """The site's orderable items at the diner's prices, in the menu's order."""
    site, account = session.row.site, session.row.account_id
    assert site is not None and account is not None
    body = portal.hub.storage.document(site, MENU_KIND, MENU_ID)
    if body is None:
        return []
    try:
        menu = SiteMenu.model_validate(body, strict=False)
    except ValidationError:
        log.error("site %s: the published menu does not validate", site)
        return []
    profile = menu.profile(portal.hub.account(account).row.profile)
    found = []
    for item in menu.items:
        if not item.orderable:
            continue
        if profile is None:
            price = item.price
        else:
            price = profile.prices.get(item.id, scale(item.price, profile.coefficient))
        label = item.label.en if lang == "en" else item.label.fr
        found.append(Offer(item.id, label, str(item.category), price))
    return found[:MAX_OFFERS]


def route_paths(routes: Iterable[object]) -> set[str]:
    """The paths of ``routes``, those of included routers too."""
    paths: set[str] = set()
    for route in routes:
        path = getattr(route, "path", None)
        if isinstance(path, str):
            paths.add(path)
        router = getattr(route, "original_router", None)  # an included APIRouter
        nested = getattr(router, "routes", None) or getattr(route, "routes", None) or ()
        paths |= route_paths(nested)
    return paths


def served(request: Request, path: str) -> bool:
    """Whether the hub's app serves a page at ``path`` (a plug-in page)."""
    return path in route_paths(request.app.routes)


def top_up_link(request: Request) -> str | None:
    """The top-up page, when the hub serves it and a payment provider is configured."""
    if not served(request, TOP_UP_PATH):
        return None
    return TOP_UP_PATH if online(request) is not None else None


def home_links(request: Request) -> dict[str, str | None]:
    """The plug-in pages the home page links to, where the hub serves them."""
    paths = {"badge": BADGE_PATH, "orders": ORDERS_PATH}
    links = {name: path if served(request, path) else None for name, path in paths.items()}
    return {**links, "top_up": top_up_link(request)}


def add_service_routes(kit: Kit) -> None:
    @kit.router.get("/services")
    def services(request: Request, session: SignedIn) -> Response:
        return kit.pages.render(
            request,
            "services.html",
            session,
            offers=offers(kit.portal, session, kit.lang(request)),
            orders=ORDERS_PATH if served(request, ORDERS_PATH) else None,
            top_up=top_up_link(request),
        )
