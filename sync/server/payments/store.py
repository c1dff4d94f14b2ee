"""The SQL of online top-ups (a part of the hub's store, kept apart): orders,
notifications, refunds and the hub movements that credit and debit, each change in
one transaction of ``SqliteStorage``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from sync.protocol.online_topup import OnlineTopUpState, ProviderSettings
from sync.server.errors import StorageError
from sync.server.payments.provider import Notification
from sync.server.storage import SqliteStorage

_COLS = (
    "id, site, account_id, amount, provider, trans_day, trans_id, state, provider_tx, "
    "refunded, created_at, settled_at"
)


@dataclass(frozen=True, slots=True)
class TopUpRow:
    id: str
    site: str
    account_id: str
    amount: int
    provider: str
    trans_day: str
    trans_id: str
    state: OnlineTopUpState
    provider_tx: str | None
    refunded: int
    created_at: str
    settled_at: str | None


_LEDGER = (
    "INSERT INTO hub_ledger (account_id, kind, amount, ref, note, ts) VALUES (?, ?, ?, ?, ?, ?)"
)
_ORDER = f"SELECT {_COLS} FROM online_topups WHERE id = ?"


def _row(r: tuple[Any, ...]) -> TopUpRow:
    return TopUpRow(
        id=r[0],
        site=r[1],
        account_id=r[2],
        amount=int(r[3]),
        provider=r[4],
        trans_day=r[5],
        trans_id=r[6],
        state=OnlineTopUpState(r[7]),
        provider_tx=r[8],
        refunded=int(r[9]),
        created_at=r[10],
        settled_at=r[11],
    )


def credit_ref(provider_tx: str) -> str:
    return f"online:{provider_tx}"


def refund_ref(refund_id: str) -> str:
    return f"online-refund:{refund_id}"


class TopUpStore:
    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    # Provider ------------------------------------------------------------------------

    def set_provider(self, settings: ProviderSettings) -> None:
        with self.storage.atomic() as db:
            db.execute(
                "INSERT INTO payment_provider (id, settings) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET settings = excluded.settings",
                (settings.model_dump_json(),),
            )

    def provider(self) -> ProviderSettings | None:
        with self.storage.reading() as db:
            row = db.execute("SELECT settings FROM payment_provider WHERE id = 1").fetchone()
        return None if row is None else ProviderSettings.model_validate_json(row[0])

    # Orders --------------------------------------------------------------------------

    def add(self, row: TopUpRow) -> bool:
        """Insert a new order; False when its (day, transaction number) is taken."""
        try:
            with self.storage.atomic() as db:
                db.execute(
                    f"INSERT INTO online_topups ({_COLS}) VALUES ({', '.join('?' * 12)})",
                    (
                        row.id,
                        row.site,
                        row.account_id,
                        row.amount,
                        row.provider,
                        row.trans_day,
                        row.trans_id,
                        row.state.value,
                        row.provider_tx,
                        row.refunded,
                        row.created_at,
                        row.settled_at,
                    ),
                )
        except StorageError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError) and "trans_id" in str(exc):
                return False
            raise
        return True

    def get(self, topup_id: str) -> TopUpRow | None:
        with self.storage.reading() as db:
            row = db.execute(_ORDER, (topup_id,)).fetchone()
        return None if row is None else _row(row)

    def of_account(self, account_id: str) -> list[TopUpRow]:
        with self.storage.reading() as db:
            rows = db.execute(
                f"SELECT {_COLS} FROM online_topups WHERE account_id = ? ORDER BY created_at DESC",
                (account_id,),
            ).fetchall()
        return [_row(r) for r in rows]

    # Notifications -------------------------------------------------------------------

    def record_notification(
        self,
        topup_id: str,
        notice: Notification,
        now: str,
        *,
        pay: bool,
        close_as: OnlineTopUpState | None,
    ) -> str:
        """Record a signed notification and apply it, in one transaction; its effect.

        ``pay``: credit the account once by ``provider_tx`` (a second notification of
        the same transaction finds the movement and credits nothing). ``close_as``: the
        order ends refused or abandoned, unless it was paid already (a late or repeated
        notification never undoes a payment).
        """
        with self.storage.atomic() as db:
            row = db.execute(_ORDER, (topup_id,)).fetchone()
            assert row is not None
            order = _row(row)
            effect = "none"
            if pay:
                effect = self._pay(db, order, notice.provider_tx, now)
            elif close_as is not None and order.state is OnlineTopUpState.CREATED:
                db.execute(
                    "UPDATE online_topups SET state = ?, settled_at = ? WHERE id = ?",
                    (close_as.value, now, topup_id),
                )
                effect = close_as.value
            elif close_as is not None:
                effect = f"ignored: already {order.state.value}"
            db.execute(
                "INSERT INTO payment_notifications (topup_id, provider_tx, status, detail, "
                "fields, effect, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    topup_id,
                    notice.provider_tx,
                    notice.status.value,
                    notice.detail,
                    json.dumps(notice.fields, sort_keys=True),
                    effect,
                    now,
                ),
            )
        return effect

    def _pay(self, db: sqlite3.Connection, order: TopUpRow, provider_tx: str, now: str) -> str:
        ref = credit_ref(provider_tx)
        if db.execute("SELECT 1 FROM hub_ledger WHERE ref = ?", (ref,)).fetchone() is not None:
            return "already credited"
        if order.provider_tx is not None and order.provider_tx != provider_tx:
            # The order was paid by another transaction already: never twice for one order.
            return f"ignored: order paid by {order.provider_tx}"
        db.execute(
            _LEDGER,
            (
                order.account_id,
                "online_top_up",
                order.amount,
                ref,
                f"online top-up {order.id}",
                now,
            ),
        )
        db.execute(
            "UPDATE accounts SET balance = balance + ? WHERE id = ?",
            (order.amount, order.account_id),
        )
        db.execute(
            "UPDATE online_topups SET state = 'paid', provider_tx = ?, settled_at = ? WHERE id = ?",
            (provider_tx, now, order.id),
        )
        SqliteStorage.bump(db, order.site, "account", [order.account_id])
        return "credited"

    def notifications(self, topup_id: str) -> list[tuple[str, str, str]]:
        """(status, detail, effect) of each notification of the order, in order."""
        with self.storage.reading() as db:
            rows = db.execute(
                "SELECT status, detail, effect FROM payment_notifications "
                "WHERE topup_id = ? ORDER BY id",
                (topup_id,),
            ).fetchall()
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    # Refunds -------------------------------------------------------------------------

    def balance(self, account_id: str) -> int:
        with self.storage.reading() as db:
            return int(
                db.execute("SELECT balance FROM accounts WHERE id = ?", (account_id,)).fetchone()[0]
            )

    def start_refund(
        self, refund_id: str, order: TopUpRow, amount: int, *, admin: str, note: str, now: str
    ) -> None:
        with self.storage.atomic() as db:
            db.execute(
                "INSERT INTO online_refunds (id, topup_id, amount, admin, note, state, created_at) "
                "VALUES (?, ?, ?, ?, ?, 'requested', ?)",
                (refund_id, order.id, amount, admin, note, now),
            )

    def finish_refund(
        self, refund_id: str, order: TopUpRow, amount: int, provider_ref: str | None, now: str
    ) -> None:
        """The provider refunded (``provider_ref``) or refused (None): debit the account
        once and mark the order, in one transaction."""
        with self.storage.atomic() as db:
            if provider_ref is None:
                db.execute("UPDATE online_refunds SET state = 'failed' WHERE id = ?", (refund_id,))
                return
            db.execute(
                "UPDATE online_refunds SET state = 'done', provider_ref = ? WHERE id = ?",
                (provider_ref, refund_id),
            )
            db.execute(
                _LEDGER,
                (
                    order.account_id,
                    "online_refund",
                    -amount,
                    refund_ref(refund_id),
                    f"refund of {order.id}",
                    now,
                ),
            )
            db.execute(
                "UPDATE accounts SET balance = balance - ? WHERE id = ?", (amount, order.account_id)
            )
            refunded = order.refunded + amount
            state = OnlineTopUpState.REFUNDED if refunded >= order.amount else order.state
            db.execute(
                "UPDATE online_topups SET refunded = refunded + ?, state = ? WHERE id = ?",
                (amount, state.value, order.id),
            )
            SqliteStorage.bump(db, order.site, "account", [order.account_id])
