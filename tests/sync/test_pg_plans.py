"""How the hub's PostgreSQL sessions plan a first snapshot's pages: statistics
refreshed after a bulk import, and no JIT compilation (``sync.server.pg_base``).
A page read with the empty tables' statistics reads the whole rest of the changes
feed and sorts it; one JIT-compiled spends longer compiling than running."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sync.protocol.rows import AccountRow, CredentialKind, CredentialRow, SiteSettings
from sync.server import pg_base
from sync.server.changes_feed import PAGE_ROWS
from sync.server.pg_storage import PgStorage
from tests.databases import fresh_pg

DINERS = 6_000  # over pg_base.BULK_ROWS with their badges
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture
def storage() -> Iterator[PgStorage]:
    with fresh_pg() as url:
        opened = PgStorage(url)
        try:
            yield opened
        finally:
            opened.close()


def import_site(storage: PgStorage) -> None:
    storage.create_site(SiteSettings(site_code="S1"), NOW)
    ids = [f"A{i:05}" for i in range(DINERS)]
    storage.create_accounts("S1", [AccountRow(id=i, display_name=i, balance=0) for i in ids], NOW)
    storage.put_credentials(
        "S1",
        [CredentialRow(value=f"nfc:{i}", kind=CredentialKind.NFC, account_id=i) for i in ids],
        NOW,
    )


def page_plan(storage: PgStorage) -> str:
    sql = "EXPLAIN " + PAGE_ROWS["arrays"]  # translated by the connection
    with storage._conn() as db:
        rows = db.execute(sql, ("S1", 10, 5000)).fetchall()
    return "\n".join(str(r[0]) for r in rows)


def test_after_a_bulk_import_a_snapshot_page_reads_the_index_in_order(
    storage: PgStorage,
) -> None:
    import_site(storage)
    plan = page_plan(storage)
    assert "Sort" not in plan.split("SubPlan")[0], plan
    assert "Index Scan" in plan.split("SubPlan")[0], plan


def test_without_the_refresh_the_same_page_sorts_the_whole_feed(
    storage: PgStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the test above: what the refresh is for."""
    monkeypatch.setattr(pg_base, "BULK_ROWS", 10**9)
    import_site(storage)
    assert "Sort" in page_plan(storage).split("SubPlan")[0]


def test_the_hubs_sessions_do_not_jit_compile(storage: PgStorage) -> None:
    with storage._conn() as db:
        assert db.execute("SELECT current_setting('jit')").fetchone()[0] == "off"
