"""``kiosk journal archive``, ``verify-archive`` and ``upload-archives``: the signed
archive of a closed period, written on the terminal and given to the hub, and its
check by anyone with nothing but the file (``sync.archive``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kiosk.cli.options import data_option
from kiosk.configfile import ConfigError
from kiosk.datadir import DataDir
from kiosk.engine import archive as archiving
from kiosk.engine.errors import EngineError
from kiosk.engine.ledger import Engine
from sync.archive import ArchiveError, verify_archive


def _upload_pending(data: DataDir, engine: Engine) -> None:
    """Give the hub the archives it does not hold yet; a failure is reported, the
    archives stay pending for the next try."""
    from kiosk.provision import hub_client, load_sync_config
    from sync.client import SyncError

    pending = archiving.pending_uploads(engine)
    if not pending:
        click.echo("the hub holds every archive of this terminal")
        return
    try:
        config = load_sync_config(data)
    except ConfigError as exc:
        click.echo(f"not uploaded (no hub configured: {exc})", err=True)
        return
    try:
        with hub_client(config) as client:
            if archiving.certificate(engine) is None:
                cert = client.certificate()
                engine.store.set_meta(archiving.CERTIFICATE_META, cert.model_dump_json())
            for period in archiving.upload_pending(engine.store, client):
                click.echo(f"hub holds {period}")
    except (SyncError, OSError) as exc:
        click.echo(f"not uploaded ({exc}); retry with `kiosk journal upload-archives`", err=True)


@click.command()
@data_option
@click.option("--period", required=True, help="2026-11 (a month), 2026-11-30 or 2026 (fiscal).")
@click.option(
    "-o",
    "--output",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the archive (default: archives/ in the data folder).",
)
@click.option("--no-upload", is_flag=True, help="Do not give it to the hub now.")
def archive(data_dir: str | None, period: str, folder: Path | None, no_upload: bool) -> None:
    """Write the signed archive of a closed period, then give it to the hub.

    One JSON Lines file: the period's journal entries and closures, the terminal's
    public key and its certificate from the hub, signed as a whole. Its SHA-256 is
    journalled.

    \b
    Example:
      kiosk journal archive --period 2026-11 --data /var/lib/kiosk
    """
    data = DataDir.resolve(data_dir)
    try:
        engine = data.open_engine()
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        written = archiving.write(engine, period, folder or data.root / "archives")
        click.echo(
            f"archive {written.period.label}: {written.path} ({written.entries} entries "
            f"{written.first_seq}-{written.last_seq}, {written.size} bytes, "
            f"sha256 {written.sha256})"
        )
        if not no_upload:
            _upload_pending(data, engine)
    except (ArchiveError, EngineError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.close()


@click.command("upload-archives")
@data_option
def upload_archives(data_dir: str | None) -> None:
    """Give the hub the archives it does not hold yet.

    \b
    Example:
      kiosk journal upload-archives --data /var/lib/kiosk
    """
    data = DataDir.resolve(data_dir)
    try:
        engine = data.open_engine()
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        _upload_pending(data, engine)
    finally:
        engine.close()


def _hub_key(text: str | None) -> str | None:
    if text is None:
        return None
    path = Path(text)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else text.strip()


@click.command("verify-archive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--hub-key",
    default=None,
    help="The hub's public key (base64, or a file holding it): checks the certificate.",
)
def verify_archive_command(file: Path, hub_key: str | None) -> None:
    """Check an archive with nothing but the file, as an auditor would.

    Every entry's hash, signature and chain, each closure against its entries, the
    header and the signature over the whole. Exits 1 and names the line, entry or
    closure of every problem.

    \b
    Example:
      kiosk journal verify-archive T-0001-2026-11.jsonl --hub-key hub.pub
    """
    report = verify_archive(file.read_bytes(), _hub_key(hub_key))
    header = report.header
    if report.ok:
        certified = (
            "certificate checked against the hub's key"
            if report.certified
            else "certificate not checked (no --hub-key)"
            if header.get("certificate")
            else "no certificate"
        )
        click.echo(
            f"archive ok: terminal {header['terminal_id']}, period {header['period']}, "
            f"{report.entries} entries ({header['first_seq']}-{header['last_seq']}), "
            f"{report.closures} closures; {certified}"
        )
        return
    click.echo(f"archive BAD: {file}", err=True)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)
