"""``kiosk admin reports``: a business day's sales per till, by VAT rate and by means
of payment, and which tills sent their closure; a table or CSV."""

from __future__ import annotations

import csv
import io
import sys
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
from sync.accounts_csv import format_euros
from sync.protocol.admin import DayReport


@click.group()
def reports() -> None:
    """Reports of the site's day.

    \b
    Example:
      kiosk admin reports day --site ACME-LYON --day 2026-11-30
    """


def _rate(key: str) -> str:
    return f"{int(key) / 100:g} %" if key.isdigit() else key


def report_csv(report: DayReport) -> str:
    """One row per (section, key): till, vat, means, closure; euros with a dot."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "section", "key", "name", "sales_count", "cancellations", "amount"])
    for t in report.tills:
        writer.writerow([report.day, "till", t.terminal_id, t.name, t.sales_count,
                         t.cancellations_count, format_euros(t.net_sales)])  # fmt: skip
    for rate, cents in report.by_vat.items():
        writer.writerow([report.day, "vat", rate, _rate(rate), "", "", format_euros(cents)])
    for means, cents in report.by_means.items():
        writer.writerow([report.day, "means", means, means, "", "", format_euros(cents)])
    for terminal in report.closures_missing:
        writer.writerow([report.day, "closure_missing", terminal, "", "", "", ""])
    return out.getvalue()


@reports.command("day")
@site_option
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Business day (default: today, site time).")  # fmt: skip
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout instead of tables.")
@json_option
@click.pass_context
def day(ctx: click.Context, site: str | None, day: Any, as_csv: bool, as_json: bool) -> None:
    """A day's sales per till, by VAT rate, by means of payment, and the closures
    received and missing (a till that sold and has not closed the day).

    \b
    Example:
      kiosk admin reports day --site ACME-LYON --day 2026-11-30
      kiosk admin reports day --site ACME-LYON --csv > 2026-11-30.csv
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        report = admin.day_report(code, None if day is None else day.date())
    if as_json:
        print_json(report)
        return
    if as_csv:
        sys.stdout.write(report_csv(report))
        return
    table(
        f"{code}, {report.day}: sales per till",
        ["till", "name", "sales", "cancelled", "net", "top-ups", "closure"],
        [
            [t.terminal_id, t.name, t.sales_count, t.cancellations_count, euros(t.net_sales),
             euros(t.top_ups), "received" if t.closure else "-"]
            for t in report.tills
        ],
    )  # fmt: skip
    table(
        "by VAT rate",
        ["rate", "incl. VAT"],
        [[_rate(k), euros(v)] for k, v in report.by_vat.items()],
    )
    table(
        "by means of payment",
        ["means", "amount"],
        [[k, euros(v)] for k, v in report.by_means.items()],
    )
    click.echo(f"net sales {euros(report.net_sales)}")
    if report.closures_missing:
        click.echo(f"closures missing: {', '.join(report.closures_missing)}")
    else:
        click.echo("closures: none missing")
