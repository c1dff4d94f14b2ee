"""``kiosk admin flags``: the incidents the hub found in the tills' journals (a prepaid
account taken below its floor by sales made offline, a daily subsidy granted twice),
with the journal entries behind each, and clearing them with a reason."""

from __future__ import annotations

import click

from kiosk.cli.admin.common import (
    client,
    dry_run_option,
    euros,
    json_option,
    print_json,
    site_of,
    site_option,
    table,
)
from sync.protocol.incidents import IncidentKind

SHOWN = ("business_day", "means", "credential_id", "items", "cashier", "cancels", "subsidy")


@click.group()
def flags() -> None:
    """Incidents the hub flagged: overdrafts and double subsidies, with their entries.

    \b
    Example:
      kiosk admin flags list --site ACME-LYON
      kiosk admin flags show 12
      kiosk admin flags clear 12 --reason "diner topped up"
    """


@flags.command("list")
@site_option
@click.option(
    "--state", type=click.Choice(["open", "cleared", "all"]), default="open", show_default=True
)
@click.option("--kind", type=click.Choice([k.value for k in IncidentKind]), default=None)
@click.option("--account", default=None, help="One account's incidents.")
@json_option
@click.pass_context
def list_flags(
    ctx: click.Context,
    *,
    site: str | None,
    state: str,
    kind: str | None,
    account: str | None,
    as_json: bool,
) -> None:
    """The site's incidents (open ones by default), with the entries behind each.

    \b
    Example:
      kiosk admin flags list --site ACME-LYON
      kiosk admin flags list --site ACME-LYON --state all --kind overdraft
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        found = admin.incidents(code, state=state, kind=kind, account=account)
    if as_json:
        print_json(found)
        return
    rows = [
        [i.id, i.kind.value, i.account_id, euros(i.amount), ", ".join(i.entries[:4])
         + (f" (+{len(i.entries) - 4})" if len(i.entries) > 4 else ""), i.created_at,
         i.cleared_reason or ""]
        for i in found
    ]  # fmt: skip
    title = f"{state} incidents of {code}"
    table(title, ["id", "kind", "account", "amount", "entries", "since", "cleared"], rows)
    if not found:
        click.echo(f"no {state} incident" if state != "all" else "no incident")


@flags.command("show")
@click.argument("incident_id", type=click.IntRange(1))
@json_option
@click.pass_context
def show(ctx: click.Context, incident_id: int, as_json: bool) -> None:
    """One incident with the journal entries behind it (terminal, time, kind, amount,
    what the entry says), read from the hub, and the account's balance now.

    \b
    Example:
      kiosk admin flags show 12
    """
    with client(ctx) as admin:
        found = admin.incident(incident_id)
        entries = []
        for ident in found.entries:
            terminal, _, seq = ident.rpartition(":")
            entries.append(admin.entry(terminal, int(seq)))
        balance = admin.balance(found.account_id)
    if as_json:
        print_json({"incident": found, "balance": balance, "entries": entries})
        return
    state = f"cleared {found.cleared_at}: {found.cleared_reason}" if found.cleared_at else "open"
    click.echo(
        f"incident {found.id}: {found.kind.value} on account {found.account_id} "
        f"({euros(found.amount)}), {state}; balance now {euros(balance)}"
    )
    rows = [
        [f"{e.terminal_id}:{e.seq}", e.ts, e.kind, euros(e.amount),
         ", ".join(f"{k}={v}" for k, v in e.payload.items() if k in SHOWN)]
        for e in entries
    ]  # fmt: skip
    table("entries behind it", ["entry", "time", "kind", "amount", "details"], rows)


@flags.command("clear")
@click.argument("incident_id", type=click.IntRange(1))
@click.option("--reason", required=True, help="How it was sorted out (kept with it).")
@dry_run_option
@json_option
@click.pass_context
def clear(ctx: click.Context, incident_id: int, reason: str, dry_run: bool, as_json: bool) -> None:
    """Clear an incident once it is sorted out, saying how.

    \b
    Example:
      kiosk admin flags clear 12 --reason "the diner topped up 20 euros"
    """
    with client(ctx) as admin:
        if dry_run:
            found = admin.incident(incident_id)
        else:
            found = admin.clear_incident(incident_id, reason)
    if as_json:
        print_json({"dry_run": dry_run, "incident": found})
    elif dry_run:
        click.echo(f"would clear incident {incident_id} ({found.kind.value}, {found.account_id})")
    else:
        click.echo(f"incident {incident_id} cleared: {reason}")
