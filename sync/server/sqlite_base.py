"""The SQLite plumbing under ``SqliteStorage``: the database file (created 0600), the
connection pool, the migrations, the write and read transactions and the version
counter of the changes feed. Connection settings, transactions, migrations and their
statement splitting are the terminal's too: ``sync.sqlitedb``.

``SqliteBase`` is the base class of ``JournalStorage`` (sync.server.journal_storage) and
so of ``SqliteStorage`` (sync.server.storage), which hold the SQL itself. Connections
come from a small pool so that the HTTP worker threads read in parallel; every
multi-statement write is one ``BEGIN IMMEDIATE`` transaction. sqlite3 errors are
translated to ``StorageError`` at this boundary.
"""

from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sync import sqlitedb
from sync.server.errors import StorageError
from sync.server.schema import MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0
_WHERE = "hub database"  # starts the messages of its errors (sent to terminals: no path)
PRIVATE = 0o600  # hub.db and its -wal and -shm: balances, token hashes


def _make_private(path: Path) -> None:
    """Create the database file 0600 (SQLite gives its -wal and -shm files the
    database's mode), and tighten the files of a hub created before that."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE))
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if name.exists() and name.stat().st_mode & 0o777 != PRIVATE:
                name.chmod(PRIVATE)
    except OSError as exc:
        raise StorageError(f"{path}: cannot open the hub database: {exc}") from exc


class SqliteBase:
    """The database file, its connections, transactions and versions. Safe to share
    between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # The writers of this process queue on this lock, one at a time in SQLite's
        # busy handler: that handler polls with sleeps of up to 100 ms, and with a
        # thousand tills pushing, threads polling it left the database idle between
        # commits and ran out their busy timeout ("database is locked", see bench.py hub).
        self._writer = threading.RLock()
        self._closed = False
        _make_private(self.path)
        with self._conn() as conn:
            sqlitedb.migrate(conn, MIGRATIONS, error=StorageError, where=f"hub {self.path}")

    # Connections and transactions -------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlitedb.connect(
            self.path, error=StorageError, what="the hub database", busy_timeout_s=BUSY_TIMEOUT_S
        )
        with self._lock:
            self._all.append(conn)
        return conn

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise StorageError("the hub database is closed")
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            sqlitedb.end_leftover(conn, error=StorageError, where=_WHERE)
            yield conn
        except sqlite3.Error as exc:  # a statement outside a transaction (single reads)
            raise StorageError(f"{_WHERE}: {sqlitedb.describe(exc)}") from exc
        finally:
            self._pool.put(conn)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if not self._writer.acquire(timeout=BUSY_TIMEOUT_S):
            raise StorageError(f"the hub database is busy: no write within {BUSY_TIMEOUT_S} s")
        try:
            with self._conn() as conn, sqlitedb.transaction(conn, error=StorageError, where=_WHERE):
                yield conn
        finally:
            self._writer.release()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot for several SELECTs."""
        with self._conn() as conn, sqlitedb.snapshot(conn, error=StorageError, where=_WHERE):
            yield conn

    def close(self) -> None:
        self._closed = True
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()

    # Versions ---------------------------------------------------------------------

    @staticmethod
    def _bump(db: sqlite3.Connection, site: str, kind: str, keys: Sequence[str]) -> None:
        """Give each (kind, key) of the site a new version, in the order given."""
        if not keys:
            return
        top = db.execute(
            "UPDATE meta SET value = value + ? WHERE key = 'version' RETURNING value",
            (len(keys),),
        ).fetchone()[0]
        first = top - len(keys) + 1
        db.executemany(
            """INSERT INTO changes (site, kind, key, version) VALUES (?, ?, ?, ?)
               ON CONFLICT (site, kind, key) DO UPDATE SET version = excluded.version""",
            [(site, kind, key, first + i) for i, key in enumerate(keys)],
        )

    # For the hub's store modules (sync.server.payments) ---------------------------------

    def atomic(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction, for a store module's own SQL on this database."""
        return self._write()

    def reading(self) -> AbstractContextManager[sqlite3.Connection]:
        """One read snapshot, for a store module's own SQL on this database."""
        return self._read()

    @staticmethod
    def bump(db: sqlite3.Connection, site: str, kind: str, keys: Sequence[str]) -> None:
        """Give changed rows new versions inside the caller's transaction (changes feed)."""
        SqliteBase._bump(db, site, kind, keys)
