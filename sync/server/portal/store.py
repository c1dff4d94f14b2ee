"""The SQL of the diner portal (a part of the hub's store, kept apart): sign-ins,
sessions, activation codes, failed-attempt counters, and the diner's own reads
(account, e-mail, the entries of every till and channel). Each write is one
transaction of ``SqliteStorage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sync.journal import format_ts
from sync.server.storage import SqliteStorage


@dataclass(frozen=True, slots=True)
class SessionRow:
    token_hash: str
    csrf: str
    site: str | None
    pending_account: str | None
    code_ok: bool
    account_id: str | None
    expires_at: str


@dataclass(frozen=True, slots=True)
class AccountLine:
    """One line of a diner's history: a terminal's entry or a hub movement."""

    source: str  # a terminal id, or "hub"
    ref: int  # the sequence number, or the hub movement's id
    ts: str
    kind: str
    amount: int
    payload: str  # the entry's canonical JSON, or the movement's note as JSON


@dataclass(frozen=True, slots=True)
class Attempts:
    failures: int
    first_at: str
    locked_until: str | None


_SESSION_COLS = "token_hash, csrf, site, pending_account, code_ok, account_id, expires_at"

# The keys of every entry that counts for the account (its own site's terminals) and of
# every hub movement, newest first. Both arms read covering indexes in ``ts`` order and
# SQLite merges them, so a page costs its offset in index steps, never a sort of the
# account's whole history nor a read of its payloads; the page's rows are then read by key.
_HISTORY_KEYS = (
    "SELECT e.terminal_id, e.seq, e.ts FROM entries e WHERE e.account_id = :account "
    "AND e.terminal_id IN (SELECT id FROM terminals WHERE site = :site) "
    "UNION ALL "
    "SELECT 'hub', h.id, h.ts FROM hub_ledger h WHERE h.account_id = :account "
    "ORDER BY 3 DESC, 1, 2 DESC LIMIT :limit OFFSET :offset"
)
_HISTORY_SIZE = (
    "SELECT (SELECT count(*) FROM entries e WHERE e.account_id = :account "
    "AND e.terminal_id IN (SELECT id FROM terminals WHERE site = :site)) "
    "+ (SELECT count(*) FROM hub_ledger h WHERE h.account_id = :account)"
)
_ENTRY_LINE = (
    "SELECT terminal_id, seq, ts, kind, amount, payload FROM entries "
    "WHERE terminal_id = ? AND seq = ?"
)
_MOVEMENT_LINE = (
    "SELECT 'hub', id, ts, kind, amount, json_object('note', note) FROM hub_ledger WHERE id = ?"
)


def _session(r: tuple[Any, ...]) -> SessionRow:
    return SessionRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6])


class PortalStore:
    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    # Sessions ------------------------------------------------------------------------

    def new_session(self, token_hash: str, csrf: str, now: datetime, ttl: timedelta) -> None:
        with self.storage.atomic() as db:
            # Expired sessions go as new ones come, so the table never grows unbounded.
            db.execute("DELETE FROM portal_sessions WHERE expires_at < ?", (format_ts(now),))
            db.execute(
                "INSERT INTO portal_sessions (token_hash, csrf, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, csrf, format_ts(now), format_ts(now + ttl)),
            )

    def session(self, token_hash: str, now: datetime) -> SessionRow | None:
        with self.storage.reading() as db:
            row = db.execute(
                f"SELECT {_SESSION_COLS} FROM portal_sessions "
                "WHERE token_hash = ? AND expires_at > ?",
                (token_hash, format_ts(now)),
            ).fetchone()
        return None if row is None else _session(row)

    def update_session(
        self,
        token_hash: str,
        *,
        site: str | None,
        pending_account: str | None,
        code_ok: bool,
    ) -> None:
        with self.storage.atomic() as db:
            db.execute(
                "UPDATE portal_sessions SET site = ?, pending_account = ?, code_ok = ? "
                "WHERE token_hash = ?",
                (site, pending_account, int(code_ok), token_hash),
            )

    def sign_in(  # noqa: PLR0917
        self,
        old_hash: str | None,
        new_hash: str,
        csrf: str,
        site: str,
        account_id: str,
        now: datetime,
        ttl: timedelta,
    ) -> None:
        """Replace the anonymous session by a new signed-in one (no session fixation)."""
        with self.storage.atomic() as db:
            if old_hash is not None:
                db.execute("DELETE FROM portal_sessions WHERE token_hash = ?", (old_hash,))
            db.execute(
                "INSERT INTO portal_sessions (token_hash, csrf, site, account_id, created_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (new_hash, csrf, site, account_id, format_ts(now), format_ts(now + ttl)),
            )

    def end_session(self, token_hash: str) -> None:
        with self.storage.atomic() as db:
            db.execute("DELETE FROM portal_sessions WHERE token_hash = ?", (token_hash,))

    # Sign-ins and activation codes -------------------------------------------------------

    def password_hash(self, account_id: str) -> str | None:
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT password_hash FROM portal_logins WHERE account_id = ?", (account_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_password(self, account_id: str, password_hash: str, now: datetime) -> None:
        """Set the password; a first one activates the account and uses its code."""
        at = format_ts(now)
        with self.storage.atomic() as db:
            db.execute(
                "INSERT INTO portal_logins VALUES (?, ?, ?, ?) ON CONFLICT (account_id) "
                "DO UPDATE SET password_hash = excluded.password_hash, updated_at = ?",
                (account_id, password_hash, at, at, at),
            )

    def put_code(self, account_id: str, code_hash: str, expires: datetime) -> None:
        with self.storage.atomic() as db:
            db.execute(
                "INSERT INTO portal_codes VALUES (?, ?, ?, NULL) ON CONFLICT (account_id) "
                "DO UPDATE SET code_hash = excluded.code_hash, "
                "expires_at = excluded.expires_at, used_at = NULL",
                (account_id, code_hash, format_ts(expires)),
            )

    def use_code(self, account_id: str, code_hash: str, now: datetime) -> bool:
        """Mark the account's live code used if it is ``code_hash``; once only."""
        at = format_ts(now)
        with self.storage.atomic() as db:
            done = db.execute(
                "UPDATE portal_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? "
                "AND used_at IS NULL AND expires_at > ?",
                (at, account_id, code_hash, at),
            ).rowcount
        return done == 1

    def drop_code(self, account_id: str) -> None:
        with self.storage.atomic() as db:
            db.execute("DELETE FROM portal_codes WHERE account_id = ?", (account_id,))

    # Failed attempts -----------------------------------------------------------------

    def attempts(self, key: str) -> Attempts | None:
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT failures, first_at, locked_until FROM portal_attempts WHERE key = ?",
                (key,),
            ).fetchone()
        return None if row is None else Attempts(int(row[0]), row[1], row[2])

    def count_failure(
        self, key: str, now: datetime, window: timedelta, limit: int, lock: timedelta
    ) -> Attempts:
        """Count one failure in the window (a new window once it has passed); at
        ``limit`` failures the key is locked until ``now + lock``."""
        at = format_ts(now)
        with self.storage.atomic() as db:
            row = db.execute(
                "SELECT failures, first_at FROM portal_attempts WHERE key = ?", (key,)
            ).fetchone()
            if row is None or row[1] <= format_ts(now - window):
                failures, first = 1, at
            else:
                failures, first = int(row[0]) + 1, row[1]
            locked = format_ts(now + lock) if failures >= limit else None
            db.execute(
                "INSERT INTO portal_attempts VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE "
                "SET failures = excluded.failures, first_at = excluded.first_at, "
                "locked_until = excluded.locked_until",
                (key, failures, first, locked),
            )
        return Attempts(failures, first, locked)

    def clear_attempts(self, key: str) -> None:
        with self.storage.atomic() as db:
            db.execute("DELETE FROM portal_attempts WHERE key = ?", (key,))

    # The diner's own data --------------------------------------------------------------

    def account_status(self, site: str, account_id: str) -> str | None:
        """The account's status if it is one of ``site``'s accounts, else None."""
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT status FROM accounts WHERE id = ? AND site = ?", (account_id, site)
            ).fetchone()
        return None if row is None else str(row[0])

    def account_email(self, site: str, account_id: str) -> str | None:
        """The address the site imported for the account, if any."""
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT d.email FROM account_details d JOIN accounts a ON a.id = d.account_id "
                "WHERE a.id = ? AND a.site = ?",
                (account_id, site),
            ).fetchone()
        return str(row[0]) if row is not None and row[0] else None

    def history(self, site: str, account_id: str, offset: int, limit: int) -> list[AccountLine]:
        """The account's lines, newest first."""
        with self.storage.reading() as db:
            keys = db.execute(
                _HISTORY_KEYS,
                {"account": account_id, "site": site, "limit": limit, "offset": offset},
            ).fetchall()
            rows = [
                db.execute(_MOVEMENT_LINE, (ref,)).fetchone()
                if source == "hub"
                else db.execute(_ENTRY_LINE, (source, ref)).fetchone()
                for source, ref, _ in keys
            ]
        return [AccountLine(r[0], int(r[1]), r[2], r[3], int(r[4]), r[5]) for r in rows]

    def history_size(self, site: str, account_id: str) -> int:
        with self.storage.reading() as db:
            row = db.execute(_HISTORY_SIZE, {"account": account_id, "site": site}).fetchone()
        return int(row[0])

    def entry_of(
        self, site: str, account_id: str, terminal_id: str, seq: int
    ) -> AccountLine | None:
        """One entry, only if it is this account's in this site."""
        with self.storage.reading() as db:
            r = db.execute(
                "SELECT e.terminal_id, e.seq, e.ts, e.kind, e.amount, e.payload FROM entries e "
                "JOIN terminals t ON t.id = e.terminal_id "
                "WHERE e.terminal_id = ? AND e.seq = ? AND e.account_id = ? AND t.site = ?",
                (terminal_id, seq, account_id, site),
            ).fetchone()
        return None if r is None else AccountLine(r[0], int(r[1]), r[2], r[3], int(r[4]), r[5])

    def login_times(self, account_id: str) -> tuple[str, str] | None:
        """When the account was activated and its password last set."""
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT activated_at, updated_at FROM portal_logins WHERE account_id = ?",
                (account_id,),
            ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def end_other_sessions(self, account_id: str, keep_hash: str) -> int:
        with self.storage.atomic() as db:
            return db.execute(
                "DELETE FROM portal_sessions WHERE account_id = ? AND token_hash != ?",
                (account_id, keep_hash),
            ).rowcount
