"""``kiosk price``: price a tray against a site file, as the till would, for technicians.

A thin layer over ``kiosk.engine.pricing.price_tray``: parse the arguments, price,
print the ticket (rich table, French money format) or the ticket model as JSON.
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
from sync.money import Money
from sync.protocol.catalogue import Label, SiteMenu, VatRate

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


def _money(cents: int) -> str:
    return Money(cents).format()


def _text(label: Label, lang: str) -> str:
    return label.fr if lang == "fr" else label.en


def _rate(rate: VatRate) -> str:
    return rate.percent_text


def render(ticket: PricedTicket, menu: SiteMenu, lang: str, console: Console) -> None:
    """Print the ticket as the till's screen shows it."""
    fr = lang == "fr"
    profile = menu.profile(ticket.profile_id)
    where = (
        ("à emporter" if fr else "take-away")
        if ticket.take_away
        else ("sur place" if fr else "eat in")
    )
    title = f"{_text(profile.label, lang) if profile else ticket.profile_id} · {where}"
    table = Table(title=title, title_justify="left")
    table.add_column("Article" if fr else "Item")
    table.add_column("Qté" if fr else "Qty", justify="right")
    table.add_column("P.U." if fr else "Unit", justify="right")
    table.add_column("TVA" if fr else "VAT", justify="right")
    table.add_column("Total", justify="right")
    for formula in ticket.formulas:
        rates = " + ".join(_rate(part.rate) for part in formula.by_rate)
        table.add_row(
            _text(formula.label, lang),
            str(formula.quantity),
            _money(formula.unit_price),
            rates,
            _money(formula.total),
        )
        for part in formula.parts:
            extra = f" (+{_money(part.supplement)})" if part.supplement else ""
            table.add_row(f"  · {_text(part.label, lang)}{extra}", "", "", "", "")
    for line in ticket.lines:
        table.add_row(
            _text(line.label, lang),
            str(line.quantity),
            _money(line.unit_price),
            _rate(line.vat_rate),
            _money(line.total),
        )
    if ticket.admission is not None:
        fee = ticket.admission
        name = "Droit d'admission" if fr else "Admission fee"
        if fee.employer_share:
            share = "part employeur" if fr else "employer pays"
            name += f" ({share} {_money(fee.employer_share)})"
        table.add_row(name, "1", _money(fee.amount), _rate(fee.vat_rate), _money(fee.amount))
    if ticket.subsidy is not None:
        sub = ticket.subsidy
        rates = " + ".join(_rate(part.rate) for part in sub.by_rate)
        table.add_row(_text(sub.label, lang), "1", _money(sub.amount), rates, _money(sub.amount))
    table.add_section()
    table.add_row(
        "[bold]Total TTC[/bold]" if fr else "[bold]Total[/bold]",
        "",
        "",
        "",
        f"[bold]{_money(ticket.total)}[/bold]",
    )
    console.print(table)
    vat = Table(title="TVA" if fr else "VAT", title_justify="left")
    for heading in ("Taux", "HT", "TVA", "TTC") if fr else ("Rate", "Net", "VAT", "Gross"):
        vat.add_column(heading, justify="right")
    for row in ticket.vat:
        vat.add_row(_rate(row.rate), _money(row.base), _money(row.vat), _money(row.total))
    console.print(vat)
    notes = [f"{'Subvention' if fr else 'Subsidy'}: {ticket.subsidy_status}"]
    if ticket.a_la_carte != ticket.total:
        notes.append(f"{'À la carte' if fr else 'A-la-carte'}: {_money(ticket.a_la_carte)}")
    if ticket.billed_to is not None:
        notes.append(
            f"{'Facturé à' if fr else 'Billed to'}: {ticket.billed_to.kind} {ticket.billed_to.ref}"
        )
    console.print(" · ".join(notes))


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
        raise click.UsageError(f"refused ({ticket.reason}): {ticket.detail}")
    if as_json:
        click.echo(ticket.model_dump_json(indent=2))
        return
    render(ticket, menu, lang, Console(file=sys.stdout, highlight=False, soft_wrap=False))
