"""The PostgreSQL plumbing under ``PgStorage``: the connection pool (psycopg 3 and
psycopg_pool), the migrations, the write and read transactions.

``PgStorage`` runs the very storage methods of ``SqliteStorage`` (their SQL is written
in the portable subset of ``sync.server.pg_sql``) over ``PgConnection``, which offers
the part of ``sqlite3.Connection`` that they use: ``execute`` and ``executemany``
returning cursors (``fetchone``, ``fetchall``, iteration, ``rowcount``), each statement
translated once, and errors raised as the matching ``sqlite3`` exceptions, so that the
storage's handlers and ``StorageError`` translation work unchanged. One difference
shows: PostgreSQL cannot store the character NUL in text (SQLite can), so a request
carrying one is refused as invalid (422) and changes nothing.

Concurrency is settled in the database, never in a process: every write transaction
first takes one transaction-scoped advisory lock (``WRITE_LOCK``), the PostgreSQL form
of SQLite's ``BEGIN IMMEDIATE``, so that any number of hub processes on any number of
machines apply pushes, movements, visit transitions and rate limits exactly as one
would. Writes are serialised anyway by the changes feed's version counter, which a
write must increment in its own transaction (a reader must never see a version whose
rows are not committed); reads take no lock and see one snapshot (``REPEATABLE READ``).
Migrations run in one transaction under their own advisory lock, so that processes
starting together migrate once.

A write transaction that wrote many rows (an import of a site's diners and badges) is
followed by an ``ANALYZE`` of the tables a snapshot reads: PostgreSQL's planner works
from statistics that autovacuum refreshes only a minute or more later, and with the
empty tables' figures it reads a new site's whole changes feed and sorts it for each
page of the first snapshot (45 ms a page of 5,000 rows at 100,000 diners, against
17 ms reading the index in order).
"""

from __future__ import annotations

import logging
import sqlite3
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg_pool

from sync import sqlitedb
from sync.journal import format_ts
from sync.server import pg_sql
from sync.server.errors import InvalidRequestError, StorageError
from sync.server.schema import MIGRATIONS

log = logging.getLogger(__name__)

WRITE_LOCK = 0x6B696F736B  # any fixed key: the hub's one write lock
MIGRATION_LOCK = WRITE_LOCK + 1
POOL_MAX = 16
IDLE_CHECK_S = 5.0  # a pooled connection idle longer is tried before it is lent
# Rows written in one transaction (``executemany``) past which the snapshot's tables are
# analysed after the commit, and those tables.
BULK_ROWS = 5_000
SNAPSHOT_TABLES = "changes, accounts, credentials"
CONNECT_TIMEOUT_S = 10.0


