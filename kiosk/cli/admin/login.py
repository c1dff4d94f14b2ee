"""``kiosk admin login`` and ``logout``: where the hub is, and the admin token."""

from __future__ import annotations

import click

from kiosk.cli.admin.common import (
    Settings,
    config_path,
    read_config,
    read_secret,
    settings,
    write_config,
)
from sync.admin_client import AdminClient, AdminError


@click.command()
@click.option("--url", default=None, help="The hub's address, e.g. https://hub:8700.")
@click.option("--site", default=None, help="Default site for the other commands.")
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    default=None,
    help="Trust this private CA's certificate (a hub behind an internal TLS proxy).",
)
@click.pass_context
def login(ctx: click.Context, url: str | None, site: str | None, ca_file: str | None) -> None:
    """Check an admin token against the hub and keep it (with the URL and a default
    site) in ~/.config/kiosk/admin.toml, mode 0600.

    The token is asked for at a hidden prompt, or read from standard input when it is
    a pipe; it is never an argument. `kiosk hub admin-token` makes one on the hub.

    \b
    Example:
      kiosk admin login --url http://127.0.0.1:8700 --site ACME-LYON
      kiosk hub admin-token --config /etc/kiosk-hub/hub.toml | \\
          kiosk admin login --url http://127.0.0.1:8700 --site ACME-LYON
    """
    path = config_path()
    stored = read_config(path)
    url = url or settings(ctx).url or stored.get("url")
    if not url:
        raise click.UsageError("give the hub's address: kiosk admin login --url http://hub:8700")
    token = read_secret("Admin token")
    if not token:
        raise click.ClickException("no token given")
    ca_file = ca_file or stored.get("ca_file")
    try:
        with AdminClient(url, token, timeout=10, ca_file=ca_file) as admin:
            known = admin.sites()
    except AdminError as exc:
        raise click.ClickException(f"{url}: {exc.detail}") from exc
    codes = [s.site_code for s in known]
    chosen = site or stored.get("site", "")
    if site and site not in codes:
        click.echo(f"note: site {site} does not exist yet (`kiosk admin sites create {site}`)")
    write_config(path, {"url": url, "token": token, "site": chosen, "ca_file": ca_file or ""})
    ctx.obj = Settings(url=url, site=chosen, token=token)
    click.echo(f"logged in to {url}" + (f", site {chosen}" if chosen else "") + f" ({path})")


@click.command()
def logout() -> None:
    """Forget the admin token (delete the login file).

    \b
    Example:
      kiosk admin logout
    """
    path = config_path()
    if path.exists():
        path.unlink()
        click.echo(f"removed {path}")
    else:
        click.echo("not logged in")
