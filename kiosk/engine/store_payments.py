"""The store's SQL for card payments (a part of the store, kept apart so that
``store.py`` stays small): the ``payments`` table, an index by reference of the
journal's payment entries, written in the same transaction as those entries.

Every function runs inside the caller's transaction and takes its ``Tx``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.engine.errors import StoreError
from kiosk.engine.store_tx import Tx, sql_of
from sync.protocol.payment_payloads import PaymentPurpose, PaymentState

_COLS = (
    "ref, purpose, account, amount, test, state, pending_seq, result_seq, credit_seq, created_at"
)


@dataclass(frozen=True, slots=True)
class PaymentRow:
    ref: str
    purpose: PaymentPurpose
    account: str | None
    amount: int
    test: bool
    state: PaymentState
    pending_seq: int
    result_seq: int | None
    credit_seq: int | None
    created_at: str


def _row(r: tuple[object, ...]) -> PaymentRow:
    return PaymentRow(
        ref=str(r[0]),
        purpose=PaymentPurpose(str(r[1])),
        account=None if r[2] is None else str(r[2]),
        amount=int(str(r[3])),
        test=bool(r[4]),
        state=PaymentState(str(r[5])),
        pending_seq=int(str(r[6])),
        result_seq=None if r[7] is None else int(str(r[7])),
        credit_seq=None if r[8] is None else int(str(r[8])),
        created_at=str(r[9]),
    )


def insert(tx: Tx, row: PaymentRow) -> None:
    db = sql_of(tx)
    db.execute(
        f"INSERT INTO payments ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            row.ref,
            row.purpose.value,
            row.account,
            row.amount,
            int(row.test),
            row.state.value,
            row.pending_seq,
            row.result_seq,
            row.credit_seq,
            row.created_at,
        ),
    )


def settle(tx: Tx, ref: str, state: PaymentState, result_seq: int, credit_seq: int | None) -> None:
    """Record the result; refuses (IntegrityError / no row) a payment settled before."""
    db = sql_of(tx)
    done = db.execute(
        "UPDATE payments SET state = ?, result_seq = ?, credit_seq = ? "
        "WHERE ref = ? AND state = 'pending'",
        (state.value, result_seq, credit_seq, ref),
    ).rowcount
    if done != 1:
        raise StoreError(f"payment {ref} is not pending")


def get(tx: Tx, ref: str) -> PaymentRow | None:
    db = sql_of(tx)
    row = db.execute(f"SELECT {_COLS} FROM payments WHERE ref = ?", (ref,)).fetchone()
    return None if row is None else _row(row)


def pending(tx: Tx) -> list[PaymentRow]:
    db = sql_of(tx)
    rows = db.execute(
        f"SELECT {_COLS} FROM payments WHERE state = 'pending' ORDER BY pending_seq"
    ).fetchall()
    return [_row(r) for r in rows]


def since(tx: Tx, first_seq: int) -> list[PaymentRow]:
    """Payments asked at or after journal entry ``first_seq``, in order."""
    db = sql_of(tx)
    rows = db.execute(
        f"SELECT {_COLS} FROM payments WHERE pending_seq >= ? ORDER BY pending_seq", (first_seq,)
    ).fetchall()
    return [_row(r) for r in rows]


def of_day(tx: Tx, day: str) -> list[PaymentRow]:
    """The payments asked on business day ``day`` (by their pending entry), in order."""
    db = sql_of(tx)
    cols = ", ".join(f"p.{c.strip()}" for c in _COLS.split(","))
    rows = db.execute(
        f"SELECT {cols} FROM payments p JOIN journal j ON j.seq = p.pending_seq "
        "WHERE j.day = ? ORDER BY p.pending_seq",
        (day,),
    ).fetchall()
    return [_row(r) for r in rows]
