"""The SQL of the diners' passkeys (WebAuthn credentials): one row per
authenticator credential, its COSE public key and signature counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sync.journal import format_ts
from sync.server.storage import SqliteStorage


@dataclass(frozen=True, slots=True)
class Passkey:
    credential_id: str  # base64url, as the browser names it
    account_id: str
    public_key: bytes  # COSE
    sign_count: int
    label: str
    created_at: str
    last_used_at: str | None


_COLS = "credential_id, account_id, public_key, sign_count, label, created_at, last_used_at"


class PasskeysStore:
    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    def add(self, key: Passkey) -> bool:
        """False if this credential is already registered (to anyone)."""
        with self.storage.atomic() as db:
            done = db.execute(
                f"INSERT INTO portal_passkeys ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (credential_id) DO NOTHING",
                (
                    key.credential_id, key.account_id, key.public_key, key.sign_count,
                    key.label, key.created_at, key.last_used_at,
                ),
            ).rowcount  # fmt: skip
        return bool(done)

    def get(self, credential_id: str) -> Passkey | None:
        with self.storage.reading() as db:
            row = db.execute(
                f"SELECT {_COLS} FROM portal_passkeys WHERE credential_id = ?", (credential_id,)
            ).fetchone()
        return None if row is None else Passkey(*row)

    def of_account(self, account_id: str) -> list[Passkey]:
        with self.storage.reading() as db:
            rows = db.execute(
                f"SELECT {_COLS} FROM portal_passkeys WHERE account_id = ? "
                "ORDER BY created_at DESC",
                (account_id,),
            ).fetchall()
        return [Passkey(*row) for row in rows]

    def used(self, credential_id: str, old_count: int, new_count: int, now: datetime) -> bool:
        """Record a sign-in; False if another sign-in moved the counter meanwhile."""
        with self.storage.atomic() as db:
            done = db.execute(
                "UPDATE portal_passkeys SET sign_count = ?, last_used_at = ? "
                "WHERE credential_id = ? AND sign_count = ?",
                (new_count, format_ts(now), credential_id, old_count),
            ).rowcount
        return bool(done)

    def remove(self, account_id: str, credential_id: str) -> bool:
        with self.storage.atomic() as db:
            done = db.execute(
                "DELETE FROM portal_passkeys WHERE account_id = ? AND credential_id = ?",
                (account_id, credential_id),
            ).rowcount
        return bool(done)
