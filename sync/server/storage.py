"""``SqliteStorage``: the hub's data in one SQLite file (WAL), behind ``Storage``.

This module holds sites and their settings, enrolment and admin tokens, rate limits,
accounts and the hub's own ledger, flags, credentials, documents, the changes feed and
incidents. The rest of the class lives in its bases:

- ``sync.server.sqlite_base``: the database file, connection pool, migrations,
  transactions (``BEGIN IMMEDIATE`` writes, snapshot reads) and the version counter;
- ``sync.server.journal_storage``: terminals, the push that applies their journal
  entries, and the queries on stored entries;
- ``sync.server.backoffice_storage``: the back office's imports, menus and reports;
- ``sync.server.archive_storage``: terminals' archives;
- ``sync.server.orders_storage``: orders, their lines and the money they move.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sync.journal import GENESIS_HASH, format_ts
from sync.protocol.incidents import Incident, IncidentKind
from sync.protocol.page_rows import RowForm
from sync.protocol.rows import (
    AccountRow,
    CredentialRow,
    SiteSettings,
)
from sync.server import incidents
from sync.server.archive_storage import ArchiveStorage
from sync.server.backoffice_storage import BackofficeStorage
from sync.server.changes_feed import changes_json
from sync.server.errors import InvalidRequestError
from sync.server.journal_storage import JournalStorage
from sync.server.orders_storage import OrdersStorage
from sync.server.records import (
    ADMIN_ID_CHARS,
    AccountRecord,
    AdminTokenRecord,
    Flag,
    Movement,
    TerminalRecord,
)
from sync.server.sqlite_base import BUSY_TIMEOUT_S, PRIVATE, SqliteBase
from sync.server.sqlrows import (
    ACCOUNT_COLS,
    SqlitePushTx,
    account_params,
    account_record,
    chunks,
    credential_row,
    fits_int64,
)

__all__ = ["BUSY_TIMEOUT_S", "PRIVATE", "SqliteBase", "SqliteStorage"]


class SqliteStorage(JournalStorage, OrdersStorage, BackofficeStorage, ArchiveStorage):
    """The reference ``Storage``. Safe to share between threads."""

    # Sites and tokens ---------------------------------------------------------------

    def create_site(self, settings: SiteSettings, now: datetime) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO sites VALUES (?, ?, ?)",
                (settings.site_code, settings.model_dump_json(), format_ts(now)),
            )
            self._bump(db, settings.site_code, "settings", [settings.site_code])

    def site_settings(self, code: str) -> SiteSettings | None:
        with self._conn() as db:
            row = db.execute("SELECT settings FROM sites WHERE code = ?", (code,)).fetchone()
        return None if row is None else SiteSettings.model_validate_json(row[0])

    def update_site_settings(self, settings: SiteSettings) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE sites SET settings = ? WHERE code = ?",
                (settings.model_dump_json(), settings.site_code),
            )
            self._bump(db, settings.site_code, "settings", [settings.site_code])

    def list_sites(self) -> list[SiteSettings]:
        with self._conn() as db:
            rows = db.execute("SELECT settings FROM sites ORDER BY code").fetchall()
        return [SiteSettings.model_validate_json(r[0]) for r in rows]

    def add_enrolment_token(
        self, site: str, token_hash: str, expires_at: datetime, mode: str | None = None
    ) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO enrolment_tokens (token_hash, site, expires_at, mode) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, site, format_ts(expires_at), mode),
            )

    def enrol_terminal(
        self, *, token_hash: str, terminal: TerminalRecord, token_hash_api: str, now: datetime
    ) -> bool:
        """Consume the enrolment token and create the terminal, or do nothing."""
        stamp = format_ts(now)
        with self._write() as db:
            used = db.execute(
                """UPDATE enrolment_tokens SET used_at = ?, terminal_id = ?
                   WHERE token_hash = ? AND site = ? AND used_at IS NULL AND expires_at > ?""",
                (stamp, terminal.id, token_hash, terminal.site, stamp),
            ).rowcount
            if used != 1:
                return False
            db.execute(
                """INSERT INTO terminals (id, site, name, public_key, token_hash, applied_seq,
                       last_hash, enrolled_at, mode) VALUES (?, ?, ?, ?, ?, 0, ?, ?,
                       (SELECT mode FROM enrolment_tokens WHERE token_hash = ?))""",
                (
                    terminal.id,
                    terminal.site,
                    terminal.name,
                    terminal.public_key,
                    token_hash_api,
                    GENESIS_HASH,
                    stamp,
                    token_hash,
                ),
            )
        return True

    def add_admin_token(self, token_hash: str, label: str, now: datetime) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO admin_tokens (token_hash, label, created_at, id) VALUES (?, ?, ?, ?)",
                (token_hash, label, format_ts(now), token_hash[:ADMIN_ID_CHARS]),
            )

    def is_admin_token(self, token_hash: str) -> bool:
        """Whether this is a live (not revoked) admin token."""
        record = self.admin_token(token_hash)
        return record is not None and record.revoked_at is None

    def admin_token(self, token_hash: str) -> AdminTokenRecord | None:
        with self._conn() as db:
            row = db.execute(
                "SELECT id, label, created_at, revoked_at FROM admin_tokens WHERE token_hash = ?",
                (token_hash,),
            ).fetchone()
        return None if row is None else AdminTokenRecord(*row)

    def list_admin_tokens(self) -> list[AdminTokenRecord]:
        with self._conn() as db:
            rows = db.execute(
                "SELECT id, label, created_at, revoked_at FROM admin_tokens ORDER BY created_at, id"
            ).fetchall()
        return [AdminTokenRecord(*r) for r in rows]

    def revoke_admin_token(self, token_id: str, now: datetime) -> bool:
        """Revoke the token (once: the first revocation's time stays); False if unknown."""
        with self._write() as db:
            found = db.execute("SELECT 1 FROM admin_tokens WHERE id = ?", (token_id,)).fetchone()
            db.execute(
                "UPDATE admin_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (format_ts(now), token_id),
            )
        return found is not None

    def take_rate(self, key: str, now_ms: int, interval_ms: int, burst: int) -> int:
        """Take one request from ``key``'s allowance (GCRA: one per ``interval_ms``,
        ``burst`` at once): 0 when allowed, else the milliseconds to wait."""
        with self._write() as db:
            row = db.execute("SELECT tat_ms FROM rate_limits WHERE key = ?", (key,)).fetchone()
            tat = max(int(row[0]) if row else now_ms, now_ms)
            if tat - now_ms > interval_ms * burst:  # never so far ahead: the clock went back
                tat = now_ms
            wait = tat - now_ms - interval_ms * (burst - 1)
            if wait > 0:
                return wait
            db.execute(
                """INSERT INTO rate_limits VALUES (?, ?)
                   ON CONFLICT (key) DO UPDATE SET tat_ms = excluded.tat_ms""",
                (key, tat + interval_ms),
            )
        return 0

    # Accounts and the hub's own ledger ---------------------------------------------

    def account_sites(self, account_ids: Sequence[str]) -> dict[str, str]:
        """The site of each of these accounts that exists (one query per 500 ids)."""
        with self._read() as db:
            return self._sites_of(db, account_ids)

    @staticmethod
    def _sites_of(db: sqlite3.Connection, account_ids: Sequence[str]) -> dict[str, str]:
        sites: dict[str, str] = {}
        for chunk in chunks(list(account_ids), 500):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, site FROM accounts WHERE id IN ({marks})"
            sites.update((row[0], row[1]) for row in db.execute(sql, chunk))
        return sites

    def create_accounts(
        self, site: str, rows: Sequence[AccountRow], now: datetime, *, replace: bool = False
    ) -> None:
        """Create accounts with their opening balance (recorded as a movement).

        With ``replace`` an existing account's details are updated and its balance left
        as the ledger says; without it an existing id is an error.
        """
        stamp = format_ts(now)
        with self._write() as db:
            existing = set(self._sites_of(db, [r.id for r in rows])) if replace else set()
            new = [r for r in rows if r.id not in existing]
            db.executemany(
                f"INSERT INTO accounts ({ACCOUNT_COLS}, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?)",
                [account_params(r, site, stamp) for r in new],
            )
            db.executemany(
                "INSERT INTO hub_ledger (account_id, kind, amount, ts) VALUES (?, 'opening', ?, ?)",
                [(r.id, r.balance, stamp) for r in new if r.balance],
            )
            db.executemany(
                """UPDATE accounts SET display_name = ?, kind = ?, status = ?, profile = ?,
                       overdraft = ? WHERE id = ? AND site = ?""",
                [
                    (r.display_name, r.kind, r.status, r.profile, r.overdraft, r.id, site)
                    for r in rows
                    if r.id in existing
                ],
            )
            self._bump(db, site, "account", [r.id for r in rows])

    def account(self, account_id: str) -> AccountRecord | None:
        with self._conn() as db:
            sql = f"SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?"
            row = db.execute(sql, (account_id,)).fetchone()
        return None if row is None else account_record(row)

    def update_account(self, record: AccountRecord) -> None:
        """Update the account's details (never its balance: that is the ledger's)."""
        r = record.row
        with self._write() as db:
            db.execute(
                """UPDATE accounts SET display_name = ?, kind = ?, status = ?, profile = ?,
                       overdraft = ? WHERE id = ?""",
                (r.display_name, r.kind, r.status, r.profile, r.overdraft, r.id),
            )
            self._bump(db, record.site, "account", [r.id])

    def list_accounts(self, site: str, *, flagged: bool = False) -> list[AccountRecord]:
        where = "site = ? AND flagged = 1" if flagged else "site = ?"
        with self._conn() as db:
            sql = f"SELECT {ACCOUNT_COLS} FROM accounts WHERE {where} ORDER BY id"
            return [account_record(r) for r in db.execute(sql, (site,))]

    def add_movement(self, movement: Movement) -> tuple[int, bool]:
        """Record a hub movement once per ``ref``: (new balance, whether it was new)."""
        with self._write() as db:
            if movement.ref is not None:
                seen = db.execute(
                    "SELECT account_id FROM hub_ledger WHERE ref = ?", (movement.ref,)
                ).fetchone()
                if seen is not None:
                    sql = "SELECT balance FROM accounts WHERE id = ?"
                    return int(db.execute(sql, (seen[0],)).fetchone()[0]), False
            current = db.execute(
                "SELECT balance FROM accounts WHERE id = ?", (movement.account_id,)
            ).fetchone()
            if current is not None and not fits_int64(int(current[0]) + movement.amount):
                raise InvalidRequestError("amount: the balance would pass the 64-bit limit")
            db.execute(
                "INSERT INTO hub_ledger (account_id, kind, amount, ref, note, ts) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    movement.account_id,
                    movement.kind,
                    movement.amount,
                    movement.ref,
                    movement.note,
                    movement.ts,
                ),
            )
            balance, site = db.execute(
                "UPDATE accounts SET balance = balance + ? WHERE id = ? RETURNING balance, site",
                (movement.amount, movement.account_id),
            ).fetchone()
            self._bump(db, site, "account", [movement.account_id])
        return int(balance), True

    def movements(self, account_id: str) -> list[Movement]:
        with self._conn() as db:
            rows = db.execute(
                "SELECT account_id, kind, amount, ref, note, ts FROM hub_ledger "
                "WHERE account_id = ? ORDER BY id",
                (account_id,),
            ).fetchall()
        return [Movement(*r) for r in rows]

    def open_flags(self, site: str) -> list[Flag]:
        with self._conn() as db:
            rows = db.execute(
                "SELECT account_id, reason, terminal_id, seq, balance, created_at FROM flags "
                "WHERE site = ? AND cleared_at IS NULL ORDER BY id",
                (site,),
            ).fetchall()
        return [Flag(*r) for r in rows]

    def clear_flags(self, account_id: str, now: datetime) -> int:
        with self._write() as db:
            db.execute("UPDATE accounts SET flagged = 0 WHERE id = ?", (account_id,))
            return db.execute(
                "UPDATE flags SET cleared_at = ? WHERE account_id = ? AND cleared_at IS NULL",
                (format_ts(now), account_id),
            ).rowcount

    # Credentials and documents ---------------------------------------------------------

    def put_credential(self, site: str, row: CredentialRow, now: datetime) -> None:
        self.put_credentials(site, [row], now)

    def put_credentials(self, site: str, rows: Sequence[CredentialRow], now: datetime) -> None:
        stamp = format_ts(now)
        with self._write() as db:
            db.executemany(
                """INSERT INTO credentials (value, site, kind, status, account_id,
                       public_key, updated_at, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (value) DO UPDATE SET kind = excluded.kind,
                       status = excluded.status, account_id = excluded.account_id,
                       public_key = excluded.public_key, updated_at = excluded.updated_at,
                       ref = CASE WHEN credentials.account_id = excluded.account_id
                           THEN credentials.ref ELSE excluded.ref END""",
                [
                    (r.value, site, r.kind, r.status, r.account_id, r.public_key, stamp, r.ref)
                    for r in rows
                ],
            )
            self._bump(db, site, "credential", [r.value for r in rows])

    def credential(self, value: str) -> tuple[str, CredentialRow] | None:
        with self._conn() as db:
            row = db.execute(
                "SELECT value, kind, status, account_id, public_key, ref, site FROM credentials "
                "WHERE value = ?",
                (value,),
            ).fetchone()
        return None if row is None else (str(row[6]), credential_row(row))

    def credential_site(self, ref: str) -> str | None:
        """The site of the credential whose opaque id (``CredentialRow.ref``) is ``ref``."""
        with self._conn() as db:
            row = db.execute("SELECT site FROM credentials WHERE ref = ?", (ref,)).fetchone()
        return None if row is None else str(row[0])

    def credentials_of(self, account_id: str) -> list[CredentialRow]:
        with self._conn() as db:
            rows = db.execute(
                "SELECT value, kind, status, account_id, public_key, ref FROM credentials "
                "WHERE account_id = ? ORDER BY value",
                (account_id,),
            ).fetchall()
        return [credential_row(r) for r in rows]

    def put_document(
        self, site: str, kind: str, doc_id: str, body: Mapping[str, Any] | None, now: datetime
    ) -> None:
        text = None if body is None else json.dumps(body, separators=(",", ":"))
        with self._write() as db:
            db.execute(
                """INSERT INTO documents VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (site, kind, id) DO UPDATE SET body = excluded.body,
                       updated_at = excluded.updated_at""",
                (site, kind, doc_id, text, format_ts(now)),
            )
            self._bump(db, site, f"doc:{kind}", [doc_id])

    def document(self, site: str, kind: str, doc_id: str) -> dict[str, Any] | None:
        with self._conn() as db:
            row = db.execute(
                "SELECT body FROM documents WHERE site = ? AND kind = ? AND id = ?",
                (site, kind, doc_id),
            ).fetchone()
        if row is None or row[0] is None:
            return None
        data: dict[str, Any] = json.loads(row[0])
        return data

    def has_document(self, site: str, kind: str, doc_id: str) -> bool:
        """Whether the site has (or had: deleted ones count) this document."""
        with self._conn() as db:
            row = db.execute(
                "SELECT 1 FROM documents WHERE site = ? AND kind = ? AND id = ?",
                (site, kind, doc_id),
            ).fetchone()
        return row is not None

    def list_documents(self, site: str, kind: str) -> dict[str, dict[str, Any]]:
        """The site's live documents of one kind, by id (deleted ones left out)."""
        with self._conn() as db:
            rows = db.execute(
                "SELECT id, body FROM documents WHERE site = ? AND kind = ? "
                "AND body IS NOT NULL ORDER BY id",
                (site, kind),
            ).fetchall()
        return {str(doc_id): json.loads(body) for doc_id, body in rows}

    def change_document(
        self,
        site: str,
        kind: str,
        doc_id: str,
        change: Callable[[dict[str, Any] | None], Mapping[str, Any] | None],
        now: datetime,
    ) -> None:
        """Read a document and write what ``change`` makes of it (None deletes it) in
        one write transaction, so that no other write, from any hub process, comes
        between the read and the write; ``change`` raises to change nothing."""
        with self._write() as db:
            tx = SqlitePushTx(db, site, self._bump, format_ts(now))
            tx.put_document(kind, doc_id, change(tx.document(kind, doc_id)))

    # Delta sync --------------------------------------------------------------------------

    def changes(
        self, site: str, terminal_id: str, since: int, limit: int, rows: RowForm = "objects"
    ) -> bytes:
        """The ``ChangesPage`` of the objects of ``site`` changed after ``since``, as
        JSON, read in one snapshot (``rows``: see ``changes_feed.changes_json``)."""
        with self._read() as db:
            return changes_json(db, site, terminal_id, since, limit, rows=rows)

    # Incidents (sync.server.incidents) -----------------------------------------------------

    def incidents(
        self,
        site: str,
        *,
        state: str = "open",
        kind: IncidentKind | None = None,
        account_id: str | None = None,
        limit: int = 500,
    ) -> list[Incident]:
        with self._read() as db:
            return incidents.listing(
                db, site, state=state, kind=kind, account_id=account_id, limit=limit
            )

    def incident(self, incident_id: int) -> Incident | None:
        with self._read() as db:
            return incidents.one(db, incident_id)

    def clear_incident(self, incident_id: int, reason: str, now: datetime) -> Incident | None:
        with self._write() as db:
            return incidents.clear(db, incident_id, reason, now, self._bump)
