"""``kiosk admin diner``: a diner's personal data (GDPR) over the hub's admin API:
export everything held, erase it, the diners' requests to close their account, and
the retention job."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kiosk.cli.admin.common import client, json_option, print_json, site_of, site_option, table


@click.group()
def diner() -> None:
    """A diner's personal data: export, erase, closure requests, retention.

    \b
    Example:
      kiosk admin diner export E1001 -o E1001.json
      kiosk admin diner requests --site ACME-LYON
      kiosk admin diner erase E1001 --yes
      kiosk admin diner retention --site ACME-LYON
    """


@diner.command("export")
@click.argument("account_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.pass_context
def export(ctx: click.Context, account_id: str, output: Path | None) -> None:
    """Everything the hub holds about a diner, as JSON (to stdout or --output): the
    account, e-mail, badges, portal sign-in and sessions, visits hosted, the hub's
    movements, online top-ups, flags, and every journal entry naming the account.

    \b
    Example:
      kiosk admin diner export E1001 -o E1001.json
    """
    with client(ctx) as admin:
        held = admin.personal_data(account_id)
    text = json.dumps(held, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    output.chmod(0o600)  # personal data: readable by its owner only
    click.echo(f"personal data of {account_id} written to {output}", err=True)


@diner.command("erase")
@click.argument("account_id")
@click.option("--reason", default="request", show_default=True, help="Why (kept in the log).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@click.pass_context
def erase(ctx: click.Context, account_id: str, reason: str, yes: bool, as_json: bool) -> None:
    """Erase a diner's personal data: the name, e-mail and portal sign-in go, the
    badges are revoked, the guests' names of the visits they hosted are replaced, and
    the account is closed. The journal, closures, archives and totals are unchanged
    (they name the account by its id only) and still verify. It cannot be undone.

    \b
    Example:
      kiosk admin diner erase E1001 --yes
    """
    if not yes:
        click.confirm(f"Erase the personal data of {account_id}? This cannot be undone", abort=True)
    with client(ctx) as admin:
        report = admin.erase_diner(account_id, reason)
    if as_json:
        print_json(report)
        return
    click.echo(
        f"{report.account_id} erased at {report.erased_at}: {report.credentials} badge(s) "
        f"revoked, {report.portal_rows} portal row(s) removed, {report.visits} visit(s) "
        "without their guests' names; the tills get it at their next sync"
    )


@diner.command("requests")
@site_option
@click.option("--all", "every", is_flag=True, help="Handled requests too.")
@json_option
@click.pass_context
def requests(ctx: click.Context, site: str | None, every: bool, as_json: bool) -> None:
    """The diners' requests, from the portal, to close their account.

    \b
    Example:
      kiosk admin diner requests --site ACME-LYON
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        found = admin.closure_requests(code, every=every)
    if as_json:
        print_json(found)
        return
    table(
        f"Closure requests of {code}",
        ["account", "requested", "note", "handled"],
        [[r.account_id, r.requested_at, r.note, r.handled_at or ""] for r in found],
    )


@diner.command("retention")
@site_option
@json_option
@click.pass_context
def retention(ctx: click.Context, site: str | None, as_json: bool) -> None:
    """Apply the site's retention periods now (site settings retention_*): closed
    accounts idle for the period are erased, visits' guests' names go, expired portal
    sessions go; fiscal records are kept (at least 6 years). Run it daily (cron).

    \b
    Example:
      kiosk admin diner retention --site ACME-LYON
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        report = admin.run_retention(code)
    if as_json:
        print_json(report)
        return
    click.echo(
        f"{code}: {len(report.accounts_erased)} closed account(s) erased, "
        f"{report.visits_forgotten} visit(s) without their guests' names, "
        f"{report.portal_rows} expired portal row(s) removed; "
        f"{report.fiscal_entries_past_retention} journal entries past the fiscal period kept"
    )
