"""The hub's databases for tests: a SQLite file, or a fresh schema of the throwaway
PostgreSQL server that ``scripts/test-postgres`` starts (``scripts/test`` exports its
DSN as ``KIOSK_TEST_PG_DSN``).

Each PostgreSQL test gets its own database, a copy of one the hub migrated once for the
test process (``CREATE DATABASE ... TEMPLATE``), dropped afterwards. Without a server
the PostgreSQL variants skip, saying how to get one; in CI (``CI=true``) they fail.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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


def _with_database(dsn: str, name: str) -> str:
    """``dsn`` naming database ``name`` instead of its own."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


_template: list[str] = []  # this test process's migrated template database, once made


def _drop_template(dsn: str, name: str) -> None:
    import psycopg

    with contextlib.suppress(psycopg.Error), psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


def _template_of(dsn: str) -> str:
    """A database the hub has migrated, made once per test process: each test's
    database is a copy of it (much faster than migrating each time)."""
    if not _template:
        import psycopg

        from sync.server.pg_storage import PgStorage

        name = f"hub_template_{os.getpid()}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}".encode())
            conn.execute(f"CREATE DATABASE {name}".encode())
        PgStorage(_with_database(dsn, name)).close()
        atexit.register(_drop_template, dsn, name)
        _template.append(name)
    return _template[0]


@contextmanager
def fresh_pg(*, migrated: bool = True) -> Iterator[str]:
    """The URL of a new database on the test server (a copy of the migrated template,
    or empty), dropped afterwards."""
    import psycopg

    dsn = pg_dsn()
    name = f"hub_{secrets.token_hex(6)}"
    source = _template_of(dsn) if migrated else "template0"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {source} STRATEGY FILE_COPY".encode())
    try:
        yield _with_database(dsn, name)
    finally:
        _drop_template(dsn, name)


@contextmanager
def hub_database(backend: str, folder: Path) -> Iterator[Path | str]:
    """A new hub database of ``backend``: a SQLite file in ``folder``, or a PostgreSQL
    URL."""
    if backend == "sqlite":
        yield folder / "hub.db"
    else:
        with fresh_pg() as url:
            yield url


def _pg_tool(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    assert found, f"{name} not found"
    return found


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
    online backup, or ``pg_dump`` of the hub's database."""
    if isinstance(db, Path):
        target.unlink(missing_ok=True)
        src, dst = sqlite3.connect(db), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return
    subprocess.run([_pg_tool("pg_dump"), "-Fc", "-f", str(target), "-d", db], check=True)


def restore(source: Path, db: Path | str) -> None:
    """Put a ``backup`` back in place of the hub's database (the hub stopped)."""
    if isinstance(db, Path):
        for suffix in ("-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        backup(source, db)
        return
    import psycopg

    name = urlsplit(db).path.lstrip("/")
    with psycopg.connect(pg_dsn(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0".encode())
    subprocess.run([_pg_tool("pg_restore"), "--exit-on-error", "-d", db, str(source)], check=True)


def raw_bytes(db: Path | str) -> bytes:
    """Everything the database keeps, as bytes to search: the SQLite files, or a plain
    ``pg_dump`` of the hub's database."""
    if isinstance(db, Path):
        return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))
    return subprocess.run([_pg_tool("pg_dump"), "-d", db], check=True, capture_output=True).stdout
