"""The store's sync state (a part of ``Store``, kept apart so that ``store.py`` stays
small): what the daemon recorded of the hub, the offline state, the loss of the
journal's tail and its recovery, and the site's incidents as the hub sends them.

``SyncState`` is a base class of ``Store``; its methods use the store's connection,
lock and transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.engine.store_tx import Tx, sql_of
from sync.journal import ROW_COLUMNS, Entry, format_ts, parse_ts
from sync.protocol.incidents import Incident
from sync.protocol.page_rows import (
    AccountValues,
    CredentialValues,
    account_params,
    credential_params,
)
from sync.protocol.rows import AccountRow, CredentialRow


@dataclass(frozen=True, slots=True)
class SyncStatus:
    cursor: int
    hub_applied_seq: int
    last_success: datetime | None
    last_attempt: datetime | None
    last_error: str | None
    error_permanent: bool
    waiting: int
    failing_since: datetime | None = None  # the first failed sync since the last success
    hub_ahead_seq: int = 0  # > 0: the hub holds entries this journal lacks (recover)


def _ts_or_none(text: str | None) -> datetime | None:
    return parse_ts(text) if text else None


class SyncState:
    """The sync-state half of ``Store`` (which provides these attributes)."""

    path: Path
    _conn: sqlite3.Connection

    def atomic(self) -> AbstractContextManager[Tx]:
        raise NotImplementedError

    def reading(self) -> AbstractContextManager[Tx]:
        raise NotImplementedError

    def _sql(self, tx: Tx | None) -> sqlite3.Connection:
        raise NotImplementedError

    def _locked(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    # Sync state ------------------------------------------------------------------

    def sync_status(self) -> SyncStatus:
        with self.reading() as tx:
            db = sql_of(tx)
            row = db.execute(
                """SELECT cursor, hub_applied_seq, last_success, last_attempt, last_error,
                          error_permanent, failing_since, hub_ahead_seq
                   FROM sync_state WHERE id = 1"""
            ).fetchone()
            waiting = db.execute(
                "SELECT count(*) FROM journal WHERE seq > ?", (row[1],)
            ).fetchone()[0]
        return SyncStatus(
            cursor=row[0],
            hub_applied_seq=row[1],
            last_success=_ts_or_none(row[2]),
            last_attempt=_ts_or_none(row[3]),
            last_error=row[4],
            error_permanent=bool(row[5]),
            waiting=int(waiting),
            failing_since=_ts_or_none(row[6]),
            hub_ahead_seq=int(row[7]),
        )

    def record_push(self, applied_seq: int) -> None:
        with self.atomic() as tx:
            db = sql_of(tx)
            db.execute(
                "UPDATE sync_state SET hub_applied_seq = max(hub_applied_seq, ?) WHERE id = 1",
                (applied_seq,),
            )

    def record_sync_result(
        self,
        *,
        ok: bool,
        error: str | None = None,
        permanent: bool = False,
        at: datetime | None = None,
    ) -> None:
        now = format_ts(at or datetime.now(UTC))
        with self.atomic() as tx:
            db = sql_of(tx)
            if ok:
                db.execute(
                    """UPDATE sync_state SET last_success = ?, last_attempt = ?,
                           last_error = NULL, error_permanent = 0, failing_since = NULL
                       WHERE id = 1""",
                    (now, now),
                )
            else:
                db.execute(
                    """UPDATE sync_state SET last_attempt = ?, last_error = ?,
                           error_permanent = ?, failing_since = coalesce(failing_since, ?)
                       WHERE id = 1""",
                    (now, error, int(permanent), now),
                )

    def last_success(self, tx: Tx) -> datetime | None:
        db = sql_of(tx)
        row = db.execute("SELECT last_success FROM sync_state WHERE id = 1").fetchone()
        return _ts_or_none(row[0])

    def sync_health(self, tx: Tx) -> tuple[datetime | None, datetime | None]:
        """(last success, since when the syncs have been failing or None)."""
        db = sql_of(tx)
        row = db.execute(
            "SELECT last_success, failing_since FROM sync_state WHERE id = 1"
        ).fetchone()
        return _ts_or_none(row[0]), _ts_or_none(row[1])

    # Loss of the journal's tail (sync.daemon finds it, kiosk.engine.recovery mends it) --

    def hub_ahead(self, tx: Tx | None = None) -> tuple[int, str | None] | None:
        """(the hub's last sequence, its hash) when the hub holds entries of this
        terminal that this journal lacks or holds differently; None when not."""
        with self._locked():
            row = (
                self._sql(tx)
                .execute("SELECT hub_ahead_seq, hub_ahead_hash FROM sync_state WHERE id = 1")
                .fetchone()
            )
        return None if not row[0] else (int(row[0]), row[1])

    def record_hub_ahead(self, seq: int, digest: str | None) -> None:
        with self.atomic() as tx:
            db = sql_of(tx)
            db.execute(
                "UPDATE sync_state SET hub_ahead_seq = ?, hub_ahead_hash = ? WHERE id = 1",
                (seq, digest),
            )

    def reset_hub_applied(self, applied_seq: int) -> None:
        """The hub holds less than recorded (restored from a backup): push from there."""
        with self.atomic() as tx:
            db = sql_of(tx)
            db.execute("UPDATE sync_state SET hub_applied_seq = ? WHERE id = 1", (applied_seq,))

    def move_forked(self, first_seq: int, tx: Tx) -> list[Entry]:
        """Move the entries from ``first_seq`` on out of the journal, into
        ``journal_forked`` (inside the caller's transaction), and return them.

        The only removal from the journal there is: these entries hold sequence
        numbers the hub already holds for other entries, so the chain cannot go on
        through them; they are kept, and signed again after the recovered entries.
        """
        db = sql_of(tx)
        rows = db.execute(
            f"SELECT {ROW_COLUMNS} FROM journal WHERE seq >= ? ORDER BY seq", (first_seq,)
        ).fetchall()
        if not rows:
            return []
        now = format_ts(datetime.now(UTC))
        db.executemany(
            f"INSERT INTO journal_forked ({ROW_COLUMNS}, moved_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, now) for row in rows],
        )
        # The append-only trigger guards every other path; it is lifted for this one
        # statement and put back in the same transaction.
        db.execute("DROP TRIGGER journal_no_delete")
        db.execute("DELETE FROM journal WHERE seq >= ?", (first_seq,))
        db.execute(
            "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal "
            "BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"
        )
        return [Entry.from_row(row) for row in rows]

    def mark_resigned(self, old_seq: int, new_seq: int, tx: Tx) -> None:
        db = sql_of(tx)
        db.execute("UPDATE journal_forked SET resigned_as = ? WHERE seq = ?", (new_seq, old_seq))

    def forked_entries(self) -> list[tuple[Entry, int | None]]:
        """Entries moved aside by a recovery, each with the sequence it was signed
        again as."""
        with self._locked():
            rows = self._conn.execute(
                f"SELECT {ROW_COLUMNS}, resigned_as FROM journal_forked ORDER BY seq"
            ).fetchall()
        return [(Entry.from_row(row[:10]), row[10]) for row in rows]

    def recovered(self, hub_seq: int, tx: Tx) -> None:
        """The journal holds the hub's entries again: selling may resume."""
        db = sql_of(tx)
        db.execute(
            """UPDATE sync_state SET hub_ahead_seq = 0, hub_ahead_hash = NULL,
                   hub_applied_seq = ?, last_error = NULL, error_permanent = 0
               WHERE id = 1""",
            (hub_seq,),
        )

    # Incidents of the site, as the hub sends them ---------------------------------------

    def incidents(self) -> list[Incident]:
        """The site's open incidents as the hub sent them, oldest first."""
        with self._locked():
            rows = self._conn.execute("SELECT data FROM incidents ORDER BY id").fetchall()
        return [Incident.model_validate_json(row[0]) for row in rows]


def put_hub_rows(
    db: sqlite3.Connection,
    accounts: Sequence[AccountRow | AccountValues],
    credentials: Sequence[CredentialRow | CredentialValues],
    applied_seq: int,
) -> None:
    """Upsert accounts (their hub balance including this terminal's entries up to
    ``applied_seq``) and credentials from the hub."""
    db.executemany(
        """INSERT INTO accounts (id, display_name, kind, status, profile,
               hub_balance, overdraft, subsidy, included_seq)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
               kind = excluded.kind, status = excluded.status,
               profile = excluded.profile, hub_balance = excluded.hub_balance,
               included_seq = excluded.included_seq, overdraft = excluded.overdraft,
               subsidy = excluded.subsidy""",
        account_params(accounts, applied_seq),
    )
    db.executemany(
        "INSERT OR REPLACE INTO credentials (value, kind, status, account_id, public_key, ref) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        credential_params(credentials),
    )
