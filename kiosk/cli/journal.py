"""``kiosk journal``: verify and export the signed journal."""

from __future__ import annotations

import json
import sys
from typing import TextIO

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from kiosk.cli.options import data_option
from kiosk.datadir import DataDir
from kiosk.engine.errors import EngineError


@click.group()
def journal() -> None:
    """Check and export the terminal's signed journal."""


@journal.command()
@data_option
def verify(data_dir: str | None) -> None:
    """Check sequence, hash chain, hashes and signatures of every entry.

    Exits 1 and names the first bad entry when the journal has been altered.

    \b
    Example:
      kiosk journal verify --data /var/lib/kiosk
    """
    console = Console(stderr=True)
    try:
        engine = DataDir.resolve(data_dir).open_engine()
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    total = engine.store.last_seq()
    with Progress(
        TextColumn("verifying"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=total < 5000 or not console.is_terminal,
    ) as bar:
        task = bar.add_task("verify", total=total)
        report = engine.verify(progress=lambda n: bar.advance(task, n))
    engine.close()
    if report.ok:
        click.echo(f"journal ok: {report.checked} entries, last {report.last_seq}")
        return
    click.echo(f"journal BAD at entry {report.bad_seq}: {report.problem}", err=True)
    click.echo(f"({report.checked} entries before it are valid)", err=True)
    sys.exit(1)


@journal.command()
@data_option
@click.option("--since", type=int, default=0, show_default=True, help="Export entries after this.")
@click.option("-o", "--output", type=click.File("w"), default="-", help="File (default stdout).")
def export(data_dir: str | None, since: int, output: TextIO) -> None:
    """Write the journal as JSON lines, one signed entry per line.

    \b
    Example:
      kiosk journal export --since 1200 -o journal.jsonl
    """
    try:
        engine = DataDir.resolve(data_dir).open_engine()
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    after, count = since, 0
    while batch := engine.store.journal_after(after, 1000):
        for entry in batch:
            output.write(json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        after, count = batch[-1].seq, count + len(batch)
    engine.close()
    click.echo(f"exported {count} entries", err=True)
