"""``kiosk admin cashiers`` and ``terminals``."""

from __future__ import annotations

import re

import click

from kiosk.cli.admin.common import (
    client,
    dry_run_option,
    json_option,
    print_json,
    read_secret,
    site_of,
    site_option,
    table,
)
from sync.accounts_csv import CsvProblem, normalise_uid
from sync.protocol.admin import CashierAdd, CashierRole

PIN = re.compile(r"^[0-9]{4,8}$")


@click.group()
def cashiers() -> None:
    """The till's cashiers: badge, role and PIN (tills get them at their next sync).

    \b
    Example:
      kiosk admin cashiers add K1 --name "Karim B." --badge CA5E0001 --role manager
      kiosk admin cashiers pin K1
    """


@cashiers.command("list")
@site_option
@json_option
@click.pass_context
def list_cashiers(ctx: click.Context, site: str | None, as_json: bool) -> None:
    """The site's cashiers.

    \b
    Example:
      kiosk admin cashiers list --site ACME-LYON
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        found = admin.cashiers(code)
    if as_json:
        print_json(found)
        return
    rows = [
        [c.id, c.name, c.credential, c.role.value, "yes" if c.active else "no",
         "yes" if c.has_pin else "NO: `kiosk admin cashiers pin`"]
        for c in found
    ]  # fmt: skip
    table(f"cashiers of {code}", ["id", "name", "badge", "role", "active", "PIN"], rows)


@cashiers.command("add")
@click.argument("cashier_id")
@click.option("--name", required=True)
@click.option("--badge", required=True, help="The cashier's card UID in hex.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in CashierRole]),
    default="cashier",
    show_default=True,
)
@site_option
@dry_run_option
@json_option
@click.pass_context
def add(
    ctx: click.Context,
    *,
    cashier_id: str,
    name: str,
    badge: str,
    role: str,
    site: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Add a cashier (or change an existing one's name, badge or role; the PIN stays).
    Then set the PIN with `kiosk admin cashiers pin`.

    \b
    Example:
      kiosk admin cashiers add K1 --name "Karim B." --badge CA5E0001 --role manager
    """
    code = site_of(ctx, site)
    try:
        request = CashierAdd(
            id=cashier_id, name=name, badge=normalise_uid(badge), role=CashierRole(role)
        )
    except (CsvProblem, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    view = None
    if not dry_run:
        with client(ctx) as admin:
            view = admin.add_cashier(code, request)
    if as_json:
        print_json({"dry_run": dry_run, "cashier": view or request})
        return
    click.echo(
        f"{'would add' if dry_run else 'added'} cashier {cashier_id} ({role}, badge "
        f"{request.badge})"
    )
    if view is not None and not view.has_pin:
        click.echo(f"next: kiosk admin cashiers pin {cashier_id}")


@cashiers.command("pin")
@click.argument("cashier_id")
@site_option
@dry_run_option
@json_option
@click.pass_context
def pin(
    ctx: click.Context, cashier_id: str, site: str | None, dry_run: bool, as_json: bool
) -> None:
    """Set a cashier's PIN (4 to 8 digits), typed twice at a hidden prompt (or two lines
    on a pipe). The hub keeps only a salted scrypt hash, and so do the tills.

    \b
    Example:
      kiosk admin cashiers pin K1
    """
    code = site_of(ctx, site)
    secret = read_secret("PIN (4 to 8 digits)", confirm=True)
    if not PIN.match(secret):
        raise click.ClickException("a PIN is 4 to 8 digits")
    with client(ctx) as admin:
        if dry_run:
            view = next((c for c in admin.cashiers(code) if c.id == cashier_id), None)
            if view is None:
                raise click.ClickException(f"no cashier {cashier_id} on site {code}")
        else:
            view = admin.cashier_pin(code, cashier_id, secret)
    if as_json:
        print_json({"dry_run": dry_run, "cashier": view})
    elif dry_run:
        click.echo(f"the PIN would be set for cashier {cashier_id} (dry run)")
    else:
        click.echo(f"PIN of cashier {cashier_id} set (the tills take it at their next sync)")


def _active(
    ctx: click.Context,
    cashier_id: str,
    site: str | None,
    *,
    active: bool,
    dry_run: bool,
    json_: bool,
) -> None:
    code = site_of(ctx, site)
    with client(ctx) as admin:
        if dry_run:
            view = next((c for c in admin.cashiers(code) if c.id == cashier_id), None)
            if view is None:
                raise click.ClickException(f"no cashier {cashier_id} on site {code}")
        else:
            view = admin.cashier_active(code, cashier_id, active)
    if json_:
        print_json({"dry_run": dry_run, "cashier": view})
    else:
        state = "enabled" if active else "disabled"
        click.echo(f"cashier {cashier_id} {state}" + (" (dry run)" if dry_run else ""))


@cashiers.command("disable")
@click.argument("cashier_id")
@site_option
@dry_run_option
@json_option
@click.pass_context
def disable(
    ctx: click.Context, cashier_id: str, site: str | None, dry_run: bool, as_json: bool
) -> None:
    """Disable a cashier: the tills refuse the badge after their next sync.

    \b
    Example:
      kiosk admin cashiers disable K1
    """
    _active(ctx, cashier_id, site, active=False, dry_run=dry_run, json_=as_json)


@cashiers.command("enable")
@click.argument("cashier_id")
@site_option
@dry_run_option
@json_option
@click.pass_context
def enable(
    ctx: click.Context, cashier_id: str, site: str | None, dry_run: bool, as_json: bool
) -> None:
    """Enable a disabled cashier again.

    \b
    Example:
      kiosk admin cashiers enable K1
    """
    _active(ctx, cashier_id, site, active=True, dry_run=dry_run, json_=as_json)


# Terminals ---------------------------------------------------------------------------------


def _ago(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    for unit, size in (("d", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


@click.group()
def terminals() -> None:
    """The site's tills and kiosks: list, rename, revoke; enrolment tokens.

    \b
    Example:
      kiosk admin terminals token --site ACME-LYON --ttl 3600
      kiosk admin terminals list --site ACME-LYON
    """


@terminals.command("list")
@site_option
@json_option
@click.pass_context
def list_terminals(ctx: click.Context, site: str | None, as_json: bool) -> None:
    """Each terminal with its last contact and the lag since.

    \b
    Example:
      kiosk admin terminals list --site ACME-LYON
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        found = admin.terminals(code)
    if as_json:
        print_json(found)
        return
    rows = [
        [t["id"], t["name"], t["applied_seq"], t["last_seen"] or "never", _ago(t["lag_s"]),
         "REVOKED" if t["revoked"] else "ok"]
        for t in found
    ]  # fmt: skip
    table(f"terminals of {code}", ["id", "name", "entries", "last contact", "lag", ""], rows)


@terminals.command("token")
@site_option
@click.option("--ttl", type=click.IntRange(60, 30 * 86_400), default=86_400, show_default=True,
              help="Seconds the token stays valid.")  # fmt: skip
@json_option
@click.pass_context
def token(ctx: click.Context, site: str | None, ttl: int, as_json: bool) -> None:
    """A one-time enrolment token for a new terminal (printed alone on stdout, for
    `kiosk provision --token`).

    \b
    Example:
      kiosk admin terminals token --site ACME-LYON --ttl 3600
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        made = admin.new_enrolment_token(code, ttl)
    if as_json:
        print_json(made)
        return
    click.echo(made.token)
    click.echo(f"valid until {made.expires_at}, once, for site {code}", err=True)


@terminals.command("rename")
@click.argument("terminal_id")
@click.argument("name")
@dry_run_option
@json_option
@click.pass_context
def rename(ctx: click.Context, terminal_id: str, name: str, dry_run: bool, as_json: bool) -> None:
    """Change the label of a terminal.

    \b
    Example:
      kiosk admin terminals rename ACME-LYON-1A2B3C4D "caisse 2"
    """
    if not dry_run:
        with client(ctx) as admin:
            admin.rename_terminal(terminal_id, name)
    if as_json:
        print_json({"terminal": terminal_id, "name": name, "dry_run": dry_run})
    else:
        click.echo(f"terminal {terminal_id} is now {name!r}" + (" (dry run)" if dry_run else ""))


@terminals.command("revoke")
@click.argument("terminal_id")
@dry_run_option
@json_option
@click.pass_context
def revoke(ctx: click.Context, terminal_id: str, dry_run: bool, as_json: bool) -> None:
    """Revoke a terminal (stolen, replaced): the hub refuses its token from now on.

    \b
    Example:
      kiosk admin terminals revoke ACME-LYON-1A2B3C4D
    """
    if not dry_run:
        with client(ctx) as admin:
            admin.revoke_terminal(terminal_id)
    if as_json:
        print_json({"terminal": terminal_id, "revoked": not dry_run, "dry_run": dry_run})
    else:
        click.echo(f"terminal {terminal_id} revoked" + (" (dry run)" if dry_run else ""))
