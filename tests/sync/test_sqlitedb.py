"""The SQLite foundation shared by the terminal's store and the hub's SQLite backend:
statement splitting, recorded migrations, transactions and their failures."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.engine import store as store_module
from kiosk.engine.errors import StoreError
from kiosk.engine.store import Store
from kiosk.engine.store_tx import sql_of
from sync import sqlitedb
from sync.server import sqlite_base
from sync.server.errors import StorageError
from sync.server.storage import SqliteStorage


class Fault(Exception):
    """The error of these tests' own database."""


def open_db(path: Path) -> sqlite3.Connection:
    return sqlitedb.connect(path, error=Fault, what="the test database", busy_timeout_s=1.0)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = open_db(tmp_path / "t.db")
    yield conn
    conn.close()


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def file_tables(path: Path) -> set[str]:
    """The tables of a database file, read beside its owner."""
    conn = sqlite3.connect(path)
    try:
        return tables(conn)
    finally:
        conn.close()


# Splitting -----------------------------------------------------------------------------

TRIGGER = """
CREATE TABLE t (a INTEGER);  -- a comment; with a semicolon
CREATE TRIGGER t_no_update BEFORE UPDATE ON t
BEGIN
    SELECT RAISE(ABORT, 't is append-only');
END;
CREATE INDEX t_a ON t (a)
"""


def test_the_last_statement_needs_no_semicolon_and_trigger_bodies_stay_whole() -> None:
    parts = sqlitedb.split_statements(TRIGGER)
    assert len(parts) == 3
    assert parts[1].startswith("CREATE TRIGGER") and parts[1].endswith("END;")
    assert parts[2] == "CREATE INDEX t_a ON t (a)"


def test_trailing_comments_and_blank_lines_are_no_statement() -> None:
    assert sqlitedb.split_statements("CREATE TABLE t (a);\n-- the end; really\n\n") == [
        "CREATE TABLE t (a);"
    ]
    assert sqlitedb.split_statements("  \n") == []


# Migrations ------------------------------------------------------------------------------

OK = ("0001_t", "CREATE TABLE t (a INTEGER);")
NO_SEMICOLON = ("0002_u", "CREATE TABLE u (a INTEGER);\nCREATE TABLE v (a INTEGER)")
BROKEN = ("0003_w", "CREATE TABLE w (a INTEGER);\nINSERT INTO nowhere VALUES (1);")


def test_a_migration_whose_last_statement_lacks_a_semicolon_is_applied_whole(
    db: sqlite3.Connection,
) -> None:
    assert sqlitedb.migrate(db, [OK, NO_SEMICOLON], error=Fault, where="t") == ["0001_t", "0002_u"]
    assert {"t", "u", "v"} <= tables(db)
    assert sqlitedb.recorded_migrations(db) == ["0001_t", "0002_u"]
    assert sqlitedb.migrate(db, [OK, NO_SEMICOLON], error=Fault, where="t") == []


def test_a_failing_migration_rolls_back_whole_and_is_not_recorded(
    db: sqlite3.Connection,
) -> None:
    with pytest.raises(Fault, match=r"migration 0003_w: no such table: nowhere") as caught:
        sqlitedb.migrate(db, [OK, BROKEN], error=Fault, where="t")
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    assert "w" not in tables(db)  # its first statement is undone too
    assert sqlitedb.recorded_migrations(db) == ["0001_t"]  # the earlier one stays
    assert not db.in_transaction
    fixed = ("0003_w", "CREATE TABLE w (a INTEGER);")
    assert sqlitedb.migrate(db, [OK, fixed], error=Fault, where="t") == ["0003_w"]
    assert "w" in tables(db)


def test_the_terminal_store_applies_a_last_statement_without_semicolon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = ("9999_test", "CREATE TABLE extra_a (a);\nCREATE TABLE extra_b (b)")
    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, extra])
    with Store.open(tmp_path / "kiosk.db") as store:
        assert "9999_test" in store.migrations()
        assert {"extra_a", "extra_b"} <= file_tables(tmp_path / "kiosk.db")


