"""The SQLite foundation shared by the terminal's store (``kiosk.engine.store``) and the
hub's SQLite backend (``sync.server.sqlite_base``): opening a connection, transactions,
recorded migrations and the splitting of a migration script into statements.

Every function takes the caller's error class (``StoreError`` on the terminal,
``StorageError`` on the hub): a ``sqlite3`` error never leaves this module
untranslated, and the translated error is raised ``from`` the original. A transaction
that fails and then cannot even roll back raises the error that made it fail, with the
rollback's failure as a note on it (and in the log): the first cause is the one a
technician needs.

Settings of every connection: WAL journal (readers never wait for the writer),
``synchronous = FULL`` (a commit is on disk when it returns), foreign keys on and a
busy timeout (a second process waits for the write lock instead of failing at once).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

ErrorType = Callable[[str], Exception]
"""The caller's own error class (or any callable building one from a message)."""

MIGRATIONS_TABLE = "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"


def describe(exc: BaseException) -> str:
    """sqlite3's message, with a hint where its own wording is cryptic."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
        return f"{text} (the file is damaged or is not a database of this project)"
    if "readonly" in text:
        return f"{text} (the database or its folder is read-only)"
    return text


def connect(
    target: Path | str,
    *,
    error: ErrorType,
    what: str,
    busy_timeout_s: float,
    must_exist: bool = False,
) -> sqlite3.Connection:
    """A connection to ``target`` with the project's settings (see the module doc).

    ``what`` names the database in messages ("the store", "the hub database"). With
    ``must_exist`` the file is opened read-write but never created (a missing file is
    an error and nothing but SQLite's WAL files is written beside it).
    """
    path = Path(target)
    conn: sqlite3.Connection | None = None
    try:
        if must_exist:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=rw",
                isolation_level=None,
                check_same_thread=False,
                timeout=busy_timeout_s,
                uri=True,
            )
        else:
            conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_s
            )
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            conn.close()
            raise error(f"{path}: cannot use WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except (sqlite3.Error, OSError) as exc:
        if conn is not None:
            conn.close()
        raise error(f"{path}: cannot open {what}: {describe(exc)}") from exc
    return conn


@contextmanager
def transaction(
    conn: sqlite3.Connection, *, error: ErrorType, where: str, nested: bool = False
) -> Iterator[sqlite3.Connection]:
    """One write transaction on ``conn``: committed when the block ends, rolled back
    whole when it raises.

    It takes the write lock at the start (``BEGIN IMMEDIATE``), so that a write never
    fails half-way on a lock another process took since. ``nested``: the caller's
    block runs inside a transaction it opened itself, and is a savepoint: its failure
    undoes its own writes only, and the outer transaction decides the rest (inside a
    ``snapshot`` its first write may find the snapshot stale: SQLite then refuses it
    rather than wait). The caller says so, rather than this guessing from the
    connection: a transaction left open by a failed rollback is ended, never joined,
    so that no write ever goes into a transaction that nobody commits. ``where``
    starts every message (a path, a name).
    """
    if nested:
        with _savepoint(conn, error=error, where=where):
            yield conn
        return
    end_leftover(conn, error=error, where=where)
    try:
        begin_immediate(conn)
    except sqlite3.Error as exc:
        raise error(f"{where}: cannot start a transaction: {describe(exc)}") from exc
    try:
        yield conn
    except sqlite3.Error as exc:
        failure = error(f"{where}: {describe(exc)}")
        _rollback(conn, where, failure)
        raise failure from exc
    except BaseException as exc:
        _rollback(conn, where, exc)
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        failure = error(f"{where}: commit failed: {describe(exc)}")
        _rollback(conn, where, failure)
        raise failure from exc


# SQLite's own busy handler sleeps between its tries, up to 100 ms at a time: a writer
# that commits short transactions back to back (the sync daemon applying a first
# snapshot, 500 rows at a time) kept a till's sale waiting for a second and more, its
# every try landing inside the next transaction. Trying every millisecond takes the
# lock in the gap between two of them (see bench.py sync, "a sale's wait").
RETRY_S = 0.001


def begin_immediate(conn: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE``, tried again every millisecond while another connection
    holds the write lock, until the connection's busy timeout (then SQLite's error)."""
    timeout_ms = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    if timeout_ms <= 0:
        conn.execute("BEGIN IMMEDIATE")
        return
    deadline = time.monotonic() + timeout_ms / 1000
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(RETRY_S)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")


@contextmanager
def _savepoint(conn: sqlite3.Connection, *, error: ErrorType, where: str) -> Iterator[None]:
    # SQLite nests savepoints of one name: ROLLBACK TO and RELEASE take the latest.
    try:
        conn.execute("SAVEPOINT nested")
    except sqlite3.Error as exc:
        raise error(f"{where}: cannot start a savepoint: {describe(exc)}") from exc
    try:
        yield
    except BaseException as exc:
        failure: BaseException = (
            error(f"{where}: {describe(exc)}") if isinstance(exc, sqlite3.Error) else exc
        )
        try:
            conn.execute("ROLLBACK TO nested")
            conn.execute("RELEASE nested")
        except sqlite3.Error as undo:
            _note(failure, where, undo)
        if failure is exc:
            raise
        raise failure from exc
    try:
        conn.execute("RELEASE nested")
    except sqlite3.Error as exc:
        raise error(f"{where}: cannot release a savepoint: {describe(exc)}") from exc


def _rollback(conn: sqlite3.Connection, where: str, cause: BaseException) -> None:
    """Roll back; when that fails too, the error that led here still propagates, with
    the rollback's failure noted on it."""
    if not conn.in_transaction:  # SQLite ended it already (some errors roll back)
        return
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        _note(cause, where, exc)


def end_leftover(conn: sqlite3.Connection, *, error: ErrorType, where: str) -> None:
    """Roll back a transaction left open on ``conn`` (its rollback or the end of a read
    failed earlier), before a new one starts or a pooled connection is lent again."""
    if not conn.in_transaction:
        return
    log.warning("%s: rolling back a transaction left open by an earlier failure", where)
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise error(
            f"{where}: a transaction left open by an earlier failure cannot be ended: "
            f"{describe(exc)}"
        ) from exc


def _note(cause: BaseException, where: str, undo: sqlite3.Error) -> None:
    log.warning("%s: rollback failed after %r: %s", where, cause, undo)
    cause.add_note(f"{where}: the rollback failed too: {describe(undo)}")


@contextmanager
def snapshot(
    conn: sqlite3.Connection, *, error: ErrorType, where: str, nested: bool = False
) -> Iterator[sqlite3.Connection]:
    """A consistent read snapshot (``BEGIN`` ... ``COMMIT``) for several SELECTs;
    ``nested`` (inside a transaction the caller opened) it reads that transaction's
    view."""
    if nested:
        try:
            yield conn
        except sqlite3.Error as exc:
            raise error(f"{where}: cannot read: {describe(exc)}") from exc
        return
    end_leftover(conn, error=error, where=where)
    try:
        conn.execute("BEGIN")
    except sqlite3.Error as exc:
        raise error(f"{where}: cannot read: {describe(exc)}") from exc
    try:
        yield conn
    except sqlite3.Error as exc:
        raise error(f"{where}: cannot read: {describe(exc)}") from exc
    finally:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:  # a read has nothing to lose: said, not raised
            log.warning("%s: end of read failed: %s", where, exc)


def split_statements(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole (a
    comment may hold a semicolon). The last statement needs no ``;``: text left after
    the last complete statement is a statement too (SQLite refuses it if it is not).
    Chunks of comments and bare ``;`` are no statements."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if _has_code(current):
                statements.append(current.strip())
            current = ""
    if _has_code(current):
        statements.append(current.strip())
    return statements


_COMMENTS = re.compile(r"/\*.*?\*/|--[^\n]*", re.S)


def _has_code(text: str) -> bool:
    """Whether ``text`` holds more than comments, semicolons and whitespace."""
    return bool(_COMMENTS.sub("", text).replace(";", "").strip())


def migrate(
    conn: sqlite3.Connection,
    migrations: Sequence[tuple[str, str]],
    *,
    error: ErrorType,
    where: str,
) -> list[str]:
    """Apply the named migrations not yet recorded in ``migrations``, in order; return
    the names applied.

    Each migration is one transaction with its record: it is applied whole and
    recorded, or (a statement fails) rolled back whole and not recorded, so that the
    next start tries it again. What is recorded is read inside each transaction, so
    two processes opening the same file at once never apply one migration twice.
    A database that has them all is only read (a read-only file opens).
    """
    try:
        known = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
        ).fetchone()
        done = set(recorded_migrations(conn)) if known else set()
    except sqlite3.Error as exc:
        raise error(f"{where}: cannot read the migrations: {describe(exc)}") from exc
    pending = [(name, script) for name, script in migrations if name not in done]
    if not pending:
        return []
    with transaction(conn, error=error, where=where) as db:
        db.execute(MIGRATIONS_TABLE)
    applied: list[str] = []
    for name, script in pending:
        with transaction(conn, error=error, where=f"{where}: migration {name}") as db:
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                continue
            log.info("%s: applying migration %s", where, name)
            for statement in split_statements(script):
                db.execute(statement)
            db.execute("INSERT INTO migrations VALUES (?, ?)", (name, _now()))
            applied.append(name)
    return applied


def recorded_migrations(conn: sqlite3.Connection) -> list[str]:
    """The names recorded in ``migrations``, sorted (sqlite3 errors: the caller's)."""
    return [str(r[0]) for r in conn.execute("SELECT name FROM migrations ORDER BY name")]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # as sync.journal.format_ts
