"""The hub's database files are readable by the hub's user only (issue case 9)."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.protocol.rows import SiteSettings
from sync.server import open_hub


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask (022), under which files were created world-readable."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_hub_db_and_its_wal_are_created_0600(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "hub.db"
    hub = open_hub(db)
    try:
        hub.create_site(SiteSettings(site_code="S1"))  # the WAL and SHM exist now
        files = {p.name: mode(p) for p in tmp_path.iterdir() if p.name.startswith("hub.db")}
    finally:
        hub.storage.close()
    assert files["hub.db"] == 0o600
    assert files["hub.db-wal"] == 0o600
    assert files["hub.db-shm"] == 0o600
    assert files["hub.db.key"] == 0o600


def test_an_old_world_readable_hub_db_is_tightened(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "hub.db"
    sqlite3.connect(db).close()
    db.chmod(0o644)
    hub = open_hub(db)
    hub.storage.close()
    assert mode(db) == 0o600
