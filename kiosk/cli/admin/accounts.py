"""``kiosk admin accounts`` (import, export, show, close, reopen, adjust) and
``kiosk admin badges`` (assign, lost, block, unblock, replace)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kiosk.cli.admin.common import (
    client,
    dry_run_option,
    err_console,
    euros,
    json_option,
    print_json,
    site_of,
    site_option,
    table,
)
from sync.accounts_csv import CsvProblem, normalise_uid, parse_accounts, parse_euros, write_accounts
from sync.protocol.admin import ImportResult
from sync.protocol.rows import CredentialStatus


@click.group()
def accounts() -> None:
    """Diners' accounts: import an HR export, export, close, reopen, adjust a balance.

    \b
    Example:
      kiosk admin accounts import accounts.csv --site ACME-LYON
      kiosk admin accounts adjust E1001 -5,00 --reason "double meal on 3 Dec"
    """


def _print_result(result: ImportResult, as_json: bool) -> None:
    if as_json:
        print_json(result)
    elif result.errors:
        for error in result.errors[:50]:
            click.echo(f"line {error.line}: {error.problem}", err=True)
        if len(result.errors) > 50:
            click.echo(f"... and {len(result.errors) - 50} more", err=True)
    else:
        verb = "would import" if result.dry_run else "imported"
        click.echo(
            f"{verb}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.badges_assigned} badge(s) assigned"
        )


@accounts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@site_option
@dry_run_option
@json_option
@click.pass_context
def import_(ctx: click.Context, file: Path, site: str | None, dry_run: bool, as_json: bool) -> None:
    """Create or update accounts and their badges from a CSV file (an HR export).

    Columns (header line, `,` or `;`): id, name, profile, badges (card UIDs in hex,
    several separated by spaces), email, overdraft (euros), postpaid (yes/no),
    cost_centre. Running it again with the same file changes nothing. Any bad line
    (shown with its number) and nothing at all is imported; existing balances are
    never changed, a closed account stays closed (`accounts reopen`), and accounts
    missing from the file are left as they are.

    \b
    Example:
      kiosk admin accounts import accounts.csv --site ACME-LYON --dry-run
      kiosk admin accounts import accounts.csv --site ACME-LYON
    """
    code = site_of(ctx, site)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: cannot read: {exc}") from exc
    rows, errors = parse_accounts(text)
    if errors:
        _print_result(ImportResult(errors=errors, dry_run=dry_run), as_json)
        raise click.ClickException(f"{file}: {len(errors)} bad line(s): nothing imported")
    with (
        client(ctx) as admin,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=as_json or not err_console.is_terminal,
        ) as bar,
    ):
        task = bar.add_task("sending accounts", total=len(rows))
        result = admin.import_rows(
            code, rows, dry_run=dry_run, progress=lambda n: bar.advance(task, n)
        )
    _print_result(result, as_json)
    if result.errors:
        raise click.ClickException(
            f"{file}: {len(result.errors)} line(s) refused: nothing imported"
        )


@accounts.command("export")
@site_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@json_option
@click.pass_context
def export(ctx: click.Context, site: str | None, output: Path | None, as_json: bool) -> None:
    """The site's accounts in the import's CSV columns (to stdout or --output).

    \b
    Example:
      kiosk admin accounts export --site ACME-LYON -o accounts.csv
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        rows = admin.export_accounts(code)
    if as_json:
        print_json(rows)
        return
    text = write_accounts(rows)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(rows)} account(s) written to {output}", err=True)