def test_the_terminal_store_refuses_to_open_on_a_failing_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = ("9999_test", "CREATE TABLE extra_a (a);\nINSERT INTO nowhere VALUES (1)")
    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, broken])
    with pytest.raises(StoreError, match=r"cannot open the store.*9999_test.*nowhere"):
        Store.open(tmp_path / "kiosk.db")
    monkeypatch.undo()
    with Store.open(tmp_path / "kiosk.db") as store:  # the good ones were kept
        assert "9999_test" not in store.migrations()
        assert "extra_a" not in file_tables(tmp_path / "kiosk.db")


def test_the_hub_applies_a_last_statement_without_semicolon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = ("9999_test", "CREATE TABLE extra_a (a);\nCREATE TABLE extra_b (b)")
    monkeypatch.setattr(sqlite_base, "MIGRATIONS", [*sqlite_base.MIGRATIONS, extra])
    storage = SqliteStorage(tmp_path / "hub.db")
    try:
        with storage.reading() as conn:
            assert {"extra_a", "extra_b"} <= tables(conn)
            assert "9999_test" in sqlitedb.recorded_migrations(conn)
    finally:
        storage.close()


def test_the_hub_does_not_record_a_failing_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = ("9999_test", "CREATE TABLE extra_a (a);\nINSERT INTO nowhere VALUES (1)")
    monkeypatch.setattr(sqlite_base, "MIGRATIONS", [*sqlite_base.MIGRATIONS, broken])
    with pytest.raises(StorageError, match=r"9999_test.*nowhere"):
        SqliteStorage(tmp_path / "hub.db")
    conn = sqlite3.connect(tmp_path / "hub.db")
    try:
        assert "9999_test" not in sqlitedb.recorded_migrations(conn)
        assert "extra_a" not in tables(conn)
    finally:
        conn.close()


# Transactions ----------------------------------------------------------------------------


class RollbackFails(sqlite3.Connection):
    """A real connection whose ROLLBACK fails, as it does when the disk went away."""

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith("ROLLBACK"):
            raise sqlite3.OperationalError("disk I/O error")
        return super().execute(sql, *args)


class RollbackFailsOnce(sqlite3.Connection):
    """A real connection whose first ROLLBACK fails (and leaves the transaction open)."""

    failed = False

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith("ROLLBACK") and not self.failed:
            self.failed = True
            raise sqlite3.OperationalError("disk I/O error")
        return super().execute(sql, *args)


@pytest.fixture
def failing(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "f.db", isolation_level=None, factory=RollbackFails)
    conn.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
    yield conn
    conn.close()


def test_a_failed_rollback_never_hides_the_database_error(failing: sqlite3.Connection) -> None:
    with (
        pytest.raises(Fault, match="UNIQUE constraint failed") as caught,
        sqlitedb.transaction(failing, error=Fault, where="t") as db,
    ):
        db.execute("INSERT INTO t VALUES (1)")
        db.execute("INSERT INTO t VALUES (1)")
    assert isinstance(caught.value.__cause__, sqlite3.IntegrityError)
    assert any("rollback failed too: disk I/O error" in n for n in caught.value.__notes__)


def test_a_failed_rollback_never_hides_the_callers_error(failing: sqlite3.Connection) -> None:
    with (
        pytest.raises(ValueError, match="refused by the caller") as caught,
        sqlitedb.transaction(failing, error=Fault, where="t") as db,
    ):
        db.execute("INSERT INTO t VALUES (1)")
        raise ValueError("refused by the caller")
    assert any("rollback failed too" in n for n in caught.value.__notes__)


def test_the_terminal_store_keeps_the_original_error_when_its_rollback_fails(
    tmp_path: Path,
) -> None:
    Store.open(tmp_path / "kiosk.db").close()
    conn = sqlite3.connect(
        tmp_path / "kiosk.db", isolation_level=None, check_same_thread=False, factory=RollbackFails
    )
    with Store(conn, tmp_path / "kiosk.db") as store:
        with (
            pytest.raises(StoreError, match="no such table: nowhere") as caught,
            store.atomic() as tx,
        ):
            sql_of(tx).execute("INSERT INTO meta VALUES ('k', 'v')")
            sql_of(tx).execute("INSERT INTO nowhere VALUES (1)")
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        assert any("rollback failed too" in n for n in caught.value.__notes__)


