"""Options shared by several commands."""

from __future__ import annotations

import click

data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Terminal data folder (default: $KIOSK_DATA_DIR or ./var/kiosk).",
)
