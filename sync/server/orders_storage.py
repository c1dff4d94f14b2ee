"""The hub's SQL for orders: ``OrderTx``, the order operations inside one open write
transaction of one site (an admin or portal action, or a terminal's push), and
``OrdersStorage``, the reads and the transaction, a base class of ``SqliteStorage``.

Each order is a row of ``orders`` (its ``OrderDoc`` as JSON, indexed by code, day and
account), and its quantities count in ``order_counts`` (by day and item, for the
daily limits) while it is not cancelled;
every change also writes the document ``order``/<code> that the site's terminals pull,
in the same transaction. Money that moves on the hub for an order (a portal order's
debit, a refund) goes to ``hub_ledger`` with a unique ``ref``: a second refund of the
same order cannot be written, whatever the interleaving.

Plain SQL that PostgreSQL also runs (no JSON functions, no ``INSERT OR ...``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache

from sync.journal import format_ts
from sync.protocol.catalogue import SiteMenu
from sync.protocol.orders import ORDER_DOC_KIND, OrderDoc, OrderState
from sync.protocol.rows import AccountRow, SiteSettings
from sync.server.errors import InvalidRequestError
from sync.server.sqlite_base import SqliteBase
from sync.server.sqlrows import ACCOUNT_COLS, account_record

Bump = Callable[[sqlite3.Connection, str, str, Sequence[str]], None]
MENU_KIND, MENU_ID = "catalogue", "site"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_DOC_COLS = "doc"


@lru_cache(maxsize=8)
def _parse_menu(text: str) -> SiteMenu:
    return SiteMenu.model_validate_json(text)


def _doc(text: str) -> OrderDoc:
    return OrderDoc.model_validate_json(text)


class OrderTx:
    """Order operations of ``site`` inside the caller's open write transaction."""

    def __init__(self, db: sqlite3.Connection, site: str, bump: Bump, stamp: str) -> None:
        self.db, self.site, self._bump, self.stamp = db, site, bump, stamp
        self._menu: SiteMenu | None = None
        self._settings: SiteSettings | None = None

    # Reading ---------------------------------------------------------------------------

    def menu(self) -> SiteMenu | None:
        """The site's menu (read once per transaction: a push applies many orders)."""
        if self._menu is None:
            row = self.db.execute(
                "SELECT body FROM documents WHERE site = ? AND kind = ? AND id = ?",
                (self.site, MENU_KIND, MENU_ID),
            ).fetchone()
            if row is None or row[0] is None:
                return None
            self._menu = _parse_menu(row[0])
        return self._menu

    def settings(self) -> SiteSettings:
        if self._settings is None:
            sql = "SELECT settings FROM sites WHERE code = ?"
            row = self.db.execute(sql, (self.site,)).fetchone()
            self._settings = SiteSettings.model_validate_json(row[0])
        return self._settings

    def by_code(self, code: str) -> OrderDoc | None:
        """The order of that code (the latest placed, should two origins share one)."""
        row = self.db.execute(
            "SELECT doc FROM orders WHERE site = ? AND code = ? ORDER BY placed_at DESC LIMIT 1",
            (self.site, code),
        ).fetchone()
        return None if row is None else _doc(row[0])

    def by_origin(self, origin: str) -> OrderDoc | None:
        row = self.db.execute(
            "SELECT doc FROM orders WHERE site = ? AND origin = ?", (self.site, origin)
        ).fetchone()
        return None if row is None else _doc(row[0])

    def quantities(self, day: str) -> dict[str, int]:
        """Item id -> quantity ordered for pickup ``day``, cancelled orders left out."""
        rows = self.db.execute(
            "SELECT item, qty FROM order_counts WHERE site = ? AND pickup_day = ?",
            (self.site, day),
        ).fetchall()
        return {str(item): int(qty) for item, qty in rows}

    def account(self, account_id: str) -> AccountRow | None:
        """The account, if it is of this site (read for a debit's floor)."""
        row = self.db.execute(
            f"SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ? AND site = ?",
            (account_id, self.site),
        ).fetchone()
        return None if row is None else account_record(row).row

    # Writing ---------------------------------------------------------------------------

    def save(self, doc: OrderDoc, *, new: bool = False) -> None:
        """Insert (``new``) or update an order, and send it to the site's terminals."""
        text = doc.model_dump_json()
        counted = doc.state is not OrderState.CANCELLED
        if new:
            self.db.execute(
                "INSERT INTO orders (site, origin, code, account_id, pickup_day, slot, state, "
                "placed_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.site,
                    doc.origin,
                    doc.code,
                    doc.account,
                    doc.pickup_day,
                    doc.slot,
                    doc.state.value,
                    doc.placed_at,
                    text,
                ),
            )
            was_counted = False
        else:
            row = self.db.execute(
                "SELECT state FROM orders WHERE site = ? AND origin = ?", (self.site, doc.origin)
            ).fetchone()
            if row is None:
                raise LookupError(f"no order from {doc.origin} on {self.site}")
            self.db.execute(
                "UPDATE orders SET state = ?, doc = ? WHERE site = ? AND origin = ?",
                (doc.state.value, text, self.site, doc.origin),
            )
            was_counted = row[0] != OrderState.CANCELLED.value
        if counted != was_counted:
            self._count(doc, 1 if counted else -1)
        self.db.execute(
            """INSERT INTO documents VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (site, kind, id) DO UPDATE SET body = excluded.body,
                   updated_at = excluded.updated_at""",
            (self.site, ORDER_DOC_KIND, doc.code, text, self.stamp),
        )
        self._bump(self.db, self.site, f"doc:{ORDER_DOC_KIND}", [doc.code])

    def _count(self, doc: OrderDoc, sign: int) -> None:
        """Add (or take back) the order's quantities in ``order_counts``."""
        if sign < 0:  # the rows exist: the order was counted
            self.db.executemany(
                "UPDATE order_counts SET qty = qty - ? "
                "WHERE site = ? AND pickup_day = ? AND item = ?",
                [(line.qty, self.site, doc.pickup_day, line.item) for line in doc.lines],
            )
            return
        self.db.executemany(
            "INSERT INTO order_counts (site, pickup_day, item, qty) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (site, pickup_day, item) DO UPDATE "
            "SET qty = order_counts.qty + excluded.qty",
            [(self.site, doc.pickup_day, line.item, line.qty) for line in doc.lines],
        )

    def ledger(self, account_id: str, kind: str, amount: int, ref: str, note: str) -> bool:
        """Move ``amount`` cents on the account in the hub's ledger, once per ``ref``;
        whether it moved now (False: that ``ref`` was already booked)."""
        seen = self.db.execute("SELECT 1 FROM hub_ledger WHERE ref = ?", (ref,)).fetchone()
        if seen is not None:
            return False
        row = self.db.execute(
            "SELECT balance FROM accounts WHERE id = ? AND site = ?", (account_id, self.site)
        ).fetchone()
        if row is None:
            raise LookupError(f"no account {account_id} on {self.site}")
        if not INT64_MIN <= int(row[0]) + amount <= INT64_MAX:
            raise InvalidRequestError("amount: the balance would pass the 64-bit limit")
        self.db.execute(
            "INSERT INTO hub_ledger (account_id, kind, amount, ref, note, ts) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (account_id, kind, amount, ref, note, self.stamp),
        )
        self.db.execute(
            "UPDATE accounts SET balance = balance + ? WHERE id = ?", (amount, account_id)
        )
        self._bump(self.db, self.site, "account", [account_id])
        return True


