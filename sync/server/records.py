"""Plain records the hub's storage returns, and the ``Storage`` interface itself.

The service (``sync.server.service``) talks only to ``Storage``; ``SqliteStorage`` is
the reference implementation, and ``PgStorage`` (sync.server.pg_storage) runs the same
methods on PostgreSQL (its write transactions are serialised by a database lock, as
SQLite's single writer is, so the version counter keeps versions in commit order).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sync.journal import Entry
from sync.protocol.archives import ArchiveInfo
from sync.protocol.incidents import Incident, IncidentKind
from sync.protocol.page_rows import RowForm
from sync.protocol.rows import AccountRow, CredentialRow, SiteSettings

if TYPE_CHECKING:
    from sync.protocol.orders import OrderDoc
    from sync.server.orders_storage import OrderTx


@dataclass(frozen=True, slots=True)
class TerminalRecord:
    id: str
    site: str
    name: str
    public_key: str
    applied_seq: int
    last_hash: str
    enrolled_at: str
    last_seen: str | None
    revoked: bool
    mode: str | None = None  # till or kiosk, from the enrolment token; None: any


@dataclass(frozen=True, slots=True)
class AccountRecord:
    row: AccountRow
    site: str
    flagged: bool


@dataclass(frozen=True, slots=True)
class Flag:
    account_id: str
    reason: str  # "below_floor" or "unknown_account"
    terminal_id: str | None
    seq: int | None
    balance: int
    created_at: str


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    applied_seq: int
    applied: int
    flags: list[Flag]


@dataclass(frozen=True, slots=True)
class Movement:
    """A movement made on the hub itself (opening balance, online top-up, adjustment)."""

    account_id: str
    kind: str
    amount: int
    ref: str | None
    note: str
    ts: str


class PushTx(Protocol):
    """What a push's derived state (guests served by visits ...) may read and write,
    inside the push's own transaction, on the terminal's site only."""

    site: str

    def document(self, kind: str, doc_id: str) -> dict[str, Any] | None: ...
    def put_document(self, kind: str, doc_id: str, body: Mapping[str, Any] | None) -> None: ...
    def entries_of_account(self, account_id: str) -> list[Entry]: ...
    def entry(self, terminal_id: str, seq: int) -> Entry | None: ...
    def orders(self) -> OrderTx: ...


Derive = Callable[[PushTx], None]


ADMIN_ID_CHARS = 12  # an admin token's public id: the start of its hash


@dataclass(frozen=True, slots=True)
class AdminTokenRecord:
    """An admin token as kept: its public id (the start of its hash), never the token."""

    id: str
    label: str
    created_at: str
    revoked_at: str | None


class Storage(Protocol):
    """Everything the hub keeps. All SQL lives behind this interface."""

    def close(self) -> None: ...

    # Sites and tokens
    def create_site(self, settings: SiteSettings, now: datetime) -> None: ...
    def site_settings(self, code: str) -> SiteSettings | None: ...
    def update_site_settings(self, settings: SiteSettings) -> None: ...
    def list_sites(self) -> list[SiteSettings]: ...
    def add_enrolment_token(
        self, site: str, token_hash: str, expires_at: datetime, mode: str | None = None
    ) -> None: ...
    def enrol_terminal(
        self, *, token_hash: str, terminal: TerminalRecord, token_hash_api: str, now: datetime
    ) -> bool: ...
    def add_admin_token(self, token_hash: str, label: str, now: datetime) -> None: ...
    def is_admin_token(self, token_hash: str) -> bool: ...
    def admin_token(self, token_hash: str) -> AdminTokenRecord | None: ...
    def list_admin_tokens(self) -> list[AdminTokenRecord]: ...
    def revoke_admin_token(self, token_id: str, now: datetime) -> bool: ...
    def take_rate(self, key: str, now_ms: int, interval_ms: int, burst: int) -> int: ...

    # Terminals and their journals
    def terminal_by_token(self, token_hash: str) -> TerminalRecord | None: ...
    def terminal(self, terminal_id: str) -> TerminalRecord | None: ...
    def list_terminals(self, site: str) -> list[TerminalRecord]: ...
    def revoke_terminal(self, terminal_id: str) -> bool: ...
    def touch_terminal(self, terminal_id: str, now: datetime) -> None: ...
    # Archives (sync.server.archive_storage)
    def put_archive(
        self, info: ArchiveInfo, data: bytes, now: datetime
    ) -> tuple[ArchiveInfo, bool]: ...
    def list_archives(self, site: str, terminal_id: str | None = None) -> list[ArchiveInfo]: ...
    def archive_data(self, archive_id: int) -> tuple[ArchiveInfo, bytes] | None: ...
    def entry_hashes(self, terminal_id: str, first: int, last: int) -> dict[int, str]: ...
    def apply_entries(
        self,
        terminal: TerminalRecord,
        entries: Sequence[Entry],
        now: datetime,
        derive: Derive | None = None,
    ) -> ApplyOutcome | None: ...
    def cancelling_entry(self, terminal_id: str, seq: int) -> int | None: ...
    def payment_booked(self, terminal_id: str, ref: str) -> int | None: ...
    def entries_of_terminal(self, terminal_id: str, after: int, limit: int) -> list[Entry]: ...
    def entries_of_account(self, account_id: str) -> list[Entry]: ...

    # Accounts, ledger, credentials, documents
    def create_accounts(
        self, site: str, rows: Sequence[AccountRow], now: datetime, *, replace: bool = False
    ) -> None: ...
    def account(self, account_id: str) -> AccountRecord | None: ...
    def account_sites(self, account_ids: Sequence[str]) -> dict[str, str]: ...
    def update_account(self, record: AccountRecord) -> None: ...
    def list_accounts(self, site: str, *, flagged: bool = False) -> list[AccountRecord]: ...
    def add_movement(self, movement: Movement) -> tuple[int, bool]: ...
    def movements(self, account_id: str) -> list[Movement]: ...
    def open_flags(self, site: str) -> list[Flag]: ...
    def clear_flags(self, account_id: str, now: datetime) -> int: ...
    def put_credential(self, site: str, row: CredentialRow, now: datetime) -> None: ...
    def put_credentials(self, site: str, rows: Sequence[CredentialRow], now: datetime) -> None: ...
    def credential(self, value: str) -> tuple[str, CredentialRow] | None: ...
    def credentials_of(self, account_id: str) -> list[CredentialRow]: ...
    def credential_site(self, ref: str) -> str | None: ...
    def put_document(
        self, site: str, kind: str, doc_id: str, body: Mapping[str, Any] | None, now: datetime
    ) -> None: ...
    def document(self, site: str, kind: str, doc_id: str) -> dict[str, Any] | None: ...
    def has_document(self, site: str, kind: str, doc_id: str) -> bool: ...
    def list_documents(self, site: str, kind: str) -> dict[str, dict[str, Any]]: ...
    def change_document(
        self,
        site: str,
        kind: str,
        doc_id: str,
        change: Callable[[dict[str, Any] | None], Mapping[str, Any] | None],
        now: datetime,
    ) -> None: ...

    # Delta sync: the ``ChangesPage`` as JSON bytes (made without a model per row)
    def changes(
        self, site: str, terminal_id: str, since: int, limit: int, rows: RowForm = "objects"
    ) -> bytes: ...

    # Incidents (overdrafts, double subsidies), recorded inside apply_entries
    def incidents(
        self,
        site: str,
        *,
        state: str = "open",
        kind: IncidentKind | None = None,
        account_id: str | None = None,
        limit: int = 500,
    ) -> list[Incident]: ...
    def incident(self, incident_id: int) -> Incident | None: ...
    def clear_incident(self, incident_id: int, reason: str, now: datetime) -> Incident | None: ...

    # Orders (sync.server.orders_storage)
    def order_tx(self, site: str, now: datetime) -> AbstractContextManager[OrderTx]: ...
    def order(self, site: str, code: str) -> OrderDoc | None: ...
    def orders_of_day(self, site: str, day: str) -> list[OrderDoc]: ...
    def orders_of_account(self, account_id: str, limit: int = 200) -> list[OrderDoc]: ...
