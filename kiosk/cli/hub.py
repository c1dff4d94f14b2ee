"""``kiosk hub``: run the reference hub, and a few admin helpers on its database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from kiosk.hubconfig import HubConfig
    from sync.server import Hub


def _db_from_config(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    """``--db``, else the data folder of ``kiosk hub --config hub.toml``."""
    if value is not None:
        return value
    config = ctx.find_object(HubConfigHolder)
    if config is None or config.config is None:
        raise click.UsageError("give --db FILE, or kiosk hub --config hub.toml ...")
    return config.config.db


db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    callback=_db_from_config,
    help="The hub's SQLite file (created if absent; its key sits beside it). "
    "Default: the data folder of --config.",
)


class HubConfigHolder:
    """The group's hub.toml, for its sub-commands."""

    def __init__(self, config: HubConfig | None) -> None:
        self.config = config


def _load_config(path: Path | None) -> HubConfig | None:
    if path is None:
        return None
    from kiosk.configfile import ConfigError
    from kiosk.hubconfig import load_hub_config

    try:
        return load_hub_config(path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def _opened(db: Path) -> Iterator[Hub]:
    """The hub service on ``db``, closed after; a hub error is a clean CLI error."""
    from sync.server import HubError, open_hub

    try:
        service = open_hub(db)
    except HubError as exc:
        raise click.ClickException(exc.detail) from exc
    try:
        yield service
    except HubError as exc:
        raise click.ClickException(exc.detail) from exc
    finally:
        service.storage.close()


@click.group(invoke_without_command=True)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="KIOSK_HUB_CONFIG",
    default=None,
    help="hub.toml (data folder, listen address, TLS); flags win over it.",
)
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--host", default=None, help="Default 127.0.0.1 (or hub.toml's listen).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default 8700.")
@click.pass_context
def hub(
    ctx: click.Context,
    *,
    config_file: Path | None,
    db: Path | None,
    host: str | None,
    port: int | None,
) -> None:
    """Serve the hub (sync API and admin API) in the foreground.

    Create an admin token first with ``kiosk hub admin-token``.

    \b
    Example:
      kiosk hub --config /etc/kiosk-hub/hub.toml
      kiosk hub --db var/hub/hub.db --host 127.0.0.1 --port 8700
    """
    config = _load_config(config_file)
    ctx.obj = HubConfigHolder(config)
    if ctx.invoked_subcommand is not None:
        return
    if config is not None:
        db, host, port = db or config.db, host or config.host, port or config.port
        if (warning := config.warning()) is not None:
            click.echo(f"warning: {warning}", err=True)
    if db is None:
        raise click.UsageError("--db (or --config hub.toml) is required to serve the hub")
    host, port = host or "127.0.0.1", port or 8700
    from sync.server import serve

    with _opened(db) as service:
        click.echo(f"hub on http://{host}:{port} (database {db})", err=True)
        serve(service, host=host, port=port)


@hub.command("admin-token")
@db_option
@click.option("--label", default="admin", show_default=True)
def admin_token(db: Path, label: str) -> None:
    """Create an admin token (printed once; the hub keeps only its hash).

    \b
    Example:
      kiosk hub admin-token --db var/hub/hub.db --label back-office
    """
    with _opened(db) as service:
        click.echo(service.create_admin_token(label))


@hub.command("site")
@db_option
@click.argument("code")
@click.option("--name", default="", help="The site's display name.")
def site(db: Path, code: str, name: str) -> None:
    """Create a site (code solution) with default settings.

    \b
    Example:
      kiosk hub site --db var/hub/hub.db CANT01 --name "Cantine Lumière"
    """
    from pydantic import ValidationError

    from sync.protocol.rows import SiteSettings

    with _opened(db) as service:
        try:
            service.create_site(SiteSettings(site_code=code, site_name=name))
        except ValidationError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"site {code} created")


@hub.command("enrolment-token")
@db_option
@click.option("--site", "site_code", required=True, help="Site code the terminal joins.")
@click.option("--ttl", type=click.IntRange(60), default=86_400, show_default=True, help="Seconds.")
def enrolment_token(db: Path, site_code: str, ttl: int) -> None:
    """Create a one-time enrolment token for a new terminal of a site.

    \b
    Example:
      kiosk hub enrolment-token --db var/hub/hub.db --site CANT01
    """
    with _opened(db) as service:
        token, expires = service.create_enrolment_token(site_code, timedelta(seconds=ttl))
    click.echo(token)
    click.echo(f"valid until {expires.isoformat(timespec='seconds')}", err=True)
