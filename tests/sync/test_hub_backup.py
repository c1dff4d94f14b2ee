"""The hub's backup and restore as ``docs/hub-deployment.md`` tells them: an online
backup while the hub serves (``sqlite3 .backup``; ``pg_dump`` on PostgreSQL), more
sales, the hub restored from that backup, and the tills' loss detection bringing it
back to the full journal."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.sync.conftest import Till, TillFactory
from tests.sync.live import Admin, LiveHub, make_site

OPENING = 10_000
SQLITE3 = shutil.which("sqlite3")
PG_DUMP, PG_RESTORE = shutil.which("pg_dump"), shutil.which("pg_restore")


def on_postgresql(live_hub: LiveHub) -> bool:
    return str(live_hub.db).startswith("postgresql")


def backup(live_hub: LiveHub, target: Path) -> None:
    """The documented online backup, while the hub serves: ``sqlite3 hub.db ".backup
    'target'"``, or ``pg_dump --format=custom``."""
    if on_postgresql(live_hub):
        assert PG_DUMP is not None
        command = [PG_DUMP, "--format=custom", f"--file={target}", str(live_hub.db)]
    else:
        assert SQLITE3 is not None
        command = [SQLITE3, str(live_hub.db), f".backup '{target}'"]
    subprocess.run(command, check=True, timeout=60)


def restore(live_hub: LiveHub, copy: Path) -> None:
    """The documented restore: stop the hub, put the copy in place (SQLite: drop the
    WAL files first; PostgreSQL: ``pg_restore --clean``), start the hub."""
    live_hub.stop()
    if on_postgresql(live_hub):
        assert PG_RESTORE is not None
        command = [PG_RESTORE, "--clean", "--if-exists", f"--dbname={live_hub.db}", str(copy)]
        subprocess.run(command, check=True, timeout=60)
    else:
        db = Path(live_hub.db)
        for suffix in ("-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(copy, db)
    live_hub.start()


def test_a_hub_restored_from_its_backup_gets_every_lost_entry_back_from_the_tills(
    admin: Admin, live_hub: LiveHub, open_till: TillFactory, tmp_path: Path
) -> None:
    tool = (PG_DUMP and PG_RESTORE) if on_postgresql(live_hub) else SQLITE3
    if tool is None:
        pytest.skip("the backup tools are needed (Debian's sqlite3, postgresql-client)")
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": OPENING})
    admin.badge("nfc:0E0E0E01", "A1")
    tills = [open_till("T1"), open_till("T2")]
    sold: dict[str, list[int]] = {t.terminal_id: [] for t in tills}

    def sell(till: Till, cents: int) -> None:
        till.sell("nfc:0E0E0E01", cents)
        sold[till.terminal_id].append(cents)

    for till in tills:
        till.daemon.sync_once()
    sell(tills[0], 100)
    tills[0].daemon.sync_once()

    copy = tmp_path / "hub-backup.db"
    backup(live_hub, copy)  # online, while the hub serves

    sell(tills[0], 200)
    sell(tills[0], 300)
    sell(tills[1], 400)
    for till in tills:
        till.daemon.sync_once()
    assert live_hub.service.account("A1").row.balance == OPENING - 1000

    restore(live_hub, copy)
    assert live_hub.service.account("A1").row.balance == OPENING - 100  # three sales lost

    for till in tills:
        report = till.daemon.sync_once()  # the hub is found behind: pushed again
        assert report.pushed >= 1
    for till in tills:
        till.daemon.sync_once()
    hub = live_hub.service
    assert hub.account("A1").row.balance == OPENING - 1000
    for till in tills:
        check = hub.verify_terminal(till.terminal_id)
        assert check.ok and check.last_seq == len(till.entries()), check
        assert till.usable("A1") == OPENING - 1000
