"""SQL row conversions and the delta-sync read of the hub's SQLite storage."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from sync.journal import Entry
from sync.protocol.messages import ChangesPage
from sync.protocol.rows import (
    AccountKind,
    AccountRow,
    AccountStatus,
    CredentialKind,
    CredentialRow,
    CredentialStatus,
    SiteSettings,
    SubsidyMark,
)
from sync.server import incidents
from sync.server.records import AccountRecord, TerminalRecord

ACCOUNT_COLS = "id, display_name, kind, status, profile, balance, overdraft, site, flagged, subsidy"
TERMINAL_COLS = (
    "id, site, name, public_key, applied_seq, last_hash, enrolled_at, last_seen, revoked"
)
ENTRY_COLS = "terminal_id, seq, ts, kind, account_id, amount, payload, prev_hash, hash, sig"


def account_record(row: Sequence[Any]) -> AccountRecord:
    return AccountRecord(
        row=AccountRow(
            id=row[0],
            display_name=row[1],
            kind=AccountKind(row[2]),
            status=AccountStatus(row[3]),
            profile=row[4],
            balance=row[5],
            overdraft=row[6],
            subsidy=None if row[9] is None else SubsidyMark.model_validate_json(row[9]),
        ),
        site=row[7],
        flagged=bool(row[8]),
    )


def credential_row(row: Sequence[Any]) -> CredentialRow:
    return CredentialRow(
        value=row[0],
        kind=CredentialKind(row[1]),
        status=CredentialStatus(row[2]),
        account_id=row[3],
        public_key=row[4],
    )


def terminal_record(row: Sequence[Any]) -> TerminalRecord:
    return TerminalRecord(
        id=row[0],
        site=row[1],
        name=row[2],
        public_key=row[3],
        applied_seq=row[4],
        last_hash=row[5],
        enrolled_at=row[6],
        last_seen=row[7],
        revoked=bool(row[8]),
    )


def entry_record(row: Sequence[Any]) -> Entry:
    """An entry from the columns of ``ENTRY_COLS`` (the hub names the account column
    ``account_id``; the order is the journal's ``ROW_COLUMNS``)."""
    return Entry.from_row(row)


def account_params(r: AccountRow, site: str, stamp: str) -> tuple[Any, ...]:
    return (r.id, r.display_name, r.kind, r.status, r.profile, r.balance, r.overdraft, site, stamp)


def floor_of(row: AccountRow) -> int | None:
    """The lowest balance allowed, or None for postpaid accounts (no floor)."""
    return None if row.kind is AccountKind.POSTPAID else -row.overdraft


def read_changes(
    db: sqlite3.Connection, site: str, terminal_id: str, since: int, limit: int
) -> ChangesPage:
    """The objects of ``site`` changed after ``since`` (call inside one read transaction).

    Balances are read in the same snapshot as the terminal's applied sequence, so each
    account's balance includes exactly that terminal's entries up to ``applied_seq``.
    """
    version = int(db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0])
    applied_row = db.execute(
        "SELECT applied_seq, last_hash FROM terminals WHERE id = ?", (terminal_id,)
    ).fetchone()
    applied, last_hash = int(applied_row[0]), str(applied_row[1])
    if since > version:
        since = 0  # a cursor from a hub restored from backup: start over
    top_row = db.execute(
        "SELECT version FROM changes WHERE site = ? AND version > ? "
        "ORDER BY version LIMIT 1 OFFSET ?",
        (site, since, limit - 1),
    ).fetchone()
    more = top_row is not None
    top = int(top_row[0]) if more else version
    span = (site, since, top)
    accounts = [
        account_record(r).row
        for r in db.execute(
            f"SELECT {', '.join('a.' + c for c in ACCOUNT_COLS.split(', '))} "
            "FROM changes c JOIN accounts a ON a.id = c.key "
            "WHERE c.site = ? AND c.kind = 'account' AND c.version > ? "
            "AND c.version <= ? ORDER BY c.version",
            span,
        )
    ]
    credentials = [
        credential_row(r)
        for r in db.execute(
            "SELECT r.value, r.kind, r.status, r.account_id, r.public_key "
            "FROM changes c JOIN credentials r ON r.value = c.key "
            "WHERE c.site = ? AND c.kind = 'credential' AND c.version > ? "
            "AND c.version <= ? ORDER BY c.version",
            span,
        )
    ]
    documents: dict[str, dict[str, Any]] = {}
    for kind, doc_id, body in db.execute(
        "SELECT d.kind, d.id, d.body FROM changes c "
        "JOIN documents d ON d.site = c.site AND 'doc:' || d.kind = c.kind "
        "AND d.id = c.key WHERE c.site = ? AND c.kind LIKE 'doc:%' "
        "AND c.version > ? AND c.version <= ? ORDER BY c.version",
        span,
    ):
        documents.setdefault(kind, {})[doc_id] = None if body is None else json.loads(body)
    settings_row = db.execute(
        "SELECT s.settings FROM changes c JOIN sites s ON s.code = c.key "
        "WHERE c.site = ? AND c.kind = 'settings' AND c.version > ? AND c.version <= ?",
        span,
    ).fetchone()
    return ChangesPage(
        since=since,
        cursor=max(top, since),
        more=more,
        applied_seq=applied,
        accounts=accounts,
        credentials=credentials,
        settings=None
        if settings_row is None
        else SiteSettings.model_validate_json(settings_row[0]),
        documents=documents,
        last_hash=last_hash,
        incidents=incidents.changed(db, site, since, top),
    )


def statements(script: str) -> Iterator[str]:
    """Split a migration script into statements (comments may hold semicolons)."""
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            yield current.strip()
            current = ""


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
