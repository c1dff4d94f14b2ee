"""``kiosk admin``: the site's back office over the hub's admin API.

A thin layer over ``sync.admin_client.AdminClient``; each command group has its
module: ``login`` (where the hub is, the token), ``sites`` (sites and settings),
``menu`` (publish, versions, rollback), ``accounts`` (import, export, close, adjust,
badges), ``staff`` (cashiers, terminals), ``flags`` (the hub's incidents),
``reports``, ``archives`` (the terminals' signed archives) and ``orders`` (the
kitchen's list, ready, cancel). ``common`` holds what
they share (see it for the precedence of flags, environment and the login file).
"""

from __future__ import annotations

import click

from kiosk.cli.admin.accounts import accounts, badges
from kiosk.cli.admin.archives import archives
from kiosk.cli.admin.common import Settings
from kiosk.cli.admin.flags import flags
from kiosk.cli.admin.login import login, logout
from kiosk.cli.admin.menu import menu
from kiosk.cli.admin.orders import orders
from kiosk.cli.admin.reports import reports
from kiosk.cli.admin.sites import sites
from kiosk.cli.admin.staff import cashiers, terminals


@click.group()
@click.option("--url", default=None, help="The hub (default: KIOSK_ADMIN_URL or the login's).")
@click.pass_context
def admin(ctx: click.Context, url: str | None) -> None:
    """The site's back office: sites, menus, accounts, badges, cashiers, terminals,
    flags and reports, over the hub's admin API.

    Log in once (the token is asked for, or read from a pipe, and kept in a 0600 file),
    then give each command its site with --site or let the login's be used.

    \b
    Example:
      kiosk hub admin-token --config /etc/kiosk-hub/hub.toml | \\
          kiosk admin login --url http://127.0.0.1:8700 --site ACME-LYON
      kiosk admin menu publish site.toml
      kiosk admin accounts import accounts.csv
    """
    if ctx.invoked_subcommand in {"login", "logout"}:  # they must work with a broken file
        ctx.obj = Settings(url=url, site=None, token=None)
    else:
        ctx.obj = Settings.resolve(url, None)


for command in (
    login,
    logout,
    sites,
    menu,
    accounts,
    badges,
    cashiers,
    terminals,
    flags,
    reports,
    archives,
    orders,
):
    admin.add_command(command)
