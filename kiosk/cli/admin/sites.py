"""``kiosk admin sites``: create a site, show it, read and change its settings."""

from __future__ import annotations

import json
from typing import Any

import click
from pydantic import ValidationError

from kiosk.cli.admin.common import (
    client,
    dry_run_option,
    json_option,
    print_json,
    site_of,
    site_option,
    table,
)
from sync.protocol.rows import SiteSettings


def _explain(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {'unknown setting' if first['type'] == 'extra_forbidden' else first['msg']}"


@click.group()
def sites() -> None:
    """Sites (code solution) and their settings.

    \b
    Example:
      kiosk admin sites create ACME-LYON --name "Restaurant ACME Lyon"
      kiosk admin sites settings set --site ACME-LYON offline_daily_cap=2000
    """


@sites.command("create")
@click.argument("code")
@click.option("--name", default="", help="The site's display name.")
@click.option("--timezone", default="Europe/Paris", show_default=True)
@dry_run_option
@json_option
@click.pass_context
def create(
    ctx: click.Context, *, code: str, name: str, timezone: str, dry_run: bool, as_json: bool
) -> None:
    """Create a site with default settings (change them with `settings set`).

    \b
    Example:
      kiosk admin sites create ACME-LYON --name "Restaurant ACME Lyon"
    """
    try:
        new = SiteSettings(site_code=code, site_name=name, timezone=timezone)
    except ValidationError as exc:
        raise click.ClickException(_explain(exc)) from exc
    _check_timezone(new.timezone)
    if not dry_run:
        with client(ctx) as admin:
            admin.create_site(new)
    if as_json:
        print_json({"dry_run": dry_run, "site": new})
    else:
        click.echo(f"{'would create' if dry_run else 'created'} site {code}")


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.ClickException(f"timezone: unknown time zone {name!r}") from exc


@sites.command("list")
@json_option
@click.pass_context
def list_sites(ctx: click.Context, as_json: bool) -> None:
    """Every site of the hub.

    \b
    Example:
      kiosk admin sites list
    """
    with client(ctx) as admin:
        found = admin.sites()
    if as_json:
        print_json(found)
        return
    rows = [[s.site_code, s.site_name, s.timezone] for s in found]
    table("sites", ["code", "name", "time zone"], rows)


@sites.command("show")
@site_option
@json_option
@click.pass_context
def show(ctx: click.Context, site: str | None, as_json: bool) -> None:
    """The site's settings, its terminals and its live menu version.

    \b
    Example:
      kiosk admin sites show --site ACME-LYON
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        found = admin.site(code)
        terminals = admin.terminals(code)
        versions = admin.menu_versions(code)
        cashiers = admin.cashiers(code)
    live = next((v.version for v in versions if v.state == "active"), None)
    if as_json:
        print_json(
            {
                "settings": found,
                "terminals": len(terminals),
                "menu_version": live,
                "cashiers": len(cashiers),
            }
        )
        return
    rows = [[key, value] for key, value in found.model_dump(mode="json").items()]
    rows += [
        ["terminals", len(terminals)],
        ["menu version", live or "none: `kiosk admin menu publish`"],
        ["cashiers", len(cashiers) or "none: `kiosk admin cashiers add`"],
    ]
    table(f"site {code}", ["setting", "value"], rows)


@sites.group("settings")
def settings_group() -> None:
    """Read and change a site's settings (validated before anything is sent).

    \b
    Example:
      kiosk admin sites settings get --site ACME-LYON
      kiosk admin sites settings set --site ACME-LYON offline_after_s=600
    """


@settings_group.command("get")
@click.argument("key", required=False)
@site_option
@json_option
@click.pass_context
def get(ctx: click.Context, key: str | None, site: str | None, as_json: bool) -> None:
    """All settings, or one.

    \b
    Example:
      kiosk admin sites settings get offline_daily_cap --site ACME-LYON
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        values = admin.site(code).model_dump(mode="json")
    if key is not None and key not in values:
        raise click.ClickException(f"{key}: unknown setting ({', '.join(values)})")
    chosen = values if key is None else {key: values[key]}
    if as_json:
        print_json(chosen)
    else:
        for name, value in chosen.items():
            click.echo(f"{name} = {json.dumps(value, ensure_ascii=False)}")


def _parse(assignment: str) -> tuple[str, Any]:
    if "=" not in assignment:
        raise click.UsageError(f"{assignment!r}: write KEY=VALUE")
    key, text = assignment.split("=", 1)
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError:
        value = text  # a bare word is a string
    return key.strip(), value


@settings_group.command("set")
@click.argument("assignments", nargs=-1, required=True)
@site_option
@dry_run_option
@json_option
@click.pass_context
def set_(
    ctx: click.Context, assignments: tuple[str, ...], site: str | None, dry_run: bool, as_json: bool
) -> None:
    """Change settings: KEY=VALUE ... (numbers as numbers; cents and seconds).

    \b
    Example:
      kiosk admin sites settings set --site ACME-LYON offline_daily_cap=2000 max_amount=30000
    """
    code = site_of(ctx, site)
    changes = dict(_parse(a) for a in assignments)
    if "site_code" in changes:
        raise click.ClickException("site_code cannot be changed")
    with client(ctx) as admin:
        current = admin.site(code)
        try:
            new = SiteSettings.model_validate(
                {**current.model_dump(mode="json"), **changes}, strict=False
            )
        except ValidationError as exc:
            raise click.ClickException(_explain(exc)) from exc
        for key, value in changes.items():
            if type(value) is not type(getattr(new, key)):
                raise click.ClickException(f"{key}: expected {type(getattr(new, key)).__name__}")
        if "timezone" in changes:
            _check_timezone(new.timezone)
        if not dry_run:
            admin.put_settings(new)
    before, after = current.model_dump(mode="json"), new.model_dump(mode="json")
    diff = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if as_json:
        print_json({"dry_run": dry_run, "changed": diff})
        return
    for key, (old, value) in diff.items():
        click.echo(f"{key}: {old} -> {value}")
    click.echo(("would change" if dry_run else "changed") + f" {len(diff)} setting(s) of {code}")
