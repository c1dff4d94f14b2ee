"""The terminals' side of ``SqliteStorage``: the terminals themselves, the push that
applies a terminal's journal entries (balances, flags, incidents, derived state) in one
transaction, and the queries on the stored entries.

``JournalStorage`` is a base class of ``SqliteStorage`` (sync.server.storage) on top of
``SqliteBase`` (sync.server.sqlite_base), kept in its own module so that the core
storage stays readable.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from sync import subsidy
from sync.journal import Entry, format_ts, parse_ts
from sync.server import incidents
from sync.server.errors import EntryRefusedError
from sync.server.records import ApplyOutcome, Derive, Flag, TerminalRecord
from sync.server.sqlite_base import SqliteBase
from sync.server.sqlrows import (
    ACCOUNT_COLS,
    ENTRY_COLS,
    SITE_ENTRIES,
    TERMINAL_COLS,
    SqlitePushTx,
    account_record,
    entry_record,
    fits_int64,
    floor_of,
    terminal_record,
)


class JournalStorage(SqliteBase):
    """Terminals, the push of their journals, and their stored entries."""

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
                "AND CAST(json_extract(payload, '$.cancels') AS INTEGER) = ? LIMIT 1",
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
