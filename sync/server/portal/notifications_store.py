"""The SQL of low-balance notifications: each diner's threshold, and the outbox of
e-mails decided inside a push's transaction and sent after it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync.journal import format_ts
from sync.server.storage import SqliteStorage


@dataclass(frozen=True, slots=True)
class Alert:
    account_id: str
    threshold: int  # cents
    lang: str


@dataclass(frozen=True, slots=True)
class OutMail:
    id: int
    account_id: str
    kind: str
    body: dict[str, Any]
    attempts: int


class NotificationStore:
    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    def alert(self, account_id: str) -> Alert | None:
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT account_id, threshold, lang FROM portal_alerts WHERE account_id = ?",
                (account_id,),
            ).fetchone()
        return None if row is None else Alert(row[0], int(row[1]), row[2])

    def set_alert(self, account_id: str, threshold: int | None, lang: str, now: datetime) -> None:
        """Set the threshold, or remove it (None)."""
        with self.storage.atomic() as db:
            if threshold is None:
                db.execute("DELETE FROM portal_alerts WHERE account_id = ?", (account_id,))
                return
            db.execute(
                "INSERT INTO portal_alerts VALUES (?, ?, ?, ?) ON CONFLICT (account_id) DO "
                "UPDATE SET threshold = excluded.threshold, lang = excluded.lang, "
                "updated_at = excluded.updated_at",
                (account_id, threshold, lang, format_ts(now)),
            )

    # Inside a push's transaction -------------------------------------------------------

    @staticmethod
    def alerts_of(db: sqlite3.Connection, site: str, account_ids: list[str]) -> dict[str, Any]:
        """Threshold, language and balance (as now written) of those of the site's
        accounts that have an alert: one indexed read per push."""
        if not account_ids:
            return {}
        marks = ", ".join("?" for _ in account_ids)
        rows = db.execute(
            "SELECT p.account_id, p.threshold, p.lang, a.balance FROM portal_alerts p "
            "JOIN accounts a ON a.id = p.account_id "
            f"WHERE a.site = ? AND p.account_id IN ({marks})",
            (site, *account_ids),
        ).fetchall()
        return {r[0]: (int(r[1]), r[2], int(r[3])) for r in rows}

    @staticmethod
    def queue(
        db: sqlite3.Connection, account_id: str, kind: str, body: Mapping[str, Any], at: str
    ) -> None:
        db.execute(
            "INSERT INTO portal_outbox (account_id, kind, body, created_at) VALUES (?, ?, ?, ?)",
            (account_id, kind, json.dumps(dict(body), separators=(",", ":")), at),
        )

    # The outbox ------------------------------------------------------------------------

    def waiting(self, max_attempts: int, limit: int = 50) -> list[OutMail]:
        with self.storage.reading() as db:
            rows = db.execute(
                "SELECT id, account_id, kind, body, attempts FROM portal_outbox "
                "WHERE sent_at IS NULL AND attempts < ? ORDER BY id LIMIT ?",
                (max_attempts, limit),
            ).fetchall()
        return [OutMail(int(r[0]), r[1], r[2], json.loads(r[3]), int(r[4])) for r in rows]

    def sent(self, mail_id: int, now: datetime) -> None:
        with self.storage.atomic() as db:
            db.execute(
                "UPDATE portal_outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                (format_ts(now), mail_id),
            )

    def failed(self, mail_id: int, error: str, give_up: bool = False) -> None:
        """Count a failed attempt; ``give_up``: never try this one again."""
        with self.storage.atomic() as db:
            db.execute(
                "UPDATE portal_outbox SET attempts = CASE WHEN ? = 1 THEN 1000000 "
                "ELSE attempts + 1 END, last_error = ? WHERE id = ?",
                (int(give_up), error[:500], mail_id),
            )

    def outbox(self, account_id: str) -> list[tuple[str, str | None, str | None]]:
        """The account's mails (created, sent, last error), oldest first."""
        with self.storage.reading() as db:
            rows = db.execute(
                "SELECT created_at, sent_at, last_error FROM portal_outbox "
                "WHERE account_id = ? ORDER BY id",
                (account_id,),
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]