def test_a_failed_commit_rolls_back_and_says_so(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.execute(
        "CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(Fault, match="commit failed: FOREIGN KEY"):  # noqa: SIM117
        with sqlitedb.transaction(db, error=Fault, where="t") as tx:
            tx.execute("INSERT INTO child VALUES (7)")
    assert not db.in_transaction
    assert db.execute("SELECT count(*) FROM child").fetchone()[0] == 0


def test_a_nested_transaction_is_a_savepoint(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
    with sqlitedb.transaction(db, error=Fault, where="t") as outer:
        outer.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(Fault, match="UNIQUE"):  # noqa: SIM117
            with sqlitedb.transaction(db, error=Fault, where="t", nested=True) as inner:
                inner.execute("INSERT INTO t VALUES (2)")
                inner.execute("INSERT INTO t VALUES (1)")
        with sqlitedb.transaction(db, error=Fault, where="t", nested=True) as inner:
            inner.execute("INSERT INTO t VALUES (3)")
    assert [r[0] for r in db.execute("SELECT a FROM t ORDER BY a")] == [1, 3]


def test_errors_of_connecting_are_the_callers(tmp_path: Path) -> None:
    (tmp_path / "junk.db").write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(Fault, match=r"cannot open the test database: .*damaged"):
        open_db(tmp_path / "junk.db")
    with pytest.raises(Fault, match="cannot open the test database"):
        sqlitedb.connect(
            tmp_path / "absent.db", error=Fault, what="the test database", busy_timeout_s=1.0,
            must_exist=True,
        )  # fmt: skip
    assert not (tmp_path / "absent.db").exists()


def test_the_connection_settings(db: sqlite3.Connection) -> None:
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 1000


# Every database error is the store's own -------------------------------------------------


def test_the_terminal_stores_operations_raise_its_own_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "kiosk.db") as store:
        conn = sqlite3.connect(tmp_path / "kiosk.db")
        conn.execute("DROP TABLE cashiers")  # damage the file beside the store
        conn.commit()
        conn.close()
        with pytest.raises(StoreError, match="no such table: cashiers") as caught:
            store.active_cashier("nfc:04A1B2C3")
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        with pytest.raises(StoreError, match="no such table: cashiers"):
            store.put_cashier("K1", "Kim", "nfc:04A1B2C3", b"salt", b"hash")


def test_the_hubs_single_reads_raise_its_own_error(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "hub.db")
    try:
        conn = sqlite3.connect(tmp_path / "hub.db")
        conn.execute("ALTER TABLE terminals RENAME TO gone")
        conn.commit()
        conn.close()
        with pytest.raises(StorageError, match="hub database: no such table: terminals") as caught:
            storage.terminal("T1")
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    finally:
        storage.close()


def test_a_database_with_every_migration_is_only_read(db: sqlite3.Connection) -> None:
    sqlitedb.migrate(db, [OK], error=Fault, where="t")
    db.execute("PRAGMA query_only = ON")  # any write would now fail
    assert sqlitedb.migrate(db, [OK], error=Fault, where="t") == []
    with pytest.raises(Fault, match=r"cannot start a transaction: .*readonly"):
        sqlitedb.migrate(db, [OK, NO_SEMICOLON], error=Fault, where="t")


def test_two_processes_opening_a_new_file_at_once_apply_each_migration_once(
    tmp_path: Path,
) -> None:
    many = [
        (f"{n:04}_t", f"CREATE TABLE t{n} (a);\nINSERT INTO t{n} VALUES ({n})") for n in range(30)
    ]
    conns = [open_db(tmp_path / "race.db") for _ in range(2)]
    applied: list[list[str]] = []
    failures: list[BaseException] = []

    def run(conn: sqlite3.Connection) -> None:
        try:
            applied.append(sqlitedb.migrate(conn, many, error=Fault, where="t"))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in conns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        assert sorted(applied[0] + applied[1]) == [name for name, _ in many]
        for n in range(30):
            assert conns[0].execute(f"SELECT count(*) FROM t{n}").fetchone()[0] == 1
    finally:
        for conn in conns:
            conn.close()


STATEMENT = st.integers(0, 10**6).map(lambda n: f"INSERT INTO t VALUES ({n})")
TRIGGER_BODY = st.just("CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END")


@given(
    st.lists(STATEMENT | TRIGGER_BODY, max_size=8),
    st.booleans(),
    st.sampled_from(["", "-- a note; with a semicolon", "/* a; b */"]),
)
def test_splitting_gives_back_every_statement(
    parts: list[str], final_semicolon: bool, comment: str
) -> None:
    script = ";\n".join(f"{comment}\n{p}" for p in parts) + (";" if final_semicolon else "")
    split = sqlitedb.split_statements(script)
    assert len(split) == len(parts)
    assert all(s.rstrip(";").endswith(p) for s, p in zip(split, parts, strict=True))


class _Oops(Exception):
    pass


def _holder(path: Path, hold_s: float, taken: threading.Event) -> threading.Thread:
    """A thread that holds the write lock of ``path`` for ``hold_s`` on a connection
    of its own (as the sync daemon's process would)."""

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(hold_s)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(5)
    return thread


def test_a_write_waits_for_the_lock_by_polling_and_keeps_its_busy_timeout(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite"
    conn = sqlitedb.connect(path, error=_Oops, what="the test db", busy_timeout_s=5)
    conn.execute("CREATE TABLE t (x INTEGER)")
    holder = _holder(path, 0.3, threading.Event())
    start = time.monotonic()
    with sqlitedb.transaction(conn, error=_Oops, where="t"):
        conn.execute("INSERT INTO t VALUES (1)")
    assert time.monotonic() - start >= 0.2  # it waited for the other writer
    holder.join()
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    conn.close()


def test_a_write_gives_up_at_its_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = sqlitedb.connect(path, error=_Oops, what="the test db", busy_timeout_s=0.2)
    holder = _holder(path, 1.5, threading.Event())
    try:
        with (
            pytest.raises(_Oops, match=r"cannot start a transaction: .*locked"),
            sqlitedb.transaction(conn, error=_Oops, where="t"),
        ):
            pass
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 200
        assert not conn.in_transaction
    finally:
        holder.join()
        conn.close()


def test_store_operations_inside_a_transaction_join_it(tmp_path: Path) -> None:
    with Store.open(tmp_path / "kiosk.db") as store:
        with pytest.raises(ValueError, match="changed my mind"), store.atomic():
            store.put_cashier("K1", "Kim", "nfc:04A1B2C3", b"salt", b"hash")
            assert store.active_cashier("nfc:04A1B2C3") is not None  # seen inside
            raise ValueError("changed my mind")
        assert store.active_cashier("nfc:04A1B2C3") is None  # undone with the outer one
        with store.atomic():
            store.put_cashier("K1", "Kim", "nfc:04A1B2C3", b"salt", b"hash")
            store.set_meta("note", "kept")
        assert store.active_cashier("nfc:04A1B2C3") is not None
        assert store.meta("note") == "kept"


def test_a_transaction_left_open_by_a_failed_rollback_is_ended_not_joined(
    tmp_path: Path,
) -> None:
    Store.open(tmp_path / "kiosk.db").close()
    conn = sqlite3.connect(
        tmp_path / "kiosk.db", isolation_level=None, check_same_thread=False,
        factory=RollbackFailsOnce,
    )  # fmt: skip
    with Store(conn, tmp_path / "kiosk.db") as store:
        with pytest.raises(ValueError, match="refused"), store.atomic():
            store.set_meta("lost", "yes")
            raise ValueError("refused")
        assert conn.in_transaction  # the rollback failed: still open
        store.set_meta("kept", "yes")  # a transaction of its own, committed
        other = sqlite3.connect(tmp_path / "kiosk.db")
        try:
            seen = dict(other.execute("SELECT key, value FROM meta WHERE key IN ('lost', 'kept')"))
        finally:
            other.close()
        assert seen == {"kept": "yes"}


def test_the_hub_ends_a_transaction_left_open_on_a_pooled_connection(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "hub.db")
    try:
        with storage._conn() as conn:  # as a failed rollback leaves it, back in the pool
            conn.execute("BEGIN IMMEDIATE")
        assert storage.terminal("T1") is None  # the next user of that connection
        other = sqlite3.connect(tmp_path / "hub.db", timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # the write lock is free again
            other.execute("ROLLBACK")
        finally:
            other.close()
    finally:
        storage.close()
