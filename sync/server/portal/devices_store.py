"""The SQL of a diner's devices (phone badges made in the browser) and of the
single-use tokens that sign a new device in from a QR code shown on another.

A device and its phone credential are written in one transaction, with the change
that carries the credential to the site's tills: never a device without its badge,
nor a revoked device whose badge the tills would still take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sync.journal import format_ts
from sync.protocol.rows import CredentialKind, CredentialStatus
from sync.server.storage import SqliteStorage


@dataclass(frozen=True, slots=True)
class Device:
    credential: str  # the phone credential's value, phone:<16 hex>
    label: str
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class DevicesStore:
    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    def add(  # noqa: PLR0917
        self,
        site: str,
        account_id: str,
        credential: str,
        public_key: str,
        label: str,
        now: datetime,
        max_active: int,
    ) -> bool:
        """Add the device and its badge; False (nothing written) if the account
        already has ``max_active`` active devices (counted in the same transaction)."""
        stamp = format_ts(now)
        with self.storage.atomic() as db:
            active = db.execute(
                "SELECT count(*) FROM portal_devices WHERE account_id = ? AND revoked_at IS NULL",
                (account_id,),
            ).fetchone()[0]
            if active >= max_active:
                return False
            db.execute(
                "INSERT INTO credentials "
                "(value, site, kind, status, account_id, public_key, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    credential, site, CredentialKind.PHONE.value,
                    CredentialStatus.ACTIVE.value, account_id, public_key, stamp,
                ),
            )  # fmt: skip
            db.execute(
                "INSERT INTO portal_devices (credential, account_id, label, created_at) "
                "VALUES (?, ?, ?, ?)",
                (credential, account_id, label, stamp),
            )
            self.storage.bump(db, site, "credential", [credential])
        return True

    def devices(self, account_id: str) -> list[Device]:
        """The account's devices, the active ones first, newest first."""
        with self.storage.reading() as db:
            rows = db.execute(
                "SELECT credential, label, created_at, revoked_at FROM portal_devices "
                "WHERE account_id = ? ORDER BY revoked_at IS NOT NULL, created_at DESC",
                (account_id,),
            ).fetchall()
        return [Device(*row) for row in rows]

    def device(self, account_id: str, credential: str) -> Device | None:
        with self.storage.reading() as db:
            row = db.execute(
                "SELECT credential, label, created_at, revoked_at FROM portal_devices "
                "WHERE account_id = ? AND credential = ?",
                (account_id, credential),
            ).fetchone()
        return None if row is None else Device(*row)

    def revoke(self, site: str, account_id: str, credential: str, now: datetime) -> bool:
        """Mark the device revoked and its badge lost (on the tills' deny list);
        False when the account has no such active device."""
        stamp = format_ts(now)
        with self.storage.atomic() as db:
            done = db.execute(
                "UPDATE portal_devices SET revoked_at = ? "
                "WHERE credential = ? AND account_id = ? AND revoked_at IS NULL",
                (stamp, credential, account_id),
            ).rowcount
            if not done:
                return False
            db.execute(
                "UPDATE credentials SET status = ?, updated_at = ? "
                "WHERE value = ? AND account_id = ? AND kind = ?",
                (
                    CredentialStatus.LOST.value, stamp, credential, account_id,
                    CredentialKind.PHONE.value,
                ),
            )  # fmt: skip
            self.storage.bump(db, site, "credential", [credential])
        return True

    # Sign-in tokens shown as a QR code -------------------------------------------------

    def put_link_token(
        self, token_hash: str, site: str, account_id: str, now: datetime, expires: datetime
    ) -> None:
        with self.storage.atomic() as db:
            # Spent and stale tokens go as new ones come, so the table stays small.
            db.execute(
                "DELETE FROM portal_link_tokens WHERE expires_at < ? OR used_at IS NOT NULL",
                (format_ts(now),),
            )
            db.execute(
                "INSERT INTO portal_link_tokens (token_hash, site, account_id, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, site, account_id, format_ts(expires)),
            )

    def take_link_token(self, token_hash: str, now: datetime) -> tuple[str, str] | None:
        """(site, account) of a live, unused token, which is used up by this call."""
        with self.storage.atomic() as db:
            row = db.execute(
                "UPDATE portal_link_tokens SET used_at = ? "
                "WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? "
                "RETURNING site, account_id",
                (format_ts(now), token_hash, format_ts(now)),
            ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))
