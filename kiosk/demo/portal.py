"""The demo's diner portal: one diner whose account is already activated (a password
printed at start-up), who approves the site's visit requests, with one request of a
colleague waiting for them; the site's cost centre offered for guests' meals."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher

from kiosk.demo.site import COST_CENTRE, DemoSite
from sync.protocol.visits import Billing, VisitDeclare
from sync.server import Hub, visits
from sync.server.portal.pages_store import CostCentre, PagesStore, VisitRules
from sync.server.portal.store import PortalStore
from sync.server.storage import SqliteStorage


@dataclass(frozen=True, slots=True)
class PortalDemo:
    url: str
    site: str
    account_id: str
    name: str
    password: str

    def text(self) -> str:
        return (
            f"{self.url} (code solution {self.site}, identifiant {self.account_id} "
            f"({self.name}), mot de passe {self.password})"
        )


def seed_portal(hub: Hub, site: DemoSite, hub_url: str) -> PortalDemo:
    """Activate the demo diner's portal account and set the site's visit rules."""
    storage = hub.storage
    assert isinstance(storage, SqliteStorage)
    hosts = [d for d in site.diners if d.profile in {"employee", "manager"} and not d.closed]
    diner, colleague = hosts[0], hosts[2]
    password = f"cantine-{secrets.randbelow(10_000):04d}"
    PortalStore(storage).set_password(
        diner.account_id, PasswordHasher().hash(password), hub.clock()
    )
    PagesStore(storage).set_visit_rules(
        site.code,
        VisitRules(
            host_billing=True,
            cost_centres=(CostCentre(COST_CENTRE, "Commercial"),),
            approvers=(diner.account_id,),
        ),
        hub.clock(),
    )
    today = hub.clock().astimezone(ZoneInfo(site.settings.timezone)).date()
    visits.declare(
        hub,
        site.code,
        VisitDeclare(
            visitor="M. Hugo Lambert",
            company="Bureau d'études Lambert",
            day=today + timedelta(days=1),
            guests=2,
            host_account_id=colleague.account_id,
            billing=Billing.COST_CENTRE,
            cost_centre=COST_CENTRE,
            note="revue de projet",
        ),
    )
    return PortalDemo(f"{hub_url}/portal/", site.code, diner.account_id, diner.name, password)
