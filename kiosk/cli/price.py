"""``kiosk price``: price a tray against a site file, as the till would, for technicians.

A thin layer over ``kiosk.engine.pricing.price_tray``: parse the arguments, price,
print the ticket (rich table, in French or English words and money) or the ticket
model as JSON.
Any bad input (site file, profile, items, guest billing) exits with code 2.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from kiosk.configfile import ConfigError
from kiosk.engine.pricing import BillingKind, BillTo, PricedTicket, PricingRefused, price_tray
from kiosk.sitefile import load_site_menu
from kiosk.ui.i18n import Lang, Translator
from sync.money import Money
from sync.protocol.catalogue import Label, SiteMenu

_ENTRY = re.compile(r"(?:(?P<category>[a-z]+):)?(?P<item>[a-z0-9][a-z0-9_-]*)(?:\*(?P<n>[0-9]+))?")
_MAX_QUANTITY = 99


def parse_items(text: str, menu: SiteMenu) -> list[str]:
    """``"starter:salad,main:steak,drink:coffee*2"`` -> item ids, repeated by quantity.

    Each entry is ``[CATEGORY:]ITEM[*N]``; a category, when given, must be the item's
    (it catches typos). Raises ValueError with the reason.
    """
    tray: list[str] = []
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        match = _ENTRY.fullmatch(entry)
        if match is None:
            raise ValueError(f"{entry!r} is not [CATEGORY:]ITEM[*N]")
        item = menu.item(match["item"])
        if item is None:
            raise ValueError(f"unknown item {match['item']!r}")
        if match["category"] is not None and match["category"] != item.category:
            raise ValueError(f"{match['item']!r} is a {item.category}, not a {match['category']}")
        quantity = int(match["n"] or "1")
        if not 1 <= quantity <= _MAX_QUANTITY:
            raise ValueError(f"{entry!r}: quantity must be 1 to {_MAX_QUANTITY}")
        tray.extend([item.id] * quantity)
    if not tray:
        raise ValueError("the tray is empty")
    return tray


def _text(label: Label, lang: str) -> str:
    return label.fr if lang == "fr" else label.en


def render(ticket: PricedTicket, menu: SiteMenu, lang: str, console: Console) -> None:
    """Print the ticket as the till's screen shows it, in ``lang``'s words and money."""
    tr = Translator(Lang(lang))
    money, rate = tr.money, tr.rate
    profile = menu.profile(ticket.profile_id)
    where = tr.t("price.take_away" if ticket.take_away else "price.eat_in")
    title = f"{_text(profile.label, lang) if profile else ticket.profile_id} · {where}"
    table = Table(title=title, title_justify="left")
    table.add_column(tr.t("price.item"))
    for key in ("price.qty", "price.unit", "price.vat", "price.total"):
        table.add_column(tr.t(key), justify="right")
    for formula in ticket.formulas:
        rates = " + ".join(rate(part.rate) for part in formula.by_rate)
        table.add_row(
            _text(formula.label, lang),
            str(formula.quantity),
            money(formula.unit_price),
            rates,
            money(formula.total),
        )
        for part in formula.parts:
            extra = f" (+{money(part.supplement)})" if part.supplement else ""
            table.add_row(f"  · {_text(part.label, lang)}{extra}", "", "", "", "")
    for line in ticket.lines:
        table.add_row(
            _text(line.label, lang),
            str(line.quantity),
            money(line.unit_price),
            rate(line.vat_rate),
            money(line.total),
        )
    if ticket.admission is not None:
        fee = ticket.admission
        name = tr.t("price.admission")
        if fee.employer_share:
            name += f" ({tr.t('price.employer_share', amount=Money(fee.employer_share))})"
        table.add_row(name, "1", money(fee.amount), rate(fee.vat_rate), money(fee.amount))
    if ticket.subsidy is not None:
        sub = ticket.subsidy
        rates = " + ".join(rate(part.rate) for part in sub.by_rate)
        table.add_row(_text(sub.label, lang), "1", money(sub.amount), rates, money(sub.amount))
    table.add_section()
    table.add_row(
        f"[bold]{tr.t('price.total_ttc')}[/bold]", "", "", "", f"[bold]{money(ticket.total)}[/bold]"
    )
    console.print(table)
    console.print(vat_table(ticket, tr))
    for note in notes(ticket, menu, tr):
        console.print(note)


def vat_table(ticket: PricedTicket, tr: Translator) -> Table:
    """The breakdown per rate, then the overall total (net, VAT, gross)."""
    vat = Table(title=tr.t("price.vat"), title_justify="left")
    for key in ("price.rate", "price.base", "price.vat", "price.gross"):
        vat.add_column(tr.t(key), justify="right")
    for row in ticket.vat:
        vat.add_row(tr.rate(row.rate), tr.money(row.base), tr.money(row.vat), tr.money(row.total))
    vat.add_section()
    vat.add_row(
        tr.t("price.vat_total"),
        tr.money(sum(row.base for row in ticket.vat)),
        tr.money(sum(row.vat for row in ticket.vat)),
        tr.money(sum(row.total for row in ticket.vat)),
    )
    return vat


def notes(ticket: PricedTicket, menu: SiteMenu, tr: Translator) -> list[str]:
    """What the diner should know under the ticket, in words: the subsidy's outcome
    (and when the floor cut it), what the formulas and the subsidy saved on the à la
    carte price (the items at the profile's prices), who pays a guest's meal."""
    lines = [tr.t("price.subsidy", status=tr.subsidy(ticket.subsidy_status))]
    sub = ticket.subsidy
    if sub is not None and sub.requested > -sub.amount:
        lines.append(
            tr.t(
                "price.floor_cut",
                requested=Money(sub.requested),
                granted=Money(-sub.amount),
                floor=Money(menu.settings.bik_floor),
            )
        )
    sold = sum(line.total for line in ticket.lines) + sum(f.total for f in ticket.formulas)
    parts = [
        ("price.saving_formulas", ticket.a_la_carte - sold),
        ("price.saving_subsidy", -sub.amount if sub is not None else 0),
    ]
    saved = [(key, cents) for key, cents in parts if cents > 0]
    if saved:
        detail = ", ".join(tr.t(key, amount=Money(cents)) for key, cents in saved)
        lines.append(tr.t("price.saving", amount=Money(sum(c for _, c in saved)), detail=detail))
    if ticket.billed_to is not None:
        key = (
            "price.billed_host"
            if ticket.billed_to.kind is BillingKind.HOST_ACCOUNT
            else "price.billed_centre"
        )
        lines.append(tr.t(key, ref=ticket.billed_to.ref))
    return lines


@click.command(
    "price",
    epilog="""\b
Examples:
  kiosk price --site config/example-site.toml --profile employee \\
      --items starter:salad,main:steak,dessert:tart
  kiosk price --site config/example-site.toml --profile employee \\
      --items main:steak,drink:coffee*2 --subsidised-today --json
  kiosk price --site config/example-site.toml --profile guest --host emp-0042 \\
      --items salad,fish,tart
""",
)
@click.option(
    "--site",
    "site_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("config/example-site.toml"),
    show_default=True,
    help="Site file (TOML) with the menu.",
)
@click.option("--profile", default="employee", show_default=True, help="Tariff profile id.")
@click.option(
    "--items",
    required=True,
    help="The tray: comma-separated [CATEGORY:]ITEM[*N], e.g. "
    "'starter:salad,main:steak,dessert:tart,drink:coffee*2'. The category is optional "
    "and checked when given; *N repeats the item (quote it in the shell).",
)
@click.option("--subsidised-today", is_flag=True, help="The diner already had the subsidy today.")
@click.option("--take-away", is_flag=True, help="Take-away ticket (packaged food at 5.5 %).")
@click.option("--host", help="Guest meal: the host's account id to bill.")
@click.option("--cost-centre", help="Guest meal: the cost centre to bill.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the priced ticket model as JSON.")
def price(
    *,
    site_path: Path,
    profile: str,
    items: str,
    subsidised_today: bool,
    take_away: bool,
    host: str | None,
    cost_centre: str | None,
    lang: str,
    as_json: bool,
) -> None:
    """Price a tray as the till would and print the ticket."""
    try:
        menu = load_site_menu(site_path)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--site") from exc
    if menu.profile(profile) is None:
        known = ", ".join(p.id for p in menu.profiles)
        raise click.BadParameter(
            f"unknown profile {profile!r} (known: {known})", param_hint="--profile"
        )
    try:
        tray = parse_items(items, menu)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--items") from exc
    if host and cost_centre:
        raise click.UsageError("give --host or --cost-centre, not both")
    bill_to = None
    if host:
        bill_to = BillTo(kind=BillingKind.HOST_ACCOUNT, ref=host)
    elif cost_centre:
        bill_to = BillTo(kind=BillingKind.COST_CENTRE, ref=cost_centre)
    ticket = price_tray(
        menu, profile, tray, subsidised_today=subsidised_today, take_away=take_away, bill_to=bill_to
    )
    if isinstance(ticket, PricingRefused):
        what, then = Translator(Lang(lang)).reason(ticket.reason)
        refused = Translator(Lang(lang)).pick(("refusé", "refused"))
        raise click.UsageError(f"{refused}: {what} ({ticket.detail}); {then}")
    if as_json:
        click.echo(ticket.model_dump_json(indent=2))
        return
    render(ticket, menu, lang, Console(file=sys.stdout, highlight=False, soft_wrap=False))
