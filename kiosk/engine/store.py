"""The terminal's SQLite store: the only module of the engine that speaks SQL.

One file in WAL mode with ``synchronous=FULL`` (a commit is on disk when it returns),
foreign keys on and a busy timeout, shared by the kiosk process (which appends to the
journal) and the sync daemon (which applies hub snapshots). Every multi-statement
write runs in one ``BEGIN IMMEDIATE`` transaction (``Store.atomic``), short enough
that a sale never waits long on the daemon.

The connection's settings, the transactions and the migrations are the hub's too
(``sync.sqlitedb``). Callers never see the connection: a transaction is a ``Tx``
(``kiosk.engine.store_tx``) they pass to the store's named operations, here and in
the store's parts (``store_sync``, ``store_cashiers``, ``store_codes``,
``store_payments``). Every sqlite3 error leaves as a ``StoreError``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.engine.errors import KeyMismatch, StoreError, TerminalMismatch
from kiosk.engine.schema import MIGRATIONS
from kiosk.engine.store_cashiers import CashierRecords
from kiosk.engine.store_orders import StoreOrders
from kiosk.engine.store_sync import SyncState, put_hub_rows
from kiosk.engine.store_tx import Tx, sql_of
from sync import sqlitedb
from sync.journal import (
    GENESIS_HASH,
    ROW_COLUMNS,
    Entry,
    canonical_json,
)
from sync.protocol.incidents import Incident
from sync.protocol.page_rows import AccountValues, CredentialValues
from sync.protocol.rows import AccountRow, CredentialRow, SiteSettings, settings_problem

log = logging.getLogger(__name__)

# meta key: why the last settings the hub sent were refused (absent when they were not)
Credential = CredentialRow | CredentialValues  # either form of a badge row from the hub
SETTINGS_PROBLEM = "settings_problem"

BUSY_TIMEOUT_MS = 5000
# Rows per snapshot transaction: one to two milliseconds of writing on an idle machine
# (3 us a row), the longest a sale waits on the sync daemon; fewer rows, and the
# begin and commit of each transaction start to cost more than the rows.
SNAPSHOT_CHUNK = 500


@dataclass(frozen=True, slots=True)
class AccountState:
    """An account as the terminal sees it (hub mirror + included_seq)."""

    row: AccountRow
    included_seq: int


class Store(SyncState, CashierRecords, StoreOrders):
    """A connection to the terminal's database. Not shared between threads unlocked:
    each public method takes the store's lock, so one Store may serve several threads.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0  # open transactions (atomic, reading) of the lock's holder
        self.path = path

    # Opening and transactions ---------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True) -> Store:
        """Open (with ``create``: create if absent) the store at ``path``.

        Without ``create`` a missing file is a ``StoreError`` and nothing is written
        to the folder but SQLite's WAL files: what diagnostics use.
        """
        file = Path(path)
        if not create and not file.is_file():
            raise StoreError(f"{file}: no store here")
        if create:
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{file}: cannot open the store: {exc}") from exc
        conn = sqlitedb.connect(
            file,
            error=StoreError,
            what="the store",
            busy_timeout_s=BUSY_TIMEOUT_MS / 1000,
            must_exist=not create,
        )
        store = cls(conn, file)
        try:
            with store._lock:
                sqlitedb.migrate(conn, MIGRATIONS, error=StoreError, where=str(file))
        except StoreError as exc:
            conn.close()
            raise StoreError(f"{file}: cannot open the store: {exc}") from exc
        return store

    def close(self) -> None:
        with self._locked():
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def atomic(self) -> Iterator[Tx]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT), rolled back whole on
        error; inside another, a savepoint (see ``sync.sqlitedb.transaction``)."""
        with (
            self._lock,
            self._opened() as nested,
            sqlitedb.transaction(self._conn, error=StoreError, where=self._where, nested=nested),
        ):
            yield Tx(self._conn)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The store's lock, with sqlite3's errors turned into ``StoreError``."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {sqlitedb.describe(exc)}") from exc

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A consistent read snapshot (BEGIN DEFERRED ... COMMIT)."""
        with (
            self._lock,
            self._opened() as nested,
            sqlitedb.snapshot(self._conn, error=StoreError, where=self._where, nested=nested),
        ):
            yield Tx(self._conn)

    @contextmanager
    def _opened(self) -> Iterator[bool]:
        """Count the transactions open on this thread (the lock is held): True when
        this one is inside another."""
        self._depth += 1
        try:
            yield self._depth > 1
        finally:
            self._depth -= 1

    @property
    def _where(self) -> str:
        return str(self.path)

    def _sql(self, tx: Tx | None) -> sqlite3.Connection:
        """The connection of ``tx``, or the store's own (a statement of its own)."""
        return self._conn if tx is None else sql_of(tx)

    def integrity_problems(self, limit: int = 10) -> list[str]:
        """SQLite's ``PRAGMA integrity_check``: empty when the file is sound."""
        try:
            with self._lock:
                rows = self._conn.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
        except sqlite3.Error as exc:
            return [f"cannot check: {exc}"]
        found = [str(row[0]) for row in rows]
        return [] if found == ["ok"] else found

    def migrations(self) -> list[str]:
        with self._locked():
            return sqlitedb.recorded_migrations(self._conn)

    # Identity ------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        with self._locked():
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.atomic() as tx:
            db = sql_of(tx)
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def bind_terminal(self, terminal_id: str, public_key: str) -> None:
        """Record which terminal owns this store; refuse another one once bound."""
        with self.atomic() as tx:
            db = sql_of(tx)
            row = db.execute("SELECT value FROM meta WHERE key = 'terminal_id'").fetchone()
            if row is not None and row[0] != terminal_id:
                raise TerminalMismatch(
                    f"{self.path} belongs to terminal {row[0]!r}, not {terminal_id!r}"
                )
            bound = db.execute("SELECT value FROM meta WHERE key = 'public_key'").fetchone()
            if bound is not None and bound[0] != public_key:
                raise KeyMismatch(
                    f"{self.path} is bound to another terminal key; put back this "
                    "terminal's own terminal.key (from its backup)"
                )
            if row is not None and bound is not None:
                return  # bound already: nothing to write (a read-only store still opens)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('terminal_id', ?)", (terminal_id,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('public_key', ?)", (public_key,))

    def writable(self) -> str | None:
        """None when a write would succeed; else why not (a write tried, rolled back)."""
        try:
            with self.atomic() as tx:
                db = sql_of(tx)
                db.execute("UPDATE sync_state SET cursor = cursor WHERE id = 1")
                raise _Probe
        except _Probe:
            return None
        except StoreError as exc:
            return str(exc)

    def terminal_id(self) -> str:
        value = self.meta("terminal_id")
        if value is None:
            raise StoreError(f"{self.path}: no terminal is bound to this store")
        return value

    # Mirror of the hub -----------------------------------------------------------

    def apply_snapshot(
        self,
        *,
        accounts: Sequence[AccountRow | AccountValues],
        credentials: Sequence[CredentialRow | CredentialValues],
        settings: SiteSettings | None,
        applied_seq: int,
        cursor: int,
        documents: Mapping[str, Mapping[str, Mapping[str, Any] | None]] | None = None,
        incidents: Sequence[Incident] = (),
    ) -> None:
        """Apply one page of hub changes in short transactions of ``SNAPSHOT_CHUNK``
        rows, so that a sale never waits long on the sync daemon; the cursor goes with
        the last one, so that a page cut short by a crash is pulled again.

        Each account's hub balance arrives with ``applied_seq``: the highest of this
        terminal's sequences the hub had applied when it computed that balance. A page
        that erases a diner's name (the hub's erasure) is followed by a checkpoint that
        empties the WAL, so that the former name is nowhere in the files.
        """
        erasing = self._erases_a_name(accounts)
        size = SNAPSHOT_CHUNK
        chunks: list[
            tuple[Sequence[AccountRow | AccountValues], Sequence[CredentialRow | CredentialValues]]
        ] = [(accounts[i : i + size], ()) for i in range(0, len(accounts), size)] + [
            ((), credentials[i : i + size]) for i in range(0, len(credentials), size)
        ]
        for some_accounts, some_credentials in chunks[:-1]:
            with self._snapshot_tx() as tx:
                put_hub_rows(sql_of(tx), some_accounts, some_credentials, applied_seq)
        with self._snapshot_tx() as tx:
            db = sql_of(tx)
            if chunks:
                put_hub_rows(db, *chunks[-1], applied_seq)
            if settings is not None:
                self._apply_settings(tx, settings)
            for kind, docs in (documents or {}).items():
                for doc_id, data in docs.items():
                    if data is None:
                        db.execute(
                            "DELETE FROM documents WHERE kind = ? AND id = ?", (kind, doc_id)
                        )
                    else:
                        db.execute(
                            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?)",
                            (kind, doc_id, canonical_json(dict(data)).decode()),
                        )
            for incident in incidents:
                if incident.cleared_at is not None:
                    db.execute("DELETE FROM incidents WHERE id = ?", (incident.id,))
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO incidents VALUES (?, ?)",
                        (incident.id, incident.model_dump_json()),
                    )
            db.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (cursor,))
        if erasing:
            self.checkpoint()

    def _erases_a_name(self, accounts: Sequence[AccountRow | AccountValues]) -> bool:
        """Whether this page empties the name of an account that has one here (the
        hub's erasure of a diner): the page is then followed by a checkpoint."""
        nameless = [
            a.id if isinstance(a, AccountRow) else a[0]
            for a in accounts
            if not (a.display_name if isinstance(a, AccountRow) else a[1])
        ]
        if not nameless:
            return False
        with self.reading() as tx:
            return any(
                sql_of(tx)
                .execute(
                    "SELECT 1 FROM accounts WHERE display_name != '' AND id IN "
                    f"({','.join('?' * len(part))}) LIMIT 1",
                    part,
                )
                .fetchone()
                for part in (nameless[i : i + 500] for i in range(0, len(nameless), 500))
            )

    def checkpoint(self) -> bool:
        """Copy the WAL into the database file and empty it; False when a reader kept
        it from finishing (a later checkpoint empties it)."""
        with self._locked():
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        return not busy

    @contextmanager
    def _snapshot_tx(self) -> Iterator[Tx]:
        """A write transaction whose commit is not fsynced (``synchronous = NORMAL`` on
        this connection, for this transaction only): what it writes comes again from
        the hub if a power cut loses it, and the next sale's commit (fsynced, on any
        connection) makes it durable too. The WAL keeps the file sound either way."""
        with self._lock:
            try:
                self._conn.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {sqlitedb.describe(exc)}") from exc
            try:
                with self.atomic() as tx:
                    yield tx
            finally:
                try:
                    self._conn.execute("PRAGMA synchronous = FULL")
                except sqlite3.Error as exc:
                    log.error("%s: cannot restore synchronous = FULL: %s", self.path, exc)

    @staticmethod
    def _apply_settings(tx: Tx, settings: SiteSettings) -> None:
        """Keep the last good settings: unusable ones (a time zone this machine does not
        know ...) are refused, logged and recorded under ``SETTINGS_PROBLEM``."""
        db = sql_of(tx)
        problem = settings_problem(settings)
        if problem is not None:
            log.error("site settings from the hub refused, the last good ones kept: %s", problem)
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)", (SETTINGS_PROBLEM, problem[:500])
            )
            return
        db.execute("DELETE FROM meta WHERE key = ?", (SETTINGS_PROBLEM,))
        db.execute(
            "INSERT OR REPLACE INTO site_settings VALUES (1, ?)", (settings.model_dump_json(),)
        )

    def account(self, account_id: str, tx: Tx | None = None) -> AccountState | None:
        with self._locked():
            row = (
                self._sql(tx)
                .execute(
                    """SELECT id, display_name, kind, status, profile, hub_balance, overdraft,
                          included_seq, subsidy FROM accounts WHERE id = ?""",
                    (account_id,),
                )
                .fetchone()
            )
        if row is None:
            return None
        account = AccountRow.model_validate(
            {
                "id": row[0],
                "display_name": row[1],
                "kind": row[2],
                "status": row[3],
                "profile": row[4],
                "balance": row[5],
                "overdraft": row[6],
                "subsidy": None if row[8] is None else json.loads(row[8]),
            },
            strict=False,
        )
        return AccountState(account, row[7])

    def credential(self, value: str, tx: Tx | None = None) -> CredentialRow | None:
        with self._locked():
            row = (
                self._sql(tx)
                .execute(
                    "SELECT value, kind, status, account_id, public_key, ref FROM credentials "
                    "WHERE value = ?",
                    (value,),
                )
                .fetchone()
            )
        if row is None:
            return None
        return CredentialRow.model_validate(
            {
                "value": row[0],
                "kind": row[1],
                "status": row[2],
                "account_id": row[3],
                "public_key": row[4],
                "ref": row[5],
            },
            strict=False,
        )

    def site_settings(self, tx: Tx | None = None) -> SiteSettings | None:
        with self._locked():
            row = self._sql(tx).execute("SELECT data FROM site_settings WHERE id = 1").fetchone()
        return None if row is None else _parse_settings(row[0])

    def document_text(self, kind: str, doc_id: str) -> str | None:
        """One document as stored (canonical JSON), for callers that cache on it."""
        with self._locked():
            row = self._conn.execute(
                "SELECT data FROM documents WHERE kind = ? AND id = ?", (kind, doc_id)
            ).fetchone()
        return None if row is None else str(row[0])

    def count_accounts(self) -> int:
        with self._locked():
            return int(self._conn.execute("SELECT count(*) FROM accounts").fetchone()[0])

    # Journal ---------------------------------------------------------------------

    def unsynced_sum(self, account_id: str, included_seq: int, tx: Tx) -> int:
        """Sum of this terminal's entries for the account that the hub had not applied."""
        db = sql_of(tx)
        row = db.execute(
            "SELECT coalesce(sum(amount), 0) FROM journal WHERE account = ? AND seq > ?",
            (account_id, included_seq),
        ).fetchone()
        return int(row[0])

    def day_sum(self, account_id: str, day: str, kinds: Sequence[str], tx: Tx) -> int:
        db = sql_of(tx)
        marks = ",".join("?" * len(kinds))
        row = db.execute(
            f"SELECT coalesce(sum(amount), 0) FROM journal "
            f"WHERE account = ? AND day = ? AND kind IN ({marks})",
            (account_id, day, *kinds),
        ).fetchone()
        return int(row[0])

    def head(self, tx: Tx | None = None) -> tuple[int, str]:
        """(last sequence, its hash), or (0, genesis) for an empty journal."""
        with self._locked():
            row = (
                self._sql(tx)
                .execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
                .fetchone()
            )
        return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))

    def last_seq(self) -> int:
        return self.head()[0]

    def append(self, entry: Entry, tx: Tx) -> None:
        """Insert a signed entry inside the caller's transaction."""
        db = sql_of(tx)
        payload = entry.payload
        db.execute(
            """INSERT INTO journal (seq, terminal_id, ts, day, kind, account, amount, ref_seq,
                   payload, prev_hash, hash, sig)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                entry.seq,
                entry.terminal_id,
                entry.ts,
                str(payload.get("business_day", entry.ts[:10])),
                entry.kind,
                entry.account,
                entry.amount,
                payload.get("cancels"),
                canonical_json(dict(payload)).decode(),
                entry.prev_hash,
                entry.hash,
                entry.sig,
            ),
        )

    def entry(self, seq: int, tx: Tx | None = None) -> Entry | None:
        with self._locked():
            row = (
                self._sql(tx)
                .execute(f"SELECT {ROW_COLUMNS} FROM journal WHERE seq = ?", (seq,))
                .fetchone()
            )
        return None if row is None else Entry.from_row(row)

    def cancelled_by(self, seq: int, tx: Tx | None = None) -> int | None:
        with self._locked():
            row = (
                self._sql(tx)
                .execute("SELECT seq FROM journal WHERE ref_seq = ?", (seq,))
                .fetchone()
            )
        return None if row is None else int(row[0])

    def last_entry_of(self, kinds: Collection[str], *, uncancelled: bool = False) -> Entry | None:
        """The latest entry of one of ``kinds`` (with ``uncancelled``: the latest that no
        entry cancels), or None."""
        marks = ",".join("?" * len(kinds))
        skip = (
            " AND seq NOT IN (SELECT ref_seq FROM journal WHERE ref_seq IS NOT NULL)"
            if uncancelled
            else ""
        )
        found = self._entries(
            f"kind IN ({marks}){skip} ORDER BY seq DESC LIMIT 1", tuple(str(k) for k in kinds)
        )
        return found[0] if found else None

    def _entries(self, where: str, params: tuple[Any, ...]) -> list[Entry]:
        """The journal's entries ``WHERE ...`` (the rest of the query: order, limit)."""
        with self._locked():
            rows = self._conn.execute(
                f"SELECT {ROW_COLUMNS} FROM journal WHERE {where}", params
            ).fetchall()
        return [Entry.from_row(r) for r in rows]

    def journal_after(self, seq: int, limit: int) -> list[Entry]:
        return self._entries("seq > ? ORDER BY seq LIMIT ?", (seq, limit))

    def iter_journal(self, batch: int = 2000) -> Iterator[tuple[Any, ...]]:
        """Every journal row in order, raw: (entry columns..., day, ref_seq).

        Raw so that verify can name an entry whose stored text no longer parses;
        ``Entry.from_row`` turns a row into an Entry (ValueError: the stored payload
        is not JSON).
        """
        last = 0
        while True:
            with self._locked():
                rows = self._conn.execute(
                    f"SELECT {ROW_COLUMNS}, day, ref_seq FROM journal "
                    "WHERE seq > ? ORDER BY seq LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][1]

    def entries_for_account(self, account_id: str, limit: int) -> list[Entry]:
        return self._entries("account = ? ORDER BY seq DESC LIMIT ?", (account_id, limit))

    def entries_of_account_on(self, account_id: str, day: str) -> list[Entry]:
        """One account's entries of one business day, in order (indexed by account)."""
        return self._entries("account = ? AND day = ? ORDER BY seq", (account_id, day))

    def entries_of_day(self, day: str) -> list[Entry]:
        return self._entries("day = ? ORDER BY seq", (day,))


class _Probe(Exception):
    """Rolls back the write that ``Store.writable`` tries."""


@lru_cache(maxsize=4)
def _parse_settings(text: str) -> SiteSettings:
    """Settings are read several times a sale: parsed once per stored version (frozen)."""
    return SiteSettings.model_validate_json(text)
