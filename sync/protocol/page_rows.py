"""A changes page as the sync daemon applies it: the JSON of ``ChangesPage``, checked
by the same rules, with each account and credential a plain dict, not a model.

A first snapshot brings hundreds of thousands of rows; a frozen model per row took
most of the terminal's time for no use (the store only copies the fields into SQLite).
``AccountDict`` and ``CredentialDict`` mirror ``AccountRow`` and ``CredentialRow``
field for field, constraint for constraint (a test compares their JSON schemas); a
field with a default may be absent, so read it with ``account_values`` and
``credential_values``.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Annotated, Any, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from sync.protocol.messages import PageHead
from sync.protocol.rows import (
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

_STRICT = ConfigDict(extra="forbid", strict=True)


@with_config(_STRICT)
class AccountDict(TypedDict):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    display_name: Annotated[str, Field(max_length=200)]
    kind: NotRequired[AccountKind]
    status: NotRequired[AccountStatus]
    profile: NotRequired[Annotated[str, Field(min_length=1, max_length=64)]]
    balance: Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
    overdraft: NotRequired[Annotated[int, Field(ge=0, le=MAX_SETTING_CENTS)]]
    subsidy: NotRequired[SubsidyMark | None]


@with_config(_STRICT)
class CredentialDict(TypedDict):
    value: Annotated[str, Field(min_length=1, max_length=256)]
    kind: CredentialKind
    status: NotRequired[CredentialStatus]
    account_id: Annotated[str, Field(min_length=1, max_length=64)]
    public_key: NotRequired[str | None]


class ChangesRows(PageHead):
    """``ChangesPage`` with plain-dict rows (see the module's docstring)."""

    accounts: list[AccountDict] = Field(default_factory=list)
    credentials: list[CredentialDict] = Field(default_factory=list)

    def _row_count(self) -> int:
        return len(self.accounts) + len(self.credentials)


_ACCOUNT = AccountRow.model_fields
_CREDENTIAL = CredentialRow.model_fields
# The hub writes every field: one C call reads them all, defaults only when one is absent.
_account_fields = itemgetter(
    "id", "display_name", "kind", "status", "profile", "balance", "overdraft", "subsidy"
)
_credential_fields = itemgetter("value", "kind", "status", "account_id", "public_key")


def account_values(row: AccountRow | AccountDict) -> tuple[Any, ...]:
    """(id, display_name, kind, status, profile, balance, overdraft, subsidy JSON or
    None), defaults filled in, from either form of an account row."""
    if isinstance(row, AccountRow):
        values = (row.id, row.display_name, row.kind.value, row.status.value, row.profile)
        return (*values, row.balance, row.overdraft, _subsidy_json(row.subsidy))
    try:
        values = _account_fields(row)
    except KeyError:
        defaults = {name: field.default for name, field in _ACCOUNT.items()}
        values = _account_fields({**defaults, **row})
    if values[7] is None:
        return values  # type: ignore[no-any-return]
    return (*values[:7], _subsidy_json(values[7]))


def credential_values(row: CredentialRow | CredentialDict) -> tuple[Any, ...]:
    """(value, kind, status, account_id, public_key), defaults filled in."""
    if isinstance(row, CredentialRow):
        return (row.value, row.kind.value, row.status.value, row.account_id, row.public_key)
    try:
        return _credential_fields(row)  # type: ignore[no-any-return]
    except KeyError:
        defaults = {name: field.default for name, field in _CREDENTIAL.items()}
        return _credential_fields({**defaults, **row})  # type: ignore[no-any-return]


def account_params(rows: Sequence[AccountRow | AccountDict], seq: int) -> list[tuple[Any, ...]]:
    """``account_values`` of each row and ``seq`` after them; in one C call a row when
    every row is a dict with every field (what a hub sends), a snapshot's common case."""
    try:
        made = [(*_account_fields(r), seq) for r in rows]  # type: ignore[arg-type]
    except (KeyError, TypeError):  # a field left out, or models: one at a time
        return [(*account_values(r), seq) for r in rows]
    return [t if t[7] is None else (*t[:7], _subsidy_json(t[7]), seq) for t in made]


def credential_params(rows: Sequence[CredentialRow | CredentialDict]) -> list[tuple[Any, ...]]:
    """``credential_values`` of each row (one C call a row in the common case)."""
    try:
        return list(map(_credential_fields, rows))  # type: ignore[arg-type]
    except (KeyError, TypeError):
        return [credential_values(r) for r in rows]


def _subsidy_json(mark: SubsidyMark | None) -> str | None:
    return None if mark is None else mark.model_dump_json()
