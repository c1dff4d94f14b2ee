"""The hub's PostgreSQL connection pool after the server dropped its connections (a
restart, a failover): a connection idle for a while is tried before it is lent and
replaced when dead; one given back moments ago is lent untried, so at worst that
request fails (503, the terminal's daemon sends it again) and the next succeeds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest

from sync.protocol.rows import SiteSettings
from sync.server import pg_base
from sync.server.errors import StorageError
from sync.server.pg_storage import PgStorage
from tests.databases import fresh_pg


@pytest.fixture
def url() -> Iterator[str]:
    with fresh_pg() as made:
        yield made


def drop_connections(url: str) -> int:
    """What a server restart does to the hub's sessions: every other session of the
    database is ended."""
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_base, "IDLE_CHECK_S", 0.0)  # every connection counts as idle
    storage = PgStorage(url, pool_max=2)
    try:
        storage.create_site(SiteSettings(site_code="S1"), datetime.now(UTC))
        assert drop_connections(url) >= 1
        assert [s.site_code for s in storage.list_sites()] == ["S1"]
    finally:
        storage.close()


def test_a_connection_given_back_moments_ago_fails_one_request_at_most(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_base, "IDLE_CHECK_S", 3600.0)  # none is tried
    storage = PgStorage(url, pool_max=1)
    try:
        storage.create_site(SiteSettings(site_code="S1"), datetime.now(UTC))
        assert drop_connections(url) >= 1
        with pytest.raises(StorageError):
            storage.list_sites()
        assert [s.site_code for s in storage.list_sites()] == ["S1"]
    finally:
        storage.close()
