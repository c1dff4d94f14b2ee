"""``kiosk hub``: run the reference hub, and a few admin helpers on its database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sync.server.limits import HubLimits, Rate, RateLimits

if TYPE_CHECKING:
    from kiosk.hubconfig import HubConfig
    from sync.server import Hub


def _db_from_config(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | str:
    """``--db``, else ``kiosk hub --database URL``, else the database of
    ``kiosk hub --config hub.toml``."""
    if value is not None:
        return value
    holder = ctx.find_object(HubConfigHolder)
    if holder is not None and holder.database is not None:
        return holder.database
    if holder is None or holder.config is None:
        raise click.UsageError(
            "give --db FILE, or kiosk hub --database URL (or --config hub.toml) ..."
        )
    return holder.config.db


db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    callback=_db_from_config,
    help="The hub's SQLite file (created if absent; its key sits beside it). "
    "Default: the data folder of --config.",
)


class HubConfigHolder:
    """The group's hub.toml, ``--database`` and ``--key``, for its sub-commands."""

    def __init__(
        self, config: HubConfig | None, database: str | None = None, key: Path | None = None
    ) -> None:
        self.config = config
        self.database = database
        self.key = key if key is not None or config is None else config.key


def _key(db: Path | str) -> Path | None:
    """The key file for ``db``: the group's ``--key`` or hub.toml's (None: beside a
    SQLite file)."""
    holder = click.get_current_context().find_object(HubConfigHolder)
    key = holder.key if holder is not None else None
    if key is None and isinstance(db, str):
        raise click.UsageError("a hub on PostgreSQL needs --key FILE (or hub.toml's data)")
    return key


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
def _opened(db: Path | str, rates: RateLimits | None = None) -> Iterator[Hub]:
    """The hub service on ``db``, closed after; a hub error is a clean CLI error."""
    from sync.server import HubError, open_hub

    try:
        service = open_hub(db, key=_key(db), rates=rates)
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
@click.option(
    "--database",
    envvar="KIOSK_HUB_DATABASE",
    default=None,
    help="A PostgreSQL database instead of a SQLite file: postgresql://user@host/name "
    "(the password in ~/.pgpass or $PGPASSWORD, not here).",
)
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The hub's signing key (created if absent). Default: beside the SQLite file, "
    "or hub.toml's data folder; every process of a hub must use the same key.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="HTTP worker processes sharing the port (default 1, or hub.toml's).",
)
@click.option("--host", default=None, help="Default 127.0.0.1 (or hub.toml's listen).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default 8700.")
@click.option(
    "--max-connections",
    type=click.IntRange(16),
    default=HubLimits.max_connections,
    show_default=True,
    help="Open connections at most (lowered to fit the open-file limit).",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(0.1),
    default=HubLimits.header_timeout_s,
    show_default=True,
    help="Seconds a client has to send its request headers.",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0.1),
    default=HubLimits.body_timeout_s,
    show_default=True,
    help="Seconds a client has to send a request body, once its headers arrived.",
)
@click.option(
    "--enrol-rate",
    type=click.IntRange(1),
    default=RateLimits.enrol.per_minute,
    show_default=True,
    help="Enrolment attempts a minute per site (twice that at once).",
)
@click.option(
    "--admin-write-rate",
    type=click.IntRange(1),
    default=RateLimits.admin_writes.per_minute,
    show_default=True,
    help="Admin writes a minute per admin token (half that at once).",
)
@click.pass_context
def hub(
    ctx: click.Context,
    *,
    config_file: Path | None,
    db: Path | None,
    database: str | None,
    key: Path | None,
    workers: int | None,
    host: str | None,
    port: int | None,
    max_connections: int,
    header_timeout: float,
    body_timeout: float,
    enrol_rate: int,
    admin_write_rate: int,
) -> None:
    """Serve the hub (sync API and admin API) in the foreground.

    Create an admin token first with ``kiosk hub token create``.

    \b
    Example:
      kiosk hub --config /etc/kiosk-hub/hub.toml
      kiosk hub --db var/hub/hub.db --host 127.0.0.1 --port 8700
      kiosk hub --database postgresql://hub@db/hub --key /etc/kiosk-hub/hub.key --workers 4
    """
    if db is not None and database is not None:
        raise click.UsageError("give --db FILE or --database URL, not both")
    from sync.server import is_postgresql

    if database is not None and not is_postgresql(database):
        raise click.UsageError(f"--database must be a postgresql:// URL, not {database!r}")
    config = _load_config(config_file)
    ctx.obj = HubConfigHolder(config, database, key)
    if ctx.invoked_subcommand is not None:
        return
    target: Path | str | None = db if db is not None else database
    if config is not None:
        target, host, port = target or config.db, host or config.host, port or config.port
        workers = workers or config.workers
        if (warning := config.warning()) is not None:
            click.echo(f"warning: {warning}", err=True)
    if target is None:
        raise click.UsageError(
            "--db or --database (or --config hub.toml) is required to serve the hub"
        )
    host, port, workers = host or "127.0.0.1", port or 8700, workers or 1
    from sync.server import HubOpener, serve, serve_workers
    from sync.server.limits import raise_open_file_limit
    from sync.server.pg_base import redacted

    limits = HubLimits(
        max_connections=max_connections,
        header_timeout_s=header_timeout,
        body_timeout_s=body_timeout,
    )
    rates = RateLimits(
        enrol=Rate(enrol_rate, burst=2 * enrol_rate),
        admin_writes=Rate(admin_write_rate, burst=max(1, admin_write_rate // 2)),
    )
    raise_open_file_limit()
    shown = redacted(target) if isinstance(target, str) else target
    with _opened(target, rates) as service:  # migrates, and checks that it opens
        if workers == 1:
            click.echo(
                f"hub on http://{host}:{port} (database {shown}, "
                f"at most {limits.connection_bound()} connections)",
                err=True,
            )
            serve(service, host=host, port=port, limits=limits)
            return
    click.echo(
        f"hub on http://{host}:{port} (database {shown}, {workers} workers, "
        f"at most {limits.connection_bound()} connections each)",
        err=True,
    )
    opener = HubOpener(target, _key(target), rates)
    serve_workers(opener, workers, host=host, port=port, limits=limits)


@hub.command("admin-token")
@db_option
@click.option("--label", default="admin", show_default=True)
def admin_token(db: Path, label: str) -> None:
    """Create an admin token (the same as ``kiosk hub token create``).

    \b
    Example:
      kiosk hub admin-token --db var/hub/hub.db --label back-office
    """
    with _opened(db) as service:
        click.echo(service.create_admin_token(label))


@hub.group("token")
def token() -> None:
    """List, create and revoke admin tokens (the hub keeps only their hashes).

    \b
    Example:
      kiosk hub token list --db var/hub/hub.db
    """


@token.command("list")
@db_option
def token_list(db: Path) -> None:
    """List admin tokens: id, created, revoked, label (never the tokens themselves).

    \b
    Example:
      kiosk hub token list --db var/hub/hub.db
    """
    with _opened(db) as service:
        records = service.list_admin_tokens()
    for r in records:
        state = f"revoked {r.revoked_at}" if r.revoked_at else "active"
        click.echo(f"{r.id}  {r.created_at}  {state}  {r.label}")
    if not records:
        click.echo("no admin tokens", err=True)


@token.command("create")
@db_option
@click.option("--label", default="admin", show_default=True, help="Who or what holds it.")
def token_create(db: Path, label: str) -> None:
    """Create an admin token: printed once on stdout, its id on stderr.

    \b
    Example:
      kiosk hub token create --db var/hub/hub.db --label back-office
    """
    from sync.server.service import admin_token_id

    with _opened(db) as service:
        new = service.create_admin_token(label)
    click.echo(new)
    click.echo(f"admin token {admin_token_id(new)} ({label}) created", err=True)


@token.command("revoke")
@db_option
@click.argument("token_id")
def token_revoke(db: Path, token_id: str) -> None:
    """Revoke an admin token by its id (see ``kiosk hub token list``); at once for
    every hub process on this database.

    \b
    Example:
      kiosk hub token revoke --db var/hub/hub.db 3f9c0a1b2c4d
    """
    with _opened(db) as service:
        service.revoke_admin_token(token_id)
    click.echo(f"admin token {token_id} revoked")


@hub.command("site")
@db_option
@click.argument("code")
@click.option("--name", default="", help="The site's display name.")
def site(db: Path, code: str, name: str) -> None:
    """Create a site, named by its site code, with default settings.

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
