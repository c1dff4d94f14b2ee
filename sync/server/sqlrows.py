"""SQL row conversions, the delta-sync read and the push transaction of the hub's
SQLite storage."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sync.journal import Entry
from sync.protocol.messages import MAX_PAGE_BYTES, ChangesPage
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

if TYPE_CHECKING:
    from sync.server.orders_storage import OrderTx

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

ACCOUNT_COLS = "id, display_name, kind, status, profile, balance, overdraft, site, flagged, subsidy"
TERMINAL_COLS = (
    "id, site, name, public_key, applied_seq, last_hash, enrolled_at, last_seen, revoked, mode"
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
        mode=row[9],
    )


def entry_record(row: Sequence[Any]) -> Entry:
    """An entry from the columns of ``ENTRY_COLS`` (the hub names the account column
    ``account_id``; the order is the journal's ``ROW_COLUMNS``)."""
    return Entry.from_row(row)


def fits_int64(value: int) -> bool:
    """SQLite stores a larger integer as REAL: every sum is checked before it is written."""
    return INT64_MIN <= value <= INT64_MAX


# Entries of a site's terminals only: an account is counted by its own site.
SITE_ENTRIES = (
    f"SELECT {', '.join('e.' + c for c in ENTRY_COLS.split(', '))} FROM entries e "
    "JOIN terminals t ON t.id = e.terminal_id WHERE e.account_id = ? AND t.site = ? "
    "ORDER BY e.ts, e.seq"
)


class SqlitePushTx:
    """``PushTx`` over the push's open write transaction (see ``records.PushTx``)."""

    def __init__(
        self,
        db: sqlite3.Connection,
        site: str,
        bump: Callable[[sqlite3.Connection, str, str, Sequence[str]], None],
        stamp: str,
    ) -> None:
        self.db, self.site, self._bump, self._stamp = db, site, bump, stamp

    def document(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT body FROM documents WHERE site = ? AND kind = ? AND id = ?",
            (self.site, kind, doc_id),
        ).fetchone()
        if row is None or row[0] is None:
            return None
        data: dict[str, Any] = json.loads(row[0])
        return data

    def put_document(self, kind: str, doc_id: str, body: Mapping[str, Any] | None) -> None:
        text = None if body is None else json.dumps(body, separators=(",", ":"))
        self.db.execute(
            """INSERT INTO documents VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (site, kind, id) DO UPDATE SET body = excluded.body,
                   updated_at = excluded.updated_at""",
            (self.site, kind, doc_id, text, self._stamp),
        )
        self._bump(self.db, self.site, f"doc:{kind}", [doc_id])

    def entries_of_account(self, account_id: str) -> list[Entry]:
        return [entry_record(r) for r in self.db.execute(SITE_ENTRIES, (account_id, self.site))]

    def entry(self, terminal_id: str, seq: int) -> Entry | None:
        row = self.db.execute(
            f"SELECT {ENTRY_COLS} FROM entries WHERE terminal_id = ? AND seq = ?",
            (terminal_id, seq),
        ).fetchone()
        return None if row is None else entry_record(row)

    def orders(self) -> OrderTx:
        """The site's orders, in this push's transaction."""
        from sync.server.orders_storage import OrderTx  # it builds on sqlite_base, on this

        return OrderTx(self.db, self.site, self._bump, self._stamp)


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
    top, more = page_top(db, site, since, limit, MAX_PAGE_BYTES)
    top = top if more else version
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


# An upper bound of each changed object's bytes in the page's JSON: the byte length of
# its text columns, doubled where JSON escapes could grow them, plus the field names.
_ROW_BYTES = """
SELECT c.version, CASE
  WHEN c.kind = 'account' THEN (
    SELECT 200 + 2 * (length(CAST(a.id AS BLOB)) + length(CAST(a.display_name AS BLOB))
      + length(CAST(a.profile AS BLOB))) + coalesce(length(CAST(a.subsidy AS BLOB)), 0)
    FROM accounts a WHERE a.id = c.key)
  WHEN c.kind = 'credential' THEN (
    SELECT 150 + 2 * (length(CAST(r.value AS BLOB)) + length(CAST(r.account_id AS BLOB))
      + coalesce(length(CAST(r.public_key AS BLOB)), 0))
    FROM credentials r WHERE r.value = c.key)
  WHEN c.kind = 'incident' THEN (
    SELECT 300 + 2 * (length(CAST(i.terminals AS BLOB)) + length(CAST(i.entries AS BLOB))
      + coalesce(length(CAST(i.cleared_reason AS BLOB)), 0))
    FROM incidents i WHERE i.id = CAST(c.key AS INTEGER))
  WHEN c.kind = 'settings' THEN (
    SELECT 50 + length(CAST(s.settings AS BLOB)) FROM sites s WHERE s.code = c.key)
  ELSE (
    SELECT 50 + 2 * (length(CAST(d.id AS BLOB)) + length(CAST(d.kind AS BLOB)))
      + coalesce(length(CAST(d.body AS BLOB)), 4)
    FROM documents d WHERE d.site = c.site AND 'doc:' || d.kind = c.kind AND d.id = c.key)
END
FROM changes c WHERE c.site = ? AND c.version > ? ORDER BY c.version LIMIT ?
"""


def page_top(
    db: sqlite3.Connection, site: str, since: int, limit: int, max_bytes: int
) -> tuple[int, bool]:
    """(highest version in the page, whether more follow): at most ``limit`` changes,
    stopping before the one that would take the page past ``max_bytes`` (but never
    before the first, so that a big object still goes, alone)."""
    top, total, rows = since, 1024, 0  # 1 KiB for the page's own fields
    for version, size in db.execute(_ROW_BYTES, (site, since, limit)):
        total += size or 0
        if rows and total > max_bytes:
            return top, True
        top, rows = int(version), rows + 1
    return top, rows == limit


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
