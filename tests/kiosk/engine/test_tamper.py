"""Tampering: any byte changed in any stored entry is detected and the entry named."""

from __future__ import annotations

import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.engine import Accepted, Engine
from sync.journal import EntryKind
from sync.money import Money

COLUMNS = ["terminal_id", "ts", "day", "kind", "account", "payload", "prev_hash", "hash", "sig"]


def fill(engine: Engine) -> int:
    engine.record_event(EntryKind.START, {"mode": "till", "version": "t"})
    sale = engine.sell("nfc:04A1B2C3D4E5F6", Money(450), details={"items": ["é", "x"]})
    assert isinstance(sale, Accepted)
    engine.top_up("A2", Money(1000), "cash", "C1")
    engine.cancel(sale.seq, "C1", "oops")
    engine.sell("nfc:11223344", Money(120))
    return engine.store.last_seq()


def tamper(engine: Engine, seq: int, column: str, position: int, flip: int) -> bool:
    """Change one byte of one column of one entry, triggers dropped. False if no-op."""
    raw = sqlite3.connect(engine.store.path)
    raw.execute("DROP TRIGGER journal_no_update")
    value = raw.execute(f"SELECT {column} FROM journal WHERE seq = ?", (seq,)).fetchone()[0]
    if value is None:
        new: object = "X"
    else:
        data = bytearray(str(value).encode())
        data[position % len(data)] ^= flip
        new = data.decode("utf-8", errors="replace")
        if new == value:
            raw.close()
            return False
    raw.execute(f"UPDATE journal SET {column} = ? WHERE seq = ?", (new, seq))
    raw.commit()
    raw.close()
    return True


@settings(
    max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    seq_index=st.integers(0, 4),
    column=st.sampled_from(COLUMNS),
    position=st.integers(0, 10_000),
    flip=st.integers(1, 255),
)
def test_any_changed_byte_is_found(
    tmp_path_factory: object, seq_index: int, column: str, position: int, flip: int
) -> None:
    from pathlib import Path

    from .conftest import FakeClock, seed

    base = Path(tmp_path_factory.mktemp("tamper"))  # type: ignore[attr-defined]
    engine = Engine.open(base / "k.db", base / "k.key", terminal_id="T1", clock=FakeClock())
    seed(engine)
    last = fill(engine)
    assert engine.verify().ok
    seq = 1 + seq_index % last
    if tamper(engine, seq, column, position, flip):
        report = engine.verify()
        assert not report.ok
        # A changed hash is caught at the entry itself (hash mismatch).
        assert report.bad_seq == seq, report
    engine.close()


def test_changed_amount_and_sequence_are_named(engine: Engine) -> None:
    fill(engine)
    raw = sqlite3.connect(engine.store.path)
    raw.execute("DROP TRIGGER journal_no_update")
    raw.execute("UPDATE journal SET amount = amount - 1000 WHERE seq = 3")
    raw.commit()
    report = engine.verify()
    assert report.bad_seq == 3 and "hash does not match" in (report.problem or "")
    raw.execute("UPDATE journal SET amount = amount + 1000 WHERE seq = 3")
    raw.execute("UPDATE journal SET seq = 9 WHERE seq = 4")
    raw.commit()
    raw.close()
    report = engine.verify()
    assert report.bad_seq == 4 and "gap" in (report.problem or "")
