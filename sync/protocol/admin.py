"""Messages of the hub's admin API (standing in for the back office and the diner's app).

Strict models like the rest of the protocol. Account creation takes an ``AccountRow``
whose ``balance`` is the opening balance; documents (catalogue, tariffs, visits ...)
are JSON objects stored and synced as they are.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, JsonValue, field_validator

from sync.protocol.messages import Ident, PublicKeyText
from sync.protocol.rows import (
    ID_PATTERN,
    AccountKind,
    AccountRow,
    AccountStatus,
    CredentialKind,
    CredentialRow,
    CredentialStatus,
    Strict,
    credential_problem,
)

_ID = re.compile(ID_PATTERN)

MAX_IMPORT = 5000
Document = dict[str, JsonValue]


class AccountImport(Strict):
    accounts: list[AccountRow] = Field(min_length=1, max_length=MAX_IMPORT)
    replace: bool = Field(default=False, description="update the details of existing ids")

    @field_validator("accounts")
    @classmethod
    def _addressable_ids(cls, rows: list[AccountRow]) -> list[AccountRow]:
        for i, row in enumerate(rows):
            if not _ID.fullmatch(row.id):
                raise ValueError(
                    f"accounts[{i}].id {row.id[:80]!r}: 1 to 64 ASCII letters, digits, '.', "
                    "'_' or '-', starting with a letter or digit"
                )
        return rows


class AccountUpdate(Strict):
    display_name: str | None = Field(default=None, max_length=200)
    kind: AccountKind | None = None
    status: AccountStatus | None = None
    profile: str | None = Field(default=None, min_length=1, max_length=64)
    overdraft: int | None = Field(default=None, ge=0, le=10**9)


class AccountView(Strict):
    account: AccountRow
    site: str
    flagged: bool
    credentials: list[CredentialRow]


class TopUp(Strict):
    amount: int = Field(gt=0, le=10**9, description="cents")
    ref: str | None = Field(
        default=None, min_length=1, max_length=100, description="idempotency key"
    )
    note: str = Field(default="", max_length=200)


class Adjustment(Strict):
    amount: int = Field(ge=-(10**9), le=10**9, description="signed, cents")
    ref: str | None = Field(default=None, min_length=1, max_length=100)
    note: str = Field(min_length=1, max_length=200, description="why (kept in the ledger)")


class Balance(Strict):
    account_id: str
    balance: int


class CredentialAssign(Strict):
    value: str = Field(min_length=3, max_length=256, pattern=r"^[a-z]+:[A-Za-z0-9_\-]+$")
    kind: CredentialKind
    account_id: Ident
    public_key: PublicKeyText | None = None


class CredentialStatusChange(Strict):
    status: CredentialStatus


class CredentialReplace(Strict):
    new_value: str = Field(min_length=3, max_length=256, pattern=r"^[a-z]+:[A-Za-z0-9_\-]+$")


class EnrolmentTokenRequest(Strict):
    ttl_s: int = Field(default=86_400, ge=60, le=30 * 86_400)
    mode: Literal["till", "kiosk"] | None = Field(
        default=None, description="binds the terminal to the entries of this mode; null: any"
    )


class EnrolmentToken(Strict):
    token: str
    site_code: str
    expires_at: str


class TerminalView(Strict):
    id: str
    site: str
    name: str
    applied_seq: int
    enrolled_at: str
    last_seen: str | None
    lag_s: int | None = Field(description="seconds since the terminal was last seen")
    revoked: bool


class FlagView(Strict):
    account_id: str
    reason: str
    terminal_id: str | None
    seq: int | None
    balance: int
    created_at: str


class JournalCheck(Strict):
    """The hub's verification of what one terminal pushed (chain and signatures)."""

    terminal_id: str
    ok: bool
    checked: int
    last_seq: int
    bad_seq: int | None = None
    problem: str | None = None


class AdminTokenRequest(Strict):
    label: str = Field(default="admin", min_length=1, max_length=64)


class AdminTokenView(Strict):
    """An admin token as the hub keeps it: never the token itself, only its id."""

    id: str
    label: str
    created_at: str
    revoked: bool
    revoked_at: str | None = None


class AdminTokenCreated(Strict):
    """A new admin token: ``token`` is shown this once (the hub keeps its hash)."""

    id: str
    label: str
    token: str


# Back office: account imports, menu versions, cashiers, terminals, reports -------------

NfcBadge = Annotated[str, Field(min_length=8, max_length=68, pattern=r"^nfc:[0-9A-F]{4,64}$")]


