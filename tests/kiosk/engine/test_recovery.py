"""Recovery of a journal's lost tail from the hub's copy, as a property: whatever was
kept, lost and sold since, after ``recover`` the journal verifies, begins with the
hub's copy entry for entry, and holds every sale made since the loss, signed again,
so that the money is the sum of both (hypothesis)."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.engine import Accepted, Engine
from kiosk.engine.keys import load_or_create_key
from kiosk.engine.recovery import HubJournal, RecoveryError, recover
from sync.journal import Entry
from sync.money import Money
from tests.kiosk.engine.conftest import SETTINGS, FakeClock, seed

ALICE = "nfc:04A1B2C3D4E5F6"  # A1: 20,00 EUR


def backup(db: Path, to: Path) -> None:
    src, dst = sqlite3.connect(db), sqlite3.connect(to)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def hub_copy(entries: list[Entry], pages: int = 3) -> object:
    """The hub's side of ``GET /v1/journal``: its entries after ``since``, in pages."""
    last = entries[-1] if entries else None

    def fetch(since: int) -> HubJournal:
        after = [e for e in entries if e.seq > since]
        page = after[:pages]
        return HubJournal(
            page,
            last.seq if last else 0,
            last.hash if last else "0" * 64,
            len(after) > len(page),
        )

    return fetch


def sell(engine: Engine, cents: int, clock: FakeClock | None = None) -> Accepted:
    if clock is not None:
        clock.advance(seconds=1)  # two real sales never share their microsecond
    result = engine.sell(ALICE, Money(cents))
    assert isinstance(result, Accepted), result
    return result


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kept=st.lists(st.integers(1, 90), max_size=4),
    lost=st.lists(st.integers(1, 90), min_size=1, max_size=4),
    since=st.lists(st.integers(1, 90), max_size=4),
    cancel_last=st.booleans(),
)
def test_recovery_keeps_every_sale(
    kept: list[int], lost: list[int], since: list[int], cancel_last: bool
) -> None:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db, key_path = folder / "kiosk.db", folder / "terminal.key"
        engine = Engine.open(db, key_path, terminal_id="T1", clock=clock)
        seed(engine)
        for cents in kept:
            sell(engine, cents, clock)
        backup(db, folder / "backup.db")
        for cents in lost:
            sell(engine, cents, clock)
        hub = engine.store.journal_after(0, 10_000)  # the hub holds them all
        engine.store.record_push(hub[-1].seq)
        engine.close()

        backup(folder / "backup.db", db)  # restored: the lost sales are gone here
        engine = Engine.open(db, key_path, terminal_id=None, clock=clock)
        try:
            made = [sell(engine, cents, clock) for cents in since]
            if cancel_last and made:
                assert isinstance(engine.cancel(made[-1].entry.seq, "K1", "oops"), Accepted)
            forked = engine.store.journal_after(len(kept), 10_000)
            key = load_or_create_key(key_path)
            report = recover(engine.store, key, "T1", hub_copy(hub))  # type: ignore[arg-type]

            assert engine.verify().ok
            journal = engine.store.journal_after(0, 10_000)
            assert [e.hash for e in journal[: len(hub)]] == [e.hash for e in hub]
            again = journal[len(hub) :]
            assert [(e.kind, e.account, e.amount) for e in again] == [
                (e.kind, e.account, e.amount) for e in forked
            ]
            assert report.recovered == len(lost) and len(report.resigned) == len(forked)
            assert sum(e.amount for e in journal) == sum(e.amount for e in hub) + sum(
                e.amount for e in forked
            )
            if cancel_last and made:  # the cancellation follows its sale to its new place
                assert again[-1].payload["cancels"] == again[-2].seq
            assert engine.store.hub_ahead() is None
            assert engine.store.sync_status().hub_applied_seq == hub[-1].seq
            assert engine.store.sync_status().waiting == len(forked)
        finally:
            engine.close()


def test_recovery_refuses_a_copy_that_does_not_continue_the_journal(tmp_path: Path) -> None:
    clock = FakeClock()
    engine = Engine.open(tmp_path / "a.db", tmp_path / "a.key", terminal_id="T1", clock=clock)
    other = Engine.open(tmp_path / "b.db", tmp_path / "b.key", terminal_id="T1", clock=clock)
    try:
        for e in (engine, other):
            e.store.apply_snapshot(
                accounts=[], credentials=[], settings=SETTINGS, applied_seq=0, cursor=1
            )
            seed(e)
        sell(engine, 100)
        sell(other, 100)
        sell(other, 200)
        foreign = other.store.journal_after(0, 100)  # another key's chain
        key = load_or_create_key(tmp_path / "a.key")
        with pytest.raises(RecoveryError, match="not signed by this terminal's key"):
            recover(engine.store, key, "T1", hub_copy(foreign))  # type: ignore[arg-type]
        assert engine.store.last_seq() == 1 and engine.verify().ok
    finally:
        engine.close()
        other.close()
