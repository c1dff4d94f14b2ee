"""``kiosk admin orders``: the kitchen's production list of a day (by slot, item and
options; a table, CSV or PDF), one order, mark ready, cancel (refunded)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any

import click

from kiosk.cli.admin.common import (
    client,
    euros,
    json_option,
    print_json,
    site_of,
    site_option,
    table,
)
from kiosk.cli.admin.pdf import text_pdf
from sync.protocol.orders import OrderDoc, OrdersOfDay, parse_order_code, spoken


@click.group()
def orders() -> None:
    """Orders: what the kitchen makes for a day, ready, cancel.

    \b
    Example:
      kiosk admin orders list --site ACME-LYON --day 2026-12-01
      kiosk admin orders ready 7K4P2Q
    """


def _options(options: tuple[str, ...] | list[str]) -> str:
    return ", ".join(options)


def orders_csv(found: OrdersOfDay) -> str:
    """One row per order line: code, state, slot, item, quantity, options, account."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "slot", "code", "state", "item", "qty", "options", "account", "place"])
    for doc in found.orders:
        for line in doc.lines:
            writer.writerow([found.day, doc.slot or "", doc.code, doc.state.value, line.item,
                             line.qty, _options(line.options), doc.account, doc.place])  # fmt: skip
    return out.getvalue()


def production_lines(site: str, found: OrdersOfDay) -> list[str]:
    """The production list as text lines (the PDF's content)."""
    lines = [f"Production {site} - {found.day}", ""]
    slot_of = None
    for row in found.production:
        if row.slot != slot_of or not lines[-1:]:
            slot_of = row.slot
            lines += ["", f"Creneau {row.slot or 'journee'}"]
        extra = f"  ({_options(row.options)})" if row.options else ""
        lines.append(f"  {row.qty:>4} x {row.item}{extra}")
    lines += ["", "Commandes", ""]
    for doc in found.orders:
        what = ", ".join(f"{line.qty} {line.item}" for line in doc.lines)
        lines.append(f"  {spoken(doc.code)}  {doc.slot or '-':<11}  {doc.state.value:<9}  {what}")
    return lines


@orders.command("list")
@site_option
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="Pickup day (YYYY-MM-DD).")  # fmt: skip
@click.option("--slot", default=None, help="Only this pickup slot (e.g. 12:00-12:30).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout: one row per order line.")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the production list as a PDF to this file.")  # fmt: skip
@json_option
@click.pass_context
def list_orders(  # noqa: PLR0917 (click passes the options as arguments)
    ctx: click.Context,
    site: str | None,
    day: Any,
    slot: str | None,
    as_csv: bool,
    pdf_path: Path | None,
    as_json: bool,
) -> None:
    """The production list of a day: quantities by slot, item and options (cancelled
    orders left out), then each order with its state.

    \b
    Example:
      kiosk admin orders list --site ACME-LYON --day 2026-12-01
      kiosk admin orders list --day 2026-12-01 --slot 12:00-12:30
      kiosk admin orders list --day 2026-12-01 --csv > commandes.csv
      kiosk admin orders list --day 2026-12-01 --pdf production.pdf
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        found = admin.orders_of_day(code, day.date())
    if slot is not None:
        found = found.model_copy(
            update={
                "orders": tuple(d for d in found.orders if d.slot == slot),
                "production": tuple(r for r in found.production if r.slot == slot),
            }
        )
    if as_json:
        print_json(found)
        return
    if as_csv:
        sys.stdout.write(orders_csv(found))
        return
    if pdf_path is not None:
        pdf_path.write_bytes(text_pdf(production_lines(code, found), f"Production {found.day}"))
        click.echo(f"{pdf_path}: {len(found.orders)} orders")
        return
    table(
        f"{code}, {found.day}: to make",
        ["slot", "item", "options", "qty"],
        [[r.slot or "-", r.item, _options(r.options), r.qty] for r in found.production],
    )
    table(
        "orders",
        ["code", "slot", "state", "lines", "amount", "account"],
        [
            [spoken(d.code), d.slot or "-", d.state.value,
             ", ".join(f"{line.qty} {line.item}" for line in d.lines), euros(d.amount), d.account]
            for d in found.orders
        ],
    )  # fmt: skip


def _code(text: str) -> str:
    found = parse_order_code(text)
    if found is None:
        raise click.BadParameter(f"{text!r} is not an order code (6 signs, e.g. 7K4P2Q)")
    return found


def _show(doc: OrderDoc) -> None:
    click.echo(f"order {spoken(doc.code)}: {doc.state.value}, pickup {doc.pickup_day}"
               f"{' ' + doc.slot if doc.slot else ''}, {euros(doc.amount)}"
               f"{', refunded' if doc.refunded else ''}")  # fmt: skip


@orders.command("ready")
@site_option
@click.argument("code")
@json_option
@click.pass_context
def ready(ctx: click.Context, site: str | None, code: str, as_json: bool) -> None:
    """Mark an order ready; the diner is mailed if they asked.

    \b
    Example:
      kiosk admin orders ready 7K4P2Q --site ACME-LYON
    """
    with client(ctx) as admin:
        doc = admin.order_ready(site_of(ctx, site), _code(code))
    print_json(doc) if as_json else _show(doc)


@orders.command("cancel")
@site_option
@click.argument("code")
@click.option("--reason", default="", help="Why (kept with the order).")
@json_option
@click.pass_context
def cancel(ctx: click.Context, site: str | None, code: str, reason: str, as_json: bool) -> None:
    """Cancel an order not yet collected, at any time: the diner is refunded once.

    \b
    Example:
      kiosk admin orders cancel 7K4P2Q --reason "four en panne"
    """
    with client(ctx) as admin:
        doc = admin.order_cancel(site_of(ctx, site), _code(code), reason)
    print_json(doc) if as_json else _show(doc)


@orders.command("show")
@site_option
@click.argument("code")
@json_option
@click.pass_context
def show(ctx: click.Context, site: str | None, code: str, as_json: bool) -> None:
    """One order.

    \b
    Example:
      kiosk admin orders show 7K4P2Q
    """
    with client(ctx) as admin:
        doc = admin.order(site_of(ctx, site), _code(code))
    print_json(doc) if as_json else _show(doc)
