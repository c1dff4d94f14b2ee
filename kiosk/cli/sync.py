"""``kiosk sync``: the sync daemon (foreground), its status, one cycle now, enrolment.

The daemon's settings live in ``<data>/sync.toml`` (written by ``kiosk sync enrol``,
mode 0600 since it holds the terminal's API token)::

    hub_url = "https://hub.example.org:8700"
    api_token = "trm_..."
    ca_file = "/etc/kiosk/hub-ca.pem"   # optional: trust a private CA
    timeout_s = 10.0
    interval_s = 15.0
    batch = 500
    page = 1000

Precedence: command-line flags, then ``KIOSK_SYNC_CONFIG`` (another file), then the file.
"""

from __future__ import annotations

import json
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from kiosk.cli.options import data_option
from kiosk.configfile import ConfigError
from kiosk.datadir import DataDir
from kiosk.provision import SyncConfig, load_sync_config, sync_config_path, sync_daemon

if TYPE_CHECKING:
    from kiosk.engine import Store
    from sync.daemon import SyncDaemon


def load_config(data: DataDir) -> SyncConfig:
    try:
        return load_sync_config(data)
    except ConfigError as exc:
        raise click.ClickException(f"{exc} (enrol with `kiosk sync enrol`)") from exc


def _daemon(data: DataDir, config: SyncConfig) -> tuple[SyncDaemon, Store]:
    from kiosk.engine.errors import StoreError

    try:
        data.require()
        return sync_daemon(data, config)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(invoke_without_command=True)
@data_option
@click.pass_context
def sync(ctx: click.Context, data_dir: str | None) -> None:
    """Push the journal to the hub and pull changes, in a loop (foreground).

    Network errors and 5xx answers are retried with backoff (at most 60 s apart); a
    refusal the hub would repeat is recorded and waits for ``kiosk sync now``.

    \b
    Example:
      kiosk sync --data /var/lib/kiosk          run the loop (systemd: kiosk-sync)
      kiosk sync status --data /var/lib/kiosk
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(run, data_dir=data_dir)


@sync.command()
@data_option
def run(data_dir: str | None) -> None:
    """Run the sync loop until SIGTERM or Ctrl-C.

    \b
    Example:
      kiosk sync run --data /var/lib/kiosk
    """
    data = DataDir.resolve(data_dir)
    daemon, store = _daemon(data, load_config(data))

    def stop(signum: int, frame: FrameType | None) -> None:
        daemon.stop()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGUSR1, lambda signum, frame: daemon.wake())
    try:
        daemon.run()
    finally:
        daemon.client.close()
        store.close()


@sync.command()
@data_option
def now(data_dir: str | None) -> None:
    """Run one sync cycle now and report it (clears a recorded refusal on success).

    Exits 1 when the cycle failed.

    \b
    Example:
      kiosk sync now --data /var/lib/kiosk
    """
    from sync.client import SyncError

    data = DataDir.resolve(data_dir)
    daemon, store = _daemon(data, load_config(data))
    try:
        outcome = daemon.attempt()
    finally:
        daemon.client.close()
        store.close()
    if isinstance(outcome, SyncError):
        raise click.ClickException(str(outcome))
    click.echo(
        f"synced: {outcome.pushed} entries pushed (hub at {outcome.applied_seq}), "
        f"{outcome.rows} rows pulled in {outcome.pages} pages, cursor {outcome.cursor}"
    )


@sync.command()
@data_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(data_dir: str | None, as_json: bool) -> None:
    """Show the last success, the last error, the entries waiting to be pushed, whether
    the offline cap applies, a push the hub blocked, a journal behind the hub, and the
    site's open incidents. Reads only: a folder that is not a terminal's is refused.

    \b
    Example:
      kiosk sync status --data /var/lib/kiosk --json
    """
    from kiosk.doctor import incident_line
    from kiosk.engine.errors import EngineError
    from kiosk.engine.ledger import UNSET_SETTINGS, cannot_sync
    from sync.money import Money

    data = DataDir.resolve(data_dir)
    try:
        with data.open_store() as store:
            state = store.sync_status()
            settings = store.site_settings() or UNSET_SETTINGS
            with store.reading() as db:
                offline = cannot_sync(store, db, settings, datetime.now(UTC))
            cap = settings.offline_daily_cap
            incidents = store.incidents()
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    fields = {
        "last_success": state.last_success.isoformat() if state.last_success else None,
        "last_attempt": state.last_attempt.isoformat() if state.last_attempt else None,
        "last_error": state.last_error,
        "error_permanent": state.error_permanent,
        "blocked": state.last_error if state.error_permanent else None,
        "waiting": state.waiting,
        "hub_applied_seq": state.hub_applied_seq,
        "cursor": state.cursor,
        "offline": offline,
        "failing_since": state.failing_since.isoformat() if state.failing_since else None,
        "offline_cap": cap,
        "journal_behind": state.hub_ahead_seq or None,
        "incidents": [i.model_dump(mode="json") for i in incidents],
    }
    if as_json:
        click.echo(json.dumps(fields))
        return
    shown = dict(fields)
    shown["offline"] = (
        f"yes: the offline cap of {Money(cap)} a day per diner applies"
        if offline
        else "no (in sync)"
    )
    shown.pop("offline_cap")
    shown.pop("error_permanent")
    if state.error_permanent:
        shown["blocked"] = f"push blocked by the hub: {state.last_error}"
    if state.hub_ahead_seq:
        shown["journal_behind"] = (
            f"the hub holds entries up to {state.hub_ahead_seq} that this store lost: sales "
            "are stopped; run `kiosk journal recover`"
        )
    shown["incidents"] = "; ".join(incident_line(i) for i in incidents) or None
    for name, value in shown.items():
        click.echo(f"{name.replace('_', ' '):>16}: {'-' if value is None else value}")


@sync.command()
@data_option
@click.option("--hub", "hub_url", required=True, help="The hub's URL, e.g. https://hub:8700")
@click.option("--site", "site_code", required=True, help="Site code, e.g. ACME-LYON.")
@click.option("--token", required=True, help="One-time enrolment token from the back office.")
@click.option("--name", default="", help="A label for this terminal, e.g. 'borne 2'.")
@click.option("--ca-file", type=click.Path(dir_okay=False, path_type=Path), default=None)
def enrol(
    *,
    data_dir: str | None,
    hub_url: str,
    site_code: str,
    token: str,
    name: str,
    ca_file: Path | None,
) -> None:
    """Enrol this terminal with the hub and write its sync settings.

    Creates the terminal key if needed, sends its public half, binds the store to the
    terminal id the hub gives and writes ``<data>/sync.toml`` (mode 0600).

    \b
    Example:
      kiosk sync enrol --data /var/lib/kiosk --hub https://hub:8700 --site CANT01 --token enr_...
    """
    from kiosk.provision import ProvisionError, enrol

    data = DataDir.resolve(data_dir)
    try:
        done = enrol(
            data, hub_url=hub_url, site_code=site_code, token=token, name=name, ca_file=ca_file
        )
    except ProvisionError as exc:
        raise click.ClickException(f"{exc} (fix: {exc.fix})") from exc
    click.echo(
        f"enrolled as {done.terminal_id} on site {site_code}; settings in {sync_config_path(data)}"
    )
