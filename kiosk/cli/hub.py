"""``kiosk hub``: run the reference hub, and a few admin helpers on its database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sync.server.limits import HubLimits

if TYPE_CHECKING:
    from sync.server import Hub

db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The hub's SQLite file (created if absent; its key sits beside it).",
)


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
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8700, show_default=True)
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
@click.pass_context
def hub(
    ctx: click.Context,
    *,
    db: Path | None,
    host: str,
    port: int,
    max_connections: int,
    header_timeout: float,
    body_timeout: float,
) -> None:
    """Serve the hub (sync API and admin API) in the foreground.

    Create an admin token first with ``kiosk hub token create``.

    \b
    Example:
      kiosk hub --db var/hub/hub.db --host 127.0.0.1 --port 8700
    """
    if ctx.invoked_subcommand is not None:
        return
    if db is None:
        raise click.UsageError("--db is required to serve the hub")
    from sync.server import serve
    from sync.server.limits import raise_open_file_limit

    limits = HubLimits(
        max_connections=max_connections,
        header_timeout_s=header_timeout,
        body_timeout_s=body_timeout,
    )
    raise_open_file_limit()
    with _opened(db) as service:
        click.echo(
            f"hub on http://{host}:{port} (database {db}, "
            f"at most {limits.connection_bound()} connections)",
            err=True,
        )
        serve(service, host=host, port=port, limits=limits)


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
