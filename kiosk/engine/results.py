"""What engine operations return: a result, never an exception, for business refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.journal import Entry
from sync.money import Money
from sync.protocol.reasons import RejectReason
from sync.protocol.rows import AccountRow, CredentialRow


@dataclass(frozen=True, slots=True)
class Identified:
    """Who presented the credential, and what they may spend."""

    account: AccountRow
    credential: CredentialRow
    balance: Money  # usable balance: hub balance + this terminal's unsynced entries
    offline: bool  # the offline cap applies (last sync too old)


@dataclass(frozen=True, slots=True)
class Accepted:
    """The operation was committed durably: ``entry`` is on disk and signed."""

    entry: Entry
    account_id: str
    display_name: str
    amount: Money  # what was charged (sale) or credited (top-up), positive
    balance_after: Money
    ticket: Any = None  # the priced ticket of a tray sale
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def seq(self) -> int:
        return self.entry.seq


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing was written. ``detail`` is for logs; the UI words the reason itself."""

    reason: RejectReason
    detail: str = ""
    shortfall: Money | None = None
    account_id: str | None = None
    display_name: str | None = None
    balance: Money | None = None


Result = Accepted | Refused
