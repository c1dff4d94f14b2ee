"""The ``kiosk`` command: a thin layer over the library.

Each command group lives in its own module of this package and is imported only when
it is used, so that ``kiosk --help`` is quick and a missing optional library breaks
only the command that needs it. To add a command, add its module and one line to
``COMMANDS``.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os

import click

# name -> "module:attribute"; a module that does not exist yet is simply not listed.
COMMANDS: dict[str, str] = {
    "demo": "kiosk.cli.demo:demo",
    "journal": "kiosk.cli.journal:journal",
    "price": "kiosk.cli.price:price",
    "devices": "kiosk.cli.devices:devices",
    "hub": "kiosk.cli.hub:hub",
    "sync": "kiosk.cli.sync:sync",
    "run": "kiosk.cli.run:run",
    "provision": "kiosk.cli.provision:provision",
    "doctor": "kiosk.cli.doctor:doctor",
    "payments": "kiosk.cli.payments:payments",
    "admin": "kiosk.cli.admin:admin",
}


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        """Run the command; any error it did not word itself becomes one line (the
        traceback goes to the debug log), never a traceback on the terminal."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            logging.getLogger(__name__).debug("command failed", exc_info=True)
            raise click.ClickException(one_line(exc)) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._find(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self._find(cmd_name)
        if target is None:
            return None
        module_name, attribute = target
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    @staticmethod
    def _find(name: str) -> tuple[str, str] | None:
        spec = COMMANDS.get(name)
        if spec is None:
            return None
        module_name, attribute = spec.split(":")
        if importlib.util.find_spec(module_name) is None:
            return None
        return module_name, attribute


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="canteen-kiosk")
def main(verbose: int) -> None:
    """Canteen till and self-service kiosk.

    \b
    Example:
      kiosk demo            try it all on this machine
      kiosk journal verify  check the journal's chain and signatures
    """
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    wanted = os.environ.get("KIOSK_LOG_LEVEL", "").strip().upper()
    if wanted:
        if wanted not in LOG_LEVELS:
            raise click.ClickException(
                f"KIOSK_LOG_LEVEL={os.environ['KIOSK_LOG_LEVEL']!r} is not a log level; "
                f"use one of {', '.join(LOG_LEVELS)} (or unset it)"
            )
        level = logging.getLevelNamesMapping()[wanted]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def one_line(exc: BaseException) -> str:
    """An error in one line: its own words, with what kind of error it is when the
    words alone would not say (a file that cannot be decoded, a missing file ...)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, UnicodeDecodeError):
        return f"a file holds bytes that are not UTF-8 text ({exc.reason}, byte {exc.start})"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or text}"
    from kiosk.configfile import ConfigError
    from kiosk.engine.errors import EngineError
    from sync.client import SyncError

    if isinstance(exc, EngineError | ConfigError | SyncError) and text:
        return text  # worded for the technician already
    return f"{type(exc).__name__}: {text or 'failed'}"