class OrdersStorage(SqliteBase):
    """The orders' part of ``SqliteStorage``."""

    @contextmanager
    def order_tx(self, site: str, now: datetime) -> Iterator[OrderTx]:
        """One write transaction on the orders of ``site``."""
        with self._write() as db:
            yield OrderTx(db, site, self._bump, format_ts(now))

    def order(self, site: str, code: str) -> OrderDoc | None:
        with self._conn() as db:
            row = db.execute(
                "SELECT doc FROM orders WHERE site = ? AND code = ? "
                "ORDER BY placed_at DESC LIMIT 1",
                (site, code),
            ).fetchone()
        return None if row is None else _doc(row[0])

    def orders_of_day(self, site: str, day: str) -> list[OrderDoc]:
        """The orders to collect on ``day``, by slot then time placed."""
        with self._conn() as db:
            rows = db.execute(
                "SELECT doc FROM orders WHERE site = ? AND pickup_day = ? "
                "ORDER BY slot, placed_at, code",
                (site, day),
            ).fetchall()
        return [_doc(r[0]) for r in rows]

    def orders_of_account(self, account_id: str, limit: int = 200) -> list[OrderDoc]:
        """The diner's orders, the latest placed first."""
        with self._conn() as db:
            rows = db.execute(
                "SELECT doc FROM orders WHERE account_id = ? ORDER BY placed_at DESC LIMIT ?",
                (account_id, limit),
            ).fetchall()
        return [_doc(r[0]) for r in rows]
