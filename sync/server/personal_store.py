"""The SQL of a diner's personal data on the hub (a part of the hub's store, kept
apart): what is held about a diner, its erasure, the diners' requests to close their
account, and the retention job's reads and purges.

What is personal and where it lives (none of it in a signed payload):

==========================  ===========================================================
table                       personal data
==========================  ===========================================================
``accounts``                ``display_name`` (the diner's name)
``account_details``         e-mail, cost centre
``credentials``             the badge's value (a card's UID), a phone badge's key
``portal_*``                the sign-in (password hash), sessions, codes, attempts,
                            devices (their labels), passkeys, sign-in links
``documents`` (``visit``)   the guests' names and company, the host's note
``closure_requests``        the diner's request and its note
==========================  ===========================================================

The journal entries (``entries``), the hub's movements and the online top-ups are
fiscal records: they name the diner by the account's id only, and stay as they were.
Each write is one transaction of ``SqliteStorage``, with the changes feed bumped in
it so that the tills get the erased rows at their next pull.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync.journal import format_ts
from sync.protocol.rows import AccountStatus, CredentialStatus
from sync.protocol.visits import VISIT_KIND
from sync.server.storage import SqliteStorage

ERASED_NAME = ""  # an erased diner's display name (terminals show the account id)
ERASED_VISITOR = "(effacé)"  # a visit document needs a visitor: the name is replaced


@dataclass(frozen=True, slots=True)
class Erased:
    """What one erasure changed (counts of rows)."""

    account_id: str
    site: str
    erased_at: str
    credentials: int
    portal_rows: int
    visits: int


@dataclass(frozen=True, slots=True)
class ClosureRequest:
    account_id: str
    site: str
    requested_at: str
    note: str
    handled_at: str | None


def _rows(db: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _hosted_visits(db: sqlite3.Connection, site: str, account_id: str) -> list[tuple[str, Any]]:
    """The visit documents of ``site`` whose host is ``account_id``."""
    found = []
    for doc_id, body in db.execute(
        "SELECT id, body FROM documents WHERE site = ? AND kind = ? AND body IS NOT NULL "
        "AND json_extract(body, '$.host_account_id') = ?",
        (site, VISIT_KIND, account_id),
    ):
        found.append((str(doc_id), json.loads(body)))
    return found


class PersonalDataStore:
    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    # What is held ---------------------------------------------------------------------

    def site_of(self, account_id: str) -> str | None:
        with self.storage.reading() as db:
            row = db.execute("SELECT site FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return None if row is None else str(row[0])

    def holdings(self, account_id: str) -> dict[str, Any]:
        """Every row the hub holds about the account, read in one snapshot, as plain
        JSON values (entries' payloads parsed)."""
        one = (account_id,)
        with self.storage.reading() as db:
            account = _rows(
                db,
                "SELECT id, site, display_name, kind, status, profile, overdraft, balance, "
                "flagged, created_at FROM accounts WHERE id = ?",
                one,
            )
            site = str(account[0]["site"]) if account else ""
            held: dict[str, Any] = {
                "account": account[0] if account else None,
                "details": next(
                    iter(
                        _rows(
                            db,
                            "SELECT email, cost_centre FROM account_details WHERE account_id = ?",
                            one,
                        )
                    ),
                    None,
                ),
                "badges": _rows(
                    db,
                    "SELECT value, kind, status, ref, public_key, updated_at FROM credentials "
                    "WHERE account_id = ? ORDER BY value",
                    one,
                ),
                "portal": {
                    "login": next(
                        iter(
                            _rows(
                                db,
                                "SELECT activated_at, updated_at FROM portal_logins "
                                "WHERE account_id = ?",
                                one,
                            )
                        ),
                        None,
                    ),
                    "sessions": _rows(
                        db,
                        "SELECT created_at, expires_at FROM portal_sessions "
                        "WHERE account_id = ? OR pending_account = ? ORDER BY created_at",
                        (account_id, account_id),
                    ),
                    "devices": _rows(
                        db,
                        "SELECT credential, label, created_at, revoked_at FROM portal_devices "
                        "WHERE account_id = ? ORDER BY created_at",
                        one,
                    ),
                    "passkeys": _rows(
                        db,
                        "SELECT label, created_at, last_used_at FROM portal_passkeys "
                        "WHERE account_id = ? ORDER BY created_at",
                        one,
                    ),
                },
                "closure_request": next(
                    iter(
                        _rows(
                            db,
                            "SELECT requested_at, note, handled_at FROM closure_requests "
                            "WHERE account_id = ?",
                            one,
                        )
                    ),
                    None,
                ),
                "erasure": next(
                    iter(
                        _rows(
                            db, "SELECT erased_at, reason FROM erasures WHERE account_id = ?", one
                        )
                    ),
                    None,
                ),
                "visits": [body for _, body in _hosted_visits(db, site, account_id)],
                "hub_movements": _rows(
                    db,
                    "SELECT id, kind, amount, ref, note, ts FROM hub_ledger "
                    "WHERE account_id = ? ORDER BY id",
                    one,
                ),
                "online_topups": _rows(
                    db,
                    "SELECT id, amount, provider, state, refunded, created_at, settled_at "
                    "FROM online_topups WHERE account_id = ? ORDER BY created_at",
                    one,
                ),
                "flags": _rows(
                    db,
                    "SELECT reason, terminal_id, seq, balance, created_at, cleared_at "
                    "FROM flags WHERE account_id = ? ORDER BY id",
                    one,
                ),
                "entries": [
                    {**row, "payload": json.loads(row["payload"])}
                    for row in _rows(
                        db,
                        "SELECT terminal_id, seq, ts, kind, amount, payload FROM entries "
                        "WHERE account_id = ? ORDER BY ts, terminal_id, seq",
                        one,
                    )
                ],
            }
        return held

    # Erasure ---------------------------------------------------------------------------

    def erase(self, account_id: str, now: datetime, reason: str) -> Erased | None:
        """Remove or pseudonymise, in one transaction, every piece of personal data held
        about the account; None when there is no such account.

        The account keeps its id, kind, profile and balance (the money of the signed
        entries that name it), is closed, and loses its name; its badges are revoked
        (the tills refuse them) and lose their phone keys; its sign-in, sessions, codes
        and details go; the visits it hosted lose their guests' names.
        """
        stamp = format_ts(now)
        with self.storage.atomic() as db:
            row = db.execute("SELECT site FROM accounts WHERE id = ?", (account_id,)).fetchone()
            if row is None:
                return None
            site = str(row[0])
            db.execute(
                "UPDATE accounts SET display_name = ?, status = ? WHERE id = ?",
                (ERASED_NAME, AccountStatus.CLOSED.value, account_id),
            )
            db.execute("DELETE FROM account_details WHERE account_id = ?", (account_id,))
            badges = [
                str(r[0])
                for r in db.execute(
                    "UPDATE credentials SET status = ?, public_key = NULL, updated_at = ? "
                    "WHERE account_id = ? RETURNING value",
                    (CredentialStatus.REVOKED.value, stamp, account_id),
                )
            ]
            portal = 0
            for sql, params in (
                ("DELETE FROM portal_logins WHERE account_id = ?", (account_id,)),
                (
                    "DELETE FROM portal_sessions WHERE account_id = ? OR pending_account = ?",
                    (account_id, account_id),
                ),
                ("DELETE FROM portal_codes WHERE account_id = ?", (account_id,)),
                ("DELETE FROM portal_devices WHERE account_id = ?", (account_id,)),
                ("DELETE FROM portal_passkeys WHERE account_id = ?", (account_id,)),
                ("DELETE FROM portal_link_tokens WHERE account_id = ?", (account_id,)),
                # counters are keyed "<what>:<account id>" (sign-in, code checks ...)
                ("DELETE FROM portal_attempts WHERE key LIKE ?", (f"%:{account_id}",)),
            ):
                portal += db.execute(sql, params).rowcount
            visits = self._forget_guests(db, site, _hosted_visits(db, site, account_id), stamp)
            db.execute(
                "UPDATE closure_requests SET handled_at = ?, note = '' WHERE account_id = ?",
                (stamp, account_id),
            )
            db.execute(
                "INSERT INTO erasures VALUES (?, ?, ?, ?) ON CONFLICT (account_id) "
                "DO UPDATE SET erased_at = excluded.erased_at, reason = excluded.reason",
                (account_id, site, stamp, reason),
            )
            self.storage.bump(db, site, "account", [account_id])
            self.storage.bump(db, site, "credential", sorted(badges))
        self.storage.checkpoint()  # the rows' former versions leave the WAL too
        return Erased(account_id, site, stamp, len(badges), portal, visits)

    def _forget_guests(
        self, db: sqlite3.Connection, site: str, docs: list[tuple[str, Any]], stamp: str
    ) -> int:
        """Replace the guests' names, company and note of these visit documents."""
        changed = []
        for doc_id, body in docs:
            if body.get("visitor") == ERASED_VISITOR and not body.get("company"):
                continue
            forgotten = {**body, "visitor": ERASED_VISITOR, "company": "", "note": ""}
            db.execute(
                "UPDATE documents SET body = ?, updated_at = ? "
                "WHERE site = ? AND kind = ? AND id = ?",
                (json.dumps(forgotten, separators=(",", ":")), stamp, site, VISIT_KIND, doc_id),
            )
            changed.append(doc_id)
        self.storage.bump(db, site, f"doc:{VISIT_KIND}", changed)
        return len(changed)

    # Requests to close an account ------------------------------------------------------

    def request_closure(self, account_id: str, site: str, now: datetime, note: str) -> bool:
        """Record the diner's request; False if one is already open (kept as it was)."""
        with self.storage.atomic() as db:
            done = db.execute(
                "INSERT INTO closure_requests (account_id, site, requested_at, note) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET "
                "requested_at = excluded.requested_at, note = excluded.note, handled_at = NULL "
                "WHERE closure_requests.handled_at IS NOT NULL",
                (account_id, site, format_ts(now), note),
            ).rowcount
        return done > 0

    def closure_request(self, account_id: str) -> ClosureRequest | None:
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT account_id, site, requested_at, note, handled_at FROM closure_requests "
                "WHERE account_id = ?",
                (account_id,),
            ).fetchone()
        return None if row is None else ClosureRequest(*row)

    def closure_requests(self, site: str, *, open_only: bool = True) -> list[ClosureRequest]:
        where = " AND handled_at IS NULL" if open_only else ""
        with self.storage.reading() as db:
            rows = db.execute(
                "SELECT account_id, site, requested_at, note, handled_at FROM closure_requests "
                f"WHERE site = ?{where} ORDER BY requested_at, account_id",
                (site,),
            ).fetchall()
        return [ClosureRequest(*r) for r in rows]

    # Retention -------------------------------------------------------------------------

    def closed_idle_accounts(self, site: str, before: datetime) -> list[str]:
        """Closed, not yet erased accounts of the site with nothing since ``before``:
        no entry, no hub movement, not created after it."""
        cut = format_ts(before)
        with self.storage.reading() as db:
            rows = db.execute(
                "SELECT a.id FROM accounts a WHERE a.site = ? AND a.status = ? "
                "AND a.created_at < :cut "
                "AND NOT EXISTS (SELECT 1 FROM erasures x WHERE x.account_id = a.id) "
                "AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.account_id = a.id "
                "AND e.ts >= :cut) "
                "AND NOT EXISTS (SELECT 1 FROM hub_ledger h WHERE h.account_id = a.id "
                "AND h.ts >= :cut) ORDER BY a.id".replace(":cut", "?"),
                (site, AccountStatus.CLOSED.value, cut, cut, cut),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def forget_old_guests(self, site: str, before_day: str, now: datetime) -> int:
        """Replace the guests' names of the site's visits dated before ``before_day``."""
        with self.storage.atomic() as db:
            docs = [
                (str(doc_id), json.loads(body))
                for doc_id, body in db.execute(
                    "SELECT id, body FROM documents WHERE site = ? AND kind = ? "
                    "AND body IS NOT NULL AND json_extract(body, '$.day') < ?",
                    (site, VISIT_KIND, before_day),
                )
            ]
            return self._forget_guests(db, site, docs, format_ts(now))

    def purge_portal(self, now: datetime) -> int:
        """Expired sessions and activation codes: of no use once expired."""
        stamp = format_ts(now)
        with self.storage.atomic() as db:
            gone = db.execute("DELETE FROM portal_sessions WHERE expires_at < ?", (stamp,))
            codes = db.execute("DELETE FROM portal_codes WHERE expires_at < ?", (stamp,))
            return gone.rowcount + codes.rowcount

    def fiscal_entries_before(self, site: str, before: datetime) -> int:
        """How many of the site's journal entries are older than ``before``."""
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT count(*) FROM entries e JOIN terminals t ON t.id = e.terminal_id "
                "WHERE t.site = ? AND e.ts < ?",
                (site, format_ts(before)),
            ).fetchone()
        return int(row[0])
