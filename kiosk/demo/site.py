"""The demo site: about fifty diners with badges and phone badges, the example menu,
tariff profiles, a cost centre, a cashier and a few visit requests, seeded through the
same back-office library calls as ``kiosk admin`` (``sync.admin_client``): the menu
published as a version, the accounts and badges imported in one go, the cashier added
with a PIN that the demo prints at start-up."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kiosk.engine.trays import menu_document
from kiosk.sitefile import load_site_file
from sync.admin_client import AdminClient
from sync.protocol.admin import CashierAdd, CashierRole, ImportRow
from sync.protocol.catalogue import SiteMenu
from sync.protocol.rows import (
    AccountKind,
    AccountStatus,
    CredentialStatus,
    SiteSettings,
)

EXAMPLE_SITE = Path(__file__).resolve().parents[2] / "config" / "example-site.toml"
SITE_CODE = "DEMO"
COST_CENTRE = "CC-COMMERCIAL"

FIRST = [
    "Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules",
    "Karim", "Léa", "Marc", "Nadia", "Olivier", "Pauline", "Quentin", "Rose", "Samir", "Théo",
]  # fmt: skip
LAST = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Roux", "Fournier",
]  # fmt: skip


@dataclass
class Diner:
    account_id: str
    name: str
    profile: str
    badge: str  # nfc:... credential
    uid: str  # the card UID in hex, as the virtual reader taps it
    phone: str | None = None  # phone:... credential when the diner has the app
    badge_status: CredentialStatus = CredentialStatus.ACTIVE
    closed: bool = False


@dataclass
class DemoSite:
    code: str
    menu: SiteMenu
    settings: SiteSettings
    diners: list[Diner] = field(default_factory=list)
    visits: list[dict[str, object]] = field(default_factory=list)
    cashier_badge: str = "nfc:CA5E0001"
    cashier_uid: str = "CA5E0001"  # what the virtual reader taps
    cashier_id: str = "K1"
    cashier_name: str = "Karim Benali"
    cashier_pin: str = ""


def _profile(i: int) -> tuple[str, AccountKind]:
    if i % 10 == 9:
        return "manager", AccountKind.POSTPAID  # payroll deduction
    if i % 10 == 4:
        return "intern", AccountKind.PREPAID
    if i % 17 == 3:
        return "external", AccountKind.PREPAID
    return "employee", AccountKind.PREPAID


def seed_site(admin: AdminClient, *, diners: int = 50, seed: int = 7, today: date) -> DemoSite:
    """Create the demo site on the hub and return what the demo needs to know of it."""
    rng = random.Random(seed)
    site_file = load_site_file(EXAMPLE_SITE)
    base = site_file.site or SiteSettings(site_code=SITE_CODE)
    settings = base.model_copy(
        update={
            "site_code": SITE_CODE,
            "site_name": "Restaurant d'entreprise ACME (démo)",
            "offline_after_s": 600,
        }
    )
    admin.create_site(settings)
    admin.publish_menu(SITE_CODE, menu_document(site_file.menu), note="menu de démonstration")
    site = DemoSite(SITE_CODE, site_file.menu, settings)

    rows = [
        ImportRow(
            line=2,
            id=COST_CENTRE,
            name="Centre de coût Commercial",
            profile="guest",
            postpaid=True,
        )
    ]
    opening: dict[str, int] = {}
    for i in range(diners):
        profile, kind = _profile(i)
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(FIRST)) % len(LAST)]}"
        account_id = f"D{i + 1:04d}"
        if kind is AccountKind.PREPAID:
            opening[account_id] = rng.choice([0, 400, 1500, 2500, 4000, 6000, 9000])
        uid = f"04{rng.getrandbits(48):012X}"
        rows.append(
            ImportRow(
                line=i + 3,
                id=account_id,
                name=name,
                profile=profile,
                badges=[f"nfc:{uid}"],
                overdraft=300 if i % 5 == 0 else 0,
                postpaid=kind is AccountKind.POSTPAID,
            )
        )
        site.diners.append(Diner(account_id, name, profile, f"nfc:{uid}", uid, closed=i == 13))
    imported = admin.import_rows(SITE_CODE, rows)
    if imported.errors:
        raise RuntimeError(f"demo accounts refused: {imported.errors[0]}")
    for account_id, cents in opening.items():
        if cents:
            admin.adjust(account_id, cents, "solde d'ouverture (démo)", ref=f"open-{account_id}")
    for i, diner in enumerate(site.diners):
        if diner.closed:
            admin.update_account(diner.account_id, status=AccountStatus.CLOSED.value)
        if i in (7, 29):
            diner.badge_status = CredentialStatus.LOST
        elif i == 41:
            diner.badge_status = CredentialStatus.REVOKED
        if diner.badge_status is not CredentialStatus.ACTIVE:
            admin.badge_status(diner.badge, diner.badge_status)
        if i % 4 == 1:
            diner.phone = admin.register_phone(diner.account_id)

    site.cashier_pin = f"{rng.randrange(10_000):04d}"
    admin.add_cashier(
        SITE_CODE,
        CashierAdd(
            id=site.cashier_id,
            name=site.cashier_name,
            badge=site.cashier_badge,
            role=CashierRole.MANAGER,
        ),
    )
    admin.cashier_pin(SITE_CODE, site.cashier_id, site.cashier_pin)

    hosts = [d for d in site.diners if d.profile in {"employee", "manager"}]
    for number, (visitor, company, guests, billing) in enumerate(
        [
            ("Mme Claire Fontaine", "Fournisseur Logistique SA", 2, "host"),
            ("M. Paul Girard", "Cabinet Girard & Associés", 3, "cost_centre"),
            ("Mme Anna Weber", "Partenaire GmbH", 1, "host"),
        ]
    ):
        visit = admin.declare_visit(
            SITE_CODE,
            visitor=visitor,
            company=company,
            day=today,
            guests=guests,
            host=hosts[number].account_id,
            cost_centre=COST_CENTRE if billing == "cost_centre" else None,
        )
        site.visits.append(admin.decide_visit(SITE_CODE, str(visit["id"]), "approve"))
    cancelled = admin.declare_visit(
        SITE_CODE,
        visitor="M. Louis Perrin",
        company="Annulé SARL",
        day=today,
        guests=2,
        host=hosts[0].account_id,
    )
    site.visits.append(admin.decide_visit(SITE_CODE, str(cancelled["id"]), "cancel"))
    return site
