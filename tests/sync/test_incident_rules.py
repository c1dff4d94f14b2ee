"""The incident rules on their own (``sync.server.incidents``): what counts as an
overdraft or a double subsidy, and one incident kept open and bounded while it lasts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.journal import GENESIS_HASH, Entry, make_entry
from sync.protocol.incidents import IncidentKind
from sync.protocol.rows import AccountKind, AccountRow, SiteSettings, SubsidyMark
from sync.server import incidents
from sync.server.pg_storage import PgStorage
from sync.server.storage import SqliteStorage

KEY = Ed25519PrivateKey.generate()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def entry(seq: int, amount: int, terminal: str = "T1", **payload: Any) -> Entry:
    return make_entry(
        key=KEY, terminal_id=terminal, seq=seq, ts=NOW, kind="sale", account="A1",
        amount=amount, payload={"business_day": "2026-11-30", **payload},
        prev_hash=GENESIS_HASH,
    )  # fmt: skip


def subsidised(seq: int, terminal: str) -> Entry:
    ticket = {"subsidy_granted": True, "subsidy": {"amount": -300}}
    return entry(seq, -500, terminal, ticket=ticket)


def test_what_counts() -> None:
    row = AccountRow(id="A1", display_name="Ada", balance=1000, overdraft=200)
    assert incidents.findings(row, [entry(1, -1100)]) == []  # within the overdraft
    [found] = incidents.findings(row, [entry(1, -1100), entry(2, 50), entry(3, -400)])
    assert found.kind is IncidentKind.OVERDRAFT and found.entries == [("T1", 3)]
    assert found.amount == 250
    postpaid = row.model_copy(update={"kind": AccountKind.POSTPAID})
    assert incidents.findings(postpaid, [entry(1, -5000)]) == []  # no floor

    marked = row.model_copy(
        update={"subsidy": SubsidyMark(day="2026-11-30", terminal_id="T2", seq=7)}
    )
    [double] = incidents.findings(marked, [subsidised(1, "T1")])
    assert double.kind is IncidentKind.DOUBLE_SUBSIDY and double.amount == 300
    assert double.entries == [("T2", 7), ("T1", 1)]
    yesterday = row.model_copy(
        update={"subsidy": SubsidyMark(day="2026-11-29", terminal_id="T2", seq=7)}
    )
    assert incidents.findings(yesterday, [subsidised(1, "T1")]) == []


def test_one_open_incident_per_account_and_kind_bounded(hub_db: Path | str) -> None:
    storage = SqliteStorage(hub_db) if isinstance(hub_db, Path) else PgStorage(hub_db)
    try:
        storage.create_site(SiteSettings(site_code="S1"), NOW)
        row = AccountRow(id="A1", display_name="Ada", balance=0)
        for seq in range(1, incidents.MAX_IDS + 60):
            with storage.atomic() as db:
                incidents.record(db, "S1", row, [entry(seq, -10)], now=NOW, bump=storage.bump)
            row = row.model_copy(update={"balance": row.balance - 10})
        [incident] = storage.incidents("S1")
        assert len(incident.entries) == incidents.MAX_IDS
        assert incident.entries[0] == "T1:1"  # the one that opened it stays
        assert incident.entries[-1] == f"T1:{incidents.MAX_IDS + 59}"
        assert incident.amount == 10 * (incidents.MAX_IDS + 59)
        cleared = storage.clear_incident(incident.id, "settled", NOW)
        assert cleared is not None and storage.incidents("S1") == []
        with storage.atomic() as db:
            incidents.record(db, "S1", row, [entry(9999, -10)], now=NOW, bump=storage.bump)
        [again] = storage.incidents("S1")
        assert again.id != incident.id and again.entries == ["T1:9999"]
    finally:
        storage.close()
