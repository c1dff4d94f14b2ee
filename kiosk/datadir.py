"""Where a terminal keeps its files: the store, the signing key, the config.

The folder comes from ``--data`` on the command line, else ``KIOSK_DATA_DIR``,
else ``./var/kiosk`` (a field install uses ``/var/lib/kiosk``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kiosk.engine import Engine
from kiosk.engine.errors import StoreError


@dataclass(frozen=True, slots=True)
class DataDir:
    root: Path

    @classmethod
    def resolve(cls, flag: str | Path | None = None) -> DataDir:
        return cls(Path(flag or os.environ.get("KIOSK_DATA_DIR") or "var/kiosk"))

    @property
    def db(self) -> Path:
        return self.root / "kiosk.db"

    @property
    def key(self) -> Path:
        return self.root / "terminal.key"

    @property
    def config(self) -> Path:
        return self.root / "terminal.toml"

    def open_engine(self, terminal_id: str | None = None) -> Engine:
        """Open the terminal's engine; the terminal id comes from the store if bound."""
        if terminal_id is None and not self.db.exists():
            raise StoreError(f"{self.db}: no store here (enrol the terminal first)")
        return Engine.open(self.db, self.key, terminal_id=terminal_id)
