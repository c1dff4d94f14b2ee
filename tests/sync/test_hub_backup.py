"""The hub's backup and restore as ``docs/hub-deployment.md`` tells them: an online
backup with the ``sqlite3`` tool while the hub serves, more sales, the hub restored
from that backup, and the tills' loss detection bringing it back to the full journal."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.sync.conftest import Till, TillFactory
from tests.sync.live import Admin, LiveHub, make_site

OPENING = 10_000
SQLITE3 = shutil.which("sqlite3")


def backup(db: Path, target: Path) -> None:
    """The documented online backup: ``sqlite3 hub.db ".backup 'target'"``."""
    assert SQLITE3 is not None
    subprocess.run([SQLITE3, str(db), f".backup '{target}'"], check=True, timeout=60)


def restore(live_hub: LiveHub, copy: Path) -> None:
    """The documented restore: stop the hub, drop the WAL files, put the copy in
    place, start the hub."""
    live_hub.stop()
    for suffix in ("-wal", "-shm"):
        live_hub.db.with_name(live_hub.db.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(copy, live_hub.db)
    live_hub.start()


@pytest.mark.skipif(SQLITE3 is None, reason="the sqlite3 tool (Debian's sqlite3) is needed")
def test_a_hub_restored_from_its_backup_gets_every_lost_entry_back_from_the_tills(
    admin: Admin, live_hub: LiveHub, open_till: TillFactory, tmp_path: Path
) -> None:
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
    backup(live_hub.db, copy)  # online, while the hub serves

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
