"""``kiosk doctor``: check a terminal's health and say how to fix what is wrong.

A thin layer over ``kiosk.doctor``: a table of ok / warn / fail with a fix for each,
or ``--json`` for monitoring; exit code 1 when any check fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from kiosk.cli.options import config_option, data_option
from kiosk.datadir import DataDir, NotADataDir

STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red"}


@click.command()
@data_option
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list of checks.")
@click.option(
    "--hub-timeout", type=click.FloatRange(0.1, 60), default=5.0, show_default=True,
    help="Seconds to wait for the hub.",
)  # fmt: skip
@click.option(
    "--device-timeout", type=click.FloatRange(0.1, 60), default=3.0, show_default=True,
    help="Seconds to wait for each device to answer.",
)  # fmt: skip
def doctor(
    data_dir: str | None,
    config_file: Path | None,
    as_json: bool,
    hub_timeout: float,
    device_timeout: float,
) -> None:
    """Check the store, journal, disk space, pricing, clock, hub, sync lag and devices.

    Prints ok / warn / fail with the fix for each; exits 1 when any check fails.
    Works with the hub down or a broken store: those checks fail, the others run.
    A path that is no folder at all is refused in one line (nothing is created).

    \b
    Example:
      kiosk doctor --data /var/lib/kiosk
      kiosk doctor --data /var/lib/kiosk --json
    """
    from kiosk.doctor import Limits, diagnose, failed

    data = DataDir.resolve(data_dir)
    if not data.root.is_dir():  # mistyped: say so in one line, and create nothing
        try:
            data.require()
        except NotADataDir as exc:
            raise click.ClickException(str(exc)) from exc
    limits = Limits(hub_timeout_s=hub_timeout, device_timeout_s=device_timeout)
    checks = diagnose(data, config_file, limits)
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in checks], ensure_ascii=False, indent=1))
    else:
        table = Table(title="kiosk doctor", header_style="bold")
        for column in ("check", "status", "detail", "fix"):
            table.add_column(column, overflow="fold")
        for check in checks:
            status = f"[{STYLE[check.status]}]{check.status}[/]"
            table.add_row(check.name, status, check.detail, check.fix)
        Console().print(table, highlight=False)
    if failed(checks):
        sys.exit(1)
