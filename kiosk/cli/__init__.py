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
}


class LazyGroup(click.Group):
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
    logging.basicConfig(
        level=os.environ.get("KIOSK_LOG_LEVEL", logging.getLevelName(level)),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
