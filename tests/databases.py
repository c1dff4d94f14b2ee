"""The hub's databases for tests: a SQLite file, or a fresh schema of the throwaway
PostgreSQL server that ``scripts/test-postgres`` starts (``scripts/test`` exports its
DSN as ``KIOSK_TEST_PG_DSN``).

Each PostgreSQL test gets its own schema (the hub migrates it, as it would an empty
database), named in the URL's ``search_path`` and dropped afterwards. Without a server
the PostgreSQL variants skip, saying how to get one; in CI (``CI=true``) they fail.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

PG_DSN_VAR = "KIOSK_TEST_PG_DSN"
BACKENDS = ("sqlite", "postgresql")


def pg_dsn() -> str:
    """The test server's DSN, or skip (fail in CI) without one."""
    dsn = os.environ.get(PG_DSN_VAR)
    if dsn:
        return dsn
    reason = (
        f"PostgreSQL variant: no test server ({PG_DSN_VAR} unset); run "
        f"`export {PG_DSN_VAR}=$(scripts/test-postgres start)`, or scripts/test"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def with_schema(dsn: str, schema: str) -> str:
    """``dsn`` with its connections' search_path set to ``schema``."""
    joiner = "&" if "?" in dsn else "?"
    return f"{dsn}{joiner}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def fresh_pg() -> Iterator[str]:
    """The URL of a new, empty schema of the test server, dropped afterwards."""
    import psycopg

    dsn = pg_dsn()
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_schema(dsn, schema)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def hub_database(backend: str, folder: Path) -> Iterator[Path | str]:
    """A new hub database of ``backend``: a SQLite file in ``folder``, or a PostgreSQL
    URL."""
    if backend == "sqlite":
        yield folder / "hub.db"
    else:
        with fresh_pg() as url:
            yield url


def _schema(url: str) -> str:
    found = re.search(r"search_path%3D(\w+)", url)
    assert found, url
    return found.group(1)


def _pg_tool(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    assert found, f"{name} not found"
    return found


def _server_dsn(url: str) -> str:
    return re.split(r"[?&]options=", url, maxsplit=1)[0]


def run_sql(db: Path | str, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
    """Run one statement of the portable subset (``sync.server.pg_sql``) on the hub's
    database, in its own transaction, as a tool beside the hub would; its rows."""
    if isinstance(db, Path):
        with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
            return list(conn.execute(sql, params))
    import psycopg

    from sync.server import pg_sql

    with psycopg.connect(db, autocommit=True) as conn:
        cursor = conn.execute(pg_sql.statement(sql), params)
        return list(cursor.fetchall()) if cursor.description else []


def backup(db: Path | str, target: Path) -> None:
    """A consistent copy of the live hub database (what a backup tool takes): SQLite's
    online backup, or ``pg_dump`` of the hub's schema."""
    if isinstance(db, Path):
        target.unlink(missing_ok=True)
        src, dst = sqlite3.connect(db), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return
    subprocess.run(
        [_pg_tool("pg_dump"), "-Fc", "-n", _schema(db), "-f", str(target), _server_dsn(db)],
        check=True,
    )


def restore(source: Path, db: Path | str) -> None:
    """Put a ``backup`` back in place of the hub's database (the hub stopped)."""
    if isinstance(db, Path):
        for suffix in ("-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        backup(source, db)
        return
    import psycopg

    with psycopg.connect(_server_dsn(db), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {_schema(db)} CASCADE")
    subprocess.run(
        [_pg_tool("pg_restore"), "--exit-on-error", "-d", _server_dsn(db), str(source)],
        check=True,
    )


def raw_bytes(db: Path | str) -> bytes:
    """Everything the database keeps, as bytes to search: the SQLite files, or a plain
    ``pg_dump`` of the hub's schema."""
    if isinstance(db, Path):
        return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))
    return subprocess.run(
        [_pg_tool("pg_dump"), "-n", _schema(db), _server_dsn(db)],
        check=True,
        capture_output=True,
    ).stdout