class ImportRow(Strict):
    """One line of an HR export, as the back office parsed it (``line`` is the file's)."""

    line: int = Field(ge=1)
    id: Ident
    name: str = Field(max_length=200)
    profile: str = Field(default="employee", min_length=1, max_length=64)
    badges: list[NfcBadge] = Field(default_factory=list, max_length=8)
    email: str = Field(default="", max_length=254)
    overdraft: int = Field(default=0, ge=0, le=10**9, description="cents")
    postpaid: bool = False
    cost_centre: str = Field(default="", max_length=64)

    @field_validator("badges")
    @classmethod
    def _readable(cls, badges: list[str]) -> list[str]:
        for badge in badges:
            problem = credential_problem(badge, CredentialKind.NFC)
            if problem is not None:
                raise ValueError(problem)
        return badges


class ImportStart(Strict):
    total: int = Field(ge=1, le=10_000_000, description="rows the batch will hold")


class ImportStarted(Strict):
    import_id: str


class ImportChunk(Strict):
    rows: list[ImportRow] = Field(min_length=1, max_length=MAX_IMPORT)


class LineError(Strict):
    line: int
    problem: str


class ImportResult(Strict):
    """What a committed import did, or (``errors`` not empty) why nothing was applied."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    badges_assigned: int = 0
    errors: list[LineError] = Field(default_factory=list)
    dry_run: bool = False


class ExportRow(Strict):
    id: str
    name: str
    profile: str
    badges: list[str]
    email: str
    overdraft: int
    postpaid: bool
    cost_centre: str
    status: AccountStatus
    balance: int


class MenuPublish(Strict):
    menu: Document = Field(description="a sync.protocol.catalogue.SiteMenu as JSON")
    effective: str | None = Field(
        default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="site day; default today"
    )
    note: str = Field(default="", max_length=200)


class MenuVersion(Strict):
    version: int
    effective: str
    published_at: str
    note: str
    state: str = Field(description="active, scheduled or past")


class MenuRollback(Strict):
    to_version: int | None = Field(default=None, ge=1, description="default: the one before")


PIN_PATTERN = r"^[0-9]{4,8}$"


class CashierRole(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"


class CashierAdd(Strict):
    id: Ident
    name: str = Field(min_length=1, max_length=100)
    badge: NfcBadge
    role: CashierRole = CashierRole.CASHIER

    @field_validator("badge")
    @classmethod
    def _readable(cls, badge: str) -> str:
        problem = credential_problem(badge, CredentialKind.NFC)
        if problem is not None:
            raise ValueError(problem)
        return badge


class CashierPin(Strict):
    pin: str = Field(pattern=PIN_PATTERN, description="4 to 8 digits; the hub keeps a hash")


class PinHash(Strict):
    """A PIN as the hub keeps it and the tills check it: scrypt with its own salt."""

    alg: str = Field(default="scrypt", pattern="^scrypt$")
    n: int = Field(ge=2**10, le=2**17)
    r: int = Field(ge=1, le=16)
    p: int = Field(ge=1, le=4)
    salt: str = Field(pattern=r"^[0-9a-f]{32}$")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class CashierDoc(Strict):
    """A cashier as synced to tills (documents of kind ``cashier``)."""

    id: str
    name: str
    credential: str
    role: CashierRole
    active: bool
    pin: PinHash | None = None


class TerminalRename(Strict):
    name: str = Field(min_length=1, max_length=100)


class TillDay(Strict):
    terminal_id: str
    name: str
    sales_count: int
    cancellations_count: int
    net_sales: int
    top_ups: int
    closure: bool


class DayReport(Strict):
    site: str
    day: str
    tills: list[TillDay]
    by_vat: dict[str, int]
    by_means: dict[str, int]
    net_sales: int
    closures_received: list[str]
    closures_missing: list[str]


class CashierView(Strict):
    """A cashier as the back office lists it (the PIN hash stays on the hub and tills)."""

    id: str
    name: str
    credential: str
    role: CashierRole
    active: bool
    has_pin: bool


class ImportStaged(Strict):
    staged: int


class EntryView(Strict):
    """One journal entry as the hub holds it (the back office reads the facts behind
    a flag or an incident)."""

    terminal_id: str
    seq: int
    ts: str
    kind: str
    account_id: str | None
    amount: int
    payload: Document


class MovementView(Strict):
    """A movement of the hub's own ledger (opening balance, online top-up, adjustment)."""

    kind: str
    amount: int
    ref: str | None
    note: str
    ts: str
