"""``python -m kiosk.cli``: the same as the ``kiosk`` command."""

from kiosk.cli import main

main()
