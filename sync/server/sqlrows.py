"""SQL row conversions and the push transaction of the hub's SQLite storage (the
delta-sync read lives in ``sync.server.changes_feed``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sync.journal import Entry
from sync.protocol.rows import (
    AccountKind,
    AccountRow,
    AccountStatus,
    CredentialKind,
    CredentialRow,
    CredentialStatus,
    SubsidyMark,
)
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


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