@accounts.command("show")
@click.argument("account_id")
@json_option
@click.pass_context
def show(ctx: click.Context, account_id: str, as_json: bool) -> None:
    """One account: balance, status, badges, and the hub's own movements (opening
    balance, online top-ups, adjustments with their reasons).

    \b
    Example:
      kiosk admin accounts show E1001
    """
    with client(ctx) as admin:
        found = admin.account(account_id)
        moves = admin.movements(account_id)
    if as_json:
        print_json({**found, "movements": moves})
        return
    row = found["account"]
    rows = [
        ["name", row["display_name"]],
        ["profile", row["profile"]],
        ["kind", row["kind"]],
        ["status", row["status"]],
        ["balance", euros(int(row["balance"]))],
        ["overdraft", euros(int(row["overdraft"]))],
        ["flagged", "yes" if found["flagged"] else "no"],
    ]
    rows += [[f"badge {c['kind']}", f"{c['value']} ({c['status']})"] for c in found["credentials"]]
    table(f"account {account_id}", ["", ""], rows)
    if moves:
        lines = [[m.ts, m.kind, euros(m.amount), m.note, m.ref or ""] for m in moves[-20:]]
        table("on the hub (last 20)", ["time", "kind", "amount", "reason", "ref"], lines)


def _status(ctx: click.Context, account_id: str, status: str, dry_run: bool, as_json: bool) -> None:
    with client(ctx) as admin:
        current = admin.account(account_id)["account"]["status"]
        if not dry_run and current != status:
            admin.update_account(account_id, status=status)
    if as_json:
        print_json({"account": account_id, "status": status, "was": current, "dry_run": dry_run})
    elif current == status:
        click.echo(f"account {account_id} is already {status}")
    else:
        click.echo(
            f"account {account_id}: {current} -> {status}" + (" (dry run)" if dry_run else "")
        )


@accounts.command("close")
@click.argument("account_id")
@dry_run_option
@json_option
@click.pass_context
def close(ctx: click.Context, account_id: str, dry_run: bool, as_json: bool) -> None:
    """Close an account: its badges are refused at the tills after their next sync.

    \b
    Example:
      kiosk admin accounts close E1001
    """
    _status(ctx, account_id, "closed", dry_run, as_json)


@accounts.command("reopen")
@click.argument("account_id")
@dry_run_option
@json_option
@click.pass_context
def reopen(ctx: click.Context, account_id: str, dry_run: bool, as_json: bool) -> None:
    """Reopen a closed account.

    \b
    Example:
      kiosk admin accounts reopen E1001
    """
    _status(ctx, account_id, "active", dry_run, as_json)


