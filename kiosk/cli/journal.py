"""``kiosk journal``: verify and export the signed journal."""

from __future__ import annotations

import json
import sys
from typing import TextIO

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from kiosk.cli.options import data_option
from kiosk.configfile import ConfigError
from kiosk.datadir import DataDir
from kiosk.engine.errors import EngineError


@click.group()
def journal() -> None:
    """Check, export and archive the terminal's signed journal."""


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


@journal.command()
@data_option
def recover(data_dir: str | None) -> None:
    """Get back from the hub the entries this store lost, then let selling resume.

    For a store restored from an older copy, or that lost its newest entries: the
    hub's copy of this terminal's entries is checked with the terminal's own key and
    chain before it is appended; entries written here after the loss are signed
    again after them, so that no sale is lost. Then one sync cycle pushes them.

    \b
    Example:
      kiosk journal recover --data /var/lib/kiosk
    """
    from kiosk.engine.keys import terminal_key
    from kiosk.engine.recovery import HubJournal
    from kiosk.engine.recovery import recover as recover_journal
    from kiosk.provision import hub_client, load_sync_config, sync_daemon
    from sync.client import SyncError
    from sync.daemon import exclusive

    data = DataDir.resolve(data_dir)
    try:
        store = data.open_store()
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        key = terminal_key(data.key, store.meta("public_key"))
        terminal_id = store.terminal_id()
        config = load_sync_config(data)
        with hub_client(config) as client, exclusive(data.root / "sync.lock"):

            def fetch(since: int) -> HubJournal:
                page = client.own_journal(since)
                entries = [w.to_entry() for w in page.entries]
                return HubJournal(entries, page.applied_seq, page.last_hash, page.more)

            report = recover_journal(store, key, terminal_id, fetch)
    except (EngineError, SyncError, ConfigError) as exc:
        raise click.ClickException(f"recovery failed, nothing changed: {exc}") from exc
    finally:
        store.close()
    click.echo(
        f"recovered {report.recovered} entries from the hub (its copy ends at {report.hub_seq})"
    )
    if report.resigned:
        first, last = report.resigned[0][1], report.resigned[-1][1]
        click.echo(
            f"{len(report.resigned)} entries written here after the loss were signed again "
            f"as {first} to {last} (the originals are kept aside)"
        )
    click.echo("selling may resume")
    daemon, sync_store = sync_daemon(data, config)
    try:
        outcome = daemon.attempt()
    finally:
        daemon.client.close()
        sync_store.close()
    if isinstance(outcome, SyncError):
        click.echo(f"sync not done yet ({outcome}); the sync service will push them", err=True)
    else:
        click.echo(f"synced: {outcome.pushed} entries pushed (hub at {outcome.applied_seq})")


from kiosk.cli.journal_archive import (  # noqa: E402 - the group is defined above
    archive,
    upload_archives,
    verify_archive_command,
)

for _command in (archive, verify_archive_command, upload_archives):
    journal.add_command(_command)
