"""The handle of an open transaction of the terminal's store.

``Store.atomic()`` and ``Store.reading()`` give a ``Tx``; callers pass it to the
store's named operations (``Store.account(id, tx)``, ``store_codes.code_seen(tx, ...)``)
so that several operations share one transaction, and never see the connection
under it: SQL is written in the store's modules (``kiosk/engine/store*.py``) only,
which reach the connection through ``sql_of``.
"""

from __future__ import annotations

import sqlite3


class Tx:
    """An open transaction (a write one from ``Store.atomic``, a read snapshot from
    ``Store.reading``). Valid only inside the ``with`` block that gave it."""

    __slots__ = ("_db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db


def sql_of(tx: Tx) -> sqlite3.Connection:
    """The connection under ``tx``: for the store's own modules only."""
    return tx._db
