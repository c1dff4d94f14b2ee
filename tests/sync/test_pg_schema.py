"""One migration list for both backends: after migrating, SQLite and PostgreSQL hold
the same tables, columns (of the same kinds, in the same order) and indexes, and record
the same migrations; and the SQL translation (``sync.server.pg_sql``) does what its
docstring says, refusing what it cannot translate."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from sync.server import pg_sql
from sync.server.pg_sql import TranslationError
from sync.server.pg_storage import PgStorage
from sync.server.schema import MIGRATIONS
from sync.server.storage import SqliteStorage
from tests.databases import fresh_pg

Shape = dict[str, list[tuple[str, str]]]

# SQLite's declared types, as PostgreSQL names what the translation makes of them.
KINDS = {"INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea"}


def sqlite_shape(db: Path) -> tuple[Shape, set[str], list[str]]:
    SqliteStorage(db).close()
    with sqlite3.connect(db) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        shape = {
            t: [(r[1], KINDS[r[2].upper()]) for r in conn.execute(f"PRAGMA table_info({t})")]
            for t in tables
        }
        indexes = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND name NOT LIKE 'sqlite_autoindex%'"
            )
        }
        done = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY name")]
    return shape, indexes, done


def pg_shape(url: str) -> tuple[Shape, set[str], list[str]]:
    PgStorage(url).close()
    with psycopg.connect(url) as conn:
        shape: Shape = {}
        for table, column, kind in conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ):
            shape.setdefault(table, []).append((column, kind))
        # Indexes made for a primary key or UNIQUE constraint are SQLite's autoindexes.
        indexes = {
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes i WHERE schemaname = current_schema() "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            )
        }
        done = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY name")]
    return shape, indexes, done


@pytest.fixture
def pg_url() -> Iterator[str]:
    """An empty database: the hub migrates it from nothing."""
    with fresh_pg(migrated=False) as url:
        yield url


def test_both_backends_end_with_the_same_tables_columns_and_indexes(
    tmp_path: Path, pg_url: str
) -> None:
    lite_shape, lite_indexes, lite_done = sqlite_shape(tmp_path / "hub.db")
    pg_tables, pg_indexes, pg_done = pg_shape(pg_url)
    assert pg_tables == lite_shape
    assert pg_indexes == lite_indexes
    assert pg_done == lite_done == sorted(name for name, _ in MIGRATIONS)


def test_a_second_open_migrates_nothing_and_keeps_the_data(pg_url: str) -> None:
    from datetime import UTC, datetime

    from sync.protocol.rows import SiteSettings

    first = PgStorage(pg_url)
    first.create_site(SiteSettings(site_code="S1"), datetime.now(UTC))
    first.close()
    second = PgStorage(pg_url)
    try:
        assert [s.site_code for s in second.list_sites()] == ["S1"]
    finally:
        second.close()


def test_text_compares_by_bytes_as_in_sqlite(pg_url: str) -> None:
    """Timestamps and ids sort the same on both (columns are COLLATE "C")."""
    storage = PgStorage(pg_url)
    try:
        with storage.atomic() as db:
            db.executemany(
                "INSERT INTO meta VALUES (?, 0)", [("b",), ("B",), ("a-1",), ("a1",), ("é",)]
            )
        with storage.reading() as db:
            keys = [r[0] for r in db.execute("SELECT key FROM meta ORDER BY key")]
    finally:
        storage.close()
    assert keys == sorted(keys, key=lambda k: k.encode())


def test_json_builders_make_the_same_json_as_sqlites(tmp_path: Path, pg_url: str) -> None:
    import json

    sql = (
        "WITH t (note) AS (SELECT CAST(? AS TEXT)) "
        "SELECT json_object('note', note, 'n', 3, 'list', json_array(1, 'a')) FROM t"
    )
    with sqlite3.connect(tmp_path / "x.db") as lite:
        expected = lite.execute(sql, ('é"x',)).fetchone()[0]
    storage = PgStorage(pg_url)
    try:
        with storage.reading() as db:
            got = db.execute(sql, ('é"x',)).fetchone()[0]
    finally:
        storage.close()
    assert isinstance(got, str) and json.loads(got) == json.loads(expected)


def test_json_extract_reads_like_sqlites(pg_url: str) -> None:
    storage = PgStorage(pg_url)
    try:
        with storage.reading() as db:
            row = db.execute(
                "SELECT json_extract(?, '$.ref'), CAST(json_extract(?, '$.n') AS INTEGER), "
                "json_extract(?, '$.missing')",
                ('{"ref": "T-1"}', '{"n": 12}', "{}"),
            ).fetchone()
    finally:
        storage.close()
    assert tuple(row) == ("T-1", 12, None)


def test_statements_translate_placeholders_outside_literals_only() -> None:
    sql = "SELECT '?', ':x', '5%' FROM t WHERE a = ? AND b LIKE 'doc:%' AND c = :name -- ?"
    assert pg_sql.statement(sql) == (
        "SELECT '?', ':x', '5%%' FROM t WHERE a = %s AND b LIKE 'doc:%%' AND c = %(name)s "
    )
    assert pg_sql.statement("SELECT length(CAST(a.id AS BLOB)) FROM a") == (
        "SELECT octet_length(a.id) FROM a"
    )
    assert pg_sql.statement("SELECT json_object('a(', json_array(1, f(x)), 'b', ?)") == (
        "SELECT CAST(json_build_object('a(', json_build_array(1, f(x)), 'b', %s) AS TEXT)"
    )


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT OR REPLACE INTO t VALUES (?)",
        "INSERT OR IGNORE INTO t VALUES (?)",
        "SELECT datetime('now')",
        "SELECT json_group_array(a) FROM t",
        "SELECT typeof(balance) FROM accounts",
        "PRAGMA foreign_keys = ON",
    ],
)
def test_what_has_no_postgresql_form_is_refused_by_name(sql: str) -> None:
    with pytest.raises(TranslationError, match="no PostgreSQL form"):
        pg_sql.statement(sql)


def test_migrations_map_sqlite_types_and_refuse_triggers() -> None:
    ddl = pg_sql.migration(
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  n INTEGER NOT NULL, -- a count\n"
        "  s TEXT\n) WITHOUT ROWID;"
    )
    assert ddl == (
        "CREATE TABLE t (\n  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
        '  n BIGINT NOT NULL, \n  s TEXT COLLATE "C"\n)'
    )
    with pytest.raises(TranslationError, match="triggers"):
        pg_sql.migration("CREATE TRIGGER x BEFORE INSERT ON t BEGIN SELECT 1; END;")


def test_every_migration_has_a_postgresql_form() -> None:
    """A new migration that does not translate fails here, naming itself: give it its
    PostgreSQL form in ``pg_sql.PG_MIGRATIONS``."""
    from sync.sqlitedb import split_statements

    for name, script in MIGRATIONS:
        for text in split_statements(pg_sql.PG_MIGRATIONS.get(name, script)):
            try:
                pg_sql.migration(text)
            except TranslationError as exc:
                raise AssertionError(f"migration {name}: {exc}") from exc


def test_without_a_server_the_postgresql_variants_skip_but_fail_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.databases import PG_DSN_VAR, pg_dsn

    monkeypatch.delenv(PG_DSN_VAR, raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="scripts/test-postgres start"):
        pg_dsn()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=PG_DSN_VAR):
        pg_dsn()


def test_text_with_a_nul_character_is_refused_by_name_and_changes_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    from datetime import UTC, datetime

    from sync.protocol.rows import AccountRow, SiteSettings
    from sync.server import open_hub
    from sync.server.errors import InvalidRequestError

    hub = open_hub(pg_url, key=tmp_path / "hub.key")
    try:
        hub.create_site(SiteSettings(site_code="S1"))
        rows = [
            AccountRow(id="A1", display_name="Ada", balance=100),
            AccountRow(id="A2", display_name="B\x00b", balance=100),
        ]
        with pytest.raises(InvalidRequestError, match="NUL"):
            hub.put_accounts("S1", rows, replace=False)
        assert hub.storage.list_accounts("S1") == []
        hub.storage.put_document("S1", "note", "n1", {"text": "a\x00b"}, datetime.now(UTC))
        assert hub.document("S1", "note", "n1") == {"text": "a\x00b"}  # JSON escapes it
    finally:
        hub.storage.close()


def test_a_migration_that_fails_names_itself_and_records_nothing(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.server import pg_base
    from sync.server.errors import StorageError

    broken = [*MIGRATIONS, ("9999_broken", "CREATE TABLE sites (code TEXT);")]
    monkeypatch.setattr(pg_base, "MIGRATIONS", broken)
    with pytest.raises(StorageError, match="migration 9999_broken failed"):
        PgStorage(pg_url)
    with psycopg.connect(pg_url) as conn:  # all or nothing: not even the first one
        assert conn.execute("SELECT to_regclass('migrations')").fetchone() == (None,)


def test_lastrowid_says_to_write_returning(pg_url: str) -> None:
    storage = PgStorage(pg_url)
    try:
        with storage.atomic() as db:
            cursor = db.execute("INSERT INTO meta VALUES ('x', 1)")
            with pytest.raises(TranslationError, match="RETURNING"):
                _ = cursor.lastrowid
    finally:
        storage.close()
