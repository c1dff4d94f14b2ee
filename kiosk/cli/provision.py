"""``kiosk provision``: enrol this terminal with a hub and take its first snapshot.

A thin layer over ``kiosk.provision``: it asks for what is missing (unless ``--yes``),
shows a progress bar while pulling and prints what was done.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from kiosk.cli.options import data_option
from kiosk.config import Mode
from kiosk.datadir import DataDir

if TYPE_CHECKING:
    from sync.protocol.messages import PageHead

PROMPTS = {
    "hub_url": ("Hub address (e.g. https://hub.example.internal:8700)", False),
    "site_code": ("Site code (e.g. ACME-LYON)", False),
    "token": ("One-time enrolment token", True),
}


@click.command()
@data_option
@click.option("--hub", "hub_url", default=None, help="The hub's URL, e.g. https://hub:8700.")
@click.option("--site", "site_code", default=None, help="Site code, e.g. ACME-LYON.")
@click.option("--token", default=None, help="One-time enrolment token from the back office.")
@click.option("--name", default="", help="A label for this terminal, e.g. 'borne 2'.")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=None,
    help="till (cashier) or kiosk (self-service); default: keep, else till.",
)
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Trust this CA for the hub's TLS certificate (a private CA).",
)
@click.option("--re-enrol", is_flag=True, help="Enrol again although already enrolled.")
@click.option("--force", is_flag=True, help="Go on although the clock is more than 90 s off.")
@click.option("-y", "--yes", is_flag=True, help="Ask nothing: fail when a value is missing.")
def provision(
    *,
    data_dir: str | None,
    hub_url: str | None,
    site_code: str | None,
    token: str | None,
    name: str,
    mode: str | None,
    ca_file: Path | None,
    re_enrol: bool,
    force: bool,
    yes: bool,
) -> None:
    """Enrol this terminal with the hub, write its config and pull the first snapshot.

    Creates the signing key (mode 0600) and the store, enrols with the one-time token,
    writes terminal.toml and sync.toml (0600), checks the clock against the hub (a
    warning above 30 s, a refusal above 90 s unless --force) and pulls the accounts,
    badges and menu. Values not given are asked for. Running it again is safe: it
    re-checks, pulls what changed and says what it changed.

    \b
    Example:
      kiosk provision --data /var/lib/kiosk --hub https://hub:8700 \\
          --site ACME-LYON --token enr_...
    """
    from kiosk.provision import ProvisionError, Request, missing
    from kiosk.provision import provision as run

    console = Console()
    data = DataDir.resolve(data_dir)
    values: dict[str, str] = {}
    request = Request(
        hub_url=hub_url,
        site_code=site_code,
        token=token,
        name=name,
        mode=Mode(mode) if mode else None,
        ca_file=ca_file,
        re_enrol=re_enrol,
        force=force,
    )
    try:
        needed = missing(data, request)
    except ProvisionError as exc:
        raise click.ClickException(f"{exc} (fix: {exc.fix})") from exc
    if needed and not yes:
        for field in needed:
            text, secret = PROMPTS[field]
            values[field] = click.prompt(text, hide_input=secret).strip()
        request = replace(request, **values)  # type: ignore[arg-type]
    if re_enrol and not yes:
        click.confirm(
            "Enrolling again gives this terminal a new identity on the hub. Go on?",
            abort=True,
        )

    with Progress(
        SpinnerColumn(),
        TextColumn("pulling from the hub"),
        BarColumn(),
        TextColumn("{task.completed} rows, {task.fields[pages]} pages"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("pull", total=None, pages=0)

        def on_page(page: PageHead) -> None:
            rows = page.rows()
            pages = bar.tasks[0].fields["pages"] + 1
            bar.update(task, advance=rows, pages=pages)
            if not page.more:
                bar.update(task, total=bar.tasks[0].completed)

        try:
            report = run(data, request, on_page=on_page)
        except ProvisionError as exc:
            bar.stop()
            raise click.ClickException(f"{exc} (fix: {exc.fix})") from exc

    skew = report.skew.total_seconds()
    console.print(
        f"terminal [bold]{report.terminal_id}[/] on site [bold]{report.site_code}[/], "
        f"hub {report.hub_url}, clock {skew:+.1f} s from the hub's",
        highlight=False,
    )
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if not report.changes:
        console.print("nothing to change", highlight=False)
        return
    console.print("changed:", highlight=False)
    for change in report.changes:
        console.print(f"  - {change}", highlight=False)