@accounts.command("adjust", context_settings={"ignore_unknown_options": True})
@click.argument("account_id")
@click.argument("amount")
@click.option("--reason", required=True, help="Why (kept in the hub's ledger).")
@click.option("--ref", default=None, help="Idempotency key: the same --ref applies once.")
@dry_run_option
@json_option
@click.pass_context
def adjust(
    ctx: click.Context,
    *,
    account_id: str,
    amount: str,
    reason: str,
    ref: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Correct a balance by a signed amount in euros, with the reason, as an adjustment
    entry of the hub's own ledger (never an edit of a past entry).

    \b
    Example:
      kiosk admin accounts adjust E1001 -5,00 --reason "meal charged twice on 3 Dec"
      kiosk admin accounts adjust E1001 12.50 --reason "refund" --ref REF-2026-118
    """
    try:
        cents = parse_euros(amount)
    except CsvProblem as exc:
        raise click.BadParameter(str(exc), param_hint="AMOUNT") from exc
    if cents == 0:
        raise click.BadParameter("an adjustment of 0 changes nothing", param_hint="AMOUNT")
    with client(ctx) as admin:
        before = admin.balance(account_id)
        after = before + cents if dry_run else admin.adjust(account_id, cents, reason, ref)
    if as_json:
        print_json({"account": account_id, "amount": cents, "balance": after, "dry_run": dry_run})
    else:
        suffix = " (dry run)" if dry_run else ""
        click.echo(f"account {account_id}: {euros(before)} -> {euros(after)}{suffix}")


# Badges ------------------------------------------------------------------------------------


def _uid(text: str) -> str:
    try:
        return normalise_uid(text)
    except CsvProblem as exc:
        raise click.BadParameter(str(exc)) from exc


@click.group()
def badges() -> None:
    """Physical badges: assign, mark lost or blocked (deny list), unblock, replace.

    \b
    Example:
      kiosk admin badges assign 04A1B2C3D4 E1001
      kiosk admin badges replace 04A1B2C3D4 04FFEE0011
    """


def _set(
    ctx: click.Context, uid: str, status: CredentialStatus, dry_run: bool, json_: bool
) -> None:
    value = _uid(uid)
    if not dry_run:
        with client(ctx) as admin:
            admin.badge_status(value, status)
    if json_:
        print_json({"badge": value, "status": status.value, "dry_run": dry_run})
    else:
        click.echo(f"badge {value}: {status.value}" + (" (dry run)" if dry_run else ""))


@badges.command("assign")
@click.argument("uid")
@click.argument("account_id")
@dry_run_option
@json_option
@click.pass_context
def assign(ctx: click.Context, uid: str, account_id: str, dry_run: bool, as_json: bool) -> None:
    """Give a diner a card (its UID in hex, as `kiosk devices test reader` shows it).

    \b
    Example:
      kiosk admin badges assign 04A1B2C3D4 E1001
    """
    value = _uid(uid)
    with client(ctx) as admin:
        admin.account(account_id)
        if not dry_run:
            admin.assign_badge(value, account_id)
    if as_json:
        print_json({"badge": value, "account": account_id, "dry_run": dry_run})
    else:
        click.echo(f"badge {value} -> {account_id}" + (" (dry run)" if dry_run else ""))


@badges.command("lost")
@click.argument("uid")
@dry_run_option
@json_option
@click.pass_context
def lost(ctx: click.Context, uid: str, dry_run: bool, as_json: bool) -> None:
    """Declare a card lost: the tills refuse it after their next sync.

    \b
    Example:
      kiosk admin badges lost 04A1B2C3D4
    """
    _set(ctx, uid, CredentialStatus.LOST, dry_run, as_json)


@badges.command("block")
@click.argument("uid")
@dry_run_option
@json_option
@click.pass_context
def block(ctx: click.Context, uid: str, dry_run: bool, as_json: bool) -> None:
    """Block a card (deny list), e.g. one found in the wrong hands.

    \b
    Example:
      kiosk admin badges block 04A1B2C3D4
    """
    _set(ctx, uid, CredentialStatus.REVOKED, dry_run, as_json)


@badges.command("unblock")
@click.argument("uid")
@dry_run_option
@json_option
@click.pass_context
def unblock(ctx: click.Context, uid: str, dry_run: bool, as_json: bool) -> None:
    """Make a lost or blocked card valid again.

    \b
    Example:
      kiosk admin badges unblock 04A1B2C3D4
    """
    _set(ctx, uid, CredentialStatus.ACTIVE, dry_run, as_json)


@badges.command("replace")
@click.argument("old_uid")
@click.argument("new_uid")
@dry_run_option
@json_option
@click.pass_context
def replace(ctx: click.Context, old_uid: str, new_uid: str, dry_run: bool, as_json: bool) -> None:
    """A new card for the same account: the old one is marked lost (refused), the new
    one assigned, in one step.

    \b
    Example:
      kiosk admin badges replace 04A1B2C3D4 04FFEE0011
    """
    old, new = _uid(old_uid), _uid(new_uid)
    if old == new:
        raise click.BadParameter("the new badge is the old one")
    result = None
    if not dry_run:
        with client(ctx) as admin:
            result = admin.replace_badge(old, new)
    if as_json:
        print_json({"old": old, "new": new, "credential": result, "dry_run": dry_run})
    else:
        suffix = (
            " (dry run)" if dry_run else f" for account {result['account_id']}" if result else ""
        )
        click.echo(f"badge {old} lost, {new} assigned{suffix}")
