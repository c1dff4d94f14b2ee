"""``SqliteStorage``: the hub's data in one SQLite file (WAL), behind ``Storage``.

Connections come from a small pool so that the HTTP worker threads read in parallel;
every multi-statement write is one ``BEGIN IMMEDIATE`` transaction. sqlite3 errors are
translated to ``StorageError`` at this boundary.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sync import subsidy
from sync.journal import GENESIS_HASH, Entry, format_ts, parse_ts
from sync.protocol.incidents import Incident, IncidentKind
from sync.protocol.messages import ChangesPage
from sync.protocol.rows import (
    AccountRow,
    CredentialRow,
    SiteSettings,
)
from sync.server import incidents
from sync.server.backoffice_storage import BackofficeStorage
from sync.server.errors import EntryRefusedError, InvalidRequestError, StorageError
from sync.server.records import (
    ADMIN_ID_CHARS,
    AccountRecord,
    AdminTokenRecord,
    ApplyOutcome,
    Derive,
    Flag,
    Movement,
    TerminalRecord,
)
from sync.server.schema import MIGRATIONS
from sync.server.sqlrows import (
    ACCOUNT_COLS,
    ENTRY_COLS,
    SITE_ENTRIES,
    TERMINAL_COLS,
    SqlitePushTx,
    account_params,
    account_record,
    chunks,
    credential_row,
    entry_record,
    fits_int64,
    floor_of,
    read_changes,
    statements,
    terminal_record,
)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0
PRIVATE = 0o600  # hub.db and its -wal and -shm: balances, token hashes


def _make_private(path: Path) -> None:
    """Create the database file 0600 (SQLite gives its -wal and -shm files the
    database's mode), and tighten the files of a hub created before that."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE))
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if name.exists() and name.stat().st_mode & 0o777 != PRIVATE:
                name.chmod(PRIVATE)
    except OSError as exc:
        raise StorageError(f"{path}: cannot open the hub database: {exc}") from exc


class SqliteStorage(BackofficeStorage):
    """The reference ``Storage``. Safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        _make_private(self.path)
        with self._write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, at TEXT)")
            done = {r[0] for r in db.execute("SELECT name FROM migrations")}
            for name, script in MIGRATIONS:
                if name not in done:
                    log.info("hub %s: applying migration %s", self.path, name)
                    for statement in statements(script):
                        db.execute(statement)
                    db.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))

    # Connections and transactions -------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
            )
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                raise StorageError(f"{self.path}: cannot use WAL mode")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: cannot open the hub database: {exc}") from exc
        with self._lock:
            self._all.append(conn)
        return conn

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise StorageError("the hub database is closed")
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            yield conn
        finally:
            self._pool.put(conn)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._conn() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"cannot start a transaction: {exc}") from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StorageError(f"hub database write failed: {exc}") from exc
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot for several SELECTs."""
        with self._conn() as conn:
            try:
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StorageError(f"hub database read failed: {exc}") from exc

    def close(self) -> None:
        self._closed = True
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()

    # Versions ---------------------------------------------------------------------

    @staticmethod
    def _bump(db: sqlite3.Connection, site: str, kind: str, keys: Sequence[str]) -> None:
        """Give each (kind, key) of the site a new version, in the order given."""
        if not keys:
            return
        top = db.execute(
            "UPDATE meta SET value = value + ? WHERE key = 'version' RETURNING value",
            (len(keys),),
        ).fetchone()[0]
        first = top - len(keys) + 1
        db.executemany(
            """INSERT INTO changes (site, kind, key, version) VALUES (?, ?, ?, ?)
               ON CONFLICT (site, kind, key) DO UPDATE SET version = excluded.version""",
            [(site, kind, key, first + i) for i, key in enumerate(keys)],
        )

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

    # Terminals and journals -----------------------------------------------------------

    def terminal_by_token(self, token_hash: str) -> TerminalRecord | None:
        with self._conn() as db:
            sql = f"SELECT {TERMINAL_COLS} FROM terminals WHERE token_hash = ?"
            row = db.execute(sql, (token_hash,)).fetchone()
        return None if row is None else terminal_record(row)

    def terminal(self, terminal_id: str) -> TerminalRecord | None:
        with self._conn() as db:
            sql = f"SELECT {TERMINAL_COLS} FROM terminals WHERE id = ?"
            row = db.execute(sql, (terminal_id,)).fetchone()
        return None if row is None else terminal_record(row)

    def list_terminals(self, site: str) -> list[TerminalRecord]:
        with self._conn() as db:
            sql = f"SELECT {TERMINAL_COLS} FROM terminals WHERE site = ? ORDER BY id"
            return [terminal_record(r) for r in db.execute(sql, (site,))]

    def revoke_terminal(self, terminal_id: str) -> bool:
        with self._write() as db:
            sql = "UPDATE terminals SET revoked = 1 WHERE id = ?"
            return db.execute(sql, (terminal_id,)).rowcount == 1

    def touch_terminal(self, terminal_id: str, now: datetime) -> None:
        with self._write() as db:
            sql = "UPDATE terminals SET last_seen = ? WHERE id = ?"
            db.execute(sql, (format_ts(now), terminal_id))

    def entry_hashes(self, terminal_id: str, first: int, last: int) -> dict[int, str]:
        with self._conn() as db:
            rows = db.execute(
                "SELECT seq, hash FROM entries WHERE terminal_id = ? AND seq BETWEEN ? AND ?",
                (terminal_id, first, last),
            ).fetchall()
        return {int(seq): str(digest) for seq, digest in rows}

    def apply_entries(
        self,
        terminal: TerminalRecord,
        entries: Sequence[Entry],
        now: datetime,
        derive: Derive | None = None,
    ) -> ApplyOutcome | None:
        """Apply verified entries that continue ``terminal``'s chain, in one transaction,
        with ``derive`` (state computed from entries, e.g. visits) in that transaction.

        Returns None, changing nothing, when the terminal's applied sequence moved since
        ``terminal`` was read (a concurrent push): the caller reads it again. Raises
        EntryRefusedError, changing nothing, when an entry would take a balance past
        64 bits.
        """
        stamp = format_ts(now)
        flags: list[Flag] = []
        with self._write() as db:
            applied, last_hash = db.execute(
                "SELECT applied_seq, last_hash FROM terminals WHERE id = ?", (terminal.id,)
            ).fetchone()
            if applied != terminal.applied_seq or last_hash != terminal.last_hash:
                return None
            db.executemany(
                f"INSERT INTO entries ({ENTRY_COLS}, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.terminal_id,
                        e.seq,
                        e.ts,
                        e.kind,
                        e.account,
                        e.amount,
                        json.dumps(dict(e.payload), separators=(",", ":"), ensure_ascii=False),
                        e.prev_hash,
                        e.hash,
                        e.sig,
                        stamp,
                    )
                    for e in entries
                ],
            )
            touched: dict[str, list[Entry]] = {}
            for e in entries:
                if e.account is not None:
                    touched.setdefault(e.account, []).append(e)
            changed: list[str] = []
            for account_id, its in touched.items():
                known, new_flags = self._apply_to_account(db, terminal, account_id, its, stamp)
                flags.extend(new_flags)
                if known:
                    changed.append(account_id)
            self._bump(db, terminal.site, "account", changed)
            if derive is not None:
                derive(SqlitePushTx(db, terminal.site, self._bump, stamp))
            last = entries[-1]
            db.execute(
                "UPDATE terminals SET applied_seq = ?, last_hash = ?, last_seen = ? WHERE id = ?",
                (last.seq, last.hash, stamp, terminal.id),
            )
        return ApplyOutcome(applied_seq=last.seq, applied=len(entries), flags=flags)

    def _apply_to_account(
        self,
        db: sqlite3.Connection,
        terminal: TerminalRecord,
        account_id: str,
        entries: list[Entry],
        stamp: str,
    ) -> tuple[bool, list[Flag]]:
        """Add the entries to the account's balance; flag it when it goes below its floor."""
        row = db.execute(
            f"SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ? AND site = ?",
            (account_id, terminal.site),
        ).fetchone()
        if row is None:
            # The meal was served: keep the entry, and let the back office sort it out.
            flag = Flag(account_id, "unknown_account", terminal.id, entries[0].seq, 0, stamp)
            self._insert_flag(db, terminal.site, flag)
            return False, [flag]
        record = account_record(row)
        incidents.record(
            db, terminal.site, record.row, entries, now=parse_ts(stamp), bump=self._bump
        )
        if subsidy.has_cancellation(entries):  # rare: work it out from all the entries
            rows = db.execute(SITE_ENTRIES, (account_id, terminal.site))
            mark = subsidy.mark_of(entry_record(r) for r in rows)
        else:
            mark = subsidy.follow(record.row.subsidy, entries)
        floor = floor_of(record.row)
        balance, flagged, flags = record.row.balance, record.flagged, []
        for e in entries:
            balance += e.amount
            if not fits_int64(balance):
                raise EntryRefusedError(
                    e.id,
                    "balance_overflow",
                    f"account {account_id} would pass the 64-bit limit",
                    applied_seq=terminal.applied_seq,
                )
            if floor is not None and e.amount < 0 and balance < floor and not flagged:
                flag = Flag(account_id, "below_floor", terminal.id, e.seq, balance, stamp)
                self._insert_flag(db, terminal.site, flag)
                flags.append(flag)
                flagged = True
        db.execute(
            "UPDATE accounts SET balance = ?, flagged = ?, subsidy = ? WHERE id = ?",
            (
                balance,
                int(flagged),
                None if mark is None else mark.model_dump_json(),
                account_id,
            ),
        )
        return True, flags

    @staticmethod
    def _insert_flag(db: sqlite3.Connection, site: str, flag: Flag) -> None:
        db.execute(
            """INSERT INTO flags (site, account_id, reason, terminal_id, seq, balance,
                   created_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (
                site,
                flag.account_id,
                flag.reason,
                flag.terminal_id,
                flag.seq,
                flag.balance,
                flag.created_at,
            ),
        )

    def entries_of_terminal(self, terminal_id: str, after: int, limit: int) -> list[Entry]:
        with self._conn() as db:
            sql = (
                f"SELECT {ENTRY_COLS} FROM entries WHERE terminal_id = ? AND seq > ? "
                "ORDER BY seq LIMIT ?"
            )
            return [entry_record(r) for r in db.execute(sql, (terminal_id, after, limit))]

    def cancelling_entry(self, terminal_id: str, seq: int) -> int | None:
        """The sequence of the terminal's entry that cancels its entry ``seq``, if any."""
        with self._conn() as db:
            row = db.execute(
                "SELECT seq FROM entries WHERE terminal_id = ? AND kind = 'cancel' "
                "AND json_extract(payload, '$.cancels') = ? LIMIT 1",
                (terminal_id, seq),
            ).fetchone()
        return None if row is None else int(row[0])

    def payment_booked(self, terminal_id: str, ref: str) -> int | None:
        """The sequence of the terminal's entry that books card payment ``ref`` (the
        top-up it credits or the visitor's sale it pays), if any."""
        with self._conn() as db:
            row = db.execute(
                "SELECT seq FROM entries WHERE terminal_id = ? "
                "AND kind IN ('top_up', 'card_sale') "
                "AND json_extract(payload, '$.payment_ref') = ? LIMIT 1",
                (terminal_id, ref),
            ).fetchone()
        return None if row is None else int(row[0])

    def entries_of_account(self, account_id: str) -> list[Entry]:
        """The entries that count for the account: those of its own site's terminals."""
        with self._conn() as db:
            site = db.execute("SELECT site FROM accounts WHERE id = ?", (account_id,)).fetchone()
            if site is None:
                return []
            return [entry_record(r) for r in db.execute(SITE_ENTRIES, (account_id, site[0]))]

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
                """INSERT INTO credentials VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (value) DO UPDATE SET kind = excluded.kind,
                       status = excluded.status, account_id = excluded.account_id,
                       public_key = excluded.public_key, updated_at = excluded.updated_at""",
                [
                    (r.value, site, r.kind, r.status, r.account_id, r.public_key, stamp)
                    for r in rows
                ],
            )
            self._bump(db, site, "credential", [r.value for r in rows])

    def credential(self, value: str) -> tuple[str, CredentialRow] | None:
        with self._conn() as db:
            row = db.execute(
                "SELECT value, kind, status, account_id, public_key, site FROM credentials "
                "WHERE value = ?",
                (value,),
            ).fetchone()
        return None if row is None else (str(row[5]), credential_row(row))

    def credentials_of(self, account_id: str) -> list[CredentialRow]:
        with self._conn() as db:
            rows = db.execute(
                "SELECT value, kind, status, account_id, public_key FROM credentials "
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

    # Delta sync --------------------------------------------------------------------------

    def changes(self, site: str, terminal_id: str, since: int, limit: int) -> ChangesPage:
        """The objects of ``site`` changed after ``since``, read in one snapshot."""
        with self._read() as db:
            return read_changes(db, site, terminal_id, since, limit)

    # For the hub's store modules (sync.server.payments) ---------------------------------

    def atomic(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction, for a store module's own SQL on this database."""
        return self._write()

    def reading(self) -> AbstractContextManager[sqlite3.Connection]:
        """One read snapshot, for a store module's own SQL on this database."""
        return self._read()

    @staticmethod
    def bump(db: sqlite3.Connection, site: str, kind: str, keys: Sequence[str]) -> None:
        """Give changed rows new versions inside the caller's transaction (changes feed)."""
        SqliteStorage._bump(db, site, kind, keys)

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
