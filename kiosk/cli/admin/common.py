"""What every ``kiosk admin`` command shares: where the hub and its token come from,
the client, ``--json`` / ``--dry-run`` options and output.

Precedence (highest first): ``--url`` / ``--site`` flags, then the environment
(``KIOSK_ADMIN_URL``, ``KIOSK_ADMIN_TOKEN``, ``KIOSK_ADMIN_SITE``,
``KIOSK_ADMIN_CA_FILE``), then the file
``kiosk admin login`` writes (mode 0600): ``$KIOSK_ADMIN_CONFIG``, else
``$XDG_CONFIG_HOME/kiosk/admin.toml``, else ``~/.config/kiosk/admin.toml``. The token is
never taken from the command line, so it stays out of shell history and ``ps``.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from sync.admin_client import AdminClient, AdminError

F = TypeVar("F", bound=Callable[..., Any])
console = Console()
err_console = Console(stderr=True)


def config_path() -> Path:
    explicit = os.environ.get("KIOSK_ADMIN_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kiosk" / "admin.toml"


def read_config(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    if path.stat().st_mode & 0o077:
        raise click.ClickException(
            f"{path}: readable by others (it holds the admin token): chmod 600 {path}"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read: {exc}") from exc
    unknown = sorted(set(data) - {"url", "token", "site", "ca_file"})
    if unknown:
        raise click.ClickException(f"{path}: {unknown[0]}: unknown key")
    return {k: str(v) for k, v in data.items()}


def write_config(path: Path, values: dict[str, str]) -> None:
    """Write the file with mode 0600 from the start (never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items() if value)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


@dataclass
class Settings:
    url: str | None
    site: str | None
    token: str | None
    ca_file: str | None = None

    @classmethod
    def resolve(cls, url: str | None, site: str | None) -> Settings:
        stored = read_config(config_path())
        return cls(
            url=url or os.environ.get("KIOSK_ADMIN_URL") or stored.get("url"),
            site=site or os.environ.get("KIOSK_ADMIN_SITE") or stored.get("site"),
            token=os.environ.get("KIOSK_ADMIN_TOKEN") or stored.get("token"),
            ca_file=os.environ.get("KIOSK_ADMIN_CA_FILE") or stored.get("ca_file"),
        )


def settings(ctx: click.Context) -> Settings:
    root = ctx.find_object(Settings)
    if root is None:  # a sub-command invoked on its own (tests)
        root = Settings.resolve(None, None)
    return root


def site_of(ctx: click.Context, site: str | None) -> str:
    chosen = site or settings(ctx).site
    if not chosen:
        raise click.UsageError(
            "which site? give --site CODE, set KIOSK_ADMIN_SITE, or `kiosk admin login --site`"
        )
    return chosen


@contextmanager
def client(ctx: click.Context) -> Iterator[AdminClient]:
    """The admin client; a hub refusal becomes one clean line, exit code 1."""
    found = settings(ctx)
    if not found.url or not found.token:
        raise click.ClickException(
            "no hub: run `kiosk admin login --url https://hub:8700` "
            "(or set KIOSK_ADMIN_URL and KIOSK_ADMIN_TOKEN)"
        )
    try:
        with AdminClient(found.url, found.token, ca_file=found.ca_file) as admin:
            yield admin
    except AdminError as exc:
        if exc.status == 0:
            raise click.ClickException(f"{exc} (is the hub running? check --url)") from exc
        if exc.status == 401:
            raise click.ClickException(
                f"the hub refused the admin token: {exc.detail} (run `kiosk admin login` again)"
            ) from exc
        raise click.ClickException(exc.detail) from exc


site_option = click.option(
    "--site", "site", default=None, help="Site code (default: KIOSK_ADMIN_SITE or the login's)."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Check and show what would change; change nothing."
)


def plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def print_json(value: Any) -> None:
    click.echo(json.dumps(plain(value), indent=2, ensure_ascii=False))


def table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(grid)


def euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d} €"


def read_secret(prompt: str, *, confirm: bool = False) -> str:
    """A secret typed at a hidden prompt, or read from stdin when it is a pipe."""
    if not sys.stdin.isatty():
        first = sys.stdin.readline().strip()
        if confirm:
            again = sys.stdin.readline().strip()
            if again and again != first:
                raise click.ClickException("the two entries differ")
        return first
    value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value.strip()
