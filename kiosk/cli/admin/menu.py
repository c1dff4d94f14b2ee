"""``kiosk admin menu``: publish a site file's menu as a new version, list versions,
roll back. A file's error names its line and key; publishing shows what changes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import click

from kiosk.cli.admin.common import (
    client,
    dry_run_option,
    json_option,
    print_json,
    site_of,
    site_option,
    table,
)
from kiosk.configfile import ConfigError
from kiosk.engine.trays import menu_document
from kiosk.sitefile import load_site_file

_TOKEN = re.compile(r"[^.\[\]]+|\[\d+\]")
_ARRAY = re.compile(r"^\[\[\s*([^\]]+?)\s*\]\]")
_TABLE = re.compile(r"^\[\s*([^\]]+?)\s*\]")


def toml_line(text: str, key: str) -> int | None:
    """The line of ``text`` that holds ``key`` (``menu.items[3].price``), or the line of
    the table that should hold it; None when nothing matches."""
    path = tuple(_TOKEN.findall(key))
    lines = text.splitlines()
    headers: list[tuple[int, tuple[str, ...]]] = []
    counts: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if found := _ARRAY.match(stripped):
            name = found.group(1)
            index = counts.get(name, 0)
            counts[name] = index + 1
            headers.append((number, (*name.split("."), f"[{index}]")))
        elif found := _TABLE.match(stripped):
            headers.append((number, tuple(found.group(1).split("."))))
    start, best = 0, tuple[str, ...]()
    for number, header in headers:
        if path[: len(header)] == header and len(header) > len(best):
            start, best = number, header
    end = next((n for n, _ in headers if n > start), len(lines) + 1)
    rest = path[len(best) :]
    if rest and not rest[0].startswith("["):
        pattern = re.compile(rf"^\s*{re.escape(rest[0])}\s*=")
        for number in range(start + 1, end):
            if pattern.match(lines[number - 1]):
                return number
    return start or None


def load_menu(path: Path) -> dict[str, Any]:
    """The menu of a site file as the hub takes it; a ClickException naming the line."""
    try:
        return menu_document(load_site_file(path).menu)
    except ConfigError as exc:
        line = None
        if exc.key:
            try:
                line = toml_line(path.read_text(encoding="utf-8"), exc.key)
            except OSError:
                line = None
        where = f"{exc.path}:{line}" if line else exc.path
        key = f" {exc.key}:" if exc.key else ""
        raise click.ClickException(f"{where}:{key} {exc.reason}") from exc


def menu_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What publishing ``new`` over ``old`` changes, one line each (``+``, ``-``, ``~``)."""
    if old is None:
        return [f"+ {len(v)} {k}" for k, v in new.items() if isinstance(v, list)] or ["+ menu"]
    changes: list[str] = []
    for section in sorted(set(old) | set(new)):
        before, after = old.get(section), new.get(section)
        if before == after:
            continue
        if _by_id(before) is not None and _by_id(after) is not None:
            was, now = _by_id(before) or {}, _by_id(after) or {}
            noun = section.rstrip("s")
            changes += [f"+ {noun} {key}" for key in now if key not in was]
            changes += [f"- {noun} {key}" for key in was if key not in now]
            for key in now:
                if key in was and was[key] != now[key]:
                    fields = sorted(set(was[key]) | set(now[key]))
                    what = ", ".join(
                        f"{f} {_short(was[key].get(f))} -> {_short(now[key].get(f))}"
                        for f in fields
                        if was[key].get(f) != now[key].get(f)
                    )
                    changes.append(f"~ {noun} {key}: {what}")
        else:
            changes.append(f"~ {section}: {_short(before)} -> {_short(after)}")
    return changes


def _by_id(value: Any) -> dict[str, dict[str, Any]] | None:
    if isinstance(value, list) and all(isinstance(v, dict) and "id" in v for v in value):
        return {str(v["id"]): v for v in value}
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@click.group()
def menu() -> None:
    """The site's menu: publish a site file, list versions, roll back.

    \b
    Example:
      kiosk admin menu publish site.toml --site ACME-LYON
      kiosk admin menu versions --site ACME-LYON
      kiosk admin menu rollback --site ACME-LYON
    """


@menu.command("publish")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@site_option
@click.option(
    "--effective",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Day it goes live on the tills, site time (default: today, at once).",
)
@click.option("--note", default="", help="Why (kept with the version).")
@dry_run_option
@json_option
@click.pass_context
def publish(
    ctx: click.Context,
    *,
    file: Path,
    site: str | None,
    effective: Any,
    note: str,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Validate the [menu] of a site file, show what changes against the published menu,
    and publish it as a new version (tills get it at their next sync on or after the
    effective day). The file's [site] table is not sent: see `sites settings set`.

    \b
    Example:
      kiosk admin menu publish config/example-site.toml --site ACME-LYON
      kiosk admin menu publish site.toml --effective 2026-12-07 --note "winter menu"
    """
    code = site_of(ctx, site)
    new = load_menu(file)
    day: date | None = effective.date() if effective is not None else None
    with client(ctx) as admin:
        live = admin.live_menu(code)
        changes = menu_diff(live, new)
        version = None
        if changes and not dry_run:
            version = admin.publish_menu(code, new, effective=day, note=note)
    if as_json:
        print_json({"dry_run": dry_run, "changes": changes, "version": version})
        return
    for line in changes:
        click.echo(line)
    if not changes:
        click.echo(f"the menu is the one published on {code}: nothing to publish")
    elif version is None:
        click.echo(f"would publish {len(changes)} change(s) to {code} (dry run)")
    else:
        click.echo(
            f"published menu version {version.version} of {code}, "
            f"effective {version.effective} ({version.state})"
        )


@menu.command("versions")
@site_option
@json_option
@click.pass_context
def versions(ctx: click.Context, site: str | None, as_json: bool) -> None:
    """Every published version, its effective day and state (active, scheduled, past).

    \b
    Example:
      kiosk admin menu versions --site ACME-LYON
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        found = admin.menu_versions(code)
    if as_json:
        print_json(found)
        return
    rows = [[v.version, v.effective, v.state, v.published_at, v.note] for v in found]
    table(f"menu versions of {code}", ["version", "effective", "state", "published", "note"], rows)


@menu.command("rollback")
@site_option
@click.option("--to", "to_version", type=click.IntRange(1), default=None, help="Version number.")
@dry_run_option
@json_option
@click.pass_context
def rollback(
    ctx: click.Context, site: str | None, to_version: int | None, dry_run: bool, as_json: bool
) -> None:
    """Put an earlier version live again, today (default: the one before the live one).
    It is published as a new version, so the history stays whole.

    \b
    Example:
      kiosk admin menu rollback --site ACME-LYON --to 3
    """
    code = site_of(ctx, site)
    with client(ctx) as admin:
        found = admin.menu_versions(code)
        live = next((v.version for v in found if v.state == "active"), None)
        target = to_version
        if target is None:
            earlier = [
                v.version
                for v in found
                if live is not None and v.version < live and v.state != "scheduled"
            ]
            if not earlier:
                raise click.ClickException("no earlier menu version to roll back to")
            target = earlier[-1]
        changes = menu_diff(admin.live_menu(code), admin.menu_version(code, target))
        version = None if dry_run else admin.rollback_menu(code, target)
    if as_json:
        print_json({"dry_run": dry_run, "to": target, "changes": changes, "version": version})
        return
    for line in changes:
        click.echo(line)
    if version is None:
        click.echo(f"would put version {target} live again (dry run)")
    else:
        click.echo(f"version {target} is live again as version {version.version}")
