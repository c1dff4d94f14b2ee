"""Messages of the hub's admin API (standing in for the back office and the diner's app).

Strict models like the rest of the protocol. Account creation takes an ``AccountRow``
whose ``balance`` is the opening balance; documents (catalogue, tariffs, visits ...)
are JSON objects stored and synced as they are.
"""

from __future__ import annotations

import re
from typing import Literal

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
