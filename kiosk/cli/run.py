"""``kiosk run``: the till or self-service kiosk, full screen, with its devices."""

from __future__ import annotations

from pathlib import Path

import click

from drivers.errors import DriverError
from kiosk.cli.options import config_option, data_option
from kiosk.configfile import ConfigError
from kiosk.datadir import DataDir
from kiosk.engine.closures_periodic import catch_up
from kiosk.engine.errors import EngineError


@click.command()
@data_option
@config_option
@click.option("--mode", type=click.Choice(["till", "kiosk"]), default=None, help="Override.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None, help="Override.")
@click.option("--fullscreen/--windowed", default=None, help="Override the [ui] setting.")
@click.option(
    "--site",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A site file to take the menu from until the hub has sent one.",
)
def run(
    *,
    data_dir: str | None,
    config_file: Path | None,
    mode: str | None,
    lang: str | None,
    fullscreen: bool | None,
    site: Path | None,
) -> None:
    """Open the kiosk window and serve: badges, trays, receipts, cashier actions.

    The devices come from [devices] of the terminal config; a device that is missing
    or fails is shown in the status bar and retried, and sales go on. Run `kiosk sync`
    beside it (systemd: kiosk-sync) to exchange with the hub.

    \b
    Example:
      kiosk run --data /var/lib/kiosk --fullscreen
    """
    from kiosk.app import App
    from kiosk.config import load_config
    from kiosk.engine.trays import current_menu
    from kiosk.sitefile import load_site_menu
    from sync.journal import EntryKind

    data = DataDir.resolve(data_dir)
    overrides: dict[str, dict[str, object]] = {"terminal": {}, "ui": {}}
    if mode:
        overrides["terminal"]["mode"] = mode
    if lang:
        overrides["ui"]["lang"] = lang
    if fullscreen is not None:
        overrides["ui"]["fullscreen"] = fullscreen
    try:
        config = load_config(config_file or data.config, overrides=overrides)
        if config_file is not None and not config_file.exists():
            raise click.ClickException(f"{config_file}: file not found")
        engine = data.open_engine()
        menu = current_menu(engine) or (load_site_menu(site) if site else None)
    except (ConfigError, EngineError) as exc:
        raise click.ClickException(str(exc)) from exc
    if menu is None:
        engine.close()
        raise click.ClickException(
            "no menu on this terminal yet: publish one on the hub "
            "(`kiosk admin menu publish site.toml --site CODE`), then run `kiosk sync now` "
            "here (or give --site FILE); `kiosk doctor` lists what else is missing"
        )
    app = App(engine, config, menu)
    try:
        app.open_devices()
    except DriverError as exc:  # a bad [devices] table: say which option, start nothing
        app.close()
        engine.close()
        raise click.ClickException(f"[devices] of the terminal config: {exc}") from exc
    # A till that was off first writes the closures it missed (days, months, years).
    catch_up(engine)
    engine.record_event(EntryKind.START, {"mode": config.terminal.mode.value})
    try:
        app.run()
    finally:
        engine.record_event(EntryKind.STOP, {"mode": config.terminal.mode.value})
        engine.close()
