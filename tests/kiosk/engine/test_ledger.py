"""Engine operations: present, sell, top up, cancel, offline cap, refusals."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from kiosk.engine import Accepted, Engine, Identified, Refused
from kiosk.engine.errors import KeyFileError, TerminalMismatch
from kiosk.engine.keys import load_or_create_key
from kiosk.engine.schema import MIGRATIONS
from sync.journal import EntryKind
from sync.money import Money
from sync.protocol.payloads import PayloadError
from sync.protocol.reasons import RejectReason

from .conftest import FakeClock


def journal_len(engine: Engine) -> int:
    return engine.store.last_seq()


def test_present_identifies_with_usable_balance(engine: Engine) -> None:
    result = engine.present("nfc:04a1b2c3d4e5f6")
    assert isinstance(result, Identified)
    assert result.account.display_name == "Alice Martin"
    assert result.balance == Money(2000) and not result.offline


@pytest.mark.parametrize(
    ("credential", "reason"),
    [
        ("nfc:DEADBEEF", RejectReason.LOST_BADGE),
        ("nfc:CAFEBABE", RejectReason.BLOCKED_BADGE),
        ("nfc:0A0B0C0D", RejectReason.UNKNOWN_CREDENTIAL),
        ("nfc:01020304", RejectReason.UNKNOWN_CREDENTIAL),
        ("nfc:99AABBCC", RejectReason.ACCOUNT_CLOSED),
        ("nfc:ZZ", RejectReason.MALFORMED_CREDENTIAL),
        ("hello", RejectReason.MALFORMED_CREDENTIAL),
        (b"\xff\xfe", RejectReason.MALFORMED_CREDENTIAL),
    ],
)
def test_refusals_write_nothing(engine: Engine, credential: str, reason: RejectReason) -> None:
    for outcome in (engine.present(credential), engine.sell(credential, Money(100))):
        assert isinstance(outcome, Refused) and outcome.reason is reason
    assert journal_len(engine) == 0


def test_sale_debits_and_is_journalled(engine: Engine) -> None:
    result = engine.sell("nfc:04A1B2C3D4E5F6", Money(790), details={"items": ["main:steak"]})
    assert isinstance(result, Accepted)
    assert result.balance_after == Money(1210) == engine.usable_balance("A1")
    entry = engine.store.entry(result.seq)
    assert entry is not None and entry.amount == -790 and entry.kind == "sale"
    assert entry.payload["items"] == ["main:steak"]
    assert entry.payload["business_day"] == "2026-11-26"
    assert engine.verify().ok


def test_insufficient_balance_reports_the_shortfall(engine: Engine) -> None:
    # Bruno: 5,00 EUR and 3,00 EUR overdraft -> may spend 8,00 EUR.
    assert isinstance(engine.sell("nfc:11223344", Money(800)), Accepted)
    refused = engine.sell("nfc:11223344", Money(250))
    assert isinstance(refused, Refused) and refused.reason is RejectReason.INSUFFICIENT_BALANCE
    assert refused.shortfall == Money(250) and refused.balance == Money(-300)


def test_postpaid_has_no_floor(engine: Engine) -> None:
    for _ in range(3):
        assert isinstance(engine.sell("nfc:55667788", Money(400)), Accepted)
    assert engine.usable_balance("A3") == Money(-1200)


@pytest.mark.parametrize(
    ("cents", "reason"),
    [
        (0, RejectReason.INVALID_AMOUNT),
        (-5, RejectReason.INVALID_AMOUNT),
        (50_001, RejectReason.AMOUNT_TOO_LARGE),
    ],
)
def test_bad_amounts_are_refused(engine: Engine, cents: int, reason: RejectReason) -> None:
    for outcome in (
        engine.sell("nfc:04A1B2C3D4E5F6", Money(cents)),
        engine.top_up("A1", Money(cents), "cash", "C1"),
    ):
        assert isinstance(outcome, Refused) and outcome.reason is reason
    assert journal_len(engine) == 0


def test_top_up_then_cancel_sale_and_top_up(engine: Engine) -> None:
    top = engine.top_up("A2", Money(1000), "cash", "cashier-1")
    assert isinstance(top, Accepted) and top.balance_after == Money(1500)
    sale = engine.sell("nfc:11223344", Money(700))
    assert isinstance(sale, Accepted)
    undo = engine.cancel(sale.seq, "cashier-1", "wrong tray")
    assert isinstance(undo, Accepted) and undo.balance_after == Money(1500)
    again = engine.cancel(sale.seq, "cashier-1", "twice")
    assert isinstance(again, Refused) and again.reason is RejectReason.ALREADY_CANCELLED
    not_cancellable = engine.cancel(undo.seq, "cashier-1", "cancel a cancel")
    assert isinstance(not_cancellable, Refused)
    assert not_cancellable.reason is RejectReason.NOT_CANCELLABLE
    unknown = engine.cancel(999, "cashier-1", "?")
    assert isinstance(unknown, Refused) and unknown.reason is RejectReason.UNKNOWN_ENTRY
    assert engine.usable_balance("A2") == Money(1500)
    assert engine.verify().ok and journal_len(engine) == 3


def test_cancelling_a_spent_top_up_is_refused(engine: Engine) -> None:
    top = engine.top_up("A1", Money(1000), "cash", "C1")
    assert isinstance(top, Accepted)
    assert isinstance(engine.sell("nfc:04A1B2C3D4E5F6", Money(2500)), Accepted)
    refused = engine.cancel(top.seq, "C1", "mistake")
    assert isinstance(refused, Refused) and refused.reason is RejectReason.INSUFFICIENT_BALANCE
    assert refused.shortfall == Money(500)


def test_top_up_refusals(engine: Engine) -> None:
    unknown = engine.top_up("ZZZ", Money(100), "cash", "C1")
    assert isinstance(unknown, Refused) and unknown.reason is RejectReason.UNKNOWN_ACCOUNT
    closed = engine.top_up("A4", Money(100), "cash", "C1")
    assert isinstance(closed, Refused) and closed.reason is RejectReason.ACCOUNT_CLOSED
    with pytest.raises(ValueError, match="means of payment"):
        engine.top_up("A1", Money(100), "bitcoin", "C1")


def test_offline_cap_applies_when_sync_is_old(engine: Engine, clock: FakeClock) -> None:
    clock.advance(minutes=11)  # threshold is 10 minutes
    identified = engine.present("nfc:04A1B2C3D4E5F6")
    assert isinstance(identified, Identified) and identified.offline
    assert isinstance(engine.sell("nfc:04A1B2C3D4E5F6", Money(1000)), Accepted)
    capped = engine.sell("nfc:04A1B2C3D4E5F6", Money(600))
    assert isinstance(capped, Refused) and capped.reason is RejectReason.OFFLINE_CAP_REACHED
    assert isinstance(engine.sell("nfc:04A1B2C3D4E5F6", Money(500)), Accepted)
    # A sync brings the terminal back online: the cap no longer applies.
    engine.store.record_sync_result(ok=True, at=clock.now)
    assert isinstance(engine.sell("nfc:04A1B2C3D4E5F6", Money(400)), Accepted)


def test_snapshot_moves_included_seq_without_double_counting(engine: Engine) -> None:
    sale = engine.sell("nfc:04A1B2C3D4E5F6", Money(300))
    assert isinstance(sale, Accepted)
    second = engine.sell("nfc:04A1B2C3D4E5F6", Money(200))
    assert isinstance(second, Accepted)
    # The hub applied the first sale only, and another channel credited 10,00 EUR.
    from .conftest import ACCOUNTS

    hub_row = ACCOUNTS[0].model_copy(update={"balance": 2000 - 300 + 1000})
    engine.store.apply_snapshot(
        accounts=[hub_row], credentials=[], settings=None, applied_seq=sale.seq, cursor=2
    )
    assert engine.usable_balance("A1") == Money(2000 - 300 - 200 + 1000)


def test_technical_events_and_their_guard(engine: Engine) -> None:
    entry = engine.record_event(EntryKind.START, {"mode": "till", "version": "0.1.0"})
    assert entry.amount == 0 and entry.account is None
    with pytest.raises(ValueError, match="own operation"):
        engine.record_event(EntryKind.SALE, {})
    # Every payload is written through its kind's model: unknown keys never get signed.
    with pytest.raises(PayloadError, match=r"payload\.colour"):
        engine.record_event(EntryKind.STOP, {"mode": "till", "colour": "red"})
    assert engine.store.last_seq() == entry.seq


def test_journal_refuses_update_and_delete(engine: Engine) -> None:
    engine.sell("nfc:04A1B2C3D4E5F6", Money(100))
    raw = sqlite3.connect(engine.store.path)
    for sql in ("UPDATE journal SET amount = 0", "DELETE FROM journal"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute(sql)
    raw.close()


def test_store_belongs_to_one_terminal(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(TerminalMismatch, match="belongs to terminal 'T1'"):
        Engine.open(engine.store.path, tmp_path / "other.key", terminal_id="T2")


def test_key_file_is_private_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "k" / "terminal.key"
    key = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path).public_key() == key.public_key()
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="readable by others"):
        load_or_create_key(path)
    path.chmod(0o600)
    path.write_text("garbage")
    with pytest.raises(KeyFileError, match="cannot load"):
        load_or_create_key(path)


def test_migrations_are_recorded_and_reopen_is_idempotent(engine: Engine) -> None:
    names = [name for name, _ in MIGRATIONS]
    assert names[0] == "0001_initial"
    assert engine.store.migrations() == names
    again = Engine.open(
        engine.store.path, engine.store.path.parent / "terminal.key", terminal_id="T1"
    )
    assert again.store.migrations() == names
    again.close()
