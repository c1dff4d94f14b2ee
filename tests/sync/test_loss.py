"""Loss on either side, found and repaired: a till whose store is restored from an
older copy, and a hub restored from an older backup. A real hub over HTTP on loopback;
in every case no sale is lost and balances end equal to the sum of the entries."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from kiosk.engine import Accepted, Engine, Refused, Store
from kiosk.engine.keys import load_or_create_key
from kiosk.engine.recovery import HubJournal, RecoveryError, recover
from sync.client import HubClient, JournalBehindError
from sync.daemon import DaemonSettings, SyncDaemon
from sync.journal import public_key_text
from sync.money import Money
from sync.protocol.reasons import RejectReason
from tests.databases import backup, restore
from tests.sync.live import Admin, LiveHub, make_site

BADGE = "nfc:0E0E0E01"
OPENING = 10_000


def copy_db(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file (what a backup tool takes)."""
    for suffix in ("", "-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@dataclass
class Terminal:
    """A till whose files can be swapped while it is closed (as a restore does)."""

    folder: Path
    terminal_id: str
    token: str
    url: str
    engine: Engine | None = None
    store: Store | None = None
    client: HubClient | None = None
    daemon: SyncDaemon | None = None
    sold: list[int] = field(default_factory=list)

    @property
    def db(self) -> Path:
        return self.folder / "kiosk.db"

    def open(self) -> Terminal:
        self.engine = Engine.open(self.db, self.folder / "terminal.key", terminal_id=None)
        self.store = Store.open(self.db)
        self.client = HubClient(self.url, self.token, timeout=10)
        self.daemon = SyncDaemon(self.store, self.client, DaemonSettings())
        return self

    def close(self) -> None:
        for thing in (self.client, self.store, self.engine):
            if thing is not None:
                thing.close()
        self.engine = self.store = self.client = self.daemon = None

    def restore(self, backup: Path) -> None:
        """Close, put ``backup`` in place of the store's file, open again."""
        self.close()
        copy_db(backup, self.db)
        self.open()

    def sell(self, cents: int) -> Accepted:
        assert self.engine is not None
        result = self.engine.sell(BADGE, Money(cents))
        assert isinstance(result, Accepted), result
        self.sold.append(cents)
        return result

    def sync(self) -> object:
        assert self.daemon is not None
        return self.daemon.attempt()

    def fetch(self, since: int) -> HubJournal:
        assert self.client is not None
        page = self.client.own_journal(since)
        return HubJournal(
            [w.to_entry() for w in page.entries], page.applied_seq, page.last_hash, page.more
        )

    def recover(self) -> None:
        assert self.engine is not None and self.store is not None
        key = load_or_create_key(self.folder / "terminal.key")
        recover(self.store, key, self.terminal_id, self.fetch)
        assert not isinstance(self.sync(), Exception)  # as `kiosk journal recover` does


@pytest.fixture
def terminals(tmp_path: Path, live_hub: LiveHub, admin: Admin) -> Iterator[list[Terminal]]:
    make_site(admin)
    admin.accounts("S1", {"id": "A1", "display_name": "Ada", "balance": OPENING})
    admin.badge(BADGE, "A1")
    made: list[Terminal] = []
    for name in ("t1", "t2"):
        folder = tmp_path / name
        key = load_or_create_key(folder / "terminal.key")
        with HubClient(live_hub.url) as anonymous:
            reply = anonymous.enrol(
                "S1", admin.enrolment_token("S1"), public_key_text(key.public_key()), name
            )
        key_path = folder / "terminal.key"
        Engine.open(folder / "kiosk.db", key_path, terminal_id=reply.terminal_id).close()
        terminal = Terminal(folder, reply.terminal_id, reply.api_token, live_hub.url).open()
        assert not isinstance(terminal.sync(), Exception)
        made.append(terminal)
    yield made
    for terminal in made:
        terminal.close()


def hub_sum(live_hub: LiveHub) -> int:
    stored, total = live_hub.service.hub_balance_check("A1")
    assert stored == total  # the balance is the sum of its movements and entries
    return stored


def test_a_store_restored_from_an_older_copy_stops_selling_and_recovers(
    terminals: list[Terminal], live_hub: LiveHub, tmp_path: Path
) -> None:
    till, other = terminals
    till.sell(100)
    till.sell(200)
    assert not isinstance(till.sync(), Exception)
    copy_db(till.db, tmp_path / "backup.db")
    for cents in (300, 400, 500):
        till.sell(cents)
    assert not isinstance(till.sync(), Exception)
    assert hub_sum(live_hub) == OPENING - 1500

    till.restore(tmp_path / "backup.db")  # the newest three sales are gone here
    outcome = till.sync()
    assert isinstance(outcome, JournalBehindError), outcome
    assert "up to entry" in str(outcome)
    assert till.store is not None and till.store.sync_status().hub_ahead_seq > 0
    assert till.engine is not None
    refused = till.engine.sell(BADGE, Money(50))
    assert isinstance(refused, Refused) and refused.reason is RejectReason.JOURNAL_INCOMPLETE

    till.recover()
    assert till.engine.verify().ok
    till.sell(600)
    assert not isinstance(till.sync(), Exception)
    assert not isinstance(other.sync(), Exception)
    expected = OPENING - sum(till.sold)
    assert hub_sum(live_hub) == expected
    assert till.engine.usable_balance("A1").cents == expected
    assert other.engine is not None and other.engine.usable_balance("A1").cents == expected
    assert live_hub.service.verify_terminal(till.terminal_id).ok


def test_sales_made_after_the_loss_are_signed_again_not_lost(
    terminals: list[Terminal], live_hub: LiveHub, tmp_path: Path
) -> None:
    till, _ = terminals
    till.sell(100)
    assert not isinstance(till.sync(), Exception)
    copy_db(till.db, tmp_path / "backup.db")
    till.sell(200)
    till.sell(300)
    assert not isinstance(till.sync(), Exception)
    till.restore(tmp_path / "backup.db")
    sale = till.sell(400)  # before the daemon notices: the same sequence as a lost one
    cancelled = till.sell(50)
    assert till.engine is not None
    assert isinstance(till.engine.cancel(cancelled.entry.seq, "C1", "mistake"), Accepted)
    till.sold.remove(50)
    outcome = till.sync()
    assert isinstance(outcome, JournalBehindError), outcome

    till.recover()
    assert till.store is not None
    moved = till.store.forked_entries()
    assert [old.seq for old, _ in moved] == [sale.entry.seq, sale.entry.seq + 1, sale.entry.seq + 2]
    assert all(new is not None for _, new in moved)
    cancel = till.store.entry(moved[-1][1] or 0)
    assert cancel is not None and cancel.payload["cancels"] == moved[1][1]  # follows its sale
    assert till.engine.verify().ok
    assert not isinstance(till.sync(), Exception)
    expected = OPENING - sum(till.sold)
    assert hub_sum(live_hub) == expected
    assert till.engine.usable_balance("A1").cents == expected
    assert live_hub.service.verify_terminal(till.terminal_id).ok


def test_recovery_refuses_entries_the_terminal_did_not_sign(
    terminals: list[Terminal], live_hub: LiveHub, tmp_path: Path
) -> None:
    till, _ = terminals
    till.sell(100)
    assert not isinstance(till.sync(), Exception)
    copy_db(till.db, tmp_path / "backup.db")
    till.sell(200)
    assert not isinstance(till.sync(), Exception)
    till.restore(tmp_path / "backup.db")
    assert isinstance(till.sync(), JournalBehindError)

    def forged(since: int) -> HubJournal:
        page = till.fetch(since)
        bad = [e.__class__(**{**e.to_dict(), "amount": e.amount + 1}) for e in page.entries]
        return HubJournal(bad, page.applied_seq, page.last_hash, page.more)

    assert till.store is not None
    before = till.store.last_seq()
    key = load_or_create_key(till.folder / "terminal.key")
    with pytest.raises(RecoveryError, match="not signed by this terminal's key"):
        recover(till.store, key, till.terminal_id, forged)
    assert till.store.last_seq() == before and till.store.hub_ahead() is not None


def test_a_hub_restored_from_an_older_backup_gets_the_entries_again(
    terminals: list[Terminal], live_hub: LiveHub, tmp_path: Path
) -> None:
    till, other = terminals
    till.sell(100)
    assert not isinstance(till.sync(), Exception)
    backup(live_hub.db, tmp_path / "hub-backup.db")
    till.sell(200)
    till.sell(300)
    assert not isinstance(till.sync(), Exception)
    assert till.store is not None and till.store.sync_status().waiting == 0

    live_hub.stop()
    restore(tmp_path / "hub-backup.db", live_hub.db)
    live_hub.start()
    assert hub_sum(live_hub) == OPENING - 100  # the hub lost two sales

    outcome = till.sync()
    assert not isinstance(outcome, Exception), outcome
    assert getattr(outcome, "pushed", 0) == 2  # sent again from the hub's head
    assert not isinstance(other.sync(), Exception)
    expected = OPENING - sum(till.sold)
    assert hub_sum(live_hub) == expected
    assert other.engine is not None and other.engine.usable_balance("A1").cents == expected
    assert till.engine is not None and till.engine.usable_balance("A1").cents == expected
    assert live_hub.service.verify_terminal(till.terminal_id).ok


def test_a_terminal_reads_back_only_its_own_journal(
    terminals: list[Terminal], live_hub: LiveHub, admin_token: str
) -> None:
    till, other = terminals
    till.sell(100)
    assert not isinstance(till.sync(), Exception)
    till.sell(200)
    assert not isinstance(till.sync(), Exception)
    mine = till.fetch(0)
    assert [e.terminal_id for e in mine.entries] == [till.terminal_id] * 2
    assert till.client is not None
    first = till.client.own_journal(0, limit=1)  # in pages, as the recovery reads it
    assert [e.seq for e in first.entries] == [1] and first.more
    rest = till.client.own_journal(1, limit=1)
    assert [e.seq for e in rest.entries] == [2] and not rest.more
    assert rest.applied_seq == 2 and rest.last_hash == rest.entries[-1].hash
    assert other.fetch(0).entries == []  # the other till sees none of them
    with httpx.Client(base_url=live_hub.url) as http:
        assert http.get("/v1/journal").status_code == 401
        as_admin = http.get("/v1/journal", headers={"Authorization": f"Bearer {admin_token}"})
        assert as_admin.status_code == 403
        too_many = http.get(
            "/v1/journal",
            params={"limit": 5000},
            headers={"Authorization": f"Bearer {till.token}"},
        )
        assert too_many.status_code == 422


def test_the_sync_loop_waits_on_a_loss_and_resumes_once_recovered(
    terminals: list[Terminal], live_hub: LiveHub, tmp_path: Path
) -> None:
    till, _ = terminals
    till.sell(100)
    assert not isinstance(till.sync(), Exception)
    copy_db(till.db, tmp_path / "backup.db")
    till.sell(200)
    assert not isinstance(till.sync(), Exception)
    till.restore(tmp_path / "backup.db")
    assert till.daemon is not None and till.store is not None
    till.daemon.settings = DaemonSettings(interval_s=0.05, idle_check_s=0.05)
    loop = threading.Thread(target=till.daemon.run, daemon=True)
    loop.start()
    try:

        def stopped() -> bool:
            state = till.store.sync_status() if till.store is not None else None
            return state is not None and state.hub_ahead_seq > 0 and state.error_permanent

        wait_for(stopped)  # the loss found and the refusal recorded (two writes)
        attempts = till.store.sync_status().last_attempt
        time.sleep(0.3)
        assert till.store.sync_status().last_attempt == attempts  # not retried blindly
        key = load_or_create_key(till.folder / "terminal.key")
        recover(till.store, key, till.terminal_id, till.fetch)  # clears the refusal
        till.sell(300)
        wait_for(lambda: till.store is not None and till.store.sync_status().waiting == 0)
    finally:
        till.daemon.stop()
        loop.join(timeout=10)
    assert hub_sum(live_hub) == OPENING - sum(till.sold)


def test_recovering_a_journal_that_lost_nothing_changes_nothing(
    terminals: list[Terminal], live_hub: LiveHub
) -> None:
    till, _ = terminals
    till.sell(100)
    assert not isinstance(till.sync(), Exception)
    assert till.store is not None
    before = [e.hash for e in till.store.journal_after(0, 100)]
    key = load_or_create_key(till.folder / "terminal.key")
    report = recover(till.store, key, till.terminal_id, till.fetch)
    assert report.recovered == 0 and report.resigned == []
    assert [e.hash for e in till.store.journal_after(0, 100)] == before


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.02)
