"""A changes page as the sync daemon applies it: asked with ``rows=arrays``, each
account and credential comes as a JSON array of its fields in a fixed order
(``ACCOUNT_FIELDS``, ``CREDENTIAL_FIELDS``), checked by the same rules as the models.

A first snapshot brings hundreds of thousands of rows. As objects, a page repeats every
field's name in every row (39 MB for 100,000 diners with two badges each, against
about 23 MB as arrays), and reading them took most of the terminal's time; as arrays,
a row is read in a third of the time and goes to SQLite as it is (the store only
copies the fields). ``AccountValues`` and ``CredentialValues`` mirror ``AccountRow`` and
``CredentialRow`` field for field, constraint for constraint (a test compares their
JSON schemas); every field is sent, defaults included. The default form of
``GET /v1/changes`` (``ChangesPage``, objects) is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field

from sync.protocol.messages import PageHead
from sync.protocol.rows import (
    CREDENTIAL_REF_PATTERN,
    INT64_MAX,
    INT64_MIN,
    MAX_SETTING_CENTS,
    AccountKind,
    AccountRow,
    AccountStatus,
    CredentialKind,
    CredentialRow,
    CredentialStatus,
    SubsidyMark,
)

# ``GET /v1/changes?rows=``: accounts and credentials as objects (``ChangesPage``, the
# default) or as arrays (``ChangesRows``).
RowForm = Literal["objects", "arrays"]

ACCOUNT_FIELDS = (
    "id", "display_name", "kind", "status", "profile", "balance", "overdraft", "subsidy"
)  # fmt: skip
CREDENTIAL_FIELDS = ("value", "kind", "status", "account_id", "public_key", "ref")

AccountValues = tuple[
    Annotated[str, Field(min_length=1, max_length=64)],  # id
    Annotated[str, Field(max_length=200)],  # display_name
    AccountKind,
    AccountStatus,
    Annotated[str, Field(min_length=1, max_length=64)],  # profile
    Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)],  # balance
    Annotated[int, Field(ge=0, le=MAX_SETTING_CENTS)],  # overdraft
    SubsidyMark | None,
]
CredentialValues = tuple[
    Annotated[str, Field(min_length=1, max_length=256)],  # value
    CredentialKind,
    CredentialStatus,
    Annotated[str, Field(min_length=1, max_length=64)],  # account_id
    str | None,  # public_key
    Annotated[str, Field(pattern=CREDENTIAL_REF_PATTERN)],  # ref
]


class ChangesRows(PageHead):
    """``ChangesPage`` with its rows as arrays (see the module's docstring)."""

    accounts: list[AccountValues] = Field(default_factory=list)
    credentials: list[CredentialValues] = Field(default_factory=list)

    def _row_count(self) -> int:
        return len(self.accounts) + len(self.credentials)


def account_values(row: AccountRow | AccountValues) -> tuple[Any, ...]:
    """(id, display_name, kind, status, profile, balance, overdraft, subsidy JSON or
    None) of either form of an account row."""
    if isinstance(row, AccountRow):
        values = (row.id, row.display_name, row.kind.value, row.status.value, row.profile)
        return (*values, row.balance, row.overdraft, _subsidy_json(row.subsidy))
    if row[7] is None:
        return row
    return (*row[:7], _subsidy_json(row[7]))


def credential_values(row: CredentialRow | CredentialValues) -> tuple[Any, ...]:
    """(value, kind, status, account_id, public_key, ref) of either form of a badge."""
    if isinstance(row, CredentialRow):
        values = (row.value, row.kind.value, row.status.value, row.account_id)
        return (*values, row.public_key, row.ref)
    return row


def account_params(rows: Sequence[AccountRow | AccountValues], seq: int) -> list[tuple[Any, ...]]:
    """``account_values`` of each row and ``seq`` after them."""
    return [(*account_values(r), seq) for r in rows]


def credential_params(rows: Sequence[CredentialRow | CredentialValues]) -> list[tuple[Any, ...]]:
    """``credential_values`` of each row."""
    return [credential_values(r) for r in rows]


def _subsidy_json(mark: SubsidyMark | None) -> str | None:
    return None if mark is None else mark.model_dump_json()
