"""Where a terminal keeps its files: the store, the signing key, the config.

The folder comes from ``--data`` on the command line, else ``KIOSK_DATA_DIR``,
else ``./var/kiosk`` (a field install uses ``/var/lib/kiosk``).

Only provisioning creates a data folder; every other command takes an existing one
(``DataDir.require``) and refuses, creating nothing, a path that is not one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kiosk.engine import Engine, Store
from kiosk.engine.errors import StoreError

PROVISION = "give the right --data (or KIOSK_DATA_DIR), or provision one with `kiosk provision`"


class NotADataDir(StoreError):
    """The path is not a terminal's data folder (nothing was created there)."""


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

    def require(self) -> DataDir:
        """This folder, if it is a terminal's data folder; else ``NotADataDir``."""
        if not self.root.exists():
            raise NotADataDir(
                f"{self.root}: no such folder, not a terminal's data folder; {PROVISION}"
            )
        if not self.root.is_dir():
            raise NotADataDir(f"{self.root} is a file, not a terminal's data folder; {PROVISION}")
        if not self.db.is_file():
            raise NotADataDir(
                f"{self.root} is not a terminal's data folder (no kiosk.db); {PROVISION}"
            )
        return self

    def open_store(self) -> Store:
        """The store of this data folder, never created here."""
        return Store.open(self.require().db, create=False)

    def open_engine(self, terminal_id: str | None = None) -> Engine:
        """Open the terminal's engine; the terminal id comes from the store if bound.

        Without ``terminal_id`` the folder must be a provisioned one: nothing (store,
        key) is created.
        """
        if terminal_id is None:
            self.require()
        return Engine.open(self.db, self.key, terminal_id=terminal_id)
