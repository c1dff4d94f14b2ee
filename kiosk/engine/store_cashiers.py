"""The store's SQL for the till's cashiers (a part of ``Store``, kept apart so that
``store.py`` stays small): the ``cashiers`` table (migration ``0003_cashiers``), the
cashiers synced from the hub as documents, and the wrong-PIN counts of
``pin_attempts``. The rules (PIN hashing, lock-out) live in ``kiosk.engine.cashiers``.

``CashierRecords`` is a base class of ``Store``; its methods use the store's
transactions.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from kiosk.engine.store_tx import Tx, sql_of

SYNCED_CASHIER_KIND = "cashier"  # documents the hub sends (kiosk admin cashiers)


@dataclass(frozen=True, slots=True)
class CashierRow:
    """A cashier added on this till (active ones only leave the store)."""

    id: str
    name: str
    credential: str


@dataclass(frozen=True, slots=True)
class PinRecord:
    """A local cashier's salted PIN hash, and whether the cashier is active."""

    salt: bytes
    hash: bytes
    active: bool


class CashierRecords:
    """The cashier half of ``Store`` (which provides the transactions)."""

    def atomic(self) -> AbstractContextManager[Tx]:
        raise NotImplementedError

    def reading(self) -> AbstractContextManager[Tx]:
        raise NotImplementedError

    def put_cashier(
        self, cashier_id: str, name: str, credential: str, pin_salt: bytes, pin_hash: bytes
    ) -> None:
        """Create or replace an active local cashier."""
        with self.atomic() as tx:
            sql_of(tx).execute(
                "INSERT OR REPLACE INTO cashiers (id, name, credential, pin_salt, pin_hash, "
                "active) VALUES (?, ?, ?, ?, ?, 1)",
                (cashier_id, name, credential, pin_salt, pin_hash),
            )

    def active_cashier(self, credential: str) -> CashierRow | None:
        """The active local cashier behind a (normalised) credential."""
        with self.reading() as tx:
            row = (
                sql_of(tx)
                .execute(
                    "SELECT id, name, credential FROM cashiers WHERE credential = ? AND active = 1",
                    (credential,),
                )
                .fetchone()
            )
        return None if row is None else CashierRow(str(row[0]), str(row[1]), str(row[2]))

    def count_active_cashiers(self) -> int:
        with self.reading() as tx:
            row = sql_of(tx).execute("SELECT count(*) FROM cashiers WHERE active = 1").fetchone()
        return int(row[0])

    def cashier_pin(self, cashier_id: str) -> PinRecord | None:
        """A local cashier's PIN record, or None when no local cashier has that id."""
        with self.reading() as tx:
            row = (
                sql_of(tx)
                .execute(
                    "SELECT pin_salt, pin_hash, active FROM cashiers WHERE id = ?", (cashier_id,)
                )
                .fetchone()
            )
        return None if row is None else PinRecord(bytes(row[0]), bytes(row[1]), bool(row[2]))

    def synced_cashiers(self, credential: str | None = None) -> list[str]:
        """The synced cashier documents as stored (JSON text), all or those of one
        (normalised) credential: read by their model, which may refuse a newer form."""
        with self.reading() as tx:
            db = sql_of(tx)
            if credential is None:
                rows = db.execute(
                    "SELECT data FROM documents WHERE kind = ?", (SYNCED_CASHIER_KIND,)
                ).fetchall()
            else:
                rows = db.execute(
                    "SELECT data FROM documents "
                    "WHERE kind = ? AND json_extract(data, '$.credential') = ?",
                    (SYNCED_CASHIER_KIND, credential),
                ).fetchall()
        return [str(r[0]) for r in rows]

    def synced_cashier(self, cashier_id: str) -> str | None:
        """One synced cashier document as stored (JSON text)."""
        with self.reading() as tx:
            row = (
                sql_of(tx)
                .execute(
                    "SELECT data FROM documents WHERE kind = ? AND id = ?",
                    (SYNCED_CASHIER_KIND, cashier_id),
                )
                .fetchone()
            )
        return None if row is None else str(row[0])

    # Wrong PINs -----------------------------------------------------------------------

    def pin_locked_until(self, cashier_id: str) -> str | None:
        """When the cashier's lock-out ends (ISO 8601), or None when not locked."""
        with self.reading() as tx:
            row = (
                sql_of(tx)
                .execute(
                    "SELECT locked_until FROM pin_attempts WHERE cashier_id = ?", (cashier_id,)
                )
                .fetchone()
            )
        return None if row is None or row[0] is None else str(row[0])

    def forget_pin_failures(self, cashier_id: str) -> None:
        with self.atomic() as tx:
            sql_of(tx).execute("DELETE FROM pin_attempts WHERE cashier_id = ?", (cashier_id,))

    def count_pin_failure(self, cashier_id: str, *, limit: int, locked_until: str) -> bool:
        """Count one more wrong PIN; at ``limit`` failures lock the cashier out until
        ``locked_until`` (and start the count again). True when this locked them out.
        One transaction: two attempts at once are never counted as one."""
        with self.atomic() as tx:
            db = sql_of(tx)
            row = db.execute(
                "SELECT failures FROM pin_attempts WHERE cashier_id = ?", (cashier_id,)
            ).fetchone()
            failures = (int(row[0]) if row else 0) + 1
            locked = failures >= limit
            db.execute(
                "INSERT OR REPLACE INTO pin_attempts VALUES (?, ?, ?)",
                (cashier_id, 0 if locked else failures, locked_until if locked else None),
            )
        return locked