def redacted(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _sqlite_error(exc: psycopg.Error) -> sqlite3.Error:
    """The sqlite3 exception the storage's handlers expect for a psycopg one."""
    text = str(exc).strip()
    if isinstance(exc, psycopg.errors.IntegrityError):
        return sqlite3.IntegrityError(text)
    if isinstance(exc, psycopg.errors.DataError):
        return sqlite3.DataError(text)
    if isinstance(exc, psycopg.errors.OperationalError):
        return sqlite3.OperationalError(text)
    return sqlite3.DatabaseError(text)


def _translated(exc: psycopg.Error) -> Exception:
    """What the storage raises for a psycopg error: text with a NUL character, which
    PostgreSQL cannot store (SQLite can), is the request's fault and says so; any
    other error is the matching sqlite3 exception."""
    if isinstance(exc, psycopg.DataError) and "NUL (0x00)" in str(exc):
        return InvalidRequestError("text cannot hold the character NUL (U+0000)")
    return _sqlite_error(exc)


class PgCursor(psycopg.Cursor[Any]):
    """psycopg's cursor, saying what to write instead of ``lastrowid``."""

    @property
    def lastrowid(self) -> int:
        raise pg_sql.TranslationError(
            "cursor.lastrowid has no PostgreSQL form: write INSERT ... RETURNING id"
        )


class PgConnection:
    """One pooled psycopg connection seen as the ``sqlite3.Connection`` the storage
    modules are written against (see the module docstring)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.written = 0  # rows given to ``executemany`` since the transaction began

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> psycopg.Cursor[Any]:
        try:
            return self.conn.execute(pg_sql.statement(sql), params)
        except psycopg.Error as exc:
            raise _translated(exc) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        cursor = self.conn.cursor()
        batch = list(rows)
        try:
            if batch:
                cursor.executemany(pg_sql.statement(sql), batch)
        except psycopg.Error as exc:
            raise _translated(exc) from exc
        self.written += len(batch)
        return cursor

    def raw(self, sql: str) -> None:
        """Run PostgreSQL's own SQL (schema set-up, locks), untranslated."""
        try:
            self.conn.execute(cast(Any, sql))
        except psycopg.Error as exc:
            raise _translated(exc) from exc


class PgBase:
    """The database named by a ``postgresql://`` URL: its pool, transactions and
    migrations. Safe to share between threads; any number of processes may share the
    database."""

    def __init__(self, url: str, *, pool_max: int = POOL_MAX) -> None:
        self.url = url
        # When each pooled connection was last given back (``_check``).
        self._given_back: weakref.WeakKeyDictionary[psycopg.Connection[Any], float] = (
            weakref.WeakKeyDictionary()
        )
        self.shown = redacted(url)  # what logs and messages name (no password)
        self._closed = False
        try:
            self._pg_pool = psycopg_pool.ConnectionPool(
                url,
                min_size=1,
                max_size=pool_max,
                kwargs={"autocommit": True, "cursor_factory": PgCursor},
                check=self._check,
                reset=self._returned,
                configure=_configure,
                timeout=CONNECT_TIMEOUT_S,
                open=False,
                name="hub",
            )
            self._pg_pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            raise StorageError(f"{self.shown}: cannot open the hub database: {exc}") from exc
        try:
            self._migrate()
        except BaseException:
            self._pg_pool.close()
            raise

    def _migrate(self) -> None:
        with self._conn() as db:
            pg = cast(PgConnection, db)
            pg.raw("BEGIN")
            try:
                pg.raw(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                pg.raw(pg_sql.PG_FUNCTIONS)
                pg.raw(sqlitedb.MIGRATIONS_TABLE)
                done = {r[0] for r in db.execute("SELECT name FROM migrations")}
                for name, script in MIGRATIONS:
                    if name not in done:
                        self._apply(db, name, script)
                pg.raw("COMMIT")
            except BaseException:
                _rollback(pg)
                raise

    def _apply(self, db: sqlite3.Connection, name: str, script: str) -> None:
        """One migration and its record, inside the migrations' transaction (all of
        them are applied and recorded, or none)."""
        log.info("hub %s: applying migration %s", self.shown, name)
        try:
            for text in sqlitedb.split_statements(pg_sql.PG_MIGRATIONS.get(name, script)):
                cast(PgConnection, db).raw(pg_sql.migration(text))
            stamp = format_ts(datetime.now(UTC))
            db.execute("INSERT INTO migrations VALUES (?, ?)", (name, stamp))
        except sqlite3.Error as exc:
            raise StorageError(f"hub {self.shown}: migration {name} failed: {exc}") from exc

    # Connections and transactions -------------------------------------------------

    def _returned(self, conn: psycopg.Connection[Any]) -> None:
        self._given_back[conn] = time.monotonic()

    def _check(self, conn: psycopg.Connection[Any]) -> None:
        """Before a connection is lent: one that has been idle for a while is tried
        (a round trip), so that one the server dropped (a restart, a failover) is
        replaced rather than failing a request. One given back moments ago is lent as
        it is: trying every connection every time added a round trip to each of a
        push's or a pull's storage calls, and under load each round trip waits its
        turn for the interpreter (pull p99 87 ms against 30-43 ms without it, with
        1,000 tills on one hub process)."""
        if time.monotonic() - self._given_back.get(conn, 0.0) > IDLE_CHECK_S:
            psycopg_pool.ConnectionPool.check_connection(conn)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise StorageError("the hub database is closed")
        try:
            with self._pg_pool.connection() as conn:
                yield cast(sqlite3.Connection, PgConnection(conn))
        except psycopg_pool.PoolTimeout as exc:
            raise StorageError(f"hub database: no connection available: {exc}") from exc
        except (psycopg.Error, sqlite3.Error) as exc:  # a statement outside a transaction
            raise StorageError(f"hub database: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._conn() as db:
            pg = cast(PgConnection, db)
            try:
                pg.raw("BEGIN")
                pg.raw(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            except sqlite3.Error as exc:
                pg.conn.rollback()
                raise StorageError(f"cannot start a transaction: {exc}") from exc
            pg.written = 0
            try:
                yield db
                pg.raw("COMMIT")
            except sqlite3.Error as exc:
                _rollback(pg)
                raise StorageError(f"hub database write failed: {exc}") from exc
            except BaseException:
                _rollback(pg)
                raise
            if pg.written >= BULK_ROWS:
                _analyse(pg)

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot for several SELECTs."""
        with self._conn() as db:
            pg = cast(PgConnection, db)
            try:
                pg.raw("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    yield db
                finally:
                    _rollback(pg)
            except sqlite3.Error as exc:
                raise StorageError(f"hub database read failed: {exc}") from exc

    # Tables whose rows an erasure changes or deletes (sync.server.personal_store).
    ERASED_TABLES = (
        "accounts", "account_details", "credentials", "documents", "closure_requests",
        "portal_logins", "portal_sessions", "portal_codes", "portal_attempts",
        "portal_devices", "portal_passkeys", "portal_link_tokens",
    )  # fmt: skip

    def checkpoint(self) -> bool:
        """After an erasure: VACUUM the tables it touched, so that the rows' former
        versions are removed from them (PostgreSQL keeps them until a vacuum; SQLite's
        WAL checkpoint is the same step). Outside any transaction, as VACUUM must be.
        The server's WAL and base backups keep older pages until they are recycled:
        docs/hub-deployment.md says how long."""
        with self._conn() as db:
            try:
                cast(PgConnection, db).raw("VACUUM " + ", ".join(self.ERASED_TABLES))
            except sqlite3.Error as exc:
                raise StorageError(f"hub checkpoint failed: {exc}") from exc
        return True

    def close(self) -> None:
        self._closed = True
        self._pg_pool.close()


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Each new connection of the pool: no JIT compilation. The hub's queries are short
    and many; PostgreSQL compiles any query its planner costs high, and a page of the
    first snapshot (5,000 subqueries) is costed high enough to spend 18 ms compiling,
    each time, for a query that then runs in 12 ms."""
    conn.execute("SET jit = off")


def _analyse(pg: PgConnection) -> None:
    """Refresh the planner's statistics of the snapshot's tables after a bulk write
    (see the module docstring); the write is committed, so a failure is only logged."""
    try:
        pg.raw(f"ANALYZE {SNAPSHOT_TABLES}")
    except sqlite3.Error as exc:
        log.warning("hub database: ANALYZE after a bulk write failed: %s", exc)


def _rollback(pg: PgConnection) -> None:
    """Roll back; a connection that cannot is dropped by the pool (its error would hide
    the one that matters)."""
    try:
        pg.conn.rollback()
    except psycopg.Error:
        log.warning("hub database: rollback failed; the connection is dropped")
